"""The district x year poverty panel, against exact values of the raw B03 exports."""

from __future__ import annotations

import numpy as np
import pytest

from jamsostek_analysis.data.district import DISTRICT_PANEL_COLUMNS, build_district_panel
from jamsostek_analysis.errors import PanelError

RAW = "raw/bps/poverty_district"


@pytest.fixture(scope="module")
def district(bundle):
    return build_district_panel(bundle)


def _raw_value(bundle, stem: str, year: int, name: str) -> float:
    """The value printed for district ``name`` in ``<stem>, <year>.csv`` (read here independently)."""
    text = (bundle.root / RAW / f"{stem}, {year}.csv").read_text(encoding="utf-8-sig")
    cells = [line.split(",") for line in text.splitlines() if line.split(",")[0] == name]
    assert len(cells) == 1, (stem, year, name)
    return float(cells[0][1])


P0, P1, P2, GK = (
    "Persentase Penduduk Miskin (P0) Menurut Kabupaten_Kota",
    "Indeks Kedalaman Kemiskinan (P1) Menurut Kabupaten_Kota",
    "Indeks Keparahan Kemiskinan (P2) Menurut Kabupaten_Kota",
    "Garis Kemiskinan Menurut Kabupaten_Kota",
)


def test_shape_codes_and_years(district):
    assert list(district.columns) == DISTRICT_PANEL_COLUMNS
    assert (district["year"].min(), district["year"].max()) == (2004, 2025)
    assert district.groupby("year")["district_code"].nunique().eq(514).all() and len(district) == 514 * 22
    assert not district.duplicated(["district_code", "year"]).any()
    assert district["district_code"].str.fullmatch(r"\d{4}").all()
    assert district.loc[district["district_code"] == "3578", "is_kota"].all()  # Kota Surabaya


@pytest.mark.parametrize(
    ("code", "name", "year", "stem", "column"),
    [
        ("1101", "Simeulue", 2025, P0, "p0"),
        ("3578", "Kota Surabaya", 2025, P2, "p2"),
        ("9402", "Jayawijaya", 2024, P1, "p1"),
        ("9402", "Jayawijaya", 2024, GK, "poverty_line"),
        ("6501", "Malinau", 2012, P0, "p0"),
    ],
)
def test_values_equal_the_raw_files(district, bundle, code, name, year, stem, column):
    row = district[(district["district_code"] == code) & (district["year"] == year)].iloc[0]
    assert row[column] == _raw_value(bundle, stem, year, name)


def test_district_codes_across_the_province_splits(district):
    def prov(code, year):
        return district.loc[(district["district_code"] == code) & (district["year"] == year), "province_code"].item()

    # Malinau (Kalimantan Utara, created 2012): in Kalimantan Timur to 2012, in 65 from 2013
    assert (prov("6501", 2012), prov("6501", 2013)) == ("64", "65")
    # Jayawijaya: Papua (94) to 2023, Papua Pegunungan (97) from 2024; one district code throughout
    assert (prov("9402", 2023), prov("9402", 2024)) == ("94", "97")
    j = district[district["district_code"] == "9402"]
    assert set(j["province_code_34"]) == {"94"} and set(j["province_code_38"]) == {"97"}
    assert district.loc[district["year"] == 2025, "province_code"].nunique() == 38
    assert district.loc[district["year"] == 2010, "province_code"].nunique() == 33


def test_implausible_values_are_nan_and_flagged_not_corrected(district, bundle):
    sorong = district[(district["district_code"] == "9107") & (district["year"] == 2004)].iloc[0]
    assert _raw_value(bundle, P1, 2004, "Sorong") == 117.7  # P1 > P0 = 53.7: impossible
    assert np.isnan(sorong["p1"]) and sorong["p0"] == 53.7 and "p1 NaN: published 117.7" in sorong["quality_flag"]
    flagged = district[district["quality_flag"] != ""]
    assert len(flagged) == 2  # Sorong P1 2004, Jember poverty line 2004 (102 rupiah)
    ok = district.dropna(subset=["p0", "p1", "p2"])
    assert (ok["p1"] <= ok["p0"]).all() and (ok["p2"] <= ok["p1"]).all()


def test_window(bundle):
    sub = build_district_panel(bundle, first_year=2020, last_year=2021)
    assert sorted(sub["year"].unique()) == [2020, 2021]
    with pytest.raises(PanelError, match="after last_year"):
        build_district_panel(bundle, first_year=2021, last_year=2020)
