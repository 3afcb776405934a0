"""README "Adding a new year", end to end, with SIMULATED 2026 exports.

The test writes SIMULATED files into a temporary folder: copies of the bundle's 2025 P0/P1/P2 exports
with the year changed to 2026 and every value lowered by a known amount, and (second test) a copy of the
compiled BPJS-TK panel with SIMULATED 2026 rows. They are never real data and never leave tmp_path.
They go through the documented path (`data add`, then `panel --extra-data`) and must appear in the
panel with exactly their values, and in the estimation sample.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamsostek_analysis.cli import main
from jamsostek_analysis.data.bundle import DataBundle
from jamsostek_analysis.data.panel import build_province_panel
from jamsostek_analysis.errors import PanelWindowWarning
from jamsostek_analysis.estimation.models import fit_panel

EXPORTS = {  # column -> (2025 export in raw/bps/poverty_province, SIMULATED shift of every value)
    "p0": ("Persentase Penduduk Miskin (P0) Menurut Provinsi dan Daerah, 2025.csv", -0.30),
    "p1": ("Indeks Kedalaman Kemiskinan (P1) Menurut Provinsi dan Daerah, 2025.csv", -0.05),
    "p2": ("Indeks Keparahan Kemiskinan (P2) Menurut Provinsi dan Daerah, 2025.csv", -0.02),
}
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def _simulate_2026(src: Path, dst: Path, shift: float) -> None:
    """SIMULATED: the 2025 export with its year row set to 2026 and every number shifted by ``shift``."""
    lines = src.read_text(encoding="utf-8-sig").splitlines()
    out = []
    for i, line in enumerate(lines):
        cells = line.split(",")
        if i < 5:  # header rows: the year row says 2025
            cells = ["2026" if c == "2025" else c for c in cells]
        else:
            cells = [cells[0]] + [f"{float(c) + shift:.2f}" if _NUMBER.match(c) else c for c in cells[1:]]
        out.append(",".join(cells))
    dst.write_text("\ufeff" + "\n".join(out) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def simulated(bundle, tmp_path_factory):
    """SIMULATED 2026 P0/P1/P2 exports added with `data add` to a user-additions folder."""
    tmp = tmp_path_factory.mktemp("SIMULATED_2026")
    extra = tmp / "extra"
    for col, (name, shift) in EXPORTS.items():
        f = tmp / name.replace("2025", "2026")
        _simulate_2026(bundle.root / "raw/bps/poverty_province" / name, f, shift)
        assert main(["data", "add", str(f), "--topic", "raw/bps/poverty_province", "--extra-data", str(extra),
                     "--data-dir", str(bundle.root)]) == 0  # fmt: skip
    return tmp, extra


def test_simulated_2026_exports_appear_in_panel_output(bundle, simulated):
    tmp, extra = simulated
    out = tmp / "panel.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PanelWindowWarning)  # tpt 2005-2006 are still outside
        assert main(["panel", "--out", str(out), "--extra-data", str(extra), "--data-dir", str(bundle.root)]) == 0
    panel = pd.read_csv(out, dtype={"province_code": str})
    assert panel["year"].max() == 2026  # the years come from the data: no code change for a new year
    new = panel[panel["year"] == 2026].set_index("province_code")
    old = panel[panel["year"] == 2025].set_index("province_code")
    assert len(new) == 38
    for col, (_, shift) in EXPORTS.items():
        np.testing.assert_allclose(new[col], (old[col] + shift).round(2), atol=1e-9, err_msg=col)
    assert new.loc["11", "p0"] == 12.03  # Aceh: 12.33 in March 2025, SIMULATED -0.30
    # the 2026 population and UMP tables of the bundle are now inside the panel: Aceh UMP 2026
    assert new.loc["11", "min_wage"] == 3932552
    assert new["coverage_rate"].isna().all()  # no BPJS-TK year 2026 yet: nothing invented


def _simulated_compiled(bundle: Path, dst: Path) -> None:
    """SIMULATED: the compiled BPJS-TK panel plus 2026 rows (2025 values, employed +1 %, PU and BPU +5 %)."""
    raw = pd.read_csv(bundle / "raw/compiled/den_econ_annual_full_extract.csv", dtype=str, keep_default_na=False)
    new = raw[raw["year"] == "2025"].copy()
    new["year"] = "2026"
    for col, f in (("employed", 1.01), ("employees_buruh", 1.01), ("bpjstk_pu", 1.05), ("bpjstk_bpu", 1.05)):
        new[col] = [f"{round(float(v) * f)}.0" if v else "" for v in new[col]]
    for lag in ("lag1_formal_pct", "lag1_bpjstk_pu", "lag1_bpjstk_bpu"):
        new[lag] = ""
    pd.concat([raw, new]).to_csv(dst, index=False, lineterminator="\n")


def test_a_simulated_bpjstk_year_enters_the_estimation_sample(bundle, simulated):
    tmp, extra = simulated
    f = tmp / "den_econ_annual_full_extract.csv"
    _simulated_compiled(bundle.root, f)
    assert main(["data", "add", str(f), "--topic", "raw/compiled", "--extra-data", str(extra),
                 "--data-dir", str(bundle.root)]) == 0  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PanelWindowWarning)
        before = build_province_panel(bundle, geography="34")
        after = build_province_panel(DataBundle.locate(bundle.root, extra), geography="34")
    window = after.loc[after["coverage_rate"].notna(), "year"]
    assert (window.min(), window.max()) == (2022, 2026)  # the analysis window is where coverage exists
    row = after[(after["year"] == 2026) & (after["province_code"] == "11")].iloc[0]
    assert row["bpjstk_pu"] == round(337420 * 1.05) and row["employed"] == round(2561329 * 1.01)
    fits = [
        fit_panel(p[p["coverage_rate"].notna()], "p0", "coverage_rate", unit="province_code") for p in (before, after)
    ]
    # 32 of the 34 provinces enter with the SIMULATED year. Papua Barat (91) and Papua (94) do not: their
    # 34-geography P0 is weighted by the Susenas population poor_thousand / p0, and 2026 has no S06 poor
    # count, so it is NaN (never a partial sum); the README says to add that table too
    assert fits[1].nobs == fits[0].nobs + 32
    gap = after[(after["year"] == 2026) & after["p0"].isna()]
    assert gap["province_code"].tolist() == ["91", "94"] and gap["poor_thousand"].isna().all()
