"""BPS web-table exports -> tidy long tables: every file of raw/bps, exact values, malformed copies."""

from __future__ import annotations

import csv
import functools
import math
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamsostek_analysis.errors import ParseError, RegionError
from jamsostek_analysis.data.regions import RegionResolver, province_set, split_parent_34
from jamsostek_analysis.data.sources.bps import COLUMNS, KEY_COLUMNS, OVERRIDE_COLUMNS, read_bps_table, read_bps_topic


def _bundle_root() -> Path:
    from jamsostek_analysis.data.bundle import DataBundle

    return DataBundle.locate().root  # the bundle ships with the repository: absent is an error


ROOT = _bundle_root()
BPS = ROOT / "raw" / "bps"
FILES = sorted(p for p in BPS.rglob("*") if p.is_file() and p.suffix in (".csv", ".xlsx"))
assert len(FILES) == 422, f"expected 422 BPS exports in {BPS}, found {len(FILES)}"
DISTRICT_TOPICS = {"poverty_district", "mean_years_schooling"}
NATIONAL_TOPICS = {"poverty_national"}
EMPTY_FILES = {"[Seri 2010] Produk Domestik Regional Bruto Per Kapita, 2011.csv"}  # README: 2011 file empty
MISSING = {"-", "\u2013", "...", ""}


@functools.lru_cache(maxsize=1)
def _resolver() -> RegionResolver:
    return RegionResolver.from_data_dir(ROOT)


@functools.lru_cache(maxsize=None)
def parsed(path: Path) -> pd.DataFrame:
    return read_bps_table(path, _resolver())


def _file(topic: str, name: str) -> Path:
    return BPS / topic / name


def cell(df: pd.DataFrame, **kw) -> float:
    sel = df
    for k, v in kw.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (kw, len(sel))
    return float(sel["value"].iloc[0])


# --------------------------------------------------------------------------------------------
# every file


def test_the_bundle_has_all_14_topics():
    assert len({p.parent.name for p in FILES}) == 14
    assert len(FILES) >= 400


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name[-40:]}")
def test_every_file_parses_to_nontrivial_content(path):
    df = parsed(path)
    assert list(df.columns) == COLUMNS
    if path.name in EMPTY_FILES:
        assert df.empty
        return
    topic = path.parent.name
    year = int(re.search(r", ((?:19|20)\d\d)(?: \(\d\))?$", path.stem).group(1))
    assert (df["year"] == year).all()
    assert df["value"].notna().any()
    assert not df[KEY_COLUMNS].fillna("").duplicated().any()
    assert (df["source_file"] == path.name).all()
    assert df["title"].str.len().gt(10).all()
    assert set(df["period"]) <= {"March", "September", "Annual", "February", "August", "NA"}
    provinces = set(df.loc[df.region_level == "province", "region_code"])
    if topic in NATIONAL_TOPICS:
        assert set(df["region_code"]) == {"00"} and set(df["category"]) == {"Perkotaan", "Perdesaan", "Jumlah"}
        return
    assert len(provinces) >= 33
    assert provinces <= set(province_set(2024))
    assert df["region_code"].dropna().str.fullmatch(r"\d{2}|\d{4}").all()
    if topic in DISTRICT_TOPICS:
        d = df[df.region_level == "district"]
        assert len(d) >= 500
        # every district row of the bundle resolves to a BPS 2020 code (0 unresolved per file)
        assert d["region_code"].isna().sum() == 0
        assert d["region_code"].str.len().eq(4).all()
        # a district's code starts with its (pre-split) province code
        assert (d["region_code"].str[:2] == d["parent_code"].map(split_parent_34)).all()
    else:
        assert set(df["region_level"]) <= {"province", "national"}


@pytest.mark.parametrize("path", [p for p in FILES if p.suffix == ".csv"], ids=lambda p: p.name[-40:])
def test_missing_markers_are_nan_and_zeros_only_where_printed(path):
    """Independent count: numeric zeros in the output = cells printed as 0; '-'/'...'/'–' never 0."""
    df = parsed(path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        cells = [c.strip() for r in csv.reader(fh) for c in r[1:]]
    printed_zero = sum(bool(re.fullmatch(r"0+(\.0+)?", c)) for c in cells)
    assert int((df["value"] == 0).sum()) == printed_zero
    if any(c in ("-", "...", "\u2013") for c in cells):
        assert df["value"].isna().any()


def test_whole_tree_parses_fast():
    t0 = time.perf_counter()
    r = RegionResolver.from_data_dir(ROOT)
    n = sum(len(read_bps_table(p, r)) for p in FILES)
    elapsed = time.perf_counter() - t0
    assert n > 90_000
    assert elapsed < 15, f"parsing {len(FILES)} files took {elapsed:.1f} s"


def test_unresolved_district_rows_per_topic():
    """All district names printed in the bundle resolve (aliases cover renamings and misspellings)."""
    counts = {}
    for p in FILES:
        if p.parent.name in DISTRICT_TOPICS:
            d = parsed(p)
            counts[p.name] = int(d.loc[d.region_level == "district", "region_code"].isna().sum())
    assert len(counts) == 88 + 16
    assert sum(counts.values()) == 0, {k: v for k, v in counts.items() if v}


def test_published_province_sets_match_province_set():
    """Provinces with at least one value per topic and year = province_set(year, topic) (2006+)."""
    exceptions = {
        ("poverty_province", 2012),  # 2012 P1: rows from Kaltara down shifted (README known problem)
        ("minimum_wage_province", 2025),  # one province without a UMP value
    }
    for p in FILES:
        topic = p.parent.name
        if topic in NATIONAL_TOPICS or p.name in EMPTY_FILES:
            continue
        df = parsed(p)
        prov = df[(df.region_level == "province") & df.value.notna()]
        year = int(df["year"].iloc[0])
        if year < 2006 or (topic, year) in exceptions:
            continue
        if topic == "poverty_province" and year < 2015:
            continue  # checked per indicator below
        got = set(prov["region_code"])
        if topic == "population_province" and year == 2023:
            assert got == set(province_set(2023)), p.name  # new provinces printed as '...'
            continue
        assert got == set(province_set(year, topic)), (p.name, sorted(got ^ set(province_set(year, topic))))
    # P0 province tables: no Kalimantan Utara before 2015
    for y in (2007, 2013, 2014):
        df = parsed(_file("poverty_province", f"Persentase Penduduk Miskin (P0) Menurut Provinsi dan Daerah, {y}.csv"))
        assert set(df[(df.region_level == "province") & df.value.notna()].region_code) == set(
            province_set(y, "poverty_province")
        )


# --------------------------------------------------------------------------------------------
# exact values from the real files


def test_p0_province_2025_aceh():
    df = parsed(_file("poverty_province", "Persentase Penduduk Miskin (P0) Menurut Provinsi dan Daerah, 2025.csv"))
    assert cell(df, region_code="11", period="March", category="Jumlah") == 12.33
    assert cell(df, region_code="11", period="March", category="Perkotaan") == 8.54
    assert cell(df, region_code="11", period="March", category="Perdesaan") == 14.44
    assert math.isnan(cell(df, region_code="11", period="September", category="Jumlah"))  # printed '-'
    assert cell(df, region_code="00", period="March", category="Jumlah") == 8.47
    row = df[(df.region_code == "11") & (df.period == "March") & (df.category == "Jumlah")].iloc[0]
    assert row.region_name == "ACEH" and row.region_level == "province" and row.unit == "Persen"
    assert row.title == "Persentase Penduduk Miskin (P0) Menurut Provinsi dan Daerah (Persen)"
    assert len(df) == 39 * 9


def test_p0_province_2007_tahunan_is_annual():
    df = parsed(_file("poverty_province", "Persentase Penduduk Miskin (P0) Menurut Provinsi dan Daerah, 2007.csv"))
    assert cell(df, region_code="11", period="Annual", category="Jumlah") == 26.65
    assert math.isnan(cell(df, region_code="11", period="March", category="Jumlah"))
    assert cell(df, region_code="94", period="Annual", category="Perdesaan") == 50.47


def test_poverty_count_2024_papua_selatan():
    df = parsed(_file("poverty_count_province", "Jumlah dan Persentase Penduduk Miskin Menurut Provinsi, 2024.csv"))
    poor = "Jumlah Penduduk Miskin (ribu)"
    assert cell(df, region_code="95", period="March", category=poor) == 92.2
    assert math.isnan(cell(df, region_code="95", period="September", category=poor))  # printed '...'
    assert cell(df, region_code="95", period="March", category="Persentase Penduduk Miskin") == 17.44
    assert cell(df, region_code="95", period="September", category="Persentase Penduduk Miskin") == 19.35
    assert cell(df, region_code="95", period="March", category="Garis Kemiskinan") == 519979
    assert df.loc[df.category == poor, "unit"].eq("Ribu").all()
    assert df.loc[df.category == "Garis Kemiskinan", "unit"].eq("Rp").all()


def test_poverty_count_indonesia_2025_and_footnotes_2022():
    df = parsed(_file("poverty_count_province", "Jumlah dan Persentase Penduduk Miskin Menurut Provinsi, 2025.csv"))
    assert cell(df, region_code="00", period="March", category="Garis Kemiskinan") == 609160
    assert cell(df, region_code="00", period="September", category="Jumlah Penduduk Miskin (ribu)") == 23359.71
    d22 = parsed(_file("poverty_count_province", "Jumlah dan Persentase Penduduk Miskin Menurut Provinsi, 2022.csv"))
    assert d22.attrs["footnotes"] == ["Keterangan", "-"]
    assert cell(d22, region_code="00", period="March", category="Garis Kemiskinan") == 505  # sic (README)


def test_gini_xlsx_cells():
    df = parsed(_file("gini_province", "Gini Ratio Menurut Provinsi dan Daerah, 2024.xlsx"))
    assert cell(df, region_code="97", period="March", category="Perkotaan") == 0.224
    assert cell(df, region_code="97", period="September", category="Jumlah") == 0.346
    assert cell(df, region_code="00", period="March", category="Jumlah") == 0.379
    assert math.isnan(cell(df, region_code="97", period="Annual", category="Jumlah"))
    d10 = parsed(_file("gini_province", "Gini Ratio Menurut Provinsi dan Daerah, 2010.xlsx"))
    assert cell(d10, region_code="11", period="March", category="Perkotaan") == 0.312
    assert math.isnan(cell(d10, region_code="11", period="September", category="Perkotaan"))


def test_district_cells():
    df = parsed(_file("poverty_district", "Persentase Penduduk Miskin (P0) Menurut Kabupaten_Kota, 2025.csv"))
    assert cell(df, region_code="1101", region_level="district") == 15.52  # Simeulue
    assert cell(df, region_code="9417", region_level="district") == 25.87  # Pegunungan Bintang
    assert df.loc[df.region_code == "9417", "parent_code"].item() == "97"
    assert cell(df, region_code="11", region_level="province") == 12.33  # equals the March P0
    assert cell(df, region_code="6104") == 4.49  # printed 'Pontianak' (now Mempawah)
    assert cell(df, region_code="6171") == 4.0  # 'Kota Pontianak'
    assert set(df["period"]) == {"NA"} and set(df["category"]) == {"Jumlah"}
    gk = parsed(_file("poverty_district", "Garis Kemiskinan Menurut Kabupaten_Kota, 2004.csv"))
    assert cell(gk, region_code="11") == 129615
    assert cell(gk, region_code="1101") == 122606
    assert math.isnan(cell(gk, region_code="9431"))  # Mamberamo Tengah '-'
    assert gk["unit"].eq("Rupiah/kapita/bulan").all()


def test_mean_years_schooling_papua_listed_twice():
    df = parsed(_file("mean_years_schooling", "[Metode Baru] Rata-rata Lama Sekolah, 2018.csv"))
    sorong = df[df.region_code == "9107"].set_index("parent_code")["value"]
    assert sorong["91"] == 7.83 and math.isnan(sorong["92"])
    d25 = parsed(_file("mean_years_schooling", "[Metode Baru] Rata-rata Lama Sekolah, 2025.csv"))
    assert cell(d25, region_code="9418", parent_code="97") == 3.7  # Tolikara
    assert cell(d25, region_code="00") == 9.07
    assert d25["unit"].eq("Tahun").all()
    d10 = parsed(_file("mean_years_schooling", "[Metode Baru] Rata-rata Lama Sekolah, 2010.csv"))
    assert cell(d10, region_code="9418", parent_code="94") == 2.46  # under PAPUA (line 544)
    assert math.isnan(cell(d10, region_code="9418", parent_code="97"))  # under PAPUA PEGUNUNGAN (line 577)


def test_other_topics_exact_values():
    f = parsed(_file("formal_employment_province", "Persentase Tenaga Kerja Formal Menurut Provinsi, 2015.csv"))
    assert cell(f, region_code="00") == 42.25 and cell(f, region_code="11") == 39.5
    assert math.isnan(cell(f, region_code="92"))
    t = parsed(_file("tpt_province", "Tingkat Pengangguran Terbuka Menurut Provinsi, 1986.csv"))
    assert cell(t, region_code="11", period="Annual") == 2.4
    t = parsed(_file("tpt_province", "Tingkat Pengangguran Terbuka Menurut Provinsi, 2025.csv"))
    assert cell(t, region_code="11", period="August") == 5.64 and cell(t, region_code="11", period="February") == 5.5
    tt = parsed(
        _file(
            "tpt_tpak_province",
            "Tingkat Pengangguran Terbuka (TPT) dan Tingkat Partisipasi Angkatan "
            "Kerja (TPAK) Menurut Provinsi, 2025.csv",
        )
    )
    assert cell(tt, region_code="97", category="TPAK", period="August") == 90.66
    assert cell(tt, region_code="11", category="TPT", period="February") == 5.5
    g = parsed(_file("grdp_per_capita_province", "[Seri 2010] Produk Domestik Regional Bruto Per Kapita, 2025.csv"))
    assert cell(g, region_code="11", category="Harga Konstan 2010") == 28144.6
    assert cell(g, region_code="11", category="Harga Berlaku") == 45770.4
    assert g["unit"].eq("Ribu Rupiah").all()
    h = parsed(_file("hdi_province", "[Metode Baru] Indeks Pembangunan Manusia (IPM) menurut Provinsi, 2024.csv"))
    assert cell(h, region_code="97") == 53.42 and h["unit"].eq("").all()
    u = parsed(
        _file("minimum_wage_province", "Upah Minimum Provinsi (UMP) per Bulan Menurut Provinsi di Indonesia, 2026.csv")
    )
    assert cell(u, region_code="11") == 3932552 and u.loc[u.region_code == "11", "region_name"].item() == "11 Aceh"
    a = parsed(_file("population_province_alt_vintage", "Jumlah Penduduk Menurut Provinsi di Indonesia, 2019.csv"))
    assert cell(a, region_code="21") == 2241.6 and a["unit"].eq("Ribu Jiwa").all()
    n = parsed(_file("poverty_national", "Garis Kemiskinan (Rupiah_Kapita_Bulan) Menurut Daerah, 1996.csv"))
    assert cell(n, category="Perkotaan", period="Annual") == 42032
    assert math.isnan(cell(n, category="Jumlah", period="Annual"))
    assert set(n["region_name"]) == {"INDONESIA"}


def test_population_table_subindicators_and_footnote_markers():
    (path,) = [p for p in FILES if p.parent.name == "population_province" and p.stem.endswith(", 2010")]
    assert "\u00a0" in path.name  # README: no-break space after 'Kepadatan Penduduk,'
    df = parsed(path)
    assert cell(df, region_code="11", category="Jumlah Penduduk (ribu)") == 4494.4
    assert cell(df, region_code="11", category="Laju Pertumbuhan Penduduk per Tahun") == 2.36  # printed '2.36 (*)'
    assert (
        df.loc[(df.region_code == "11") & (df.category == "Laju Pertumbuhan Penduduk per Tahun"), "note"].item()
        == "(*)"
    )
    assert math.isnan(cell(df, region_code="65", category="Jumlah Penduduk (ribu)"))  # printed '–'
    assert cell(df, region_code="00", category="Rasio Jenis Kelamin Penduduk") == 101.4
    assert set(df["category"]) == {
        "Jumlah Penduduk (ribu)",
        "Laju Pertumbuhan Penduduk per Tahun",
        "Persentase Penduduk",
        "Kepadatan Penduduk per km persegi",
        "Rasio Jenis Kelamin Penduduk",
    }
    assert df.loc[df.category == "Jumlah Penduduk (ribu)", "unit"].eq("Ribu").all()
    assert df.attrs["footnotes"][0] == "Catatan"
    d16 = parsed(
        _file(
            "population_province",
            "Penduduk, Laju Pertumbuhan Penduduk, Distribusi Persentase Penduduk "
            "Kepadatan Penduduk, Rasio Jenis Kelamin Penduduk Menurut Provinsi, 2016.csv",
        )
    )
    assert cell(d16, region_code="00", category="Jumlah Penduduk (ribu)") == 258705


def test_empty_grdp_2011():
    df = parsed(_file("grdp_per_capita_province", "[Seri 2010] Produk Domestik Regional Bruto Per Kapita, 2011.csv"))
    assert df.empty and list(df.columns) == COLUMNS


# --------------------------------------------------------------------------------------------
# malformed copies


P0_2025 = "Persentase Penduduk Miskin (P0) Menurut Provinsi dan Daerah, 2025.csv"
COUNT_2024 = "Jumlah dan Persentase Penduduk Miskin Menurut Provinsi, 2024.csv"


def _copy_lines(tmp_path: Path, topic: str, name: str) -> tuple[Path, list[str]]:
    src = _file(topic, name)
    dst = tmp_path / name
    return dst, src.read_text(encoding="utf-8-sig").splitlines()


def test_truncated_file_raises_naming_file_and_row(tmp_path):
    dst, lines = _copy_lines(tmp_path, "poverty_province", P0_2025)
    cut = "\n".join(lines[:10]) + "\n" + lines[10][: lines[10].index(",", lines[10].index(",") + 1)]
    dst.write_text(cut, encoding="utf-8")  # line 11 = 'LAMPUNG,x' (2 of 10 fields)
    with pytest.raises(ParseError) as exc:
        read_bps_table(dst, _resolver())
    msg = str(exc.value)
    assert P0_2025 in msg and "row 11" in msg and "expected 10 fields, found 2" in msg


def test_wrong_delimiter_raises(tmp_path):
    for topic, name in (("poverty_province", P0_2025), ("poverty_count_province", COUNT_2024)):
        dst, lines = _copy_lines(tmp_path, topic, name)
        dst.write_text("\n".join(line.replace(",", ";") for line in lines), encoding="utf-8")
        with pytest.raises(ParseError) as exc:
            read_bps_table(dst, _resolver())
        assert name in str(exc.value) and "row 1" in str(exc.value) and "';'" in str(exc.value)


def test_non_numeric_cell_raises_naming_row_and_column(tmp_path):
    dst, lines = _copy_lines(tmp_path, "poverty_province", P0_2025)
    assert lines[5].startswith("ACEH,8.54,")
    lines[5] = lines[5].replace("ACEH,8.54,", "ACEH,abc,")
    dst.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ParseError) as exc:
        read_bps_table(dst, _resolver())
    msg = str(exc.value)
    assert P0_2025 in msg and "row 6" in msg and "column 2" in msg and "'abc'" in msg and "Perkotaan" in msg
    # flat layout
    dst, lines = _copy_lines(tmp_path, "poverty_count_province", COUNT_2024)
    lines[1] = lines[1].replace("804.53", "abc")
    dst.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ParseError) as exc:
        read_bps_table(dst, _resolver())
    msg = str(exc.value)
    assert COUNT_2024 in msg and "row 2" in msg and "column 4" in msg and "Jumlah Penduduk Miskin - Maret" in msg


def test_unknown_province_name_raises_region_error(tmp_path):
    dst, lines = _copy_lines(tmp_path, "poverty_province", P0_2025)
    lines[7] = lines[7].replace("SUMATERA BARAT", "ATLANTIS")
    dst.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(RegionError) as exc:
        read_bps_table(dst, _resolver())
    msg = str(exc.value)
    assert "ATLANTIS" in msg and P0_2025 in msg and "row 8" in msg


def test_province_printed_twice_raises_naming_file_and_both_rows(tmp_path):
    dst, lines = _copy_lines(tmp_path, "poverty_province", P0_2025)
    assert lines[6].startswith("SUMATERA UTARA,")
    dst.write_text("\n".join([*lines[:8], lines[6], *lines[8:]]), encoding="utf-8")  # repeated at row 9
    with pytest.raises(ParseError) as exc:
        read_bps_table(dst, _resolver())
    msg = str(exc.value)
    assert P0_2025 in msg and "rows 7 and 9" in msg and "SUMATERA UTARA" in msg and "printed twice" in msg


def test_unknown_layout_and_year_mismatch_raise(tmp_path):
    bad = tmp_path / "Something, 2020.csv"
    bad.write_text("38 Provinsi,x,\n,title,\nACEH,1,2\n", encoding="utf-8")
    with pytest.raises(ParseError, match="unknown layout"):
        read_bps_table(bad, _resolver())
    dst, lines = _copy_lines(tmp_path, "poverty_province", P0_2025)
    renamed = tmp_path / P0_2025.replace("2025", "2024")
    renamed.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ParseError, match="differs from the file name year 2024"):
        read_bps_table(renamed, _resolver())


def test_number_formats_in_a_synthetic_export(tmp_path):
    """Thousands separators, decimal commas, footnote markers, BOM, no-break spaces, '…'."""
    head = "\ufeff38 Provinsi,,,\n,Contoh Menurut Provinsi (Rupiah),,\n,2020,,\n,Februari,Agustus,Tahunan\n"
    ind = tmp_path / "Contoh Menurut Provinsi, 2020.csv"  # Indonesian convention
    ind.write_text(
        head + 'ACEH,"1.234.567","12,5",7 (*)\nJAWA\u00a0BARAT,"1.234,5",…,0\nINDONESIA,0,-,...\n', encoding="utf-8"
    )
    df = read_bps_table(ind, _resolver())
    assert cell(df, region_code="11", period="February") == 1234567
    assert cell(df, region_code="11", period="August") == 12.5
    assert cell(df, region_code="11", period="Annual") == 7
    assert df.loc[(df.region_code == "11") & (df.period == "Annual"), "note"].item() == "(*)"
    assert cell(df, region_code="32", period="February") == 1234.5
    assert math.isnan(cell(df, region_code="32", period="August"))
    assert cell(df, region_code="32", period="Annual") == 0.0
    assert cell(df, region_code="00", period="February") == 0.0
    assert df.loc[df.region_code == "00", "value"].isna().sum() == 2
    assert set(df["unit"]) == {"Rupiah"}
    eng = tmp_path / "Contoh Menurut Provinsi, 2020 (1).csv"  # English convention, commas for thousands
    eng.write_text(head + 'ACEH,"1,234,567.25","1,234",3.5\nINDONESIA,"2,000",-,-\n', encoding="utf-8")
    df = read_bps_table(eng, _resolver())
    assert cell(df, region_code="11", period="February") == 1234567.25
    assert cell(df, region_code="11", period="August") == 1234
    assert cell(df, region_code="11", period="Annual") == 3.5
    assert cell(df, region_code="00", period="February") == 2000
    bad = tmp_path / "Contoh Menurut Provinsi, 2020 (2).csv"
    bad.write_text(head + 'ACEH,"1.23.4",1,1\n', encoding="utf-8")
    with pytest.raises(ParseError, match="row 5, column 2"):
        read_bps_table(bad, _resolver())


def test_unknown_district_is_na_recorded_and_footnotes_kept(tmp_path):
    p = tmp_path / "Persentase Penduduk Miskin (P0) Menurut Kabupaten_Kota, 2020.csv"
    p.write_text(
        "\ufeffNama Wilayah,\n,Persentase Penduduk Miskin (P0) Menurut Kabupaten/Kota (Persen)\n,2020\n"
        "ACEH,15.43\nSimeulue,18.49\nKabupaten Atlantis,7.5\nKOTA BANDA ACEH,6.9\nGORONTALO,15.59\n"
        "Gorontalo,17.34\nKota Gorontalo,5.59\n,\nSumber: BPS,\n",
        encoding="utf-8",
    )
    r = RegionResolver.from_data_dir(ROOT)
    df = read_bps_table(p, r)
    assert list(df["region_level"]) == [
        "province",
        "district",
        "district",
        "district",
        "province",
        "district",
        "district",
    ]
    assert list(df["region_code"].fillna("NA")) == ["11", "1101", "NA", "1171", "75", "7502", "7571"]
    assert cell(df, region_name="Kabupaten Atlantis") == 7.5
    assert df.attrs["unresolved_districts"] == ["Kabupaten Atlantis"]
    assert r.unresolved == {("Kabupaten Atlantis", "11"): 1}
    assert df.attrs["footnotes"] == ["Sumber: BPS"]
    assert list(df["parent_code"].fillna("")) == ["", "11", "11", "11", "", "75", "75"]


# --------------------------------------------------------------------------------------------
# read_bps_topic: bundle + user additions


def test_read_bps_topic_concatenates_the_bundle(bundle):
    df = read_bps_topic(bundle, "poverty_count_province", _resolver())
    files = bundle.files("raw/bps/poverty_count_province")
    assert len(df) == sum(len(parsed(p)) for p in files)
    assert set(df["origin"]) == {"bundle"}
    assert list(df.columns) == [*COLUMNS, "origin"]
    assert sorted(df["year"].unique()) == list(range(2015, 2026))
    assert df.attrs["footnotes"]["Jumlah dan Persentase Penduduk Miskin Menurut Provinsi, 2022.csv"] == [
        "Keterangan",
        "-",
    ]
    d = read_bps_topic(bundle, "poverty_district", _resolver())
    assert len(d.attrs["unresolved_districts"]) == 88 and not any(d.attrs["unresolved_districts"].values())
    assert d["region_code"].notna().all()


def test_user_addition_overrides_bundle_cells(bundle, tmp_path):
    from jamsostek_analysis.data.bundle import DataBundle

    extra = tmp_path / "extra"
    topic_dir = extra / "raw" / "bps" / "poverty_province"
    topic_dir.mkdir(parents=True)
    lines = _file("poverty_province", P0_2025).read_text(encoding="utf-8-sig").splitlines()
    lines[5] = lines[5].replace("ACEH,8.54,-,-,14.44,-,-,12.33,", "ACEH,8.54,-,-,14.44,-,-,99.99,")
    new_name = P0_2025.replace(", 2025.csv", ", 2025 (2).csv")
    (topic_dir / new_name).write_text("\n".join(lines), encoding="utf-8")
    b2 = DataBundle(root=bundle.root, extra=(extra,))
    from jamsostek_analysis.data.bundle import BundleWarning

    base = read_bps_topic(bundle, "poverty_province", _resolver())
    assert base.attrs["overrides"] == [] and base.attrs["replaced_files"] == []
    n_cells = len(parsed(_file("poverty_province", P0_2025)))
    with pytest.warns(
        BundleWarning, match=rf"poverty_province: {n_cells} bundle cell\(s\) replaced .*\(1 with a different value\)"
    ):
        df = read_bps_topic(b2, "poverty_province", _resolver())
    assert len(df) == len(base)  # every cell of the added file replaces the bundle's
    assert df.attrs["replaced_files"] == []  # a new file name: cell-level overrides, no file replaced whole
    ov = pd.DataFrame(df.attrs["overrides"])  # the override is recorded: old and new value, file and origin
    assert list(ov.columns) == OVERRIDE_COLUMNS
    assert len(ov) == n_cells == 39 * 9
    changed = ov[(ov["old_value"] != ov["value"]) & ov["value"].notna()]
    assert len(changed) == 1 and changed["old_value"].item() == 12.33 and changed["value"].item() == 99.99
    assert changed["old_source_file"].item() == P0_2025 and changed["source_file"].item() == new_name
    assert changed["old_origin"].item() == "bundle" and changed["origin"].item() == f"extra:{extra}"
    assert (changed["region_code"].item(), changed["year"].item(), changed["period"].item()) == ("11", 2025, "March")
    sel = df[
        (df.indicator == "persentase penduduk miskin p0")
        & (df.year == 2025)
        & (df.region_code == "11")
        & (df.period == "March")
        & (df.category == "Jumlah")
    ]
    assert sel["value"].item() == 99.99
    assert sel["origin"].item() == f"extra:{extra}" and sel["source_file"].item() == new_name
    other = df[(df.indicator == "persentase penduduk miskin p0") & (df.year == 2024)]
    assert set(other["origin"]) == {"bundle"}


def test_conflicting_duplicate_inside_the_bundle_raises_naming_both_files(bundle, tmp_path):
    from jamsostek_analysis.data.bundle import DataBundle

    root = tmp_path / "bundle"
    d = root / "raw" / "bps" / "poverty_province"
    d.mkdir(parents=True)
    shutil.copy(_file("poverty_province", P0_2025), d / P0_2025)
    twin = P0_2025.replace(", 2025.csv", ", 2025 (1).csv")
    shutil.copy(_file("poverty_province", P0_2025), d / twin)
    fake = DataBundle(root=root)
    same = read_bps_topic(fake, "poverty_province", _resolver())
    assert len(same) == len(parsed(_file("poverty_province", P0_2025)))  # identical repeats kept once
    lines = (d / twin).read_text(encoding="utf-8-sig").splitlines()
    lines[5] = lines[5].replace("ACEH,8.54,", "ACEH,8.55,")
    (d / twin).write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ParseError) as exc:
        read_bps_topic(fake, "poverty_province", _resolver())
    msg = str(exc.value)
    assert P0_2025 in msg and twin in msg and "8.54" in msg and "8.55" in msg


def test_value_column_is_float_and_codes_are_strings():
    df = parsed(_file("poverty_province", P0_2025))
    assert df["value"].dtype == np.float64
    assert df["year"].dtype == np.int64
    assert isinstance(df["region_code"].dtype, pd.StringDtype)
