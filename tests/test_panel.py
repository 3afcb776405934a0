"""The province panel: values equal the exports cell for cell, coverage arithmetic, geography rules,
aggregation to 34 provinces, duplicate detection and the data dictionary."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamsostek_analysis.errors import PanelError
from jamsostek_analysis.data.panel import (
    PANEL_COLUMNS,
    aggregate_to_34,
    add_coverage,
    boundary_for_year,
    build_province_panel,
    data_dictionary,
    dictionary_markdown,
    panel_province_set,
    write_panel_csv,
)

REPO = Path(__file__).resolve().parents[1]
POV = "raw/bps/poverty_province"
FILES = {
    "p0": "Persentase Penduduk Miskin (P0) Menurut Provinsi dan Daerah, {y}.csv",
    "p1": "Indeks Kedalaman Kemiskinan (P1) Menurut Provinsi dan Daerah, {y}.csv",
    "p2": "Indeks Keparahan Kemiskinan (P2) Menurut Provinsi dan Daerah, {y}.csv",
}
SHIFTED_P1_2012 = ["71", "72", "73", "74", "75", "76", "81", "82", "91", "94"]


@pytest.fixture(scope="module")
def panel(bundle):
    return build_province_panel(bundle)


@pytest.fixture(scope="module")
def panel34(bundle):
    return build_province_panel(bundle, geography="34")


@pytest.fixture(scope="module")
def name_to_code(bundle):
    """Independent name -> code map from the crosswalk (names and alt_names), plain csv."""
    out = {}
    with open(bundle.path("geo/idn_province_crosswalk_bps.csv"), encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            out[r["province_name_38"].upper()] = r["province_code_38"]
            for alt in filter(None, (a.strip().upper() for a in r["alt_names"].split(";"))):
                out[alt] = r["province_code_38"]
    return out


def _isnum(cell) -> bool:
    try:
        float(str(cell).strip())
        return True
    except ValueError:
        return False


def _num(cell: str) -> float:
    cell = cell.strip()
    return np.nan if cell in ("-", "...", "") else float(cell)


def _direct_poverty(bundle, name_to_code, var: str, year: int) -> dict[str, tuple[float, float, float]]:
    """{code: (total, urban, rural)} of the March column (Tahunan up to 2011) read with plain csv."""
    path = bundle.path(f"{POV}/{FILES[var].format(y=year)}")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[4][1] == "Semester 1 (Maret)" and rows[4][3] == "Tahunan"
    assert (rows[2][1], rows[2][4], rows[2][7]) in {
        ("Perkotaan", "Perdesaan", "Jumlah"),
        ("Perkotaan", "Perdesaan", "Perkotaan+Perdesaan"),
    }
    out = {}
    for r in rows[5:]:
        if not r or not r[0].strip() or r[0].strip().upper() == "INDONESIA":
            continue
        code = name_to_code[r[0].strip().upper()]
        # March column (1 + 3k); up to 2011 the Tahunan column (3 + 3k) when March is empty
        col = 3 if year <= 2011 and np.isnan(_num(r[7])) else 1
        out[code] = (_num(r[col + 6]), _num(r[col]), _num(r[col + 3]))
    return out


# -- poverty values, cell for cell ----------------------------------------------------------------


def test_poverty_equals_exports_cell_for_cell(panel, bundle, name_to_code):
    compared = 0
    for year in range(2007, 2026):
        rows = panel[panel["year"] == year].set_index("province_code")
        for var in ("p0", "p1", "p2"):
            direct = _direct_poverty(bundle, name_to_code, var, year)
            for code, row in rows.iterrows():
                total, urban, rural = direct[code]
                if var == "p1" and year == 2012 and code in SHIFTED_P1_2012:
                    assert np.isnan(row["p1"]) and "shifted" in row["quality_flag"]
                    continue
                assert row[var] == total or (np.isnan(row[var]) and np.isnan(total)), (var, year, code)
                if var == "p0":
                    assert row["p0_urban"] == urban or (np.isnan(row["p0_urban"]) and np.isnan(urban))
                    assert row["p0_rural"] == rural or (np.isnan(row["p0_rural"]) and np.isnan(rural))
                compared += 1
    assert compared == 3 * len(panel) - len(SHIFTED_P1_2012)
    # every poverty cell of the panel is filled except the flagged 2012 P1 rows and DKI's rural P0
    assert panel["p0"].notna().all() and panel["p2"].notna().all()
    assert panel["p1"].isna().sum() == len(SHIFTED_P1_2012)
    assert set(panel.loc[panel["p0_rural"].isna(), "province_code"]) == {"31"}


def test_tahunan_is_used_up_to_2011_and_march_after(panel):
    assert set(panel.loc[panel["year"] <= 2011, "poverty_round"]) == {"March (Tahunan column)"}
    assert set(panel.loc[panel["year"] >= 2012, "poverty_round"]) == {"March"}
    aceh = panel.set_index(["province_code", "year"])
    assert aceh.loc[("11", 2007), "p0"] == 26.65 and aceh.loc[("11", 2015), "p0"] == 17.08
    assert aceh.loc[("94", 2015), "p1"] == 8.82  # March 2015, not the implausible September 0.85


def test_count_table_equals_export_and_agrees_with_p0(panel, bundle, name_to_code):
    folder = "raw/bps/poverty_count_province"
    n = 0
    for year in range(2015, 2026):
        path = bundle.path(f"{folder}/Jumlah dan Persentase Penduduk Miskin Menurut Provinsi, {year}.csv")
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        rows_p = panel[panel["year"] == year].set_index("province_code")
        for r in rows:
            if r["Provinsi"].strip().upper() in ("INDONESIA", ""):
                continue
            if r["Provinsi"].strip().upper() not in name_to_code:  # footnote block after the table
                assert r["Provinsi"].strip().upper() == "KETERANGAN" or not any(
                    _isnum(v) for k, v in r.items() if k != "Provinsi"
                ), r
                break
            code = name_to_code[r["Provinsi"].strip().upper()]
            if code not in rows_p.index:
                assert all(_num(v) != _num(v) for k, v in r.items() if "Maret" in k), (year, code)
                continue
            row = rows_p.loc[code]
            poor = _num(r["Jumlah Penduduk Miskin - Maret (ribu) (Ribu)"])
            assert row["poor_thousand"] == poor or (np.isnan(poor) and np.isnan(row["poor_thousand"]))
            line = _num(r.get("Garis Kemiskinan - Maret (Rp)", ""))
            assert row["poverty_line"] == line or (np.isnan(line) and np.isnan(row["poverty_line"]))
            assert row["p0"] == _num(r["Persentase Penduduk Miskin - Maret"]), (year, code)  # S06 == B01
            n += 1
    assert n == (panel["year"] >= 2015).sum()


# -- province sets ---------------------------------------------------------------------------------


def test_province_sets(panel, bundle, name_to_code):
    sizes = panel.groupby("year").size()
    assert (
        (sizes.loc[2007:2014] == 33).all() and (sizes.loc[2015:2023] == 34).all() and (sizes.loc[2024:2025] == 38).all()
    )
    assert "65" not in set(panel.loc[panel["year"] <= 2014, "province_code"])
    assert set(panel["boundary"]) == {"33", "34", "38"}
    assert [boundary_for_year(y) for y in (2014, 2015, 2023, 2024)] == ["33", "34", "34", "38"]
    assert len(panel_province_set(2024)) == 38
    # the panel's set is the poverty tables' set (Kaltara from 2015), not the administrative one (2013)
    from jamsostek_analysis.data.regions import province_set

    for y in range(2007, 2026):
        assert (
            panel_province_set(y)
            == province_set(y, topic="poverty_province")
            == tuple(sorted(panel.loc[panel["year"] == y, "province_code"]))
        )
    assert "65" in province_set(2013) and "65" not in panel_province_set(2013)
    # Kalimantan Utara has no March P0 in the 2013 and 2014 exports, and one in 2015
    for year, has in ((2013, False), (2014, False), (2015, True)):
        d = _direct_poverty(bundle, name_to_code, "p0", year)
        assert (not np.isnan(d["65"][0])) is has
    assert not panel.duplicated(["province_code", "year"]).any()
    assert list(panel.columns) == PANEL_COLUMNS
    assert panel.equals(panel.sort_values(["year", "province_code"]).reset_index(drop=True))


# -- geography rules -------------------------------------------------------------------------------


def test_no_value_of_another_geography(panel):
    p = panel.set_index(["province_code", "year"])
    for y in (2013, 2014):  # GRDP/IPM/RLS publish Kaltim without Kaltara; poverty rows still include it
        assert (
            np.isnan(p.loc[("64", y), "grdp_per_capita"]) and "Kalimantan Utara" in p.loc[("64", y), "geography_flag"]
        )
        assert p.loc[("63", y), "grdp_per_capita"] > 0
    for code in ("91", "94"):
        assert (
            np.isnan(p.loc[(code, 2023), "grdp_per_capita"]) and "post-split" in p.loc[(code, 2023), "geography_flag"]
        )
        for y in (2024, 2025):  # R2-D1 BPJS-TK is pre-split there: never mixed with post-split Sakernas
            assert np.isnan(p.loc[(code, y), "bpjstk_pu"]) and np.isnan(p.loc[(code, y), "coverage_rate"])
            assert "pre-split" in p.loc[(code, y), "geography_flag"]
            assert p.loc[(code, y), "employed"] > 0


def test_geography_34_aggregates_papua(panel, panel34, bundle):
    from jamsostek_analysis.data.sources.compiled import read_compiled_panel

    comp = read_compiled_panel(bundle).set_index(["province_code", "year"])
    a = panel.set_index(["province_code", "year"])
    b = panel34.set_index(["province_code", "year"])
    assert (panel34.groupby("year").size() == np.where(panel34.groupby("year").size().index <= 2014, 33, 34)).all()
    for y in (2024, 2025):
        assert b.loc[("91", y), "employed"] == a.loc[("91", y), "employed"] + a.loc[("92", y), "employed"]
        parts = ["94", "95", "96", "97"]
        pop = sum(a.loc[(c, y), "population"] for c in parts)
        assert b.loc[("94", y), "population"] == pop
        # P0 exactly: 100 x poor / Susenas population (poor_thousand / p0), not the projection weights
        sus = {c: 100 * a.loc[(c, y), "poor_thousand"] / a.loc[(c, y), "p0"] for c in parts}
        assert b.loc[("94", y), "poor_thousand"] == pytest.approx(
            sum(a.loc[(c, y), "poor_thousand"] for c in parts), rel=1e-12
        )
        assert b.loc[("94", y), "p0"] == pytest.approx(
            100 * b.loc[("94", y), "poor_thousand"] / sum(sus.values()), rel=1e-12
        )
        assert b.loc[("94", y), "p2"] == pytest.approx(
            sum(a.loc[(c, y), "p2"] * sus[c] for c in parts) / sum(sus.values()), rel=1e-12
        )
        popmean = sum(a.loc[(c, y), "p0"] * a.loc[(c, y), "population"] for c in parts) / pop
        assert abs(b.loc[("94", y), "p0"] - popmean) > 0.4  # population weights would bias Papua's P0 upward
        # labour rates weighted by their denominators (employed, labour force)
        emp = {c: a.loc[(c, y), "employed"] for c in parts}
        lf = {c: emp[c] / (1 - a.loc[(c, y), "tpt"] / 100) for c in parts}
        assert b.loc[("94", y), "formal_share"] == pytest.approx(
            sum(a.loc[(c, y), "formal_share"] * emp[c] for c in parts) / sum(emp.values()), rel=1e-12
        )
        assert b.loc[("94", y), "tpt"] == pytest.approx(
            100 * sum(lf[c] * a.loc[(c, y), "tpt"] / 100 for c in parts) / sum(lf.values()), rel=1e-12
        )
        assert b.loc[("94", y), "p0_urban"] == pytest.approx(
            sum(a.loc[(c, y), "p0_urban"] * a.loc[(c, y), "population"] for c in parts) / pop, rel=1e-12
        )
        assert b.loc[("94", y), "bpjstk_pu"] == comp.loc[("94", y), "bpjstk_pu"]
        assert b.loc[("94", y), "coverage_rate"] == pytest.approx(
            100 * (comp.loc[("94", y), "bpjstk_pu"] + comp.loc[("94", y), "bpjstk_bpu"]) / b.loc[("94", y), "employed"],
            rel=1e-12,
        )
        assert np.isnan(b.loc[("94", y), "gini"]) and np.isnan(b.loc[("94", y), "hdi"])
        assert b.loc[("94", y), "aggregated_from"] == "94+95+96+97"
    assert np.isnan(b.loc[("94", 2024), "tpak"])  # no 2024 TPAK: no weight, no value
    wap = {
        c: a.loc[(c, 2025), "employed"] / (1 - a.loc[(c, 2025), "tpt"] / 100) / (a.loc[(c, 2025), "tpak"] / 100)
        for c in parts
    }
    lf25 = {c: wap[c] * a.loc[(c, 2025), "tpak"] / 100 for c in parts}
    assert b.loc[("94", 2025), "tpak"] == pytest.approx(100 * sum(lf25.values()) / sum(wap.values()), rel=1e-12)
    # untouched rows are identical to the as-published panel
    same = panel[panel["year"] <= 2023].reset_index(drop=True)
    pd.testing.assert_frame_equal(panel34[panel34["year"] <= 2023].reset_index(drop=True), same)


def test_poverty_population_is_the_denominator_of_p0(panel, panel34):
    # independent arithmetic: poverty_population * p0 / 100 returns the published poor count
    for p in (panel, panel34):
        has = p["poor_thousand"].notna() & p["p0"].notna() & (p["p0"] != 0)
        assert (p["poverty_population"].notna() == has).all()
        d = p[has]
        np.testing.assert_allclose(d["poverty_population"] * d["p0"] / 100, d["poor_thousand"], rtol=0, atol=1e-9)
        assert set(d["year"]) == set(range(2015, 2026))
    a = panel.set_index(["province_code", "year"])
    b = panel34.set_index(["province_code", "year"])
    for y in (2024, 2025):
        for parent, parts in (("94", ["94", "95", "96", "97"]), ("91", ["91", "92"])):
            total = sum(100 * a.loc[(c, y), "poor_thousand"] / a.loc[(c, y), "p0"] for c in parts)
            assert b.loc[(parent, y), "poverty_population"] == pytest.approx(total, rel=1e-12)
            assert b.loc[(parent, y), "poverty_population"] == pytest.approx(
                sum(a.loc[(c, y), "poverty_population"] for c in parts), rel=1e-12
            )
    # aggregated Papua 2024 (94+95+96+97: 919.03 thousand poor, P0 25.82): the projection population is far
    # from the Susenas one (3.56 m)
    assert b.loc[("94", 2024), "poor_thousand"] == pytest.approx(919.03, abs=1e-9)
    assert b.loc[("94", 2024), "poverty_population"] == pytest.approx(3559.55, abs=0.01)
    assert b.loc[("94", 2024), "poverty_population"] / b.loc[("94", 2024), "population"] < 0.8
    ratio = (panel["poverty_population"] / panel["population"]).groupby(panel["year"])
    assert ratio.min().loc[2016:2019].min() > 0.99 and ratio.max().loc[2016:2019].max() < 1.0
    assert ratio.min().loc[2025] == pytest.approx(0.70, abs=0.005) and ratio.max().loc[2025] == pytest.approx(
        1.19, abs=0.005
    )


def test_add_poverty_population_hand_values():
    from jamsostek_analysis.data.panel import add_poverty_population

    df = pd.DataFrame({"poor_thousand": [50.0, 10.0, np.nan, 5.0], "p0": [10.0, 0.0, 5.0, np.nan]})
    out = add_poverty_population(df)
    assert out["poverty_population"].iloc[0] == 500.0
    assert out["poverty_population"].iloc[1:].isna().all()  # p0 == 0 or a missing input: NaN, never 0 or inf
    assert "poverty_population" not in df  # pure


# -- BPJS-TK and coverage --------------------------------------------------------------------------


def test_bpjstk_2023_sums_and_coverage_arithmetic(panel, bundle):
    p23 = panel[panel["year"] == 2023]
    assert p23["bpjstk_pu"].sum() == 25_004_383 and p23["bpjstk_bpu"].sum() == 9_192_755
    assert p23["bpjstk_pu_kemnaker"].sum() == 25_004_383 and p23["bpjstk_bpu_kemnaker"].sum() == 9_192_755
    assert panel.loc[panel["year"] != 2023, "bpjstk_pu_kemnaker"].isna().all()
    # Aceh 2023 by hand from the compiled file: PU 363301, BPU ?, employed 2447345, employees 879044
    raw = pd.read_csv(bundle.path("raw/compiled/den_econ_annual_full_extract.csv"))
    r = raw[(raw["province"] == "Aceh") & (raw["year"] == 2023)].iloc[0]
    aceh = p23.set_index("province_code").loc["11"]
    assert aceh["coverage_rate"] == 100.0 * (r["bpjstk_pu"] + r["bpjstk_bpu"]) / r["employed"]
    assert aceh["coverage_pu_rate"] == 100.0 * r["bpjstk_pu"] / r["employees_buruh"]
    assert aceh["coverage_bpu_rate"] == 100.0 * r["bpjstk_bpu"] / (r["employed"] - r["employees_buruh"])
    ok = panel["coverage_rate"].notna()
    assert ok.sum() == 34 + 34 + 32 + 32  # 2024-25: no R2-D1 values for 92/95/96/97, 91/94 NaN (pre-split)
    np.testing.assert_allclose(
        panel.loc[ok, "coverage_rate"],
        100 * (panel.loc[ok, "bpjstk_pu"] + panel.loc[ok, "bpjstk_bpu"]) / panel.loc[ok, "employed"],
        rtol=1e-15,
    )
    assert set(panel.loc[ok, "bpjstk_source"]) == {"R2-D1"}
    assert panel.loc[ok, "coverage_pu_rate"].max() < 100  # R2-D1: PU below employees everywhere (cf. S01 in DKI)
    assert panel.loc[panel["year"] < 2022, ["bpjstk_pu", "coverage_rate", "employed"]].isna().all().all()


def test_shared_2024_minimum_wage_is_kept_and_flagged(panel, bundle):
    p = panel.set_index(["province_code", "year"])
    for code in ("92", "94", "95", "96", "97"):
        assert (
            p.loc[(code, 2024), "min_wage"] == 4_024_270
            and "min_wage kept as published but suspect" in p.loc[(code, 2024), "quality_flag"]
        )
    assert p.loc[("91", 2024), "min_wage"] == 3_393_000 and p.loc[("91", 2024), "quality_flag"] == ""
    assert p.loc[("92", 2025), "min_wage"] == 3_614_000  # Papua Barat Daya's own 2025 value, 10 % lower
    assert set(panel.loc[panel["quality_flag"].str.contains("min_wage"), "year"]) == {2024}


def test_kemnaker_source_option(bundle):
    k = build_province_panel(bundle, bpjstk_source="kemnaker", first_year=2022, last_year=2024)
    assert set(k.loc[k["bpjstk_pu"].notna(), "year"]) == {2023}
    k23 = k[k["year"] == 2023].set_index("province_code")
    assert k23.loc["31", "bpjstk_pu"] == 5_464_264 and set(k23["bpjstk_source"]) == {"S01"}
    assert k23.loc["31", "coverage_pu_rate"] > 100  # S01 puts more PU participants in DKI than DKI has employees


def test_add_coverage_hand_values():
    df = pd.DataFrame(
        {"bpjstk_pu": [30.0, np.nan], "bpjstk_bpu": [10.0, 5.0], "employed": [200.0, 100.0], "employees": [60.0, 50.0]}
    )
    out = add_coverage(df)
    assert out["bpjstk_active"].iloc[0] == 40 and np.isnan(out["bpjstk_active"].iloc[1])
    assert out["coverage_rate"].iloc[0] == 20.0 and out["coverage_pu_rate"].iloc[0] == 50.0
    assert out["coverage_bpu_rate"].iloc[0] == pytest.approx(100 * 10 / 140)
    assert np.isnan(out["coverage_rate"].iloc[1]) and out["coverage_bpu_rate"].iloc[1] == 10.0


# -- aggregate_to_34 on a hand-made frame ----------------------------------------------------------


def _toy(over=None):
    rows = [
        ("91", 2024, 100.0, 10.0, 5.0, 0.30, "a"), ("92", 2024, 300.0, 20.0, 9.0, 0.40, ""),
        ("91", 2023, 400.0, 30.0, 7.0, 0.35, ""), ("11", 2024, 50.0, 5.0, 1.0, 0.20, ""),
    ]  # fmt: skip
    df = pd.DataFrame(rows, columns=["province_code", "year", "population", "employed", "p0", "gini", "geography_flag"])
    df["province_name"] = df["province_code"].map({"91": "PAPUA BARAT", "92": "PAPUA BARAT DAYA", "11": "ACEH"})
    df["boundary"] = np.where(df["year"] >= 2024, "38", "34")
    df["aggregated_from"] = ""
    for k, v in (over or {}).items():
        df.loc[k[0], k[1]] = v
    return df


RULES = {"province_code": "key", "province_name": "key", "year": "key", "boundary": "key", "aggregated_from": "key",
         "population": "sum", "employed": "sum", "p0": "popmean", "gini": "nan", "geography_flag": "text"}  # fmt: skip


def test_aggregate_to_34_sums_and_weighted_means():
    out = aggregate_to_34(_toy(), {"91": "91", "92": "91", "11": "11"}, rules=RULES).set_index(
        ["province_code", "year"]
    )
    assert len(out) == 3 and ("92", 2024) not in out.index
    r = out.loc[("91", 2024)]
    assert r["population"] == 400.0 and r["employed"] == 30.0
    assert r["p0"] == (5.0 * 100 + 9.0 * 300) / 400 == 8.0
    assert np.isnan(r["gini"]) and r["boundary"] == "34" and r["aggregated_from"] == "91+92"
    assert r["geography_flag"] == "a" and r["province_name"] == "PAPUA BARAT"
    assert out.loc[("91", 2023), "p0"] == 7.0 and out.loc[("11", 2024), "boundary"] == "38"  # untouched


def test_aggregate_to_34_nan_if_a_part_is_missing():
    out = aggregate_to_34(_toy({(1, "employed"): np.nan}), {"91": "91", "92": "91"}, rules=RULES).set_index(
        ["province_code", "year"]
    )
    assert np.isnan(out.loc[("91", 2024), "employed"]) and out.loc[("91", 2024), "population"] == 400.0
    out = aggregate_to_34(_toy({(0, "population"): np.nan}), {"91": "91", "92": "91"}, rules=RULES).set_index(
        ["province_code", "year"]
    )
    assert np.isnan(out.loc[("91", 2024), "p0"])  # missing weight: no partial mean
    # a member row absent altogether (only 92 present): nothing is summed
    only92 = _toy().drop(index=0)
    out = aggregate_to_34(only92, {"91": "91", "92": "91"}, rules=RULES).set_index(["province_code", "year"])
    assert np.isnan(out.loc[("91", 2024), "population"]) and "expected" in out.loc[("91", 2024), "geography_flag"]


def test_aggregate_to_34_denominator_weighted_rules_by_hand():
    t = _toy().assign(poor_thousand=[20.0, 90.0, 28.0, 1.0], tpt=[10.0, 25.0, 5.0, 1.0], tpak=[50.0, 75.0, 60.0, 70.0],
                      formal=[40.0, 10.0, 30.0, 50.0])  # fmt: skip
    rules = {**RULES, "poor_thousand": "sum", "p0": "susenas_mean", "formal": "employed_mean", "tpt": "labour_force_mean",
             "tpak": "working_age_mean"}  # fmt: skip
    r = aggregate_to_34(t, {"91": "91", "92": "91"}, rules=rules).set_index(["province_code", "year"]).loc[("91", 2024)]
    # 91: 20 poor at 5 % -> 400 people; 92: 90 poor at 9 % -> 1000 people: 110 / 1400
    assert r["p0"] == pytest.approx(100 * 110 / 1400, rel=1e-14) and r["poor_thousand"] == 110
    assert r["formal"] == pytest.approx((40 * 10 + 10 * 20) / 30, rel=1e-14)  # employed 10 and 20
    # labour force 10/0.9 and 20/0.75; unemployed 10/0.9*0.1 and 20/0.75*0.25
    lf = (10 / 0.9, 20 / 0.75)
    assert r["tpt"] == pytest.approx(100 * (lf[0] * 0.10 + lf[1] * 0.25) / sum(lf), rel=1e-14)
    assert r["tpak"] == pytest.approx(100 * sum(lf) / (lf[0] / 0.5 + lf[1] / 0.75), rel=1e-14)
    r = aggregate_to_34(t.assign(poor_thousand=[20.0, np.nan, 28.0, 1.0]), {"91": "91", "92": "91"}, rules=rules)
    assert np.isnan(r.set_index(["province_code", "year"]).loc[("91", 2024), "p0"])  # missing weight: NaN
    with pytest.raises(PanelError, match=r"'susenas_mean' of column p0 needs column\(s\) \['poor_thousand'\]"):
        aggregate_to_34(t.drop(columns="poor_thousand"), {"91": "91", "92": "91"}, rules=rules)


def test_aggregate_to_34_errors():
    with pytest.raises(PanelError, match="no aggregation rule"):
        aggregate_to_34(_toy().assign(extra=1.0), {"92": "91"}, rules=RULES)
    dup = pd.concat([_toy(), _toy().iloc[[1]]], ignore_index=True)
    with pytest.raises(PanelError, match=r"province 92 .*year 2024"):
        aggregate_to_34(dup, {"92": "91"}, rules=RULES)


def test_aggregate_to_34_default_crosswalk_matches_file(bundle):
    from jamsostek_analysis.data.regions import province_crosswalk

    cw = province_crosswalk(bundle)
    t = _toy()
    a = aggregate_to_34(t, cw, rules=RULES)
    b = aggregate_to_34(t, None, rules=RULES)
    pd.testing.assert_frame_equal(a, b)


# -- duplicates in an input -> PanelError ----------------------------------------------------------


def test_duplicate_province_year_in_input_is_panel_error(bundle, tmp_path):
    from jamsostek_analysis.data.bundle import DataBundle

    rel = "raw/compiled/den_econ_annual_full_extract.csv"
    lines = bundle.path(rel).read_text(encoding="utf-8").splitlines()
    target = tmp_path / rel
    target.parent.mkdir(parents=True)
    bali = next(x for x in lines if x.startswith("Bali,2024,"))
    target.write_text("\n".join([*lines, bali]) + "\n", encoding="utf-8")
    with pytest.raises(PanelError, match=r"den_econ_annual_full_extract.csv.*province Bali, year 2024"):
        build_province_panel(DataBundle.locate(bundle.root, tmp_path), first_year=2023, last_year=2024)


def test_table_missing_province_rows_is_panel_error(bundle, tmp_path):
    """A user copy that lost its last rows (Papua provinces) must not become silent NaN."""
    from jamsostek_analysis.data.bundle import DataBundle

    name = "Persentase Tenaga Kerja Formal Menurut Provinsi, 2025.csv"
    rel = f"raw/bps/formal_employment_province/{name}"
    lines = bundle.path(rel).read_text(encoding="utf-8-sig").splitlines()
    keep = [x for x in lines if not x.upper().startswith(("PAPUA SELATAN", "PAPUA TENGAH"))]
    assert len(lines) - len(keep) == 2
    target = tmp_path / rel
    target.parent.mkdir(parents=True)
    target.write_text("\n".join(keep) + "\n", encoding="utf-8")
    from jamsostek_analysis.data.bundle import BundleWarning

    with pytest.warns(BundleWarning, match=re.escape(name) + " replaced by user additions of the same name"):
        with pytest.raises(
            PanelError,
            match=r"formal_share \(R2-A1: " + re.escape(name) + r"\), year 2025: no row for province\(s\) 95, 96",
        ):
            build_province_panel(DataBundle.locate(bundle.root, tmp_path), first_year=2024, last_year=2025)


def test_kemnaker_missing_province_is_panel_error(bundle, tmp_path):
    from jamsostek_analysis.data.bundle import DataBundle

    rel = "raw/kemnaker/data_peserta_bpjstk.csv"
    lines = bundle.path(rel).read_text(encoding="utf-8").splitlines()
    target = tmp_path / rel
    target.parent.mkdir(parents=True)
    target.write_text("\n".join(x for x in lines if not x.startswith("Bali;")) + "\n", encoding="utf-8")
    with pytest.raises(
        PanelError,
        match=r"bpjstk_pu_kemnaker \(S01: data_peserta_bpjstk.csv\), year 2023: no row for province\(s\) 51;",
    ):
        build_province_panel(DataBundle.locate(bundle.root, tmp_path), first_year=2023, last_year=2023)


def test_select_variable_duplicate_names_file_province_year():
    from jamsostek_analysis.data.columns import SELECTIONS
    from jamsostek_analysis.data.panel import select_variable

    spec = SELECTIONS["hdi"]
    long = pd.DataFrame({
        "region_name": ["ACEH", "NANGGROE ACEH DARUSSALAM"], "region_code": ["11", "11"], "region_level": ["province"] * 2,
        "year": [2015, 2015], "period": ["NA", "NA"], "category": ["Jumlah"] * 2, "value": [69.45, 69.5],
        "title": ["IPM"] * 2, "source_file": ["ipm_2015.csv", "ipm_2015_extra.csv"],
    })  # fmt: skip
    with pytest.raises(PanelError, match=r"province 11 .*year 2015.*ipm_2015.csv, ipm_2015_extra.csv"):
        select_variable(long, spec)


# -- data dictionary ---------------------------------------------------------------------------------


def _years(spec: str) -> set[int]:
    out: set[int] = set()
    for part in re.sub(r"\(.*?\)", "", spec).split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-")
            out |= set(range(int(a), int(b) + 1))
        elif part:
            out.add(int(part))
    return out


def test_dictionary_covers_every_column_and_years_match(panel, bundle):
    from jamsostek_analysis.data.sources.curated import read_sources

    d = data_dictionary(panel)
    assert list(d.columns) == ["column", "definition", "unit", "source_id", "survey_round", "years_available", "notes"]
    assert list(d["column"]) == list(panel.columns) == PANEL_COLUMNS
    assert d["definition"].str.len().gt(10).all() and d["unit"].str.len().gt(0).all()
    ids = set(read_sources(bundle)["source_id"])
    for v in d["source_id"]:
        assert {s.strip() for s in v.split(";") if s.strip()} <= ids, v
    for row in d.itertuples():
        col = panel[row.column]
        if col.dtype.kind == "f":
            have = set(panel.loc[col.notna(), "year"])
            assert have == _years(row.years_available), row.column
    assert set(panel.loc[panel["quality_flag"] != "", "year"]) == _years(
        d.set_index("column").loc["quality_flag", "years_available"]
    )
    txt = d.set_index("column")
    assert "MARCH" in txt.loc["p0", "survey_round"].upper() and "AUGUST" in txt.loc["tpt", "survey_round"].upper()
    assert "Jakon" in txt.loc["coverage_rate", "notes"]


def test_readme_dictionary_is_generated(panel):
    from jamsostek_analysis.data.panel import README_MARKER, replace_dictionary_section

    readme = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    assert readme.count(README_MARKER) == 1
    assert readme.split(README_MARKER)[1].strip() == dictionary_markdown(panel).strip()
    assert replace_dictionary_section(readme, panel) == readme  # refreshing changes nothing


def test_labour_sources_agree(panel, bundle):
    from jamsostek_analysis.data.columns import SELECTIONS
    from jamsostek_analysis.data.panel import select_variable
    from jamsostek_analysis.data.sources.bps import read_bps_topic
    from jamsostek_analysis.data.sources.compiled import read_compiled_panel

    spec = SELECTIONS
    b05 = select_variable(read_bps_topic(bundle, "tpt_tpak_province"), spec["tpt_b05"])
    b04 = select_variable(read_bps_topic(bundle, "tpt_province"), spec["tpt_b04"])
    m = b05.merge(b04, on=["province_code", "year"]).dropna(subset=["value_x", "value_y"])
    assert len(m) == 276 and (m["value_x"] == m["value_y"]).all()  # so mixing them per year is harmless
    assert set(panel.loc[panel["tpt_source"] == "B04", "year"]) == set(range(2007, 2017)) | {2024}
    comp = read_compiled_panel(bundle)[["province_code", "year", "formal_pct"]]
    j = panel.merge(comp, on=["province_code", "year"])
    assert len(j) == 144 and (j["formal_share"] == j["formal_pct"]).all()  # R2-A1 (BPS) == R2-D1, cf. compiled README


# -- CSV output --------------------------------------------------------------------------------------


def test_csv_is_stable_and_exact(panel, tmp_path):
    a = write_panel_csv(panel.sample(frac=1, random_state=1), tmp_path / "a.csv").read_bytes()
    b = write_panel_csv(panel, tmp_path / "b.csv").read_bytes()
    assert a == b
    back = pd.read_csv(
        tmp_path / "b.csv", dtype={"province_code": str, "boundary": str}, keep_default_na=False, na_values=[""]
    )
    published = ["p0", "p1", "p2", "p0_urban", "p0_rural", "poor_thousand", "poverty_line", "population", "formal_share",
                 "tpt", "tpak", "employed", "employees", "grdp_per_capita", "hdi", "mean_years_schooling", "gini",
                 "min_wage", "bpjstk_pu", "bpjstk_bpu", "bpjstk_pu_kemnaker", "bpjstk_bpu_kemnaker"]  # fmt: skip
    for col in published:  # every published number survives the CSV exactly
        assert back[col].equals(panel[col]), col
    np.testing.assert_allclose(back["coverage_rate"], panel["coverage_rate"], rtol=1e-11)
    assert back["province_code"].tolist() == panel["province_code"].tolist()


def test_cli_panel_writes_csv_and_dictionary(panel, bundle, tmp_path, monkeypatch, capsys):
    import jamsostek_analysis.data.panel as panel_mod
    from jamsostek_analysis.cli import main

    calls = {}

    def fake_build(b, *, geography, bpjstk_source, first_year, last_year):
        calls.update(geography=geography, bpjstk_source=bpjstk_source, root=b.root, years=(first_year, last_year))
        return panel.iloc[::-1]  # reversed on purpose: the writer restores (year, province_code) order

    monkeypatch.setattr(panel_mod, "build_province_panel", fake_build)
    monkeypatch.setattr("jamsostek_analysis.data.bundle.open_bundle", lambda d, e: bundle)
    out, dictionary = tmp_path / "out" / "panel.csv", tmp_path / "dict.csv"
    argv = ["panel", "--data-dir", str(bundle.root), "--out", str(out), "--geography", "34",
            "--bpjstk-source", "kemnaker", "--dictionary", str(dictionary), "--last-year", "2025", "--no-extreme-modelled"]  # fmt: skip
    assert main(argv) == 0
    assert calls == {"geography": "34", "bpjstk_source": "kemnaker", "root": bundle.root, "years": (None, 2025)}
    printed = capsys.readouterr().out
    assert str(out) in printed and str(dictionary) in printed
    back = pd.read_csv(out, dtype={"province_code": str})
    assert back[["year", "province_code"]].equals(panel[["year", "province_code"]].reset_index(drop=True))
    d = pd.read_csv(dictionary)
    assert d["column"].tolist() == PANEL_COLUMNS
