"""Descriptive figures: data availability and national trends.

Two kinds of functions live here:

* data preparation (pure, DataFrame in, tidy DataFrame out): :func:`availability`,
  :func:`national_extreme_poverty`, :func:`national_p0_march`, :func:`national_active_participants`,
  :func:`national_coverage`, :func:`coverage_summary`;
* figure builders (tidy data in, Figure out): :func:`availability_heatmap`, :func:`national_trends`.

Nothing is interpolated: lines join only observations of one consistent series that are at most
one year apart (a longer gap breaks the line), and series that are not comparable (the BPS US$1.90
and US$2.15 extreme-poverty series; active vs registered BPJS-TK participants) are never joined.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from jamsostek_analysis.data.extreme import (  # noqa: F401 - re-exported (the data side of extreme poverty)
    BPS_EXTREME_SERIES,
    CONFIDENCE_RANK,
    national_extreme_poverty,
)
from jamsostek_analysis.errors import PanelError, ParseError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "BPS_EXTREME_SERIES",
    "CONFIDENCE_RANK",
    "availability",
    "availability_heatmap",
    "national_extreme_poverty",
    "national_p0_march",
    "national_active_participants",
    "national_coverage",
    "coverage_summary",
    "bundle_inventory",
    "attribution_comparison",
    "national_trends",
]

MAX_JOIN_GAP = 1.0  # years; observations further apart are not joined by a line


# --------------------------------------------------------------------------------------------
# helpers


def _require(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise PanelError(f"{what}: expected columns {list(cols)}, missing {missing}")


def _broken_line(x: np.ndarray, y: np.ndarray, max_gap: float = MAX_JOIN_GAP) -> tuple[np.ndarray, np.ndarray]:
    """Insert NaN between consecutive points more than ``max_gap`` apart (matplotlib breaks the line there)."""
    order = np.argsort(x, kind="stable")
    x, y = np.asarray(x, float)[order], np.asarray(y, float)[order]
    xs: list[float] = []
    ys: list[float] = []
    for i, (xi, yi) in enumerate(zip(x, y, strict=True)):
        if i and xi - x[i - 1] > max_gap + 1e-9:
            xs.append(np.nan)
            ys.append(np.nan)
        xs.append(float(xi))
        ys.append(float(yi))
    return np.array(xs), np.array(ys)


# --------------------------------------------------------------------------------------------
# availability


def availability(
    panel: pd.DataFrame, columns: Sequence[str], *, unit: str = "province_code", time: str = "year"
) -> pd.DataFrame:
    """Share of province rows with a non-missing value, by variable and year.

    Parameters
    ----------
    panel : DataFrame
        Province x year panel (one row per province and year).
    columns : sequence of str
        Variables to count.
    unit, time : str
        Province and year columns.

    Returns
    -------
    DataFrame
        Index ``columns`` (in the given order), columns the sorted years, values in [0, 1]: the
        number of rows of that year with a non-missing value divided by the number of province rows
        of that year in ``panel`` (so the denominator is 34 or 38 as the panel has them).

    Raises
    ------
    PanelError
        A column is missing or a province appears twice in one year.
    """
    _require(panel, [unit, time, *columns], "availability")
    if panel.duplicated([unit, time]).any():
        dup = panel.loc[panel.duplicated([unit, time]), [unit, time]].iloc[0]
        raise PanelError(f"availability: province {dup[unit]} appears twice in year {dup[time]}")
    years = sorted(int(y) for y in panel[time].dropna().unique())
    grouped = panel[[time, *columns]].notna().groupby(panel[time].astype(int))
    share = grouped[list(columns)].mean().T
    share = share.reindex(index=list(columns), columns=years)
    share.index.name = "variable"
    share.columns.name = time
    return share.astype(float)


def availability_heatmap(
    panel: pd.DataFrame,
    columns: Sequence[str],
    *,
    labels: dict[str, str] | None = None,
    title: str = "Data availability: share of provinces with a value",
    source: str | None = None,
) -> Figure:
    """Heatmap of :func:`availability` (variables x years), cells annotated in percent where partial.

    Parameters
    ----------
    panel : DataFrame
        Province x year panel.
    columns : sequence of str
        Variables (rows of the heatmap, top to bottom).
    labels : dict, optional
        Display names for variables (default :func:`jamsostek_analysis.output.labels.variable_label`:
        human names, never the snake_case column names).
    title : str
        Axes title.
    source : str, optional
        Source line at the bottom of the figure.

    Returns
    -------
    Figure
        One ``AxesImage`` whose array equals ``availability(panel, columns)``.
    """
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures import house_style, source_note

    from jamsostek_analysis.output.labels import variable_label

    share = availability(panel, columns)
    n_rows = panel.groupby(panel["year"].astype(int)).size().reindex(share.columns)
    with house_style():
        fig, ax = plt.subplots(figsize=(0.42 * share.shape[1] + 3.2, 0.3 * share.shape[0] + 1.9), layout="constrained")
        im = ax.imshow(share.to_numpy(), cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
        ax.set_xticks(range(share.shape[1]), [str(y) for y in share.columns], rotation=90)
        ax.set_yticks(range(share.shape[0]), [variable_label(c, labels) for c in share.index])
        ax.tick_params(length=0)
        ax.grid(False)
        for sp in ax.spines.values():
            sp.set_visible(False)
        for i in range(share.shape[0]):
            for j in range(share.shape[1]):
                v = share.iat[i, j]
                if 0.0 < v < 1.0:
                    ax.text(
                        j,
                        i,
                        f"{100 * v:.0f}",
                        ha="center",
                        va="center",
                        fontsize=6,
                        color="white" if v > 0.6 else "#222222",
                    )
        secx = ax.secondary_xaxis("top")
        secx.set_xticks(range(share.shape[1]), [str(n) for n in n_rows.to_numpy()], fontsize=6)
        secx.tick_params(length=0)
        secx.set_xlabel("province rows in the panel", fontsize=7)
        cbar = fig.colorbar(im, ax=ax, shrink=0.6, pad=0.01)
        cbar.set_label("share of provinces with a value (cell numbers: % where partial)")
        ax.set_title(title)
        if source:
            source_note(fig, source)
            fig.get_layout_engine().set(rect=(0, 0.05 + 0.02 * source.count("\n"), 1, 0.95 - 0.02 * source.count("\n")))
    return fig


# --------------------------------------------------------------------------------------------
# national series


def national_p0_march(bps_long: pd.DataFrame, *, first_year: int = 2007) -> pd.DataFrame:
    """National headcount poverty rate (P0, urban + rural), March round, by year.

    Uses the March (*Semester 1*) column; for 2007-2010, whose tables only fill the *Tahunan*
    column, that value is the March survey (bundle README, "Susenas rounds") and is flagged
    ``period_source='Tahunan (= March survey)'``. Years before ``first_year`` are left out (the
    README documents the Tahunan = March equivalence from 2007 only).

    Parameters
    ----------
    bps_long : DataFrame
        ``read_bps_topic(bundle, 'poverty_national')``: long BPS table with ``title``, ``year``,
        ``period``, ``category``/``region_name`` and ``value``.
    first_year : int
        First year kept (default 2007, the panel's first year).

    Returns
    -------
    DataFrame
        Columns ``year`` (int), ``value`` (percent), ``period_source``, ``source_file``; sorted.

    Raises
    ------
    ParseError
        A year with two different total P0 values for the same round.
    """
    _require(bps_long, ["title", "year", "period", "value"], "national_p0_march")
    df = bps_long[bps_long["title"].astype(str).str.contains(r"\(P0\)", regex=True)].copy()
    total = re.compile(r"^(kota\s*\+\s*desa|perkotaan\s*\+\s*perdesaan|jumlah|total|indonesia)$", re.I)
    is_total = pd.Series(False, index=df.index)
    for col in ("category", "region_name", "area"):
        if col in df.columns:
            is_total |= df[col].astype(str).str.strip().str.match(total)
    # a national table may label its rows by area (urban/rural/total) in category or region_name
    if "category" in df.columns and "region_name" in df.columns:
        area_cols = df["category"].astype(str).str.strip().str.match(r"^(kota|desa|perkotaan|perdesaan)$", case=False)
        is_total &= ~area_cols
    df = df[is_total & df["value"].notna()]
    df["year"] = df["year"].astype(int)
    df = df[df["year"] >= int(first_year)]
    march = df[df["period"] == "March"].assign(period_source="March")
    annual = df[(df["period"] == "Annual") & (df["year"] <= 2010) & ~df["year"].isin(march["year"])].assign(
        period_source="Tahunan (= March survey)"
    )
    out = pd.concat([march, annual], ignore_index=True)
    dups = out.groupby("year")["value"].nunique()
    if (dups > 1).any():
        y = int(dups[dups > 1].index[0])
        raise ParseError(
            f"poverty_national: year {y} has several different total P0 values for the March round: "
            f"{sorted(out.loc[out['year'] == y, 'value'])}"
        )
    cols = ["year", "value", "period_source"] + (["source_file"] if "source_file" in out.columns else [])
    return out.drop_duplicates("year")[cols].sort_values("year").reset_index(drop=True)


def _period_x(period: str, period_type: str) -> float:
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", str(period).strip())
    if not m:
        raise ParseError(f"bpjstk_national_series.csv: period {period!r}: expected 'YYYY' or 'YYYY-MM'")
    year = int(m.group(1))
    if m.group(2):
        return year + (int(m.group(2)) - 0.5) / 12
    if period_type != "end_of_year":
        raise ParseError(
            f"bpjstk_national_series.csv: period {period!r} without a month must be end_of_year, found {period_type!r}"
        )
    return year + 11.5 / 12


def national_active_participants(series: pd.DataFrame) -> pd.DataFrame:
    """Active BPJS-TK participants (all segments), national, from the curated statements.

    Only ``indicator == 'active_participants'`` and ``segment == 'all'`` is kept: registered
    (active + non-active), "status unspecified" and programme-specific counts (JKK/JKM, JHT, JP)
    measure other things and are not mixed in.

    Parameters
    ----------
    series : DataFrame
        ``curated/bpjstk_national_series.csv`` as read by ``read_curated``.

    Returns
    -------
    DataFrame
        Columns ``period`` (as stored), ``period_type`` ('end_of_year' or 'as_of_statement'),
        ``x`` (decimal year; end of year = mid-December), ``value`` (persons), ``source_id``;
        sorted by x.

    Raises
    ------
    ParseError
        Unparseable period, or two different values for one period and type.
    """
    _require(
        series, ["period", "period_type", "indicator", "segment", "value", "source_id"], "national_active_participants"
    )
    sel = series[(series["indicator"] == "active_participants") & (series["segment"] == "all")].copy()
    sel["x"] = [_period_x(p, t) for p, t in zip(sel["period"], sel["period_type"], strict=True)]
    dup = sel.duplicated(["period", "period_type"], keep=False)
    if dup.any():
        p = sel.loc[dup, "period"].iloc[0]
        raise ParseError(
            f"bpjstk_national_series.csv: period {p}: two active-participant values {list(sel.loc[sel['period'] == p, 'value'])}"
        )
    cols = ["period", "period_type", "x", "value", "source_id"]
    return sel[cols].sort_values("x", kind="stable").reset_index(drop=True)


def national_coverage(
    panel: pd.DataFrame, *, active: str = "bpjstk_active", employed: str = "employed"
) -> pd.DataFrame:
    """National coverage rate by year: sum of active participants / sum of employed persons.

    Sums run over provinces that have both values in that year; the counts are returned so that
    a partial sum is visible. Use a panel on one geography for both variables (the 34-province
    panel: the compiled BPJS-TK data keep pre-split Papua 91/94 in 2024-2025).

    Parameters
    ----------
    panel : DataFrame
        Province x year panel with ``year``, ``active`` and ``employed`` columns.

    Returns
    -------
    DataFrame
        Columns ``year``, ``active_sum``, ``employed_sum``, ``coverage_pct`` (100 x ratio),
        ``n_provinces`` (with both values), ``n_rows`` (province rows that year); only years with
        at least one province with both values.
    """
    _require(panel, ["year", active, employed], "national_coverage")
    both = panel[active].notna() & panel[employed].notna()
    g = panel[both].groupby(panel.loc[both, "year"].astype(int))
    out = pd.DataFrame(
        {
            "active_sum": g[active].sum(),
            "employed_sum": g[employed].sum(),
            "n_provinces": g.size(),
        }
    )
    out["coverage_pct"] = 100.0 * out["active_sum"] / out["employed_sum"]
    out["n_rows"] = panel.groupby(panel["year"].astype(int)).size().reindex(out.index)
    out.index.name = "year"
    return out.reset_index()[["year", "active_sum", "employed_sum", "coverage_pct", "n_provinces", "n_rows"]]


def coverage_summary(
    panel: pd.DataFrame,
    *,
    years: Sequence[int] | None = None,
    rate: str = "coverage_rate",
    active: str = "bpjstk_active",
    employed: str = "employed",
    geography: str | None = None,
) -> pd.DataFrame:
    """Province coverage rates by year: national ratio, count, min, median, max (and where).

    Parameters
    ----------
    panel : DataFrame
        Province x year panel with ``province_code``, ``province_name``, ``year`` and the columns.
    years : sequence of int, optional
        Years to summarise; default every year in which ``rate`` has a value (from the data).
    rate : str
        Province coverage-rate column (as the panel defines it).
    geography : str, optional
        Label written in a first column ``geography`` (e.g. '34 provinces').

    Returns
    -------
    DataFrame
        One row per year: ``n_provinces`` (non-missing rate), ``n_missing``, ``national_pct``
        (from :func:`national_coverage`), ``min``, ``min_province``, ``median``, ``max``,
        ``max_province`` (rate in the panel's unit).
    """
    _require(panel, ["province_code", "province_name", "year", rate, active, employed], "coverage_summary")
    nat = national_coverage(panel, active=active, employed=employed).set_index("year")
    if years is None:
        years = sorted(int(y) for y in panel.loc[panel[rate].notna(), "year"].unique())
    rows = []
    for y in years:
        sub = panel[panel["year"].astype(int) == int(y)]
        r = sub[rate]
        ok = sub[r.notna()]
        rec: dict[str, Any] = {"year": int(y), "n_provinces": int(r.notna().sum()), "n_missing": int(r.isna().sum())}
        rec["national_pct"] = float(nat.at[int(y), "coverage_pct"]) if int(y) in nat.index else np.nan
        if len(ok):
            imin, imax = ok[rate].idxmin(), ok[rate].idxmax()
            rec.update(
                min=float(ok.at[imin, rate]),
                min_province=str(ok.at[imin, "province_name"]),
                median=float(ok[rate].median()),
                max=float(ok.at[imax, rate]),
                max_province=str(ok.at[imax, "province_name"]),
            )
        else:
            rec.update(min=np.nan, min_province="", median=np.nan, max=np.nan, max_province="")
        rows.append(rec)
    out = pd.DataFrame(rows)
    if geography is not None:
        out.insert(0, "geography", geography)
    return out


# --------------------------------------------------------------------------------------------
# bundle inventory and the two attributions of BPJS-TK participants


def bundle_inventory(verified: pd.DataFrame) -> pd.DataFrame:
    """Files and bytes per bundle folder from :meth:`DataBundle.verify` output.

    Parameters
    ----------
    verified : DataFrame
        ``DataBundle.verify()`` (columns ``relpath``, ``origin``, ``bytes``, ``status``).

    Returns
    -------
    DataFrame
        One row per folder (``raw/bps/<topic>``, ``raw/kemnaker``, ``raw/compiled``, ``curated``,
        ``geo``; top-level files as ``.``): ``files``, ``megabytes``, ``status`` ('ok' if every
        file verified, else the distinct statuses), ``origin``.
    """
    _require(verified, ["relpath", "origin", "bytes", "status"], "bundle_inventory")

    def folder(rel: str) -> str:
        parts = str(rel).split("/")
        if len(parts) == 1:
            return "."
        return (
            "/".join(parts[:3]) if parts[0] == "raw" and parts[1] == "bps" and len(parts) > 3 else "/".join(parts[:-1])
        )

    df = verified.assign(folder=verified["relpath"].map(folder))
    g = df.groupby("folder", sort=True)
    out = pd.DataFrame(
        {
            "files": g.size(),
            "megabytes": g["bytes"].sum() / 1e6,
            "status": g["status"].agg(lambda s: ", ".join(sorted(set(s)))),
            "origin": g["origin"].agg(lambda s: ", ".join(sorted(set(s)))),
        }
    )
    return out.reset_index()


def attribution_comparison(panel: pd.DataFrame, *, year: int = 2023) -> pd.DataFrame:
    """Province PU participants in the two sources for one year, against BPS employees.

    Parameters
    ----------
    panel : DataFrame
        Province panel with ``bpjstk_pu`` (compiled R2-D1), ``bpjstk_pu_kemnaker`` (Kemnaker S01,
        December 2023) and ``employees`` (BPS, August).
    year : int
        The year both sources cover (2023).

    Returns
    -------
    DataFrame
        One row per province (sorted by code): ``pu_compiled``, ``pu_kemnaker``, ``difference``
        (Kemnaker - compiled), ``employees``, ``kemnaker_exceeds_employees``,
        ``compiled_exceeds_employees``; ``attrs['summary']`` holds national sums and counts.
    """
    _require(
        panel,
        ["province_code", "province_name", "year", "bpjstk_pu", "bpjstk_pu_kemnaker", "employees"],
        "attribution_comparison",
    )
    sub = panel[panel["year"].astype(int) == int(year)].sort_values("province_code")
    out = pd.DataFrame(
        {
            "province_code": sub["province_code"].to_numpy(),
            "province_name": sub["province_name"].to_numpy(),
            "pu_compiled": sub["bpjstk_pu"].to_numpy(dtype=float),
            "pu_kemnaker": sub["bpjstk_pu_kemnaker"].to_numpy(dtype=float),
            "employees": sub["employees"].to_numpy(dtype=float),
        }
    )
    out["difference"] = out["pu_kemnaker"] - out["pu_compiled"]
    out["kemnaker_exceeds_employees"] = out["pu_kemnaker"] > out["employees"]
    out["compiled_exceeds_employees"] = out["pu_compiled"] > out["employees"]
    both = out["pu_compiled"].notna() & out["pu_kemnaker"].notna()
    out.attrs["summary"] = {
        "year": int(year),
        "provinces_with_both": int(both.sum()),
        "provinces_differing": int((both & (out["difference"] != 0)).sum()),
        "national_pu_compiled": float(out.loc[both, "pu_compiled"].sum()),
        "national_pu_kemnaker": float(out.loc[both, "pu_kemnaker"].sum()),
        "kemnaker_exceeds_employees": int(out["kemnaker_exceeds_employees"].sum()),
        "compiled_exceeds_employees": int(out["compiled_exceeds_employees"].sum()),
    }
    return out


# --------------------------------------------------------------------------------------------
# national trends figure

SERIES_STYLE = {
    "BPS 1.90 series": {"color": "#0072B2", "marker": "o"},
    "BPS 2.15 series (Jul 2025)": {"color": "#D55E00", "marker": "s"},
}


def _panel_extreme(ax: Axes, extreme: pd.DataFrame) -> None:
    for series, grp in extreme.groupby("series", sort=True):
        style = SERIES_STYLE.get(series, {"color": "#000000", "marker": "^"})
        prim = grp[grp["primary"]]
        x, y = _broken_line(prim["x"].to_numpy(), prim["value"].to_numpy())
        ax.plot(
            x,
            y,
            linestyle="-",
            linewidth=1.2,
            markersize=5,
            label=BPS_EXTREME_SERIES.get(series, series),
            gid=f"extreme:{series}",
            **style,
        )
        unstated = prim[~prim["month_stated"]]
        for _, r in unstated.iterrows():
            ax.annotate(
                f"{r['year']}: month not stated",
                (r["x"], r["value"]),
                xytext=(6, 0),
                textcoords="offset points",
                fontsize=7,
                va="center",
            )
        alt = grp[~grp["primary"]]
        if len(alt):
            ax.plot(
                alt["x"],
                alt["value"],
                linestyle="none",
                marker=style["marker"],
                markerfacecolor="none",
                color=style["color"],
                markersize=6,
                label="conflicting statement (lower confidence)",
                gid=f"extreme-alt:{series}",
            )
    ax.set_ylabel("% of population")
    ax.set_title("Extreme poverty, national (two BPS series, not spliced)")
    ax.set_ylim(0, max(4.0, float(extreme["value"].max()) * 1.1) if len(extreme) else 4.0)
    ax.legend(fontsize=7, loc="lower left")


def _panel_p0(ax: Axes, p0: pd.DataFrame) -> None:
    x, y = _broken_line(p0["year"].to_numpy(dtype=float), p0["value"].to_numpy())
    ax.plot(
        x,
        y,
        color="#009E73",
        marker="o",
        markersize=3,
        linewidth=1.2,
        gid="p0-march",
        label="P0, March (Tahunan column up to 2010)",
    )
    ax.set_ylabel("% of population")
    ax.set_title("Poverty headcount P0, national, March")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, loc="upper right")


def _panel_participants(ax: Axes, part: pd.DataFrame) -> None:
    eoy = part[part["period_type"] == "end_of_year"]
    stm = part[part["period_type"] != "end_of_year"]
    x, y = _broken_line(eoy["x"].to_numpy(), eoy["value"].to_numpy() / 1e6)
    ax.plot(
        x,
        y,
        color="#CC79A7",
        marker="o",
        markersize=5,
        linewidth=1.2,
        gid="active-end-of-year",
        label="end of year (line only between consecutive years)",
    )
    ax.plot(
        stm["x"],
        stm["value"] / 1e6,
        color="#CC79A7",
        marker="D",
        markersize=4,
        markerfacecolor="none",
        linestyle="none",
        gid="active-statement",
        label="statement during the year (month as stated)",
    )
    ax.set_ylabel("million persons")
    ax.set_title("BPJS-TK active participants, national")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, loc="lower right")


def _panel_coverage(ax: Axes, cov: pd.DataFrame) -> None:
    x, y = _broken_line(cov["year"].to_numpy(dtype=float), cov["coverage_pct"].to_numpy())
    counts = sorted({int(n) for n in cov["n_provinces"]}) if len(cov) else []
    same_n = len(counts) == 1
    label = "sum of active (PU + BPU) / sum of employed" + (f", {counts[0]} provinces each year" if same_n else "")
    ax.plot(x, y, color="#E69F00", marker="o", markersize=5, linewidth=1.2, gid="coverage", label=label)
    for _, r in cov.iterrows():
        text = f"{r['coverage_pct']:.1f}" if same_n else f"{r['coverage_pct']:.1f}\n(n={int(r['n_provinces'])})"
        ax.annotate(
            text, (r["year"], r["coverage_pct"]), xytext=(0, 7), textcoords="offset points", ha="center", fontsize=7
        )
    ax.set_ylabel("% of employed persons")
    ax.set_title("Coverage rate, national (province panel)")
    ax.set_ylim(0, max(40.0, float(np.nanmax(cov["coverage_pct"])) * 1.35) if len(cov) else 40.0)
    if len(cov):
        ax.set_xlim(cov["year"].min() - 0.5, cov["year"].max() + 0.5)
        ax.set_xticks(cov["year"].astype(int))
    ax.legend(fontsize=7, loc="lower right")


def national_trends(
    extreme: pd.DataFrame,
    p0: pd.DataFrame,
    participants: pd.DataFrame,
    coverage: pd.DataFrame,
    *,
    source: str | None = None,
) -> Figure:
    """Four panels: extreme poverty (BPS series), P0 March, active participants, coverage rate.

    Parameters
    ----------
    extreme : DataFrame
        :func:`national_extreme_poverty` output; one line per series (``gid`` ``'extreme:<series>'``),
        lines broken at gaps over one year; lower-confidence duplicates as hollow markers.
    p0 : DataFrame
        :func:`national_p0_march` output.
    participants : DataFrame
        :func:`national_active_participants` output; year-end values joined only between
        consecutive years, statements during the year as unconnected hollow markers.
    coverage : DataFrame
        :func:`national_coverage` output (annotated with the number of provinces summed).
    source : str, optional
        Source line at the bottom.

    Returns
    -------
    Figure
        2 x 2 panels.
    """
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures import house_style, source_note

    with house_style():
        # one time axis for the four panels, so the series can be compared in time; it spans all their years
        fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), layout="constrained", sharex=True)
        _panel_extreme(axes[0, 0], extreme)
        _panel_p0(axes[0, 1], p0)
        _panel_participants(axes[1, 0], participants)
        _panel_coverage(axes[1, 1], coverage)
        xs = [x for ax in axes.flat for line in ax.get_lines() for x in np.asarray(line.get_xdata(), dtype=float)]
        xs += [x for ax in axes.flat for coll in ax.collections for x in np.asarray(coll.get_offsets())[:, 0]]
        finite = [x for x in xs if np.isfinite(x)]
        if finite:
            axes[0, 0].set_xlim(np.floor(min(finite)) - 0.5, np.ceil(max(finite)) + 0.5)
        for ax in axes.flat:
            ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True, nbins=10))
            ax.tick_params(axis="x", labelbottom=True)
        if source:
            source_note(fig, source)
            k = source.count("\n") + 1
            fig.get_layout_engine().set(rect=(0, 0.03 * k + 0.01, 1, 1 - 0.03 * k - 0.01))
    return fig
