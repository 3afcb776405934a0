"""Region names -> BPS codes: every spelling in the bundle, splits, districts, errors."""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest

from jamsostek_analysis.errors import RegionError
from jamsostek_analysis.data.regions import (
    NATIONAL_CODE,
    RegionResolver,
    default_resolver,
    normalize_name,
    parent_33,
    province_code_for_year,
    province_crosswalk,
    province_set,
    split_parent_34,
)

CODES_38 = [
    "11",
    "12",
    "13",
    "14",
    "15",
    "16",
    "17",
    "18",
    "19",
    "21",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "51",
    "52",
    "53",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "72",
    "73",
    "74",
    "75",
    "76",
    "81",
    "82",
    "91",
    "92",
    "94",
    "95",
    "96",
    "97",
]


@pytest.fixture(scope="module")
def resolver(bundle) -> RegionResolver:
    return RegionResolver.from_bundle(bundle)


# --------------------------------------------------------------------------------------------
# crosswalk and code sets


def test_crosswalk_has_the_38_bps_codes_as_strings(bundle):
    xw = province_crosswalk(bundle)
    assert list(xw["province_code_38"]) == CODES_38
    assert xw["province_code_34"].map(type).eq(str).all()
    assert xw.loc[xw.province_code_38 == "92", "province_code_34"].item() == "91"
    assert set(xw.loc[xw.province_code_38.isin(["95", "96", "97"]), "province_code_34"]) == {"94"}
    assert xw.loc[xw.province_code_38 == "65", "province_code_33_pre2012"].item() == "64"
    assert xw["n_districts_bps2020"].sum() == 514


def test_curated_region_codes_agree_with_crosswalk(bundle, resolver):
    cur = pd.read_csv(bundle.path("curated/region_codes_bps_province.csv"), dtype=str)
    assert sorted(cur.region_code) == CODES_38
    for code, name in zip(cur.region_code, cur.region_name):
        assert resolver.province_code(name) == code


def test_kemendagri_codes_are_not_used(bundle, resolver):
    """Kemendagri 91 = Papua and 94 = Papua Tengah; BPS 94 = Papua, 96 = Papua Tengah."""
    xw = province_crosswalk(bundle)
    assert xw.loc[xw.province_code_38 == "94", "kemendagri_code_38"].item() == "91"
    assert resolver.province_code("PAPUA") == "94"
    assert resolver.province_code("Papua Tengah") == "96"
    assert resolver.province_code("PAPUA BARAT") == "91"


def test_papua_and_kaltara_parents():
    assert split_parent_34("92") == "91"
    assert [split_parent_34(c) for c in ("95", "96", "97")] == ["94", "94", "94"]
    assert split_parent_34("94") == "94" and split_parent_34("65") == "65" and split_parent_34("11") == "11"
    assert parent_33("65") == "64" and parent_33("97") == "94" and parent_33("31") == "31"
    assert province_code_for_year("65", 2012) == "64"
    assert province_code_for_year("65", 2013) == "65"
    assert province_code_for_year("95", 2023) == "94"
    assert province_code_for_year("95", 2024) == "95"
    with pytest.raises(RegionError, match="9"):
        split_parent_34("9")


def test_province_set_sizes():
    assert len(province_set(2010)) == 33 and "65" not in province_set(2012)
    assert len(province_set(2013)) == 34 and "65" in province_set(2013)
    assert len(province_set(2023)) == 34 and "92" not in province_set(2023)
    assert province_set(2024) == tuple(CODES_38)
    assert "65" not in province_set(2014, "poverty_province") and "65" in province_set(2015, "poverty_province")
    assert "65" in province_set(2013, "hdi_province")
    assert "92" in province_set(2023, "grdp_per_capita_province") and "92" not in province_set(2023, "tpt_province")


# --------------------------------------------------------------------------------------------
# province names


@pytest.mark.parametrize(
    "name, code",
    [
        ("KEP. BANGKA BELITUNG", "19"),
        ("Kepulauan Bangka Belitung", "19"),
        ("Kep. Bangka Belitung", "19"),
        ("KEP BANGKA BELITUNG", "19"),
        ("KEPULAUAN RIAU", "21"),
        ("Kep. Riau", "21"),
        ("DI YOGYAKARTA", "34"),
        ("D I YOGYAKARTA", "34"),
        ("D.I. YOGYAKARTA", "34"),
        ("DI Yogyakarta", "34"),
        ("Daerah Istimewa Yogyakarta", "34"),
        ("DKI JAKARTA", "31"),
        ("D.K.I. JAKARTA", "31"),
        ("Dki Jakarta", "31"),
        ("Papua Barat Daya", "92"),
        ("PAPUA PEGUNUNGAN", "97"),
        ("NANGGROE ACEH DARUSSALAM", "11"),
        ("IRIAN JAYA BARAT", "91"),
        ("JAWA\u00a0BARAT", "32"),  # no-break space
        ("  Jawa   Timur ", "35"),
        ("11 Aceh", "11"),  # minimum-wage 2026 prints the code
        ("97 Papua Pegunungan", "97"),
    ],
)
def test_province_spellings(resolver, name, code):
    assert resolver.province_code(name) == code
    assert resolver.resolve(name) == (code, "province")


def test_national_total(resolver):
    assert resolver.resolve("INDONESIA") == (NATIONAL_CODE, "national") == ("00", "national")
    assert resolver.resolve("Indonesia") == ("00", "national")
    with pytest.raises(RegionError, match="INDONESIA"):
        resolver.province_code("INDONESIA")


def test_unknown_province_raises_naming_it_file_and_row(resolver):
    with pytest.raises(RegionError, match="ATLANTIS"):
        resolver.province_code("ATLANTIS")
    with pytest.raises(RegionError) as exc:
        resolver.resolve("ATLANTIS", level="province", file="x.csv", row=7)
    assert "ATLANTIS" in str(exc.value) and "x.csv" in str(exc.value) and "row 7" in str(exc.value)
    with pytest.raises(RegionError, match="does not match"):
        resolver.province_code("12 Aceh")  # leading code contradicts the name
    with pytest.raises(RegionError, match="11 Atlantis"):
        resolver.province_code("11 Atlantis")  # a code alone is not trusted


def _first_cells(path):
    if path.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = [[("" if v is None else str(v)) for v in r] for r in wb.active.iter_rows(values_only=True)]
        wb.close()
    else:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    number = re.compile(r"^(-|\u2013|\.\.\.|-?\d+(\.\d+)?( \(\*\))?)$")
    return [r[0].strip() for r in rows if len(r) > 1 and r[0].strip() and number.match(r[1].strip())]


def test_every_province_spelling_in_the_bundle_resolves(bundle, resolver):
    """Independent scan: every first cell with a number beside it in a province-level export,
    every CAPS name in the district exports, and the province columns of the other tables."""
    names: set[str] = set()
    for topic in sorted(p.name for p in (bundle.root / "raw" / "bps").iterdir()):
        for path in bundle.files(f"raw/bps/{topic}"):
            cells = _first_cells(path)
            if topic in ("poverty_district", "mean_years_schooling"):
                names.update(c for c in cells if c == c.upper())
            elif topic != "poverty_national":
                names.update(cells)
    kem = pd.read_csv(bundle.path("raw/kemnaker/data_peserta_bpjstk.csv"), sep=";")
    names.update(kem["provinsi"])
    frag = pd.read_csv(bundle.path("curated/extreme_poverty_province_fragments.csv"), dtype=str)
    names.update(frag["province_name"])
    for f in ("bpjstk_participants_province_2023_spn", "bps_labour_province_points"):
        d = pd.read_csv(bundle.path(f"curated/{f}.csv"), dtype=str)
        names.update(d.loc[d.level == "province", "region_name"])
    for f, col in (("minUpah.csv", "provinsi"), ("den_econ_annual_full_extract.csv", "province")):
        names.update(pd.read_csv(bundle.path(f"raw/compiled/{f}"))[col])
    unresolved = sorted(n for n in names if resolver.province_or_none(n) is None)
    assert unresolved == []
    codes = {resolver.province_or_none(n) for n in names}
    assert codes == set(CODES_38) | {NATIONAL_CODE}
    # the spellings the task names are among those found
    for n in (
        "KEP. BANGKA BELITUNG",
        "Kepulauan Bangka Belitung",
        "DI YOGYAKARTA",
        "D I YOGYAKARTA",
        "DKI JAKARTA",
        "Papua Barat Daya",
        "INDONESIA",
    ):
        assert n in names, n


# --------------------------------------------------------------------------------------------
# districts


@pytest.mark.parametrize(
    "name, province, code",
    [
        ("Simeulue", "11", "1101"),
        ("Kota Banda Aceh", "11", "1171"),
        ("KOTA BANDA ACEH", None, "1171"),
        ("Bogor", "32", "3201"),  # kabupaten and kota of the same name
        ("Kota Bogor", "32", "3271"),
        ("Kab. Bogor", None, "3201"),
        ("Kabupaten Bogor", None, "3201"),
        ("Banjar", "63", "6303"),  # Kabupaten Banjar (Kalsel) vs Kota Banjar (Jabar)
        ("Banjar", "32", "3279"),
        ("Kota Baru", "63", "6302"),  # a kabupaten whose name starts with KOTA
        ("Kotabaru", "63", "6302"),
        ("Pontianak", "61", "6104"),  # renamed Mempawah
        ("Kota Pontianak", "61", "6171"),
        ("Kota Makasar", "73", "7371"),
        ("Karangasem", "51", "5107"),
        ("Karang Asem", "51", "5107"),
        ("Mahakam Ulu", "64", "6411"),
        ("Toba Samosir / Toba", "12", "1206"),
        ("Maluku Tenggara Barat / Kepulauan Tanimbar", "81", "8101"),
        ("Mamuju Utara / Pasangkayu", "76", "7605"),
        ("Kep. Seribu", "31", "3101"),
        ("Sorong", "92", "9107"),  # listed under the post-split province
        ("Sorong", "91", "9107"),  # and under its pre-split parent
        ("Tana Tidung", "64", "6503"),  # Kaltara district under Kalimantan Timur (pre-2013 tables)
    ],
)
def test_district_names(resolver, name, province, code):
    assert resolver.district_code(name, province) == code


def test_district_outside_its_province_and_unknown_are_na_and_recorded(bundle):
    r = RegionResolver.from_bundle(bundle)
    assert r.district_code("Sorong", "94") is None  # no Sorong in Papua
    assert r.resolve("Kabupaten Atlantis", province="11") == (None, "district")
    assert r.unresolved == {("Sorong", "94"): 1, ("Kabupaten Atlantis", "11"): 1}
    assert list(r.unresolved_table()["count"]) == [1, 1]


def test_ambiguous_district_name_uses_province_context_or_raises(bundle, tmp_path):
    """Two kabupaten of the same name in different provinces (synthetic district list)."""
    dist = pd.read_csv(bundle.path("geo/idn_districts_514_bps2020.csv"), dtype=str)
    extra = dist[dist.district_code == "1101"].assign(
        district_code="1399",
        province_code="13",
        province_name="SUMATERA BARAT",
        province_code_38="13",
        province_name_38="SUMATERA BARAT",
    )
    path = tmp_path / "districts.csv"
    pd.concat([dist, extra]).to_csv(path, index=False)
    r = RegionResolver.from_files(
        bundle.path("geo/idn_province_crosswalk_bps.csv"), bundle.path("curated/region_codes_bps_province.csv"), path
    )
    assert r.district_code("Simeulue", "11") == "1101"
    assert r.district_code("Simeulue", "13") == "1399"
    with pytest.raises(RegionError) as exc:
        r.district_code("Simeulue", None, file="t.csv", row=4)
    msg = str(exc.value)
    assert "Simeulue" in msg and "1101" in msg and "1399" in msg and "t.csv" in msg and "row 4" in msg


def test_normalize_name_keys():
    assert normalize_name("KEP. BANGKA BELITUNG") == normalize_name("Kepulauan Bangka Belitung")
    assert normalize_name("D I YOGYAKARTA") == normalize_name("DI YOGYAKARTA") == "DIYOGYAKARTA"
    assert normalize_name("Kab. Aceh Besar") == "KABUPATENACEHBESAR"


def test_default_resolver_is_cached(bundle):
    assert default_resolver() is default_resolver()
    assert default_resolver().province_code("ACEH") == "11"
