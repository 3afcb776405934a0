"""Province maps: boundaries, a choropleth that never shows a missing province as zero, and the
March-2023 extreme-poverty map that keeps exact values, bounds and gaps apart.

Every map carries the boundary attribution line :data:`BOUNDARY_ATTRIBUTION` (required by the
CC BY 3.0 IGO licence of the HDX COD-AB boundaries, see the bundle README).

Each province is drawn as one :class:`matplotlib.patches.PathPatch` whose ``gid`` is its BPS code
(``'11'``), so a figure can be checked artist by artist: a province with a value has a colour of
the colour scale and no hatch; a province without one is drawn in :data:`MISSING_FACE` with the
hatch :data:`MISSING_HATCH` and listed in the legend (``"no data (n)"``), never as a zero.

geopandas and matplotlib are imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from jamsostek_analysis.data.extreme import extreme_poverty_categories  # noqa: F401 - re-exported
from jamsostek_analysis.errors import BundleError, ParseError, RegionError
from jamsostek_analysis.geography import FIRST_38_YEAR, map_set_for_year

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

__all__ = [
    "BOUNDARY_ATTRIBUTION",
    "PROVINCE_FILES",
    "MISSING_FACE",
    "MISSING_HATCH",
    "BOUNDED_FACE",
    "BOUNDED_HATCH",
    "load_provinces",
    "province_set_for_year",
    "province_values",
    "province_change",
    "map_panels",
    "common_norm",
    "choropleth",
    "extreme_poverty_categories",
    "extreme_poverty_map",
    "add_boundary_attribution",
]

#: attribution required by CC BY 3.0 IGO (shortened from the bundle README's line)
BOUNDARY_ATTRIBUTION = (
    "Administrative boundaries: BPS \u2013 Statistics Indonesia, via OCHA ROAP / HDX "
    "(COD-AB Indonesia, idn_adm_bps_20200401), CC BY 3.0 IGO; dissolved and simplified."
)
PROVINCE_FILES = {"34": "geo/idn_provinces_34_bps.geojson", "38": "geo/idn_provinces_38_bps.geojson"}
#: first year whose BPS province tables use the 38-province set (geography.FIRST_38_YEAR)
FIRST_YEAR_38 = FIRST_38_YEAR

MISSING_FACE = "#d9d9d9"
MISSING_HATCH = "////"
BOUNDED_FACE = "#ffffff"
BOUNDED_HATCH = "xxx"
BOUNDED_EDGE = "#6a3d9a"
EDGE_COLOR = "#4d4d4d"
EDGE_WIDTH = 0.25
ATTRIBUTION_GID = "boundary-attribution"

_CACHE: dict[tuple[str, int, int], Any] = {}


# --------------------------------------------------------------------------------------------
# boundaries


def province_set_for_year(year: int) -> str:
    """The province set ('34' or '38') that BPS province tables use for ``year``.

    Parameters
    ----------
    year : int
        Survey year.

    Returns
    -------
    str
        ``'38'`` from 2024 (first year with values for 92, 95, 96, 97 in the poverty and labour
        tables), else ``'34'`` (2013-2023 set; 2023 rows are still pre-split). Kalimantan Utara
        (65) exists in the 34 set, so for years before 2013 the 34 set shows it as its own
        province, which the BPS tables of those years do not have (it will appear as missing).
    """
    return map_set_for_year(year)


def load_provinces(bundle: Any = None, province_set: str = "34") -> gpd.GeoDataFrame:
    """Province boundaries of the 34- or 38-province set, codes as strings.

    The GeoJSON is read once per file (cached by path, size and modification time); each call
    returns a copy.

    Parameters
    ----------
    bundle : DataBundle, optional
        The data bundle (located if None); ``geo/idn_provinces_{34,38}_bps.geojson``.
    province_set : {'34', '38'}
        Which set.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``province_code`` (str, two digits), ``province_name``, ``geometry`` (EPSG:4326),
        sorted by code, one row per province.

    Raises
    ------
    BundleError
        Unknown ``province_set`` or file missing.
    ParseError
        Missing columns, codes that are not two digits, duplicates, or the wrong number of rows.
    """
    import geopandas as gpd

    key_set = str(province_set)
    if key_set not in PROVINCE_FILES:
        raise BundleError(f"load_provinces: province_set must be '34' or '38', found {province_set!r}")
    if bundle is None:
        from jamsostek_analysis.data.bundle import DataBundle

        bundle = DataBundle.locate()
    relpath = PROVINCE_FILES[key_set]
    path = bundle.path(relpath)
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _CACHE:
        gdf = gpd.read_file(path)
        for col in ("province_code", "province_name"):
            if col not in gdf.columns:
                raise ParseError(f"{relpath}: expected a {col!r} property, found {list(gdf.columns)}")
        codes = gdf["province_code"].astype(str).str.strip()
        bad = ~codes.str.fullmatch(r"\d{2}")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ParseError(f"{relpath}: feature {i}: province_code {codes.iloc[i]!r} is not a two-digit BPS code")
        if codes.duplicated().any():
            raise ParseError(f"{relpath}: province_code {codes[codes.duplicated()].iloc[0]!r} appears twice")
        if len(codes) != int(key_set):
            raise ParseError(f"{relpath}: expected {key_set} provinces, found {len(codes)}")
        gdf = gdf.assign(province_code=codes)[["province_code", "province_name", "geometry"]]
        if gdf.crs is None:
            gdf = gdf.set_crs("EPSG:4326")
        _CACHE[key] = gdf.sort_values("province_code").reset_index(drop=True)
    return _CACHE[key].copy()


# --------------------------------------------------------------------------------------------
# values from the panel


def province_values(panel: pd.DataFrame, column: str, year: int) -> pd.Series:
    """One year's values of ``column`` indexed by ``province_code`` (str), all provinces of that year.

    Raises
    ------
    PanelError
        Missing column, no rows for ``year``, or a province twice in that year.
    """
    from jamsostek_analysis.errors import PanelError

    for col in ("province_code", "year", column):
        if col not in panel.columns:
            raise PanelError(f"province_values: panel has no column {col!r}")
    sub = panel[panel["year"].astype(int) == int(year)]
    if sub.empty:
        raise PanelError(f"province_values: no rows for year {year}")
    codes = sub["province_code"].astype(str)
    if codes.duplicated().any():
        raise PanelError(f"province_values: province {codes[codes.duplicated()].iloc[0]} appears twice in {year}")
    return pd.Series(
        sub[column].to_numpy(dtype=float), index=pd.Index(codes, name="province_code"), name=f"{column}_{year}"
    )


def province_change(panel: pd.DataFrame, column: str, start: int, end: int) -> pd.Series:
    """``column`` in ``end`` minus ``column`` in ``start``, by province (NaN where either is missing).

    Both years must have the same provinces (use the 34-province panel across the 2024 Papua
    split); otherwise :class:`~jamsostek_analysis.errors.PanelError` names the codes that differ.
    """
    from jamsostek_analysis.errors import PanelError

    a, b = province_values(panel, column, start), province_values(panel, column, end)
    if set(a.index) != set(b.index):
        raise PanelError(
            f"province_change({column}, {start}, {end}): the two years have different provinces "
            f"({sorted(set(a.index) ^ set(b.index))}); aggregate to one geography first (geography='34')"
        )
    return (b - a.reindex(b.index)).rename(f"{column}_change_{start}_{end}")


# --------------------------------------------------------------------------------------------
# drawing helpers


def _geometry_path(geom: Any) -> Any:
    """One compound matplotlib Path for a (Multi)Polygon: exterior and interior rings, closed."""
    import shapely
    from matplotlib.path import Path as MplPath

    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for poly in shapely.get_parts(geom):
        rings = [poly.exterior, *poly.interiors]
        for ring in rings:
            xy = shapely.get_coordinates(ring)
            if len(xy) < 3:
                continue
            c = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            c[0] = MplPath.MOVETO
            c[-1] = MplPath.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
    if not verts:
        return MplPath(np.empty((0, 2)))
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = (10.0, 5.0)) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures import house_style

    with house_style():
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def _colorbar(fig: Figure, ax: Axes, mappable: Any, label: str, **kw: Any) -> Any:
    """Horizontal colour bar under the map."""
    cbar = fig.colorbar(mappable, ax=ax, orientation="horizontal", shrink=0.5, aspect=35, pad=0.02, **kw)
    cbar.set_label(label, fontsize=9)
    cbar.ax.tick_params(labelsize=8)
    return cbar


#: Province polygons are rasterized in vector outputs (PDF/SVG) at the figure's dpi; titles, legends and
#: colour bars stay vector. Two reasons: the PDF shrinks from ~2.4 MB to a few hundred kB, and
#: reruns are byte-identical (vector path coordinates are printed to 6 decimals, and run-to-run noise
#: of order 1e-16 in numpy's SIMD reductions occasionally flipped the last printed digit of a vertex).
RASTERIZED_NOTE = "province polygons rasterized in PDF/SVG"


def _finish_axes(ax: Axes, gdf: gpd.GeoDataFrame, title: str) -> None:
    minx, miny, maxx, maxy = gdf.total_bounds
    padx, pady = 0.01 * (maxx - minx), 0.02 * (maxy - miny)
    ax.set_xlim(minx - padx, maxx + padx)
    ax.set_ylim(miny - pady, maxy + pady)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=11, loc="left", fontweight="bold")
    ax.grid(False)


def add_boundary_attribution(fig: Figure, source: str | None = None, text: str = BOUNDARY_ATTRIBUTION) -> None:
    """Write the boundary attribution line (and a data-source line above it) at the bottom of ``fig``.

    Idempotent: the attribution is written once per figure (``gid`` :data:`ATTRIBUTION_GID`) and
    each distinct ``source`` once (``gid`` ``'source-note'``), so multi-panel figures carry the
    lines once. With a constrained layout, room is reserved at the bottom for the lines.
    """
    from matplotlib.transforms import offset_copy

    line_pt = 9.5  # vertical space per text line, points
    if not any(t.get_gid() == ATTRIBUTION_GID for t in fig.texts):
        fig.text(0.005, 0.005, text, fontsize=6.5, color="#444444", ha="left", va="bottom", gid=ATTRIBUTION_GID)
    notes = [t for t in fig.texts if t.get_gid() == "source-note"]
    if source and not any(t.get_text() == source for t in notes):
        lines_below = 1 + sum(t.get_text().count("\n") + 1 for t in notes)
        tr = offset_copy(fig.transFigure, fig=fig, x=0.0, y=line_pt * lines_below, units="points")
        fig.text(
            0.005, 0.005, source, fontsize=7, color="#444444", ha="left", va="bottom", gid="source-note", transform=tr
        )
    n_lines = 1 + sum(t.get_text().count("\n") + 1 for t in fig.texts if t.get_gid() == "source-note")
    engine = fig.get_layout_engine()
    if type(engine).__name__ == "ConstrainedLayoutEngine":
        height_pt = fig.get_figheight() * 72.0
        bottom = min(0.3, (line_pt * n_lines + 8.0) / height_pt + 0.005)
        engine.set(rect=(0.0, bottom, 1.0, 1.0 - bottom))


def _check_values(gdf: gpd.GeoDataFrame, values: pd.Series, what: str) -> pd.Series:
    """Values as float indexed by str code; unknown codes and duplicates raise RegionError."""
    if not isinstance(values, pd.Series):
        raise RegionError(f"{what}: expected a pandas Series indexed by province_code, found {type(values).__name__}")
    idx = pd.Index(values.index.astype(str))
    try:
        num = pd.to_numeric(pd.Series(values.to_numpy()), errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise RegionError(f"{what}: expected numeric values, found {values.dtype}") from exc
    v = pd.Series(num, index=idx, dtype=float)
    if idx.duplicated().any():
        raise RegionError(f"{what}: province_code {idx[idx.duplicated()][0]!r} appears more than once in the values")
    known = set(gdf["province_code"])
    unknown = sorted(set(idx) - known)
    if unknown:
        raise RegionError(
            f"{what}: province codes {unknown} are not in this {len(known)}-province boundary set; "
            "choose the matching set (province_set_for_year) or aggregate the values first"
        )
    return v


def map_panels(n: int, *, width: float = 10.0, height_per_map: float = 4.6) -> tuple[Figure, list[Axes]]:
    """A figure with ``n`` map axes stacked vertically (house style, constrained layout)."""
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures import house_style

    with house_style():
        fig, axes = plt.subplots(
            int(n), 1, figsize=(width, height_per_map * int(n)), layout="constrained", squeeze=False
        )
    return fig, list(axes[:, 0])


def common_norm(*values: pd.Series) -> Normalize:
    """A linear colour normalisation spanning the non-missing values of all ``values`` (shared scale)."""
    from matplotlib.colors import Normalize

    allv = pd.concat([pd.Series(v, dtype=float) for v in values]).dropna()
    if allv.empty:
        return Normalize(0.0, 1.0)
    lo, hi = float(allv.min()), float(allv.max())
    return Normalize(lo, hi if hi > lo else lo + 1.0)


# --------------------------------------------------------------------------------------------
# choropleth


def choropleth(
    gdf: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    title: str,
    cmap: str = "viridis",
    legend_label: str,
    ax: Axes | None = None,
    missing_label: str = "no data",
    norm: Normalize | None = None,
    diverging: bool = False,
    source: str | None = None,
) -> Figure:
    """Draw province ``values`` on ``gdf``; provinces without a value are hatched grey, not zero.

    Parameters
    ----------
    gdf : GeoDataFrame
        Boundaries from :func:`load_provinces` (``province_code`` str).
    values : pandas.Series
        Indexed by province code (str). NaN and absent codes are drawn as missing. Codes not in
        ``gdf`` raise (nothing is dropped silently).
    title, legend_label : str
        Axes title; colour-bar label (give the unit).
    cmap : str
        Matplotlib colormap name.
    ax : Axes, optional
        Draw into this axes (else a new figure).
    missing_label : str
        Legend text for provinces without a value; the count is appended.
    norm : Normalize, optional
        Colour normalisation; default the min-max of the values, or, with ``diverging=True``,
        symmetric around zero (for changes).
    source : str, optional
        Data-source line written above the boundary attribution.

    Returns
    -------
    matplotlib.figure.Figure
        The figure; one PathPatch per province with ``gid`` = province code.

    Raises
    ------
    RegionError
        Values indexed by codes absent from ``gdf``, or duplicated codes.
    """
    import matplotlib as mpl
    from matplotlib.colors import Normalize, TwoSlopeNorm
    from matplotlib.patches import Patch, PathPatch

    v = _check_values(gdf, values, f"choropleth({title!r})")
    fig, ax = _new_axes(ax)
    present = v.dropna()
    cm = mpl.colormaps[cmap]
    if norm is None:
        if present.empty:
            norm = Normalize(0.0, 1.0)
        elif diverging:
            m = float(np.nanmax(np.abs(present.to_numpy())))
            m = m if m > 0 else 1.0
            norm = TwoSlopeNorm(vcenter=0.0, vmin=-m, vmax=m)
        else:
            lo, hi = float(present.min()), float(present.max())
            norm = Normalize(lo, hi if hi > lo else lo + 1.0)
    n_missing = 0
    for code, geom in zip(gdf["province_code"], gdf.geometry, strict=True):
        val = v.get(code, np.nan)
        path = _geometry_path(geom)
        if pd.isna(val):
            n_missing += 1
            patch = PathPatch(
                path, facecolor=MISSING_FACE, edgecolor=EDGE_COLOR, hatch=MISSING_HATCH, linewidth=EDGE_WIDTH
            )
        else:
            patch = PathPatch(path, facecolor=cm(norm(val)), edgecolor=EDGE_COLOR, linewidth=EDGE_WIDTH)
        patch.set_gid(code)
        patch.set_rasterized(True)  # see RASTERIZED_NOTE
        ax.add_artist(patch)  # add_patch would recompute data limits (slow); _finish_axes sets them
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=cm)
    _colorbar(fig, ax, sm, legend_label)
    if n_missing:
        handle = Patch(
            facecolor=MISSING_FACE, edgecolor=EDGE_COLOR, hatch=MISSING_HATCH, label=f"{missing_label} ({n_missing})"
        )
        ax.legend(handles=[handle], loc="lower left", fontsize=8, frameon=False)
    _finish_axes(ax, gdf, title)
    add_boundary_attribution(fig, source)
    return fig


# --------------------------------------------------------------------------------------------
# extreme poverty, March 2023


EXTREME_POVERTY_BINS = (0.0, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)


def extreme_poverty_map(
    gdf: gpd.GeoDataFrame,
    fragments: pd.DataFrame,
    *,
    year: int = 2023,
    period: str = "March",
    series: str = "BPS 1.90 series",
    cmap: str = "YlOrRd",
    ax: Axes | None = None,
    source: str | None = None,
) -> Figure:
    """Map one round of province extreme poverty: exact values coloured, bounds hatched, gaps grey.

    Exact values use a binned colour scale (:data:`EXTREME_POVERTY_BINS`, percent of population);
    provinces known only to lie within a band (e.g. "between 1 % and 5 %", inferred by elimination
    in the curated file) are white with a purple cross-hatch (:data:`BOUNDED_HATCH`) and a legend
    entry naming the band; provinces with no information are grey with :data:`MISSING_HATCH`.

    Parameters
    ----------
    gdf : GeoDataFrame
        Boundaries of the set the round uses (34 provinces for March 2023).
    fragments : DataFrame
        The curated fragments table (see :func:`extreme_poverty_categories`).
    year, period, series : the round and series vintage to draw.
    cmap : str
        Colormap for exact values.
    ax : Axes, optional
        Draw into this axes.
    source : str, optional
        Data-source line written above the boundary attribution.

    Returns
    -------
    Figure
        One PathPatch per province (``gid`` = code).

    Raises
    ------
    RegionError
        A fragment's province is not in ``gdf`` (e.g. pre-split Papua on the 38 set).
    ParseError
        See :func:`extreme_poverty_categories`.
    """
    import matplotlib as mpl
    from matplotlib.colors import BoundaryNorm
    from matplotlib.patches import Patch, PathPatch

    cats = extreme_poverty_categories(fragments, year=year, period=period, series=series)
    unknown = sorted(set(cats.index) - set(gdf["province_code"]))
    if unknown:
        raise RegionError(
            f"extreme_poverty_map: fragment provinces {unknown} are not in this {len(gdf)}-province boundary set; "
            f"use the set of {year} (province_set_for_year({year}) = {province_set_for_year(year)!r})"
        )
    expected = int(province_set_for_year(year))
    if len(gdf) != expected:
        raise RegionError(
            f"extreme_poverty_map: the {period} {year} fragments follow the {expected}-province set "
            f"(e.g. undivided Papua 94 before 2024), but the boundaries have {len(gdf)} provinces"
        )
    exact_vals = cats.loc[cats["status"] == "exact", "value"]
    if (exact_vals < 0).any():
        raise ParseError("extreme_poverty_map: negative extreme-poverty rate in the fragments")
    bins = list(EXTREME_POVERTY_BINS)
    if len(exact_vals) and exact_vals.max() > bins[-1]:
        bins.append(float(np.ceil(exact_vals.max())))
    cm = mpl.colormaps[cmap]
    norm = BoundaryNorm(bins, cm.N)
    fig, ax = _new_axes(ax)
    counts = {"exact": 0, "bounded": 0, "none": 0}
    band_labels: set[str] = set()
    for code, geom in zip(gdf["province_code"], gdf.geometry, strict=True):
        path = _geometry_path(geom)
        status = cats.at[code, "status"] if code in cats.index else "none"
        counts[status] += 1
        if status == "exact":
            patch = PathPatch(
                path, facecolor=cm(norm(cats.at[code, "value"])), edgecolor=EDGE_COLOR, linewidth=EDGE_WIDTH
            )
        elif status == "bounded":
            lo, hi = cats.at[code, "lower"], cats.at[code, "upper"]
            band_labels.add(f"between {lo:g} % and {hi:g} %")
            patch = PathPatch(
                path, facecolor=BOUNDED_FACE, edgecolor=BOUNDED_EDGE, hatch=BOUNDED_HATCH, linewidth=EDGE_WIDTH
            )
        else:
            patch = PathPatch(
                path, facecolor=MISSING_FACE, edgecolor=EDGE_COLOR, hatch=MISSING_HATCH, linewidth=EDGE_WIDTH
            )
        patch.set_gid(code)
        patch.set_rasterized(True)  # see RASTERIZED_NOTE
        ax.add_artist(patch)  # add_patch would recompute data limits (slow); _finish_axes sets them
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=cm)
    cbar = _colorbar(
        fig, ax, sm, f"extreme poverty, % of population (exact values; {series}, {period} {year})", ticks=bins
    )
    cbar.ax.set_xticklabels([f"{b:g}" for b in bins])
    handles = [
        Patch(facecolor="none", edgecolor="none", label=f"exact published value ({counts['exact']}): colour scale")
    ]
    if counts["bounded"]:
        bands = ", ".join(sorted(band_labels))
        handles.append(
            Patch(
                facecolor=BOUNDED_FACE,
                edgecolor=BOUNDED_EDGE,
                hatch=BOUNDED_HATCH,
                label=f"only a band known: {bands} ({counts['bounded']})",
            )
        )
    if counts["none"]:
        handles.append(
            Patch(
                facecolor=MISSING_FACE,
                edgecolor=EDGE_COLOR,
                hatch=MISSING_HATCH,
                label=f"no information ({counts['none']})",
            )
        )
    ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False)
    _finish_axes(ax, gdf, f"Extreme poverty by province, {period} {year} ({series})")
    add_boundary_attribution(fig, source)
    return fig
