"""Readers of the non-BPS sources: Kemnaker S01, compiled panel R2-D1, curated tables."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from jamsostek_analysis.errors import PanelError, ParseError
from jamsostek_analysis.data.sources.compiled import (
    COMPILED_PANEL_RELPATH,
    check_lags,
    parse_compiled_panel,
    read_compiled_panel,
)
from jamsostek_analysis.data.sources.curated import list_curated, read_curated, read_sources
from jamsostek_analysis.data.sources.kemnaker import (
    KEMNAKER_RELPATH,
    parse_kemnaker_participants,
    read_kemnaker_participants,
)

KEMNAKER_SUMS = {
    "bpjstk_pu": 25_004_383,
    "bpjstk_bpu": 9_192_755,
    "bpjstk_jakon": 7_363_800,
    "bpjstk_total": 41_560_938,
}
CODES_34 = sorted(
    "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 71 72 73 74 75 76 81 82 91 94".split()
)


@pytest.fixture(scope="module")
def kemnaker(bundle):
    return read_kemnaker_participants(bundle)


@pytest.fixture(scope="module")
def compiled(bundle):
    return read_compiled_panel(bundle)


@pytest.fixture(scope="module")
def kemnaker_text(bundle):
    return bundle.path(KEMNAKER_RELPATH).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compiled_text(bundle):
    return bundle.path(COMPILED_PANEL_RELPATH).read_text(encoding="utf-8")


# -- Kemnaker S01 ------------------------------------------------------------------------------


def test_kemnaker_national_sums_and_codes(kemnaker):
    assert len(kemnaker) == 34
    for col, expected in KEMNAKER_SUMS.items():
        assert kemnaker[col].sum() == expected, col
    assert sorted(kemnaker["province_code"]) == CODES_34
    assert (kemnaker["province_code"].map(type) == str).all()
    dki = kemnaker.set_index("province_code").loc["31"]
    assert dki["bpjstk_pu"] == 5_464_264 and dki["province_name"] == "DKI Jakarta"
    assert set(kemnaker["source_id"]) == {"S01"} and set(kemnaker["reference_period"]) == {"2023-12"}
    assert set(kemnaker["year"]) == {2023}


def test_kemnaker_rows_equal_direct_read(kemnaker, bundle):
    with open(bundle.path(KEMNAKER_RELPATH), encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [r["provinsi"] for r in rows] == kemnaker["province_name"].tolist()
    for r, (_, k) in zip(rows, kemnaker.iterrows()):
        assert float(r["peserta_pu"]) == k["bpjstk_pu"]
        assert float(r["total_peserta"]) == k["bpjstk_total"]


def test_kemnaker_non_numeric_cell_names_row_and_column(kemnaker_text):
    bad = kemnaker_text.replace("Jambi;258625.0;211170.0", "Jambi;258625.0;21l170.0")
    assert bad != kemnaker_text
    with pytest.raises(ParseError, match=r"line 6 \(Jambi\), column peserta_bpu.*'21l170.0'"):
        parse_kemnaker_participants(bad)


def test_kemnaker_total_mismatch_names_row(kemnaker_text):
    bad = kemnaker_text.replace(
        "Bengkulu;106610.0;80582.0;25074.0;212266.0", "Bengkulu;106610.0;80582.0;25074.0;212267.0"
    )
    assert bad != kemnaker_text
    with pytest.raises(ParseError, match=r"line 8 \(Bengkulu\).*212266 but total_peserta = 212267"):
        parse_kemnaker_participants(bad)


def test_kemnaker_wrong_delimiter(kemnaker_text):
    with pytest.raises(ParseError, match="not ';'-separated"):
        parse_kemnaker_participants(kemnaker_text.replace(";", ","))


def test_kemnaker_duplicate_province_is_panel_error(kemnaker_text):
    lines = kemnaker_text.splitlines()
    with pytest.raises(PanelError, match=r"duplicate province-year: province 'Aceh', year 2023"):
        parse_kemnaker_participants("\n".join([*lines, lines[1]]) + "\n")


def test_kemnaker_malformed_copy_via_extra_data(bundle, tmp_path, kemnaker_text):
    from jamsostek_analysis.data.bundle import DataBundle

    target = tmp_path / KEMNAKER_RELPATH
    target.parent.mkdir(parents=True)
    target.write_text(kemnaker_text.replace("Aceh;299722.0", "Aceh;n/a"), encoding="utf-8")
    b = DataBundle.locate(bundle.root, tmp_path)
    with pytest.raises(ParseError, match=r"data_peserta_bpjstk.csv: line 2 \(Aceh\), column peserta_pu"):
        read_kemnaker_participants(b)


def test_unknown_province_in_secondary_readers_names_file_and_row(bundle, tmp_path, kemnaker_text, compiled_text):
    from jamsostek_analysis.data.bundle import DataBundle
    from jamsostek_analysis.errors import RegionError

    for rel, text, old, new, row in (
        (KEMNAKER_RELPATH, kemnaker_text, "Aceh;", "Atlantis;", 2),
        (COMPILED_PANEL_RELPATH, compiled_text, "Bali,2022,", "Atlantis,2022,", 18),
    ):
        assert text.splitlines()[row - 1].startswith(old)
        d = tmp_path / rel.split("/")[-1].split(".")[0]
        target = d / rel
        target.parent.mkdir(parents=True)
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
        b = DataBundle.locate(bundle.root, d)
        reader = (
            read_kemnaker_participants if rel == KEMNAKER_RELPATH else (lambda x: read_compiled_panel(x, check=False))
        )
        with pytest.raises(RegionError) as exc:
            reader(b)
        msg = str(exc.value)
        assert rel.split("/")[-1] in msg and f"row {row}" in msg and "'Atlantis'" in msg


# -- compiled panel R2-D1 ------------------------------------------------------------------------


def test_compiled_shape_flags_and_codes(compiled):
    assert len(compiled) == 144
    assert compiled.groupby("year").size().to_dict() == {2022: 34, 2023: 34, 2024: 38, 2025: 38}
    assert compiled["secondary"].all() and set(compiled["source_id"]) == {"R2-D1"}
    assert not compiled.duplicated(["province_code", "year"]).any()
    assert (compiled["province_code"].str.fullmatch(r"\d{2}")).all()
    pre = compiled[compiled["bpjstk_presplit_papua"]]
    assert sorted(zip(pre["province_code"], pre["year"])) == [("91", 2024), ("91", 2025), ("94", 2024), ("94", 2025)]
    new = compiled[compiled["province_code"].isin(["92", "95", "96", "97"])]
    assert new[["bpjstk_pu", "bpjstk_bpu"]].isna().all().all()


def test_compiled_2023_sums_equal_kemnaker(compiled, kemnaker):
    c23 = compiled[compiled["year"] == 2023]
    assert c23["bpjstk_pu"].sum() == kemnaker["bpjstk_pu"].sum() == 25_004_383
    assert c23["bpjstk_bpu"].sum() == kemnaker["bpjstk_bpu"].sum() == 9_192_755
    # ... but the provincial split differs in every province (README "Known problems")
    m = c23.merge(kemnaker, on="province_code", suffixes=("_c", "_k"))
    assert len(m) == 34 and (m["bpjstk_pu_c"] != m["bpjstk_pu_k"]).all()


def test_compiled_lags_all_agree(compiled_text):
    df = parse_compiled_panel(compiled_text)
    assert check_lags(df) == []
    raw = pd.read_csv(pd.io.common.StringIO(compiled_text), dtype=str, keep_default_na=False)
    n_lag_cells = int((raw[["lag1_formal_pct", "lag1_bpjstk_pu", "lag1_bpjstk_bpu"]] != "").sum().sum())
    assert n_lag_cells == 306  # every one compared, as the compiled README states


def test_compiled_lag_mismatch_is_reported(compiled_text):
    # DKI 2023 carries lag1_bpjstk_pu = 1735860 (DKI 2022 PU); change it
    bad = compiled_text.replace(",63.12,1735860.0,362562.0", ",63.12,1735861.0,362562.0")
    assert bad != compiled_text
    problems = check_lags(parse_compiled_panel(bad))
    assert len(problems) == 1 and "DKI Jakarta 2023), column lag1_bpjstk_pu: 1735861.0" in problems[0]


def test_compiled_non_numeric_and_duplicate(compiled_text):
    lines = compiled_text.splitlines()
    bad = compiled_text.replace("Aceh,2022,38.55,2394994.0", "Aceh,2022,38.55,2.394.994")
    with pytest.raises(ParseError, match=r"line 2 \(Aceh 2022\), column employed"):
        parse_compiled_panel(bad)
    with pytest.raises(PanelError, match=r"duplicate province-year: province Aceh, year 2022"):
        parse_compiled_panel("\n".join([*lines, lines[1]]) + "\n")
    with pytest.raises(ParseError, match="expected the comma-separated header"):
        parse_compiled_panel(compiled_text.replace(",", ";"))


def test_compiled_lag_error_via_extra_data(bundle, tmp_path, compiled_text):
    from jamsostek_analysis.data.bundle import DataBundle

    target = tmp_path / COMPILED_PANEL_RELPATH
    target.parent.mkdir(parents=True)
    target.write_text(compiled_text.replace(",63.12,1735860.0,362562.0", ",63.12,1735860.0,362563.0"), encoding="utf-8")
    with pytest.raises(ParseError, match=r"(?s)1 lag cell\(s\).*line 46 \(DKI Jakarta 2023\), column lag1_bpjstk_bpu"):
        read_compiled_panel(DataBundle.locate(bundle.root, tmp_path))


# -- curated -------------------------------------------------------------------------------------


def test_curated_codes_are_strings_and_ids_known(bundle):
    ids = set(read_sources(bundle)["source_id"])
    assert {"B01", "S01", "S06", "R2-D1", "R2-A1", "B05", "B04"} <= ids
    names = list_curated(bundle)
    assert "sources.csv" in names and len(names) >= 10
    for name in names:
        if name == "sources.csv":
            continue
        df = read_curated(bundle, name)
        for col in [c for c in df.columns if c.endswith("code")]:
            vals = df[col].dropna()
            assert all(isinstance(v, str) for v in vals), (name, col)
        if "source_id" in df.columns:
            used = {s.strip() for v in df["source_id"].dropna() for s in str(v).split(";")}
            assert used <= ids, (name, used - ids)


def test_curated_values_and_bands(bundle):
    lab = read_curated(bundle, "bps_labour_national")
    row = lab[(lab["year"] == 2023) & (lab["indicator"] == "labour_force")].iloc[0]
    assert row["value"] == 147_710_000.0 and row["region_code"] == "0" and row["source_id"] == "L12"
    frag = read_curated(bundle, "extreme_poverty_province_fragments.csv")
    band = frag[frag["value_text"] == "1-5"]
    assert len(band) > 0 and band["value"].isna().all()  # a band is kept as text, never turned into a number
    assert frag.loc[frag["province_code"] == "61", "value"].iloc[0] == 0.99


def test_curated_missing_source_id_is_error(bundle, tmp_path):
    from jamsostek_analysis.data.bundle import DataBundle

    src = bundle.path("curated/bps_labour_national.csv")
    (tmp_path / "curated").mkdir()
    text = src.read_text(encoding="utf-8").splitlines()
    head = text[0].split(",")
    i = head.index("source_id")
    # blank the source id of the first data row (a simple row without quoted commas)
    row = next(k for k, line in enumerate(text[1:], start=1) if '"' not in line)
    cells = text[row].split(",")
    cells[i] = ""
    text[row] = ",".join(cells)
    (tmp_path / "curated" / "bps_labour_national.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(ParseError, match=rf"line {row + 1}, column source_id"):
        read_curated(DataBundle.locate(bundle.root, tmp_path), "bps_labour_national")


def test_sources_table_unique(bundle):
    s = read_sources(bundle)
    assert not s["source_id"].duplicated().any()
    assert s.loc[s["source_id"] == "S01", "in_this_bundle"].iloc[0].startswith("raw/kemnaker/")
    assert np.all(s["source_id"].str.len() > 0)
