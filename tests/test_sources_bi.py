"""Bank Indonesia inflation export (I01): exact values parsed from the real xlsx, named errors on
malformed rows, and the CPI chain against the published BPS levels (curated I10-I36)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamsostek_analysis.errors import ParseError


@pytest.fixture(scope="module")
def yoy(bundle):
    from jamsostek_analysis.data.sources.bi import read_bi_inflation

    return read_bi_inflation(bundle)


def test_exact_values_from_the_real_file(yoy):
    # values read off the xlsx (bundle README: 'Maret 2019' '2.48 %'; first and last rows of the sheet)
    v = yoy.set_index(["year", "month"])["yoy"]
    assert v[(2019, 3)] == 2.48
    assert v[(2003, 1)] == 8.68
    assert v[(2026, 5)] == 3.08
    assert v[(2023, 3)] == 4.97  # BPS: March 2023 inflation 4.97 % yoy (source I26 headline)
    assert len(yoy) == 281  # January 2003 .. May 2026, one row per month
    assert (yoy["year"].iloc[0], yoy["month"].iloc[0]) == (2003, 1)
    assert yoy.attrs["dropped"] and "Desember 2002" in yoy.attrs["dropped"][0]


def _rows(*data):
    return [(None, None, None), ("Data Inflasi", None, None), ("No", "Periode", "Data Inflasi"), *data]


def test_parse_indonesian_months_and_percent_text():
    from jamsostek_analysis.data.sources.bi import parse_bi_inflation

    d = parse_bi_inflation(_rows((2, "Februari 2020", "2,98 %"), (1, "Januari 2020", " 2.68 %")))
    assert d[["year", "month"]].values.tolist() == [[2020, 1], [2020, 2]]
    assert d["yoy"].tolist() == [2.68, 2.98]
    assert d["row"].tolist() == [5, 4]


@pytest.mark.parametrize(
    "rows, match",
    [
        (((1, "Marchh 2020", "1 %"),), r"row 4, column Periode: expected '<Indonesian month> <year>'"),
        (((1, "Maret 2020", "n/a"),), r"row 4, column Data Inflasi: expected a rate"),
        (((1, "Maret 2020", "1 %"), (2, "Maret 2020", "2 %")), r"printed more than once"),
        (((1, "Maret 2020", "1 %"), (2, "Mei 2020", "2 %")), r"months missing after Maret 2020"),
    ],
)
def test_malformed_rows_raise_named_errors(rows, match):
    from jamsostek_analysis.data.sources.bi import parse_bi_inflation

    with pytest.raises(ParseError, match=match):
        parse_bi_inflation(_rows(*rows), source="x.xlsx")


def test_missing_header_is_an_error():
    from jamsostek_analysis.data.sources.bi import parse_bi_inflation

    with pytest.raises(ParseError, match="Periode"):
        parse_bi_inflation([("a", "b"), ("c", "d")])


def test_broken_xlsx_is_a_parse_error(tmp_path):
    from jamsostek_analysis.data.sources.bi import BI_INFLATION_FILE, read_bi_inflation

    class Fake:
        def path(self, rel):
            assert rel == BI_INFLATION_FILE
            p = tmp_path / "Data Inflasi.xlsx"
            p.write_bytes(b"not a zip")
            return p

    with pytest.raises(ParseError, match="Data Inflasi.xlsx: not a readable xlsx"):
        read_bi_inflation(Fake())


def test_chain_generic_known_rates():
    from jamsostek_analysis.data.sources.bi import chain_yoy_index

    yoy = pd.DataFrame(
        {"year": [2019, 2020, 2021, 2022] * 2, "month": [3] * 4 + [9] * 4, "yoy": [0, 10, 10, -50, 0, 0, 100, 0]}
    )
    ch = chain_yoy_index(yoy, {(2020, 3): 100.0, (2021, 9): 8.0}).set_index(["year", "month"])["level"]
    assert ch[(2021, 3)] == pytest.approx(110.0)
    assert ch[(2022, 3)] == pytest.approx(55.0)
    assert ch[(2019, 3)] == pytest.approx(100.0 / 1.10)
    assert ch[(2020, 9)] == pytest.approx(4.0)
    with pytest.raises(ParseError, match="one anchor per calendar month"):
        chain_yoy_index(yoy, {(2020, 3): 1.0, (2021, 3): 1.0})


def test_chain_matches_published_cpi_levels(bundle, yoy):
    """Chained March/September ratios against every pair of published levels of the same base and month,
    across the 2012/2018/2022 base changes; and the 2018=100 levels directly."""
    from jamsostek_analysis.data.sources.bi import chain_yoy_index, cpi_chain_check
    from jamsostek_analysis.data.sources.curated import read_curated

    pts = read_curated(bundle, "cpi_national_points")
    ch = chain_yoy_index(yoy, {(2023, 3): 114.36, (2023, 9): 115.44})
    chk = cpi_chain_check(ch, pts)
    assert len(chk) == 15
    assert set(chk["base"]) == {"2012=100", "2018=100", "2022=100"}
    # BI rates are printed with two decimals: the chain reproduces the published levels to 0.02 %
    assert chk["discrepancy_pct"].abs().max() < 0.02
    lv = ch.set_index(["year", "month"])["level"]
    for y, m, v in [(2020, 3, 104.72), (2021, 3, 106.15), (2022, 3, 108.95), (2020, 9, 104.85), (2022, 9, 112.87)]:
        assert lv[(y, m)] == pytest.approx(v, rel=2e-4)
    # the chain crosses the base changes: March 2015 -> March 2025 is about +34 %
    assert np.isclose(lv[(2025, 3)] / lv[(2015, 3)], 1.3426, atol=5e-4)
