"""The district (kabupaten/kota) x year poverty panel: P0, P1, P2 and the poverty line, 2004-2025.

BPS publishes the district poverty tables (``raw/bps/poverty_district``, source B03) on today's
boundaries: every year's table lists the 514 districts of the BPS 2020 list, including districts
created later (their early cells are '-' or back-cast) and the districts of Kalimantan Utara and of the
new Papua provinces back to 2004. So a district keeps one code (the four-digit BPS 2020 code) across the
Kalimantan Utara (2012) and Papua (2022) province splits; :func:`build_district_panel` adds the province
that contained it in each year (``province_code``, administrative set of that year:
:func:`jamsostek_analysis.geography.province_code_for_year`, e.g. Malinau 6501 is in 64 to 2012 and in
65 from 2013, Jayawijaya 9402 in 94 to 2023 and in 97 from 2024), its 2013-2022 province
(``province_code_34``) and today's (``province_code_38``), for clustering or joining province data.

Values are copied exactly as published; the columns and their plausibility bounds are the
:data:`jamsostek_analysis.data.columns.DISTRICT_COLUMNS` registry. Province and national rows of the
tables are not part of this panel (the province panel is :func:`jamsostek_analysis.data.panel.build_province_panel`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from jamsostek_analysis.data.columns import DISTRICT_COLUMNS
from jamsostek_analysis.errors import PanelError
from jamsostek_analysis.geography import province_code_for_year

__all__ = ["DISTRICT_PANEL_COLUMNS", "DISTRICT_TOPIC", "build_district_panel"]

DISTRICT_TOPIC = "poverty_district"
_KEYS = [
    "district_code",
    "district_name",
    "province_code",
    "province_code_34",
    "province_code_38",
    "is_kota",
    "year",
]
#: the district panel's columns, in order
DISTRICT_PANEL_COLUMNS: list[str] = _KEYS + [c.name for c in DISTRICT_COLUMNS] + ["quality_flag"]


def _cells(long: pd.DataFrame, column: str, title: str) -> pd.DataFrame:
    """District cells of one indicator (title regex); PanelError on a duplicate district-year."""
    labels = pd.Series(long["title"].astype(str).unique())
    keep = labels[labels.str.contains(title, regex=True)]
    d = long[long["title"].astype(str).isin(keep)]
    if d.empty:
        raise PanelError(f"raw/bps/{DISTRICT_TOPIC}: no district cells for {column} (title ~ {title!r})")
    dup = d.duplicated(["region_code", "year"], keep=False)
    if dup.any():
        first = d[dup].iloc[0]
        files = sorted(
            set(
                d.loc[
                    dup & (d["region_code"] == first["region_code"]) & (d["year"] == first["year"]), "source_file"
                ].astype(str)
            )
        )
        raise PanelError(
            f"raw/bps/{DISTRICT_TOPIC} ({column}): district {first['region_code']} ({first['region_name']}), "
            f"year {int(first['year'])} appears more than once in {', '.join(files)}"
        )
    return d[["region_code", "year", "value"]].rename(columns={"region_code": "district_code", "value": column})


#: FGT ordering that every published triple satisfies: P2 <= P1 <= P0
_ORDER = (("p1", "p0"), ("p2", "p1"))


def _flag_implausible(panel: pd.DataFrame) -> pd.DataFrame:
    """NaN (never corrected) and ``quality_flag`` for values outside the registry's plausibility bounds
    or breaking P2 <= P1 <= P0 (e.g. Sorong 2004: P1 117.7 with P0 53.7)."""
    out = panel.assign(quality_flag="")
    bad: dict[str, pd.Series] = {}
    for col in DISTRICT_COLUMNS:
        lo, hi = col.valid_range or (float("-inf"), float("inf"))
        bad[col.name] = out[col.name].notna() & ~out[col.name].between(lo, hi)
    for small, big in _ORDER:
        bad[small] = bad[small] | (out[small] > out[big])
    for name, mask in bad.items():
        for i in mask[mask].index:
            v = out.at[i, name]
            out.at[i, "quality_flag"] = "; ".join(
                filter(
                    None,
                    [out.at[i, "quality_flag"], f"{name} NaN: published {v} is implausible (bounds or P2 <= P1 <= P0)"],
                )
            )
        out.loc[mask, name] = float("nan")
    return out


def build_district_panel(
    bundle: Any = None, *, first_year: int | None = None, last_year: int | None = None
) -> pd.DataFrame:
    """Build the district x year poverty panel from ``raw/bps/poverty_district``.

    Parameters
    ----------
    bundle : DataBundle, optional
        The data bundle (with any user additions); located if None.
    first_year, last_year : int, optional
        Inclusive year range; default the years of the tables (2004-2025 in the bundle). Years
        outside are left out on request only.

    Returns
    -------
    DataFrame
        Columns :data:`DISTRICT_PANEL_COLUMNS`, one row per district (BPS 2020 code) and year, sorted by
        year and district_code; ``is_kota`` True for a city (third code digit 7).

    Raises
    ------
    PanelError
        A district name that resolves to no BPS 2020 code (names file and district: never dropped), a
        duplicate district-year, a district-year present for one indicator and absent for another, or
        ``first_year`` after ``last_year``. A value outside the registry's plausibility bounds or breaking
        P2 <= P1 <= P0 is set to NaN and explained in ``quality_flag`` (never corrected).
    """
    from jamsostek_analysis.data.bundle import DataBundle
    from jamsostek_analysis.data.regions import RegionResolver
    from jamsostek_analysis.data.sources.bps import read_bps_topic

    if bundle is None:
        bundle = DataBundle.locate()
    resolver = RegionResolver.from_bundle(bundle)
    long = read_bps_topic(bundle, DISTRICT_TOPIC, resolver)
    d = long[long["region_level"].astype(str) == "district"]
    unresolved = d[d["region_code"].isna()]
    if len(unresolved):
        r = unresolved.iloc[0]
        raise PanelError(
            f"raw/bps/{DISTRICT_TOPIC}/{r['source_file']}: district {r['region_name']!r} has no BPS 2020 code "
            f"({len(unresolved)} cell(s) unresolved); add an alias in data/regions.py DISTRICT_ALIASES"
        )
    d = d.assign(region_code=d["region_code"].astype(str), year=d["year"].astype(int))
    panel: pd.DataFrame | None = None
    for col in DISTRICT_COLUMNS:
        c = _cells(d, col.name, str(col.select[0].title))
        if panel is None:
            panel = c
            continue
        merged = panel.merge(c, on=["district_code", "year"], how="outer", indicator=True)
        lone = merged[merged["_merge"] != "both"]
        if len(lone):
            r = lone.iloc[0]
            raise PanelError(
                f"raw/bps/{DISTRICT_TOPIC}: district {r['district_code']}, year {int(r['year'])} has "
                f"{'no' if r['_merge'] == 'left_only' else 'only a'} {col.name} value row; "
                "expected every indicator table to list the same districts and years"
            )
        panel = merged.drop(columns="_merge")
    assert panel is not None
    years = panel["year"]
    first = int(years.min()) if first_year is None else int(first_year)
    last = int(years.max()) if last_year is None else int(last_year)
    if first > last:
        raise PanelError(f"first_year {first} is after last_year {last}")
    panel = panel[panel["year"].between(first, last)]
    panel = _flag_implausible(panel.reset_index(drop=True))
    info = {code: resolver.district(code) for code in panel["district_code"].unique()}
    code38 = panel["district_code"].map(lambda c: info[c].province_code_38)
    panel = panel.assign(
        province_code=[province_code_for_year(c, y) for c, y in zip(code38, panel["year"])],
        district_name=panel["district_code"].map(lambda c: info[c].name),
        province_code_34=panel["district_code"].map(lambda c: info[c].province_code),
        province_code_38=panel["district_code"].map(lambda c: info[c].province_code_38),
        is_kota=panel["district_code"].map(lambda c: info[c].is_kota),
    )
    return panel[DISTRICT_PANEL_COLUMNS].sort_values(["year", "district_code"], kind="stable").reset_index(drop=True)
