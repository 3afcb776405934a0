"""Measurement of coverage (jamsostek_analysis.study.measurement) and the Papua samples on the real panel.

Values asserted here are computed by hand from the bundle's files (compiled R2-D1 employed persons,
curated attribution points, BPS poverty tables) or by an independent route (leverage by explicit
dummy regression), not copied from the code's output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamsostek_analysis.data.panel import build_province_panel
from jamsostek_analysis.study import measurement as M
from jamsostek_analysis.study import specs as S


@pytest.fixture(scope="module")
def panel34(bundle) -> pd.DataFrame:
    return build_province_panel(bundle, geography="34")


@pytest.fixture(scope="module")
def published(bundle) -> pd.DataFrame:
    return build_province_panel(bundle, geography="as-published", first_year=2022)


def test_employment_jumps_flag_papua_2023(panel34):
    j = M.employment_jumps(panel34)
    flagged = j.loc[j["flagged"]].set_index("province_code")
    # R2-D1 employed: Papua 1,934,767 -> 2,448,947; Papua Barat 487,705 -> 560,883
    assert flagged.loc["94", "change_pct"] == pytest.approx(100 * (2448947 / 1934767 - 1), abs=1e-9)
    assert flagged.loc["91", "change_pct"] == pytest.approx(100 * (560883 / 487705 - 1), abs=1e-9)
    assert round(flagged.loc["94", "change_pct"], 1) == 26.6 and round(flagged.loc["91", "change_pct"], 1) == 15.0
    assert (flagged["year"] == 2023).all()
    # the two largest increases in the panel, both far above every unflagged province in 2023
    assert list(j["province_code"].iloc[:2]) == ["94", "91"]
    assert flagged.loc["94", "max_others_pct"] < 9.0
    lo, hi = j.attrs["fences"]
    q1, q3 = j["change_pct"].quantile([0.25, 0.75])
    assert (lo, hi) == pytest.approx((q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)))
    assert ((j["change_pct"] < lo) | (j["change_pct"] > hi)).sum() == len(flagged)


def test_flag_employment_jumps_writes_quality_flag_and_keeps_values(panel34):
    out = M.flag_employment_jumps(panel34)
    pd.testing.assert_series_equal(out["employed"], panel34["employed"])
    row = out.loc[(out["province_code"] == "94") & (out["year"] == 2023), "quality_flag"].iloc[0]
    assert "employed +26.6% on 2022" in row and "coverage mechanically lower" in row
    untouched = out.loc[(out["province_code"] == "31") & (out["year"] == 2023), "quality_flag"].iloc[0]
    assert (
        untouched == panel34.loc[(panel34["province_code"] == "31") & (panel34["year"] == 2023), "quality_flag"].iloc[0]
    )
    assert panel34["quality_flag"].str.contains("employed").sum() == 0  # input not modified


def test_leverage_share_matches_dummy_regression(panel34):
    est = S.estimate([S.Spec("p0", model="twfe"), S.Spec("p0", model="fd")], panel34, B=0, cr2=False)
    lev = M.leverage_shares(est, ("p0_twfe", "p0_fd"))
    # independent route for TWFE: residualise coverage on province and year dummies by least squares
    d = S.prepare(S.Spec("p0"), panel34).dropna(subset=["p0", "coverage_rate"])
    D = pd.get_dummies(d[["province_code", "year"]].astype(str), drop_first=False).to_numpy(float)
    x = d["coverage_rate"].to_numpy(float)
    xt = x - D @ np.linalg.lstsq(D, x, rcond=None)[0]
    share = pd.Series(xt**2, index=d["province_code"].to_numpy()).groupby(level=0).sum() / (xt @ xt)
    got = lev.loc[lev["spec"] == "p0_twfe"].set_index("province_code")["leverage_share"]
    pd.testing.assert_series_equal(got.sort_index(), share.sort_index(), check_names=False, atol=1e-10)
    # Papua Barat carries the largest share in both models (issue 9: 34% TWFE, 42% FD)
    pb = lev.loc[lev["province_code"] == "91"].set_index("spec")["leverage_share"]
    assert round(pb["p0_twfe"], 2) == 0.34 and round(pb["p0_fd"], 2) == 0.42
    # contributions add up to the coefficient
    for spec in ("p0_twfe", "p0_fd"):
        total = lev.loc[lev["spec"] == spec, "contribution"].sum()
        assert total == pytest.approx(est[spec].result.params["coverage_rate"], rel=1e-10)


def test_papua_merge_break_poverty_lines(panel34, published):
    b = M.papua_merge_break(panel34, published).set_index("province_code")
    # BPS: one Papua line 686,469 in 2023; successors 94, 95, 96, 97 from 519,979 to 1,007,060 in 2024
    assert b.loc["94", "line_before"] == 686469
    assert (b.loc["94", "line_min_after"], b.loc["94", "line_max_after"]) == (519979, 1007060)
    assert b.loc["94", "successors"] == "94+95+96+97"
    # merged Papua P1 and P2 fall far more than P0 in 2024 (issue 9: -16.5%, -29.7%, -0.8%)
    assert round(b.loc["94", "p1_change_pct"], 1) == -16.5 and round(b.loc["94", "p2_change_pct"], 1) == -29.7
    assert round(b.loc["94", "p0_change_pct"], 1) == -0.8


def test_attribution_check_reads_the_curated_points(bundle, panel34):
    a = M.attribution_check(bundle, panel34)
    assert (a["registered"], a["resident"]) == (2955113, 4009317)
    assert a["outside"] == 4009317 - 2955113 and round(a["outside_share"], 2) == 0.26
    assert a["hub_year"] == 2022 and a["year"] == 2019
    dki = panel34.loc[(panel34["province_code"] == "31") & (panel34["year"] == 2022)].iloc[0]
    assert a["hub_pu"] == dki["bpjstk_pu"]
    text = " ".join(M.attribution_lines(a))
    assert "1,054,204" in text and "26%" in text


def test_papua_sensitivity_lines_name_dependence():
    rows = []
    for sample, lo, hi, p in (
        ("all", -0.01, 0.01, 0.6),
        ("papua_unmerged", -0.02, -0.001, 0.004),
        ("no_papua", -0.02, 0.005, 0.04),
    ):
        rows.append(
            {
                "check": "Papua samples",
                "outcome": "p1",
                "model": "twfe",
                "sample": sample,
                "estimate": -0.005,
                "pvalue": p,
                "cr2_pvalue": p,
                "boot_pvalue": p,
                "boot_ci_low": lo,
                "boot_ci_high": hi,
            }
        )
    lines = M.papua_sensitivity_lines(pd.DataFrame(rows))
    assert len(lines) == 1 and "DEPENDS on the sample" in lines[0]
    same = pd.DataFrame(rows).assign(boot_ci_low=-0.02, boot_ci_high=0.02, pvalue=0.5, cr2_pvalue=0.5)
    assert "no verdict at 5% depends" in M.papua_sensitivity_lines(same)[0]
    crv1_only = pd.DataFrame(rows).assign(boot_ci_low=-0.02, boot_ci_high=0.02, cr2_pvalue=0.5)
    assert "the CRV1 verdict at 5% depends" in M.papua_sensitivity_lines(crv1_only)[0]
