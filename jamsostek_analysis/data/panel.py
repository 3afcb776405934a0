"""The province x year panel (2007-2025) and its data dictionary.

:func:`build_province_panel` turns the bundle's BPS exports, the Kemnaker December 2023 export
(S01) and the compiled BPJS-TK panel (R2-D1) into one row per province and year, with the
province set BPS publishes in the poverty tables of that year (33 provinces to 2014, 34 to 2023,
38 from 2024). Values are copied exactly as published; the only computed columns are the
BPJS-TK sums and coverage ratios, the poverty population ``100 * poor_thousand / p0`` (the
denominator behind the published poverty rates), and (``geography="34"``) the aggregation of
the 2024-2025 Papua provinces back to the 2013-2023 boundaries. :func:`data_dictionary` is the single place that
states, for every column, its definition, unit, source, survey round and years.

Rules honoured (see the bundle README, "Known problems"):

* poverty from the **March** Susenas round (2007-2011: the *Tahunan* column, which is the March
  survey), labour from the **August** Sakernas round;
* no value whose geography differs from the row's province is kept: Kalimantan Timur 2013-2014
  covariates published without Kalimantan Utara, 2023 Papua/Papua Barat covariates published
  after the split, and 2024-2025 BPJS-TK values of Papua/Papua Barat that still follow the
  pre-split boundaries are set to NaN and explained in ``geography_flag``;
* the shifted 2012 P1 rows (Kalimantan Utara downward) are set to NaN and flagged in
  ``quality_flag``; the 2024 minimum wage printed once for five Papua provinces is kept and
  flagged there;
* a source year without a row for one of the panel's provinces (a truncated table) is an error,
  not a silent NaN.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jamsostek_analysis.data.columns import (
    AGGREGATION_RULES,
    COMPILED_COLUMNS,
    MODELLED_COLUMNS,
    PANEL_COLUMNS,
    REGISTRY,
    VALID_RANGES,
    BpsSelection,
    bps_columns,
)
from jamsostek_analysis.errors import PanelError, PanelWindowWarning
from jamsostek_analysis.geography import (
    KALTARA,
    KALTARA_PARENT,
    NEW_PAPUA,
    PAPUA_PARENTS,
    PROVINCES_38,
    boundary_for_year,
    panel_province_set,
    split_parent_34,
)

__all__ = [
    "PANEL_COLUMNS",
    "VALID_RANGES",
    "check_valid_ranges",
    "panel_csv_bytes",
    "MODELLED_COLUMNS",
    "AGGREGATION_RULES",
    "boundary_for_year",
    "panel_province_set",
    "select_variable",
    "build_province_panel",
    "aggregate_to_34",
    "add_coverage",
    "add_poverty_population",
    "data_dictionary",
    "dictionary_markdown",
    "replace_dictionary_section",
    "write_panel_csv",
]

FLOAT_FORMAT = "%.12g"

# --------------------------------------------------------------------------------------------
# aggregation to 34 provinces: weights of the weighted-mean rules (rules per column: columns.py)

#: weighted-mean rules of aggregate_to_34 -> (columns needed, weight from the group's columns)
_WEIGHTED_RULES: dict[str, tuple[tuple[str, ...], Any]] = {
    "susenas_mean": (("poor_thousand", "p0"), lambda g: g["poor_thousand"] / g["p0"]),
    "employed_mean": (("employed",), lambda g: g["employed"]),
    "labour_force_mean": (("employed", "tpt"), lambda g: g["employed"] / (1.0 - g["tpt"] / 100.0)),
    "working_age_mean": (
        ("employed", "tpt", "tpak"),
        lambda g: g["employed"] / (1.0 - g["tpt"] / 100.0) / (g["tpak"] / 100.0),
    ),
}

#: selection name of a BPS cell (e.g. 'tpt_b05') -> the panel column whose valid range applies
_SELECTION_COLUMN: dict[str, str] = {n: c.name for c in bps_columns() for n in c.selection_names()}


def check_valid_ranges(frame: pd.DataFrame, where: str, columns: Mapping[str, str] | None = None) -> None:
    """PanelError for the first value outside its column's ``valid_range`` (column registry
    :data:`jamsostek_analysis.data.columns.VALID_RANGES`; NaN is allowed).

    Parameters
    ----------
    frame : DataFrame
        Rows with ``province_code`` and ``year`` (and optionally ``source_file``).
    where : str
        Source named in the message (e.g. ``'raw/bps/poverty_province (p0)'``).
    columns : mapping, optional
        Column of ``frame`` -> panel column whose range applies; default every panel column present.
    """
    cols = columns if columns is not None else {c: c for c in frame.columns if c in VALID_RANGES}
    for col, panel_col in cols.items():
        lo, hi = VALID_RANGES[panel_col]
        v = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isnan(v) & ((v < lo) | (v > hi))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            row = frame.iloc[i]
            src = f" in {row['source_file']}" if "source_file" in frame.columns else ""
            raise PanelError(
                f"{where}{src}: {panel_col} = {v[i]:g} for province {row['province_code']}, year {int(row['year'])} "
                f"is outside the valid range {lo:g} to {hi:g}"
                + (f" ({int(bad.sum())} value(s) in all)" if bad.sum() > 1 else "")
                + "; a wrong unit, decimal mark or column?"
            )


# --------------------------------------------------------------------------------------------
# helpers


def _join_flags(*parts: Any) -> str:
    seen: list[str] = []
    for p in parts:
        if isinstance(p, str):
            for s in p.split("; "):
                s = s.strip()
                if s and s not in seen:
                    seen.append(s)
    return "; ".join(seen)


def _add_flag(panel: pd.DataFrame, mask: pd.Series | np.ndarray, column: str, text: str) -> None:
    """Append ``text`` to ``panel[column]`` where ``mask`` (in place)."""
    m = np.asarray(mask, dtype=bool)
    if m.any():
        panel.loc[m, column] = [_join_flags(v, text) for v in panel.loc[m, column]]


def _check_unique(d: pd.DataFrame, keys: list[str], what: str) -> None:
    """PanelError naming file, province and year of the first duplicated key."""
    dup = d.duplicated(keys, keep=False)
    if dup.any():
        first = d[dup].iloc[0]
        files = sorted(set(d.loc[dup & (d[keys] == first[keys]).all(axis=1), "source_file"].astype(str)))
        name = first.get("region_name", first.get("province_name", ""))
        raise PanelError(
            f"{what}: duplicate province-year: province {first.get('region_code', first.get('province_code'))} "
            f"({name}), year {int(first['year'])}"
            + (f", period {first['period']}" if "period" in first.index else "")
            + f" appears more than once in {', '.join(files)}"
        )


def select_variable(long: pd.DataFrame, spec: BpsSelection, column: str | None = None) -> pd.DataFrame:
    """Province-level cells of one variable from a tidy BPS topic table.

    Parameters
    ----------
    long : DataFrame
        Output of ``read_bps_topic`` (columns region_code, region_level, year, period, category,
        value, title, source_file, ...).
    spec : BpsSelection
        Which title / category / period to keep (:data:`jamsostek_analysis.data.columns.SELECTIONS`).
    column : str, optional
        Name of the variable, for error messages.

    Returns
    -------
    DataFrame
        Columns ``province_code, year, value, period, source_file``: one row per province-year,
        the first accepted period with a non-missing value (``Annual`` only up to
        ``spec.annual_until``).

    Raises
    ------
    PanelError
        If a province-year-period appears twice (names file, province and year) or nothing matches.
    """
    column = column or spec.source_id
    d = long[long["region_level"].astype(str) == "province"]
    for col, pattern in (("title", spec.title), ("category", spec.category)):
        if pattern is not None:  # match the few distinct labels, then select rows
            labels = pd.Series(d[col].astype(str).unique())
            keep = labels[labels.str.contains(pattern, regex=True, na=False)]
            d = d[d[col].astype(str).isin(keep)]
    periods = list(spec.periods) if spec.periods else None
    if periods is not None:
        ok = d["period"].isin(periods)
        if spec.annual_until is not None:
            ok |= (d["period"] == "Annual") & (d["year"].astype(int) <= spec.annual_until)
        d = d[ok]
    if d.empty:
        raise PanelError(
            f"raw/bps/{spec.topic}: no province cells for {column} (title ~ {spec.title!r}, category ~ {spec.category!r}, periods {periods})"
        )
    d = d.assign(region_code=d["region_code"].astype(str), year=d["year"].astype(int))
    # with accepted periods, one cell per period (the first accepted period wins, documented);
    # without, any second cell of a province-year (e.g. an unexpected period column) is an error
    _check_unique(
        d,
        ["region_code", "year", "period"] if periods is not None else ["region_code", "year"],
        f"raw/bps/{spec.topic} ({column})",
    )
    order = {p: i for i, p in enumerate((periods or []) + ["Annual"])}
    d = d.assign(_rank=d["period"].map(order).fillna(len(order)), _na=d["value"].isna())
    d = d.sort_values(["region_code", "year", "_na", "_rank"], kind="stable")
    d = d.drop_duplicates(["region_code", "year"], keep="first")
    range_col = _SELECTION_COLUMN.get(column, column)
    if range_col in VALID_RANGES:
        check_valid_ranges(
            d.rename(columns={"region_code": "province_code"}), f"raw/bps/{spec.topic}", {"value": range_col}
        )
    return d.rename(columns={"region_code": "province_code"})[
        ["province_code", "year", "value", "period", "source_file"]
    ].reset_index(drop=True)


def _split_geography(cells: pd.DataFrame) -> pd.DataFrame:
    """Per year, which side of the Kaltara / Papua splits a variable's table follows.

    A table is post-split for Kaltara in a year if it has a value for 65, and post-split for
    Papua if it has a value for any of 92/95/96/97.
    """
    has = cells[cells["value"].notna()]
    years = sorted(cells["year"].unique())
    kal = set(has.loc[has["province_code"] == KALTARA, "year"])
    pap = set(has.loc[has["province_code"].isin(NEW_PAPUA), "year"])
    return pd.DataFrame(
        {
            "year": years,
            "kaltara": ["post" if y in kal else "pre" for y in years],
            "papua": ["post" if y in pap else "pre" for y in years],
        }
    )


def _attach(panel: pd.DataFrame, cells: pd.DataFrame, column: str, source_id: str) -> None:
    """Merge one variable into the panel (in place), NaN-ing cells of a mismatching geography.

    The panel's rows follow the pre-2012 Kalimantan Timur (64 incl. 65) in boundary '33' and the
    pre-2022 Papua (91, 94) in '33'/'34'; a table year that publishes the other side of a split
    (see :func:`_split_geography`) loses its 64 or 91/94 value there, with a ``geography_flag``.
    """
    _check_complete(panel, cells, column, source_id)
    geo = _split_geography(cells)
    m = panel[["province_code", "year", "boundary"]].merge(
        cells[["province_code", "year", "value"]], on=["province_code", "year"], how="left"
    )
    m = m.merge(geo, on="year", how="left")
    values = m["value"].to_numpy(dtype=float, copy=True)
    code = m["province_code"].to_numpy()
    want_kal = np.where(m["boundary"] == "33", "pre", "post")
    want_pap = np.where(m["boundary"] == "38", "post", "pre")
    has = ~np.isnan(values)
    kal = has & (code == KALTARA_PARENT) & m["kaltara"].notna().to_numpy() & (m["kaltara"].to_numpy() != want_kal)
    pap = has & np.isin(code, PAPUA_PARENTS) & m["papua"].notna().to_numpy() & (m["papua"].to_numpy() != want_pap)
    for i in np.flatnonzero(kal | pap):
        year = int(m["year"].iat[i])
        if kal[i]:
            side = (
                "publishes Kalimantan Timur without Kalimantan Utara while the panel row includes it"
                if m["kaltara"].iat[i] == "post"
                else "has no Kalimantan Utara value, so its Kalimantan Timur may include it"
            )
        else:
            side = (
                "is post-split (new Papua provinces published), panel row is not"
                if m["papua"].iat[i] == "post"
                else "is pre-split (no values for the new Papua provinces), panel row is not"
            )
        panel.iat[i, panel.columns.get_loc("geography_flag")] = _join_flags(
            panel["geography_flag"].iat[i], f"{column} NaN: {source_id} {year} {side}"
        )
        values[i] = np.nan
    panel[column] = values


def _check_complete(panel: pd.DataFrame, cells: pd.DataFrame, column: str, source_id: str) -> None:
    """PanelError if a year the source covers has no row at all for a province of the panel.

    A published '-' or '...' is a row (value NaN); an absent row means a truncated or incomplete
    table, which would otherwise turn into a silent NaN.
    """
    have = set(zip(cells["province_code"].astype(str), cells["year"].astype(int)))
    for year in sorted(set(cells["year"].astype(int)) & set(panel["year"].astype(int))):
        codes = panel.loc[panel["year"] == year, "province_code"].astype(str)
        missing = sorted(c for c in codes if (c, year) not in have)
        if missing:
            files = (
                sorted(set(cells.loc[cells["year"] == year, "source_file"].astype(str)))
                if "source_file" in cells
                else []
            )
            raise PanelError(
                f"{column} ({source_id}{': ' + ', '.join(files) if files else ''}), year {year}: no row for province(s) "
                f"{', '.join(missing)}; expected one row per province of the panel ('-' or '...' for a missing value). "
                "Truncated or incomplete table?"
            )


def _mask_shifted_p1_2012(p1: pd.DataFrame, p0: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Detect the 2012 P1 export whose rows from Kalimantan Utara downward are shifted by one.

    The symptom: Kalimantan Utara has a P1 value in 2012 but no P0. If present, every P1 row
    from code 65 onward (65, 71-76, 81, 82, 91, 94) is set to NaN.

    Returns
    -------
    (cells, codes)
        The P1 cells with the shifted ones set to NaN, and the codes affected (empty if clean).
    """

    def val(d: pd.DataFrame, code: str) -> float:
        v = d.loc[(d["province_code"] == code) & (d["year"] == 2012), "value"]
        return float(v.iloc[0]) if len(v) else np.nan

    if np.isnan(val(p1, KALTARA)) or not np.isnan(val(p0, KALTARA)):
        return p1, []
    shifted = (p1["year"] == 2012) & (p1["province_code"] >= KALTARA) & p1["province_code"].isin(PROVINCES_38)
    codes = sorted(p1.loc[shifted & (p1["province_code"] != KALTARA), "province_code"])
    out = p1.copy()
    out.loc[shifted, "value"] = np.nan
    return out, codes


def _flag_shared_min_wage(panel: pd.DataFrame, min_count: int = 3) -> None:
    """Flag (in place, ``quality_flag``; values kept) min_wage cells shared by ``min_count`` or more
    provinces in one year: the 2024 UMP table prints Papua's 4,024,270 for 92, 94, 95, 96 and 97
    (bundle README, known problems), although Papua Barat Daya's own 2025 UMP is 3,614,000."""
    d = panel[panel["min_wage"].notna()]
    size = d.groupby(["year", "min_wage"])["province_code"].transform("size")
    for (year, value), g in d[size >= min_count].groupby(["year", "min_wage"]):
        codes = ", ".join(sorted(g["province_code"]))
        _add_flag(
            panel,
            panel.index.isin(g.index),
            "quality_flag",
            f"min_wage kept as published but suspect: R2-A5 {int(year)} prints one value ({value:,.0f}) for provinces {codes}",
        )


def _read_topic(bundle: Any, topic: str, cache: dict[str, pd.DataFrame], resolver: Any = None) -> pd.DataFrame:
    if topic not in cache:
        from jamsostek_analysis.data.sources.bps import read_bps_topic

        cache[topic] = (
            read_bps_topic(bundle, topic, resolver) if resolver is not None else read_bps_topic(bundle, topic)
        )
    return cache[topic]


def _skeleton(first_year: int, last_year: int, names: Mapping[str, str]) -> pd.DataFrame:
    rows = [
        (c, names.get(c, ""), y, boundary_for_year(y))
        for y in range(first_year, last_year + 1)
        for c in panel_province_set(y)
    ]
    panel = pd.DataFrame(rows, columns=["province_code", "province_name", "year", "boundary"])
    for col in ("geography_flag", "quality_flag", "aggregated_from"):
        panel[col] = ""
    return panel


# --------------------------------------------------------------------------------------------
# BPJS-TK and coverage


def add_coverage(panel: pd.DataFrame) -> pd.DataFrame:
    """Add ``bpjstk_active`` and the three coverage ratios (pure; returns a copy).

    * ``bpjstk_active`` = ``bpjstk_pu`` + ``bpjstk_bpu`` (NaN if either is missing);
    * ``coverage_rate`` = 100 x ``bpjstk_active`` / ``employed``;
    * ``coverage_pu_rate`` = 100 x ``bpjstk_pu`` / ``employees``;
    * ``coverage_bpu_rate`` = 100 x ``bpjstk_bpu`` / (``employed`` - ``employees``).
    """
    out = panel.copy()
    pu = out["bpjstk_pu"].astype(float)
    bpu = out["bpjstk_bpu"].astype(float)
    employed = out["employed"].astype(float)
    employees = out["employees"].astype(float)
    out["bpjstk_active"] = pu + bpu
    out["coverage_rate"] = 100.0 * out["bpjstk_active"] / employed
    out["coverage_pu_rate"] = 100.0 * pu / employees
    out["coverage_bpu_rate"] = 100.0 * bpu / (employed - employees)
    return out


def add_poverty_population(panel: pd.DataFrame) -> pd.DataFrame:
    """Add ``poverty_population`` = 100 x ``poor_thousand`` / ``p0`` (pure; returns a copy).

    The population implied by the published number of poor people (S06) and headcount ratio (B01)
    of the same March Susenas round, in thousand persons: the denominator behind the poverty
    rates, and the population to use when a change in P0 is turned into a number of people. It
    is not the projection in ``population`` (0.70-1.19 times it by province from 2020).

    NaN where ``poor_thousand`` or ``p0`` is missing or ``p0`` is 0 (the ratio is undefined).
    For rows aggregated by :func:`aggregate_to_34` it equals the sum of the parts' values
    (``p0`` there is the mean weighted by exactly these populations).
    """
    out = panel.copy()
    poor = out["poor_thousand"].astype(float)
    p0 = out["p0"].astype(float)
    out["poverty_population"] = (100.0 * poor / p0.where(p0 != 0)).where(poor.notna() & p0.notna())
    return out


def _attach_bpjstk(panel: pd.DataFrame, compiled: pd.DataFrame, kemnaker: pd.DataFrame, source: str) -> pd.DataFrame:
    """BPJS-TK columns in the panel's geography (after any aggregation)."""
    out = panel.copy()
    key = ["province_code", "year"]
    _check_complete(panel, kemnaker, "bpjstk_pu_kemnaker", "S01")
    _check_complete(panel, compiled, "bpjstk_pu", "R2-D1")
    k = kemnaker[["province_code", "year", "bpjstk_pu", "bpjstk_bpu"]].rename(
        columns={"bpjstk_pu": "bpjstk_pu_kemnaker", "bpjstk_bpu": "bpjstk_bpu_kemnaker"}
    )
    out = out.drop(columns=[c for c in ("bpjstk_pu_kemnaker", "bpjstk_bpu_kemnaker") if c in out]).merge(
        k, on=key, how="left"
    )
    if source == "compiled":
        c = compiled[["province_code", "year", "bpjstk_pu", "bpjstk_bpu", "bpjstk_presplit_papua"]]
        out = out.drop(columns=[x for x in ("bpjstk_pu", "bpjstk_bpu") if x in out]).merge(c, on=key, how="left")
        mix = out["bpjstk_presplit_papua"].fillna(False).astype(bool) & (out["boundary"] == "38")
        if mix.any():
            out.loc[mix, ["bpjstk_pu", "bpjstk_bpu"]] = np.nan
            _add_flag(
                out,
                mix,
                "geography_flag",
                "bpjstk NaN: R2-D1 keeps pre-split Papua/Papua Barat while the row is the post-split province "
                "(use geography='34')",
            )
        out = out.drop(columns="bpjstk_presplit_papua")
        has = out["bpjstk_pu"].notna() | out["bpjstk_bpu"].notna()
        out["bpjstk_source"] = np.where(has, "R2-D1", "")
    elif source == "kemnaker":
        out["bpjstk_pu"] = out["bpjstk_pu_kemnaker"]
        out["bpjstk_bpu"] = out["bpjstk_bpu_kemnaker"]
        has = out["bpjstk_pu"].notna() | out["bpjstk_bpu"].notna()
        out["bpjstk_source"] = np.where(has, "S01", "")
    else:
        raise PanelError(f"bpjstk_source: expected 'compiled' or 'kemnaker', found {source!r}")
    return add_coverage(out)


# --------------------------------------------------------------------------------------------
# aggregation to the 34-province set


def _parent_map(crosswalk: pd.DataFrame | Mapping[str, str] | None) -> tuple[dict[str, str], dict[str, str]]:
    """(code -> 34-set parent, parent -> 34-set name) from the crosswalk or its default."""
    if crosswalk is None:
        return {c: split_parent_34(c) for c in PROVINCES_38}, {}
    if isinstance(crosswalk, Mapping):
        return {str(k): str(v) for k, v in crosswalk.items()}, {}
    cw = crosswalk.astype({"province_code_38": str, "province_code_34": str})
    names = dict(zip(cw["province_code_34"], cw.get("province_name_34", cw["province_code_34"])))
    return dict(zip(cw["province_code_38"], cw["province_code_34"])), names


def aggregate_to_34(
    panel: pd.DataFrame,
    crosswalk: pd.DataFrame | Mapping[str, str] | None = None,
    rules: Mapping[str, str] | None = None,
    weight: str = "population",
) -> pd.DataFrame:
    """Aggregate post-split provinces back to their 34-set parent (pure function).

    Every (parent, year) group that contains at least one child province (92, 95, 96, 97) is
    replaced by one row for the parent: counts are summed, rates are weighted means (by their own
    denominator where the panel has it: Susenas population for P0-P2, employed for the formal
    share, labour force for TPT, working-age population for TPAK; else by population),
    non-aggregable indices become NaN (see :data:`AGGREGATION_RULES`). If any expected member of
    the group (every 38-set code with that parent) is absent, or any component value (or its
    weight) is missing, the aggregate is NaN: nothing is ever partially summed. Groups without a
    child (all years up to 2023) are returned unchanged.

    Parameters
    ----------
    panel : DataFrame
        Rows ``province_code`` (str) x ``year``; columns must have a rule.
    crosswalk : DataFrame or mapping, optional
        ``geo/idn_province_crosswalk_bps.csv`` (``province_code_38`` -> ``province_code_34``) or a
        {code38: code34} mapping; default :func:`jamsostek_analysis.data.regions.split_parent_34`.
    rules : mapping, optional
        Column -> 'sum' | 'popmean' | 'susenas_mean' | 'employed_mean' | 'labour_force_mean' |
        'working_age_mean' | 'nan' | 'text' | 'key'; defaults to :data:`AGGREGATION_RULES`.
    weight : str
        Weight column of 'popmean' (population).

    Returns
    -------
    DataFrame
        Same columns, sorted by year and province_code; aggregated rows have ``boundary`` '34'
        and ``aggregated_from`` listing the parts (e.g. '91+92').

    Raises
    ------
    PanelError
        A column without a rule, a weighted rule whose weight columns are absent, or a duplicate
        province-year.
    """
    rules = dict(AGGREGATION_RULES if rules is None else rules)
    unknown = [c for c in panel.columns if c not in rules]
    if unknown:
        raise PanelError(f"aggregate_to_34: no aggregation rule for column(s) {unknown}")
    for col in panel.columns:
        need = _WEIGHTED_RULES.get(rules[col], ((),))[0]
        absent = [c for c in need if c not in panel.columns]
        if absent:
            raise PanelError(f"aggregate_to_34: rule {rules[col]!r} of column {col} needs column(s) {absent}")
    _check_unique(panel.assign(source_file="panel"), ["province_code", "year"], "aggregate_to_34")
    parent, names = _parent_map(crosswalk)
    members: dict[str, list[str]] = {}
    for c, p in parent.items():
        members.setdefault(p, []).append(c)
    codes = panel["province_code"].astype(str)
    par = codes.map(lambda c: parent.get(c, c))
    child_rows = codes != par
    groups = set(zip(par[child_rows], panel.loc[child_rows, "year"]))
    if not groups:
        return panel.sort_values(["year", "province_code"], kind="stable").reset_index(drop=True)
    in_group = pd.Series([(p, y) in groups for p, y in zip(par, panel["year"])], index=panel.index)
    keep = panel[~in_group]
    new_rows = []
    for p, y in sorted(groups):
        g = panel[in_group & (par == p) & (panel["year"] == y)]
        expected = sorted(members.get(p, [p]))
        complete = sorted(g["province_code"].astype(str)) == expected
        row: dict[str, Any] = {}
        w = g[weight].astype(float).to_numpy() if weight in g else np.full(len(g), np.nan)
        for col in panel.columns:
            rule = rules[col]
            if col == "province_code":
                row[col] = p
            elif col == "province_name":
                base = g.loc[g["province_code"] == p, col]
                row[col] = names.get(p) or (base.iloc[0] if len(base) else p)
            elif col == "year":
                row[col] = y
            elif col == "boundary":
                row[col] = "34"
            elif col == "aggregated_from":
                row[col] = "+".join(sorted(g["province_code"].astype(str)))
            elif rule == "sum":
                x = g[col].astype(float).to_numpy()
                row[col] = float(x.sum()) if complete and not np.isnan(x).any() else np.nan
            elif rule == "popmean" or rule in _WEIGHTED_RULES:
                x = g[col].astype(float).to_numpy()
                ww = (
                    w
                    if rule == "popmean"
                    else _WEIGHTED_RULES[rule][1](g.astype({c: float for c in _WEIGHTED_RULES[rule][0]})).to_numpy(
                        dtype=float
                    )
                )
                ok = complete and not np.isnan(x).any() and np.isfinite(ww).all() and (ww > 0).all()
                row[col] = float((x * ww).sum() / ww.sum()) if ok else np.nan
            elif rule == "nan":
                row[col] = np.nan
            elif rule in ("text", "key"):
                row[col] = _join_flags(*g[col].tolist())
            else:
                raise PanelError(f"aggregate_to_34: unknown rule {rule!r} for column {col}")
        if not complete and "geography_flag" in panel:
            found = sorted(g["province_code"].astype(str))
            row["geography_flag"] = _join_flags(
                row["geography_flag"], f"aggregate NaN: members {expected} expected, found {found}"
            )
        new_rows.append(row)
    out = pd.concat([keep, pd.DataFrame(new_rows, columns=panel.columns)], ignore_index=True)
    return out.sort_values(["year", "province_code"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# the panel's years


#: the cells whose years define the panel when no window is given: the poverty headcount (the outcome)
WINDOW_COLUMN = "p0"


def panel_window(
    cells: Mapping[str, pd.DataFrame], first_year: int | None = None, last_year: int | None = None
) -> tuple[int, int]:
    """Inclusive year window of the panel: the given years, else the years of the P0 cells.

    The panel's rows are the provinces of the BPS poverty tables, so by default its years are the first
    and last year with a published P0 value (:data:`WINDOW_COLUMN`): a new year of P0 exports added
    to the bundle extends the panel with no change to the code.

    Raises
    ------
    PanelError
        ``first_year`` after ``last_year``, or no P0 value to take the years from.
    """
    have = cells[WINDOW_COLUMN]
    years = have.loc[have["value"].notna(), "year"].astype(int)
    if years.empty and (first_year is None or last_year is None):
        raise PanelError(
            f"panel years: no {WINDOW_COLUMN} value in raw/bps/poverty_province to take the years from; pass first_year and last_year"
        )
    first = int(years.min()) if first_year is None else int(first_year)
    last = int(years.max()) if last_year is None else int(last_year)
    if first > last:
        raise PanelError(f"first_year {first} is after last_year {last}")
    return first, last


def outside_window(cells: Mapping[str, pd.DataFrame], first: int, last: int) -> pd.DataFrame:
    """Published (non-missing) cells outside ``first..last``: one row per column.

    Returns
    -------
    DataFrame
        Columns ``column, source_file`` (the first two files, '; '-joined, and their count), ``years`` (compact ranges, e.g. '2005-2006').
    """
    rows = []
    for name, c in cells.items():
        d = c[c["value"].notna() & ~c["year"].astype(int).between(first, last)]
        if len(d):
            files = sorted(set(d["source_file"].astype(str))) if "source_file" in d else []
            shown = files[:2] + ([f"... {len(files)} files"] if len(files) > 2 else [])
            rows.append((name, "; ".join(shown), year_ranges(d["year"])))
    return pd.DataFrame(rows, columns=["column", "source_file", "years"])


def _warn_outside_window(cells: Mapping[str, pd.DataFrame], first: int, last: int, window: tuple[int, int]) -> None:
    """One :class:`PanelWindowWarning` naming every column, file and year outside ``first..last``
    (the panel's ``window`` is stated in the message)."""
    out = outside_window(cells, first, last)
    first, last = window
    if len(out):
        what = "; ".join(f"{r.column} {r.years} (file(s) {r.source_file})" for r in out.itertuples())
        warnings.warn(
            f"panel years {first}-{last}: published values outside the panel are not used: {what}. "
            "Pass first_year/last_year (panel --first-year/--last-year) to include them.",
            PanelWindowWarning,
            stacklevel=3,
        )


def year_ranges(years: Any) -> str:
    """Compact text of a set of years: ``[2010, 2012, 2013, 2014]`` -> ``'2010, 2012-2014'``."""
    ys = sorted({int(y) for y in years})
    parts: list[str] = []
    i = 0
    while i < len(ys):
        j = i
        while j + 1 < len(ys) and ys[j + 1] == ys[j] + 1:
            j += 1
        parts.append(str(ys[i]) if i == j else f"{ys[i]}-{ys[j]}")
        i = j + 1
    return ", ".join(parts)


def _combine_sources(panel: pd.DataFrame, column: str, names: Sequence[str], source_ids: Sequence[str]) -> None:
    """``panel[column]`` = the first non-missing of ``panel[names]``; ``<column>_source`` its source id
    (in place; the intermediate columns are dropped)."""
    value = pd.Series(np.nan, index=panel.index)
    source = pd.Series("", index=panel.index, dtype=object)
    for name, sid in zip(names, source_ids):
        take = value.isna() & panel[name].notna()
        value[take] = panel.loc[take, name]
        source[take] = sid
    panel[column] = value.to_numpy()
    panel[f"{column}_source"] = source.to_numpy()
    for name in names:
        del panel[name]


# --------------------------------------------------------------------------------------------
# the panel


def _read_sources(bundle: Any) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    """Every source of the panel: the registry's cells by name (BPS selections, compiled counts), the
    compiled R2-D1 panel and the Kemnaker S01 export (plausibility-checked)."""
    from jamsostek_analysis.data.regions import RegionResolver
    from jamsostek_analysis.data.sources.compiled import read_compiled_panel
    from jamsostek_analysis.data.sources.kemnaker import read_kemnaker_participants

    cache: dict[str, pd.DataFrame] = {}
    resolver = RegionResolver.from_bundle(bundle)
    # the small secondary sources first, so that a malformed one fails fast
    compiled = read_compiled_panel(bundle, resolver)
    kemnaker = read_kemnaker_participants(bundle, resolver)
    check_valid_ranges(
        compiled,
        "raw/compiled (R2-D1)",
        {"employed": "employed", "employees_buruh": "employees", "bpjstk_pu": "bpjstk_pu", "bpjstk_bpu": "bpjstk_bpu"},
    )
    check_valid_ranges(
        kemnaker, "raw/kemnaker (S01)", {"bpjstk_pu": "bpjstk_pu_kemnaker", "bpjstk_bpu": "bpjstk_bpu_kemnaker"}
    )
    cells = {
        name: select_variable(_read_topic(bundle, sel.topic, cache, resolver), sel, name)
        for col in bps_columns()
        for name, sel in zip(col.selection_names(), col.select)
    }
    for col, src in COMPILED_COLUMNS.items():
        cells[col] = compiled[["province_code", "year", src, "source_file"]].rename(columns={src: "value"})
    return cells, compiled, kemnaker


def _attach_published(panel: pd.DataFrame, cells: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The published columns of the registry (BPS and compiled) in the panel's geography, with the
    known-problem flags, the poverty round and the poverty population."""
    cells = dict(cells)
    cells["p1"], shifted = _mask_shifted_p1_2012(cells["p1"], cells["p0"])
    for col in [c for c in PANEL_COLUMNS if c in REGISTRY and REGISTRY[c].kind in ("bps", "compiled")]:
        entry = REGISTRY[col]
        source_ids = [s.source_id for s in entry.select] or ["R2-D1"]
        for name, sid in zip(entry.selection_names() if entry.select else (col,), source_ids):
            _attach(panel, cells[name], name, sid)
        if len(source_ids) > 1:  # first non-missing source wins per cell; <col>_source says which
            _combine_sources(panel, col, entry.selection_names(), source_ids)
    if shifted:
        m = (panel["year"] == 2012) & panel["province_code"].isin(shifted)
        _add_flag(panel, m, "quality_flag", "p1 NaN: 2012 P1 export rows shifted from Kalimantan Utara downward (B01)")
    rounds = panel[["province_code", "year"]].merge(
        cells["p0"][["province_code", "year", "period"]], on=["province_code", "year"], how="left"
    )["period"]
    panel["poverty_round"] = rounds.map({"March": "March", "Annual": "March (Tahunan column)"}).fillna("").to_numpy()
    panel.loc[panel["p0"].isna(), "poverty_round"] = ""
    panel = add_poverty_population(panel)
    _flag_shared_min_wage(panel)
    return panel


def build_province_panel(
    bundle: Any = None,
    *,
    geography: str = "as-published",
    bpjstk_source: str = "compiled",
    first_year: int | None = None,
    last_year: int | None = None,
) -> pd.DataFrame:
    """Build the province x year panel.

    Parameters
    ----------
    bundle : DataBundle, optional
        The data bundle; located (not re-verified) if None.
    geography : {'as-published', '34'}
        'as-published': the provinces of each year's BPS poverty tables (33 to 2014, 34 to 2023,
        38 from 2024). '34': the 2024-2025 Papua provinces are aggregated back to Papua Barat (91)
        and Papua (94) with :func:`aggregate_to_34` before the coverage ratios are computed.
    bpjstk_source : {'compiled', 'kemnaker'}
        Main BPJS-TK columns from the compiled panel R2-D1 (2022-2025) or the Kemnaker December 2023
        export S01 (2023 only). ``bpjstk_pu_kemnaker`` / ``bpjstk_bpu_kemnaker`` are filled for 2023
        in both cases.
    first_year, last_year : int, optional
        Inclusive year range; default the first and last year with a published P0 value
        (:func:`panel_window`). Published values outside the range raise a
        :class:`~jamsostek_analysis.errors.PanelWindowWarning` naming column, file and years.

    Returns
    -------
    DataFrame
        Columns :data:`PANEL_COLUMNS` (see :func:`data_dictionary`), one row per province and year,
        sorted by year and province_code.

    Raises
    ------
    PanelError
        Duplicate province-year in any input (names file, province and year), bad arguments.
    """
    if geography not in ("as-published", "34"):
        raise PanelError(f"geography: expected 'as-published' or '34', found {geography!r}")
    if bpjstk_source not in ("compiled", "kemnaker"):
        raise PanelError(f"bpjstk_source: expected 'compiled' or 'kemnaker', found {bpjstk_source!r}")
    if first_year is not None and last_year is not None and int(first_year) > int(last_year):
        raise PanelError(f"first_year {first_year} is after last_year {last_year}")
    if bundle is None:
        from jamsostek_analysis.data.bundle import DataBundle

        bundle = DataBundle.locate()
    from jamsostek_analysis.data.regions import province_crosswalk

    crosswalk = province_crosswalk(bundle)
    cells, compiled, kemnaker = _read_sources(bundle)
    first, last = panel_window(cells, first_year, last_year)
    # a window side the caller chose drops cells on purpose; a side taken from the data warns
    _warn_outside_window(
        {
            **cells,
            "bpjstk_pu_kemnaker": kemnaker.rename(columns={"bpjstk_pu": "value"}),
            "bpjstk_pu": compiled.rename(columns={"bpjstk_pu": "value"}),
        },
        first if first_year is None else -(10**6),
        last if last_year is None else 10**6,
        (first, last),
    )
    panel = _skeleton(first, last, dict(zip(crosswalk["province_code_38"], crosswalk["province_name_38"])))
    panel = _attach_published(panel, cells)

    for col in (
        "bpjstk_pu",
        "bpjstk_bpu",
        "bpjstk_pu_kemnaker",
        "bpjstk_bpu_kemnaker",
        "bpjstk_active",
        "bpjstk_source",
        "coverage_rate",
        "coverage_pu_rate",
        "coverage_bpu_rate",
    ):
        panel[col] = np.nan if col != "bpjstk_source" else ""
    panel = panel[PANEL_COLUMNS]

    if geography == "34":
        # poverty_population is summed over the parts; recomputing it from the aggregated poor and
        # P0 (weighted by the same populations) keeps the identity p0 * poverty_population / 100 = poor
        panel = add_poverty_population(aggregate_to_34(panel, crosswalk))
    panel = _attach_bpjstk(panel, compiled, kemnaker, bpjstk_source)
    panel = panel[PANEL_COLUMNS].sort_values(["year", "province_code"], kind="stable").reset_index(drop=True)
    _check_unique(panel.assign(source_file="panel"), ["province_code", "year"], "build_province_panel")
    check_valid_ranges(panel, "build_province_panel")
    return panel


# --------------------------------------------------------------------------------------------
# data dictionary

DICTIONARY_COLUMNS = ["column", "definition", "unit", "source_id", "survey_round", "years_available", "notes"]


def years_available(panel: pd.DataFrame, column: str) -> str:
    """Years of ``panel`` in which ``column`` has a value, as compact ranges (e.g. '2010, 2012-2025').

    The registry entry's ``years`` rule says what counts: 'values' (non-missing, non-empty), 'rows'
    (every year of the panel), 'aggregated' (the years :func:`aggregate_to_34` aggregates, i.e. the
    post-split rows of the as-published panel, marked "(geography='34')").
    """
    rule = REGISTRY[column].years
    if rule == "rows":
        years = panel["year"]
    elif rule == "aggregated":
        post = panel["province_code"].astype(str).isin(NEW_PAPUA) | panel["aggregated_from"].astype(str).ne("")
        text = year_ranges(panel.loc[post, "year"])
        return f"{text} (geography='34')" if text else ""
    else:
        v = panel[column]
        has = v.notna() if pd.api.types.is_numeric_dtype(v) else v.notna() & (v.astype(str).str.len() > 0)
        years = panel.loc[has, "year"]
    return year_ranges(years)


def data_dictionary(panel: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per panel column: definition, unit, source id, survey round, years, notes.

    Built from the column registry (:mod:`jamsostek_analysis.data.columns`); ``years_available`` is
    computed from ``panel`` (default: :func:`build_province_panel` of the located bundle).
    """
    if panel is None:
        with warnings.catch_warnings():  # the window warning belongs to whoever builds the panel
            warnings.simplefilter("ignore", PanelWindowWarning)
            panel = build_province_panel()
    missing = [c for c in PANEL_COLUMNS if c not in panel.columns]
    if missing:
        raise PanelError(
            f"data_dictionary: the panel has no column(s) {missing}; expected build_province_panel() output"
        )
    names = PANEL_COLUMNS + [
        c for c in MODELLED_COLUMNS if c in panel.columns
    ]  # MODELLED entries where the panel has them
    rows = [
        (c.name, c.definition, c.unit, c.source_id, c.survey_round, years_available(panel, c.name), c.notes)
        for c in (REGISTRY[n] for n in names)
    ]
    return pd.DataFrame(rows, columns=DICTIONARY_COLUMNS)


def dictionary_markdown(panel: pd.DataFrame | None = None) -> str:
    """The data dictionary as a Markdown table (embedded in data/README.md); see :func:`data_dictionary`."""
    d = data_dictionary(panel)

    def cell(s: Any) -> str:
        return str(s).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(DICTIONARY_COLUMNS) + " |", "|" + "---|" * len(DICTIONARY_COLUMNS)]
    for row in d.itertuples(index=False):
        lines.append("| " + " | ".join(("`" + cell(v) + "`") if i == 0 else cell(v) for i, v in enumerate(row)) + " |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# writing and CLI


README_MARKER = "<!-- generated by jamsostek_analysis.data.panel.dictionary_markdown(); do not edit by hand -->"


def replace_dictionary_section(readme_text: str, panel: pd.DataFrame | None = None) -> str:
    """Return ``readme_text`` with everything after :data:`README_MARKER` replaced by the current
    :func:`dictionary_markdown` (the marker is appended if absent). Used to refresh
    ``data/README.md``::

        python -c "from pathlib import Path; from jamsostek_analysis.data.panel import replace_dictionary_section as r; p = Path('data/README.md'); p.write_text(r(p.read_text()))"
    """
    head = readme_text.split(README_MARKER)[0].rstrip("\n") + "\n\n"
    return head + README_MARKER + "\n\n" + dictionary_markdown(panel)


def panel_csv_bytes(panel: pd.DataFrame) -> bytes:
    """The panel as CSV bytes: stable row order (year, province_code), float format ``%.12g``."""
    out = panel.sort_values(["year", "province_code"], kind="stable")
    return out.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n").encode("utf-8")


def dictionary_csv_bytes(panel: pd.DataFrame | None = None) -> bytes:
    """The data dictionary (:func:`data_dictionary` of ``panel``) as CSV bytes."""
    return data_dictionary(panel).to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_panel_csv(panel: pd.DataFrame, path: str | Path) -> Path:
    """Write the panel (:func:`panel_csv_bytes`) atomically: a temporary file renamed into place."""
    from jamsostek_analysis.data.bundle import _atomic_write

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, panel_csv_bytes(panel))
    return path
