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

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jamsostek_analysis.errors import PanelError
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
# variable specifications (BPS exports)


@dataclass(frozen=True)
class _Spec:
    column: str
    topic: str
    source_id: str
    title: str | None = None  # regex on title
    category: str | None = None  # regex on category
    periods: tuple[str, ...] | None = None  # accepted periods, first wins per cell
    annual_until: int | None = None  # accept period 'Annual' up to this year (Tahunan = March survey)


_TOTAL = r"^\s*(?:Jumlah|Total|Perkotaan\s*\+\s*Perdesaan|Perkotaan dan Perdesaan|Kota\s*\+\s*Desa)\s*$"
POVERTY_SPECS = (
    _Spec("p0", "poverty_province", "B01", r"\(P0\)", _TOTAL, ("March",), 2011),
    _Spec("p1", "poverty_province", "B01", r"\(P1\)", _TOTAL, ("March",), 2011),
    _Spec("p2", "poverty_province", "B01", r"\(P2\)", _TOTAL, ("March",), 2011),
    _Spec("p0_urban", "poverty_province", "B01", r"\(P0\)", r"^\s*Perkotaan\s*$", ("March",), 2011),
    _Spec("p0_rural", "poverty_province", "B01", r"\(P0\)", r"^\s*Perdesaan\s*$", ("March",), 2011),
    _Spec("poor_thousand", "poverty_count_province", "S06", None, r"Jumlah Penduduk Miskin", ("March",)),
    _Spec("poverty_line", "poverty_count_province", "S06", None, r"Garis Kemiskinan", ("March",)),
)
COVARIATE_SPECS = (
    _Spec("population", "population_province", "R2-A6", None, r"^\s*Jumlah Penduduk"),
    _Spec("formal_share", "formal_employment_province", "R2-A1"),
    _Spec("tpt_b05", "tpt_tpak_province", "B05", None, r"^\s*TPT\b|\(TPT\)|Pengangguran", ("August",)),
    _Spec("tpak", "tpt_tpak_province", "B05", None, r"^\s*TPAK\b|\(TPAK\)|Partisipasi", ("August",)),
    _Spec("tpt_b04", "tpt_province", "B04", None, None, ("August",)),
    _Spec("grdp_per_capita", "grdp_per_capita_province", "R2-A2", None, r"Konstan"),
    _Spec("hdi", "hdi_province", "R2-A3"),
    _Spec("mean_years_schooling", "mean_years_schooling", "R2-A4"),
    _Spec("gini", "gini_province", "R2-A8", None, _TOTAL, ("March",)),
    _Spec("min_wage", "minimum_wage_province", "R2-A5"),
)

# --------------------------------------------------------------------------------------------
# output columns and their aggregation rule for geography="34"

PANEL_COLUMNS = [
    "province_code", "province_name", "year", "boundary",
    "p0", "p1", "p2", "p0_urban", "p0_rural", "poverty_round", "poor_thousand", "poverty_population", "poverty_line",
    "population", "formal_share", "tpt", "tpt_source", "tpak", "employed", "employees",
    "grdp_per_capita", "hdi", "mean_years_schooling", "gini", "min_wage",
    "bpjstk_pu", "bpjstk_bpu", "bpjstk_active", "bpjstk_source", "bpjstk_pu_kemnaker", "bpjstk_bpu_kemnaker",
    "coverage_rate", "coverage_pu_rate", "coverage_bpu_rate",
    "geography_flag", "quality_flag", "aggregated_from",
]  # fmt: skip

#: how aggregate_to_34 combines the rows of a split province: 'sum' (counts; NaN if any part is
#: missing), 'popmean' (population-weighted mean; NaN if any part or weight is missing), a mean
#: weighted by the rate's own denominator (exact up to the published rounding; NaN if a part or a
#: weight input is missing): 'susenas_mean' (weight poor_thousand / p0, the Susenas population
#: behind the poverty rates, which differs from the projection in ``population`` by up to 30 %
#: in Papua), 'employed_mean' (weight employed), 'labour_force_mean' (weight
#: employed / (1 - tpt/100)), 'working_age_mean' (weight employed / (1 - tpt/100) / (tpak/100));
#: 'nan' (not aggregable: set to NaN), 'text' (distinct non-empty values joined by '; '), 'key'.
AGGREGATION_RULES: dict[str, str] = {
    "province_code": "key", "province_name": "key", "year": "key", "boundary": "key",
    "p0": "susenas_mean", "p1": "susenas_mean", "p2": "susenas_mean", "p0_urban": "popmean", "p0_rural": "popmean",
    "poverty_round": "text", "poor_thousand": "sum", "poverty_population": "sum", "poverty_line": "nan",
    "population": "sum", "formal_share": "employed_mean", "tpt": "labour_force_mean", "tpt_source": "text",
    "tpak": "working_age_mean",
    "employed": "sum", "employees": "sum",
    "grdp_per_capita": "popmean", "hdi": "nan", "mean_years_schooling": "popmean", "gini": "nan", "min_wage": "nan",
    "bpjstk_pu": "sum", "bpjstk_bpu": "sum", "bpjstk_active": "sum", "bpjstk_source": "text",
    "bpjstk_pu_kemnaker": "sum", "bpjstk_bpu_kemnaker": "sum",
    "coverage_rate": "nan", "coverage_pu_rate": "nan", "coverage_bpu_rate": "nan",
    "geography_flag": "text", "quality_flag": "text", "aggregated_from": "key",
}  # fmt: skip

#: weighted-mean rules of aggregate_to_34 -> (columns needed, weight from the group's columns)
_WEIGHTED_RULES: dict[str, tuple[tuple[str, ...], Any]] = {
    "susenas_mean": (("poor_thousand", "p0"), lambda g: g["poor_thousand"] / g["p0"]),
    "employed_mean": (("employed",), lambda g: g["employed"]),
    "labour_force_mean": (("employed", "tpt"), lambda g: g["employed"] / (1.0 - g["tpt"] / 100.0)),
    "working_age_mean": (("employed", "tpt", "tpak"), lambda g: g["employed"] / (1.0 - g["tpt"] / 100.0) / (g["tpak"] / 100.0)),
}

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


def select_variable(long: pd.DataFrame, spec: _Spec) -> pd.DataFrame:
    """Province-level cells of one variable from a tidy BPS topic table.

    Parameters
    ----------
    long : DataFrame
        Output of ``read_bps_topic`` (columns region_code, region_level, year, period, category,
        value, title, source_file, ...).
    spec : _Spec
        Which title / category / period to keep.

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
        raise PanelError(f"raw/bps/{spec.topic}: no province cells for {spec.column} (title ~ {spec.title!r}, category ~ {spec.category!r}, periods {periods})")
    d = d.assign(region_code=d["region_code"].astype(str), year=d["year"].astype(int))
    # with accepted periods, one cell per period (the first accepted period wins, documented);
    # without, any second cell of a province-year (e.g. an unexpected period column) is an error
    _check_unique(d, ["region_code", "year", "period"] if periods is not None else ["region_code", "year"],
                  f"raw/bps/{spec.topic} ({spec.column})")
    order = {p: i for i, p in enumerate((periods or []) + ["Annual"])}
    d = d.assign(_rank=d["period"].map(order).fillna(len(order)), _na=d["value"].isna())
    d = d.sort_values(["region_code", "year", "_na", "_rank"], kind="stable")
    d = d.drop_duplicates(["region_code", "year"], keep="first")
    return d.rename(columns={"region_code": "province_code"})[["province_code", "year", "value", "period", "source_file"]].reset_index(drop=True)


def _split_geography(cells: pd.DataFrame) -> pd.DataFrame:
    """Per year, which side of the Kaltara / Papua splits a variable's table follows.

    A table is post-split for Kaltara in a year if it has a value for 65, and post-split for
    Papua if it has a value for any of 92/95/96/97.
    """
    has = cells[cells["value"].notna()]
    years = sorted(cells["year"].unique())
    kal = set(has.loc[has["province_code"] == KALTARA, "year"])
    pap = set(has.loc[has["province_code"].isin(NEW_PAPUA), "year"])
    return pd.DataFrame({"year": years, "kaltara": ["post" if y in kal else "pre" for y in years], "papua": ["post" if y in pap else "pre" for y in years]})


def _attach(panel: pd.DataFrame, cells: pd.DataFrame, column: str, source_id: str) -> None:
    """Merge one variable into the panel (in place), NaN-ing cells of a mismatching geography.

    The panel's rows follow the pre-2012 Kalimantan Timur (64 incl. 65) in boundary '33' and the
    pre-2022 Papua (91, 94) in '33'/'34'; a table year that publishes the other side of a split
    (see :func:`_split_geography`) loses its 64 or 91/94 value there, with a ``geography_flag``.
    """
    _check_complete(panel, cells, column, source_id)
    geo = _split_geography(cells)
    m = panel[["province_code", "year", "boundary"]].merge(cells[["province_code", "year", "value"]], on=["province_code", "year"], how="left")
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
            side = ("publishes Kalimantan Timur without Kalimantan Utara while the panel row includes it" if m["kaltara"].iat[i] == "post"
                    else "has no Kalimantan Utara value, so its Kalimantan Timur may include it")
        else:
            side = ("is post-split (new Papua provinces published), panel row is not" if m["papua"].iat[i] == "post"
                    else "is pre-split (no values for the new Papua provinces), panel row is not")
        panel.iat[i, panel.columns.get_loc("geography_flag")] = _join_flags(panel["geography_flag"].iat[i], f"{column} NaN: {source_id} {year} {side}")
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
            files = sorted(set(cells.loc[cells["year"] == year, "source_file"].astype(str))) if "source_file" in cells else []
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
        _add_flag(panel, panel.index.isin(g.index), "quality_flag",
                  f"min_wage kept as published but suspect: R2-A5 {int(year)} prints one value ({value:,.0f}) for provinces {codes}")


def _read_topic(bundle: Any, topic: str, cache: dict[str, pd.DataFrame], resolver: Any = None) -> pd.DataFrame:
    if topic not in cache:
        from jamsostek_analysis.data.sources.bps import read_bps_topic

        cache[topic] = read_bps_topic(bundle, topic, resolver) if resolver is not None else read_bps_topic(bundle, topic)
    return cache[topic]


def _skeleton(first_year: int, last_year: int, names: Mapping[str, str]) -> pd.DataFrame:
    rows = [(c, names.get(c, ""), y, boundary_for_year(y)) for y in range(first_year, last_year + 1) for c in panel_province_set(y)]
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
    k = kemnaker[["province_code", "year", "bpjstk_pu", "bpjstk_bpu"]].rename(columns={"bpjstk_pu": "bpjstk_pu_kemnaker", "bpjstk_bpu": "bpjstk_bpu_kemnaker"})
    out = out.drop(columns=[c for c in ("bpjstk_pu_kemnaker", "bpjstk_bpu_kemnaker") if c in out]).merge(k, on=key, how="left")
    if source == "compiled":
        c = compiled[["province_code", "year", "bpjstk_pu", "bpjstk_bpu", "bpjstk_presplit_papua"]]
        out = out.drop(columns=[x for x in ("bpjstk_pu", "bpjstk_bpu") if x in out]).merge(c, on=key, how="left")
        mix = out["bpjstk_presplit_papua"].fillna(False).astype(bool) & (out["boundary"] == "38")
        if mix.any():
            out.loc[mix, ["bpjstk_pu", "bpjstk_bpu"]] = np.nan
            _add_flag(out, mix, "geography_flag",
                      "bpjstk NaN: R2-D1 keeps pre-split Papua/Papua Barat while the row is the post-split province "
                      "(use geography='34')")
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
    for (p, y) in sorted(groups):
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
                ww = w if rule == "popmean" else _WEIGHTED_RULES[rule][1](g.astype({c: float for c in _WEIGHTED_RULES[rule][0]})).to_numpy(dtype=float)
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
            row["geography_flag"] = _join_flags(row["geography_flag"], f"aggregate NaN: members {expected} expected, found {found}")
        new_rows.append(row)
    out = pd.concat([keep, pd.DataFrame(new_rows, columns=panel.columns)], ignore_index=True)
    return out.sort_values(["year", "province_code"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# the panel


def build_province_panel(
    bundle: Any = None,
    *,
    geography: str = "as-published",
    bpjstk_source: str = "compiled",
    first_year: int = 2007,
    last_year: int = 2025,
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
    first_year, last_year : int
        Inclusive year range.

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
    if int(first_year) > int(last_year):
        raise PanelError(f"first_year {first_year} is after last_year {last_year}")
    if bundle is None:
        from jamsostek_analysis.data.bundle import DataBundle

        bundle = DataBundle.locate()
    from jamsostek_analysis.data.regions import RegionResolver, province_crosswalk
    from jamsostek_analysis.data.sources.compiled import read_compiled_panel
    from jamsostek_analysis.data.sources.kemnaker import read_kemnaker_participants

    crosswalk = province_crosswalk(bundle)
    names = dict(zip(crosswalk["province_code_38"], crosswalk["province_name_38"]))
    panel = _skeleton(int(first_year), int(last_year), names)
    cache: dict[str, pd.DataFrame] = {}
    resolver = RegionResolver.from_bundle(bundle)
    # the small secondary sources first, so that a malformed one fails fast
    compiled = read_compiled_panel(bundle, resolver)
    kemnaker = read_kemnaker_participants(bundle, resolver)

    # poverty (March) -------------------------------------------------------------------------
    cells = {s.column: select_variable(_read_topic(bundle, s.topic, cache, resolver), s) for s in POVERTY_SPECS}
    cells["p1"], shifted = _mask_shifted_p1_2012(cells["p1"], cells["p0"])
    for spec in POVERTY_SPECS:
        _attach(panel, cells[spec.column], spec.column, spec.source_id)
    if shifted:
        m = (panel["year"] == 2012) & panel["province_code"].isin(shifted)
        _add_flag(panel, m, "quality_flag", "p1 NaN: 2012 P1 export rows shifted from Kalimantan Utara downward (B01)")
    rounds = panel[["province_code", "year"]].merge(cells["p0"][["province_code", "year", "period"]], on=["province_code", "year"], how="left")["period"]
    panel["poverty_round"] = rounds.map({"March": "March", "Annual": "March (Tahunan column)"}).fillna("").to_numpy()
    panel.loc[panel["p0"].isna(), "poverty_round"] = ""
    panel = add_poverty_population(panel)

    # covariates --------------------------------------------------------------------------------
    for spec in COVARIATE_SPECS:
        _attach(panel, select_variable(_read_topic(bundle, spec.topic, cache, resolver), spec), spec.column, spec.source_id)
    _flag_shared_min_wage(panel)
    use_b05 = panel["tpt_b05"].notna()
    panel["tpt"] = np.where(use_b05, panel["tpt_b05"], panel["tpt_b04"])
    panel["tpt_source"] = np.where(use_b05, "B05", np.where(panel["tpt_b04"].notna(), "B04", ""))
    panel = panel.drop(columns=["tpt_b05", "tpt_b04"])

    # compiled Sakernas counts (secondary) ----------------------------------------------------
    comp = compiled.rename(columns={"employees_buruh": "employees"})
    emp_cells = {c: comp[["province_code", "year", c]].rename(columns={c: "value"}) for c in ("employed", "employees")}
    for c, cells_c in emp_cells.items():
        _attach(panel, cells_c, c, "R2-D1")

    for col in ("bpjstk_pu", "bpjstk_bpu", "bpjstk_pu_kemnaker", "bpjstk_bpu_kemnaker", "bpjstk_active", "bpjstk_source", "coverage_rate", "coverage_pu_rate", "coverage_bpu_rate"):
        panel[col] = np.nan if col != "bpjstk_source" else ""
    panel = panel[PANEL_COLUMNS]

    if geography == "34":
        # poverty_population is summed over the parts; recomputing it from the aggregated poor and
        # P0 (weighted by the same populations) keeps the identity p0 * poverty_population / 100 = poor
        panel = add_poverty_population(aggregate_to_34(panel, crosswalk))
    panel = _attach_bpjstk(panel, compiled, kemnaker, bpjstk_source)
    panel = panel[PANEL_COLUMNS].sort_values(["year", "province_code"], kind="stable").reset_index(drop=True)
    _check_unique(panel.assign(source_file="panel"), ["province_code", "year"], "build_province_panel")
    return panel


# --------------------------------------------------------------------------------------------
# data dictionary

_D = [
    # column, definition, unit, source_id, survey_round, years_available, notes
    ("province_code", "BPS two-digit province code (string)", "code", "G02", "", "2007-2025",
     "Set of the year's BPS poverty tables: 33 provinces 2007-2014 (Kalimantan Utara 65 is first published in March 2015; before that it is inside Kalimantan Timur 64), 34 in 2015-2023, 38 from 2024 (92, 95, 96, 97 from the 2022 Papua split). 91 and 94 are the rump provinces from 2024. geography='34' aggregates 2024-2025 back to 91/94."),
    ("province_name", "BPS province name (upper case, as in geo/idn_province_crosswalk_bps.csv)", "text", "G02", "", "2007-2025", ""),
    ("year", "Calendar year of the survey round or reference date", "year", "", "", "2007-2025", ""),
    ("boundary", "Province set of the row: '33', '34' or '38'; '34' also for rows aggregated by geography='34'", "text", "", "", "2007-2025", ""),
    ("p0", "Poverty headcount ratio P0, urban+rural (Jumlah)", "percent of population", "B01", "March (Susenas); 2007-2011 the Tahunan column = March survey", "2007-2025",
     "As published. Papua September 2015 P1/P2 are not used (September round). The March 2025 round was fielded in February 2025 (bundle README)."),
    ("p1", "Poverty gap index P1 (FGT alpha=1), urban+rural", "index (percent scale)", "B01", "March (Susenas); 2007-2011 Tahunan", "2007-2025",
     "2012: NaN for codes 71-76, 81, 82, 91, 94 (export rows shifted from Kalimantan Utara downward; see quality_flag)."),
    ("p2", "Poverty severity index P2 (FGT alpha=2), urban+rural", "index (percent scale)", "B01", "March (Susenas); 2007-2011 Tahunan", "2007-2025", ""),
    ("p0_urban", "P0 in urban areas (Perkotaan)", "percent of population", "B01", "March (Susenas); 2007-2011 Tahunan", "2007-2025", "DKI Jakarta has no rural area: p0_rural is NaN there."),
    ("p0_rural", "P0 in rural areas (Perdesaan)", "percent of population", "B01", "March (Susenas); 2007-2011 Tahunan", "2007-2025", "NaN for DKI Jakarta (no rural area)."),
    ("poverty_round", "Susenas round behind p0-p2: 'March' or 'March (Tahunan column)'", "text", "B01", "", "2007-2025", ""),
    ("poor_thousand", "Number of poor people", "thousand persons", "S06", "March (Susenas)", "2015-2025", "Province rows only; the INDONESIA row of this export has known errors and is not used."),
    ("poverty_population", "Population behind the poverty rates: 100 * poor_thousand / p0 (same March round)", "thousand persons", "S06; B01", "March (Susenas)", "2015-2025",
     "derived: population implied by the published poor count and headcount ratio; the denominator behind the poverty rates; differs from `population` (projection): 0.99-1.00 times it in 2016-2019, 0.70-1.19 times it by province in 2020-2025 (Papua Tengah 0.70, Kepulauan Riau 1.19). Use it to turn a change in P0 into a number of people. NaN where poor_thousand or p0 is missing or p0 is 0. Inherits the rounding of the published numbers (poor to 10 persons, p0 to 0.01 point). geography='34': the sum of the parts' values, so p0 * poverty_population / 100 = poor_thousand also in the aggregated rows."),
    ("poverty_line", "Poverty line (Garis Kemiskinan), urban+rural", "IDR per capita per month", "S06", "March (Susenas)", "2017-2025",
     "The B01 line table has urban and rural lines only (2013-2025) and is not used; S06 prints the total line from 2017."),
    ("population", "Population (Jumlah Penduduk)", "thousand persons", "R2-A6", "census / mid-year projection", "2010, 2016-2025",
     "Each year's own file and vintage: 2010 SP2010 (May); 2016-2018 no footnote (SP2010-based projection); 2019 Proyeksi 2010-2035 (June); 2020 SP2020 (September); 2021-2022 interim projection 2020-2023 (June); 2023-2025 Proyeksi 2020-2050 (June). Vintage breaks in 2020. 2011-2015 absent. 2023 new Papua provinces are '...' (91/94 pre-split). Not the denominator of p0-p2: the Susenas population implied by 100 * poor_thousand / p0 is 0.99-1.00 times this column in 2016-2019 but 0.70-1.19 times it in 2020-2025 (Papua Tengah 0.70, Kepulauan Riau 1.19). Use it as a weight within a year, not as a poverty denominator (that is poverty_population)."),
    ("formal_share", "Share of formal workers (employer with permanent workers + employee) in employed", "percent", "R2-A1", "August (Sakernas; the export does not print the round, its national values equal the August figures)", "2015-2025",
     "August 2018 values are the revised (re-weighted) series."),
    ("tpt", "Open unemployment rate (TPT)", "percent of labour force", "B05; B04", "August (Sakernas)", "2007-2025",
     "From B05 (TPT and TPAK table) where it has a value (2017-2023, 2025), else from B04 (TPT table: 2007-2016, 2024); tpt_source says which per cell. The two exports agree in all 276 province-years where both have a value (both carry the revised August 2018 series)."),
    ("tpt_source", "Source id of tpt in this row (B05 or B04)", "text", "B05; B04", "", "2007-2025", ""),
    ("tpak", "Labour force participation rate (TPAK)", "percent of population 15+", "B05", "August (Sakernas)", "2017-2023, 2025", "No 2024 file in the bundle; no other source, so 2024 is NaN. August 2018 values are the revised (re-weighted) series."),
    ("employed", "Employed persons (Jumlah Penduduk Bekerja)", "persons", "R2-D1", "August (Sakernas) per the compiled panel; round not stated in the source", "2022-2025",
     "SECONDARY (hand transcription of a third-party compiled panel). Province sums equal the BPS August national totals for 2023 and 2024. Post-split geography from 2024."),
    ("employees", "Employees (buruh/karyawan/pegawai)", "persons", "R2-D1", "August (Sakernas) per the compiled panel", "2022-2025", "SECONDARY, as employed."),
    ("grdp_per_capita", "GRDP per capita at constant 2010 prices (Seri 2010)", "thousand IDR", "R2-A2", "annual", "2010, 2012-2025",
     "2011 file empty. Kalimantan Timur 2013-2014 NaN (published without Kalimantan Utara); 91/94 in 2023 NaN (published post-split). Each year's own file: up to 2019 per capita on SP2010-based population, from 2020 on SP2020-based population (the bundle's 2019 file is the earlier vintage), so the series has a level break in 2020 (Papua -20 %, Papua Barat -15 %, mostly the population revision); use year effects or avoid 2019/2020 changes."),
    ("hdi", "Human Development Index (IPM, new method)", "index 0-100", "R2-A3", "annual", "2010-2024",
     "Kalimantan Timur 2013-2014 and 91/94 2022-2023 NaN (other geography: the 2022 and 2023 tables already publish the new Papua provinces, so their 91/94 are the rump provinces). Not aggregated by geography='34'. Do not splice with the revised Statistik Indonesia 2026 IPM."),
    ("mean_years_schooling", "Mean years of schooling, population 25+ (RLS, new method), province rows", "years", "R2-A4", "annual", "2010-2025",
     "Kalimantan Timur 2013-2014 NaN (other geography)."),
    ("gini", "Gini ratio of per-capita consumption, urban+rural", "ratio 0-1", "R2-A8", "March (Susenas)", "2010-2025",
     "March chosen to match the poverty round. Not aggregated by geography='34'."),
    ("min_wage", "Provincial minimum wage (UMP), monthly", "IDR per month", "R2-A5", "legal value in force in the year", "2021-2025",
     "In 2024 the table prints Papua's 4,024,270 for 92, 94, 95, 96 and 97 (bundle README known problem; Papua Barat Daya's own 2025 UMP is 3,614,000): kept as published and flagged in quality_flag. Papua Pegunungan 2025 is '-' (NaN). Not aggregated by geography='34'."),
    ("bpjstk_pu", "Active BPJS-TK participants, wage earners (PU); main series", "persons", "R2-D1; S01", "R2-D1: reference month not stated except 2023 (= December); S01: December 2023", "2022-2025",
     "Default R2-D1 (SECONDARY compiled panel, 2022-2025): it gives four years (within-province change), its provincial attribution tracks employees (PU is below the province's employees in every province-year of matching geography), and its 2023 national sums equal S01's exactly. S01 (bpjstk_source='kemnaker', 2023 only) attributes participants differently (apparently by the employer's registration office): 5.46 m PU in DKI Jakarta against 3.05 m employees there. 91/94 in 2024-2025 are NaN with geography='as-published' (R2-D1 keeps pre-split Papua, see geography_flag) and filled with geography='34'. Reference month stated only for 2023 (December). Inference, not stated: the 2025 national sums (PU 26.44 m, BPU 9.40 m) match the February-May 2025 national statements (S10, N16, N17: PU 25.4-26.3 m, BPU 8.3-9.6 m) rather than a year-end level, while 2024 (PU 29.31 m) fits December 2024, so 2024-2025 changes may mix reference months."),
    ("bpjstk_bpu", "Active BPJS-TK participants, non-wage workers (BPU); main series", "persons", "R2-D1; S01", "as bpjstk_pu", "2022-2025", "As bpjstk_pu."),
    ("bpjstk_active", "bpjstk_pu + bpjstk_bpu (Jakon construction-project and PMI migrant participants excluded)", "persons", "R2-D1; S01", "as bpjstk_pu", "2022-2025", "NaN if either part is missing."),
    ("bpjstk_source", "Source id of the main BPJS-TK columns in this row (R2-D1 or S01)", "text", "R2-D1; S01", "", "2022-2025", ""),
    ("bpjstk_pu_kemnaker", "Active BPJS-TK PU participants, Kemnaker Satu Data export", "persons", "S01", "December 2023", "2023",
     "Kept for comparison whatever bpjstk_source is. National sums of S01 and R2-D1 are identical (PU 25,004,383; BPU 9,192,755) but the provincial split differs in every province; S01 puts 5.46 m PU participants in DKI Jakarta, which has 3.05 m employees (August 2023)."),
    ("bpjstk_bpu_kemnaker", "Active BPJS-TK BPU participants, Kemnaker Satu Data export", "persons", "S01", "December 2023", "2023", "As bpjstk_pu_kemnaker."),
    ("coverage_rate", "Active BPJS-TK participants (PU + BPU) per 100 employed persons", "per 100 employed", "R2-D1; S01", "BPJS-TK reference month / August Sakernas", "2022-2025",
     "100 * bpjstk_active / employed. Jakon is excluded because construction-project coverage is registered per project (often for short contracts, at the project's location) and is not tied to a resident worker; adding it would double count workers who also hold PU/BPU cover. Not a share of people (a worker may be counted twice across segments) and can exceed 100 where participants are attributed to another province."),
    ("coverage_pu_rate", "PU participants per 100 employees (buruh/karyawan/pegawai)", "per 100 employees", "R2-D1; S01", "as coverage_rate", "2022-2025",
     "PU is the wage-earner segment, so its natural population is employees, not all employed persons. Employees include civil servants, who are mostly insured by TASPEN/ASABRI, so the rate understates coverage of private employees."),
    ("coverage_bpu_rate", "BPU participants per 100 employed persons who are not employees (employed - employees)", "per 100 non-employee workers", "R2-D1; S01", "as coverage_rate", "2022-2025",
     "BPU is the non-wage segment (own-account, family and casual workers, employers)."),
    ("geography_flag", "Why a value was set to NaN because its geography differs from the row's province (empty if none)", "text", "", "", "2007-2025",
     "Rules: Kalimantan Timur 2013-2014 covariates published without Kalimantan Utara (GRDP, HDI, schooling); 91/94 covariates of tables that already publish the new Papua provinces before 2024 (HDI 2022-2023, GRDP 2023); R2-D1 BPJS-TK values for 91/94 in 2024-2025 are pre-split."),
    ("quality_flag", "Known problems in a source cell: set to NaN, or kept as published but suspect (empty if none)", "text", "", "", "2012, 2024",
     "2012: p1 NaN (P1 export rows shifted). 2024: min_wage kept but flagged (one value printed for five Papua provinces)."),
    ("aggregated_from", "For rows built by geography='34': the 38-set codes summed or averaged (e.g. '91+92'); empty otherwise", "text", "G02", "", "2024-2025 (geography='34')", "Counts (population, poor_thousand, poverty_population, employed, employees, BPJS-TK) are summed. Rates are means weighted by their own denominator, exact up to published rounding: p0, p1, p2 by the Susenas population poor_thousand / p0 (so p0 = 100 * sum of poor / sum of Susenas population; weighting by the population column instead would move Papua 2024 p0 from 25.82 to 26.41), formal_share by employed, tpt by the labour force employed / (1 - tpt/100), tpak by the working-age population (labour force / tpak); the weights use R2-D1 employed (secondary). p0_urban, p0_rural, grdp_per_capita and mean_years_schooling are population-weighted (exact for GRDP per capita, an approximation for the others). hdi, gini, poverty_line and min_wage are not aggregable and are NaN; coverage ratios are recomputed from the summed counts. NaN whenever any part or weight is missing (tpak 2024)."),
]  # fmt: skip

DICTIONARY_COLUMNS = ["column", "definition", "unit", "source_id", "survey_round", "years_available", "notes"]


def data_dictionary() -> pd.DataFrame:
    """One row per panel column: definition, unit, source id, survey round, years, notes."""
    df = pd.DataFrame(_D, columns=DICTIONARY_COLUMNS)
    if list(df["column"]) != PANEL_COLUMNS:  # pragma: no cover - guarded by tests
        raise PanelError("data_dictionary: columns out of sync with PANEL_COLUMNS")
    return df


def dictionary_markdown() -> str:
    """The data dictionary as a Markdown table (embedded in data/README.md)."""
    d = data_dictionary()

    def cell(s: Any) -> str:
        return str(s).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(DICTIONARY_COLUMNS) + " |", "|" + "---|" * len(DICTIONARY_COLUMNS)]
    for row in d.itertuples(index=False):
        lines.append("| " + " | ".join(("`" + cell(v) + "`") if i == 0 else cell(v) for i, v in enumerate(row)) + " |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# writing and CLI


README_MARKER = "<!-- generated by jamsostek_analysis.data.panel.dictionary_markdown(); do not edit by hand -->"


def replace_dictionary_section(readme_text: str) -> str:
    """Return ``readme_text`` with everything after :data:`README_MARKER` replaced by the current
    :func:`dictionary_markdown` (the marker is appended if absent). Used to refresh
    ``data/README.md``::

        python -c "from pathlib import Path; from jamsostek_analysis.data.panel import replace_dictionary_section as r; p = Path('data/README.md'); p.write_text(r(p.read_text()))"
    """
    head = readme_text.split(README_MARKER)[0].rstrip("\n") + "\n\n"
    return head + README_MARKER + "\n\n" + dictionary_markdown()


def write_panel_csv(panel: pd.DataFrame, path: str | Path) -> Path:
    """Write the panel with stable row order (year, province_code) and float format ``%.12g``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = panel.sort_values(["year", "province_code"], kind="stable")
    out.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return path
