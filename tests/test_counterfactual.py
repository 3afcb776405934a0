"""Counterfactual poverty: exact arithmetic on a hand-made 3-province frame, scenario rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from jamsostek_analysis.study.counterfactual import BASIS, Effect, counterfactual_poverty, coverage_scenarios
from jamsostek_analysis.errors import EstimationError


@pytest.fixture
def frame():
    # coverage per 100 employed, P0 in %, populations in thousand persons: poverty_population (the
    # Susenas population behind P0, the default denominator) and a deliberately different projection
    return pd.DataFrame(
        {
            "province_code": ["11", "12", "13"],
            "year": [2024, 2024, 2024],
            "coverage_rate": [10.0, 20.0, 40.0],
            "coverage_bpu_rate": [2.0, 5.0, 8.0],
            "p0": [10.0, 5.0, 2.0],
            "poverty_population": [1000.0, 2000.0, 500.0],
            "population": [900.0, 2500.0, 400.0],
            "employed": [1000.0, 2000.0, 400.0],
            "employees": [400.0, 1000.0, 200.0],
        }
    )


BETA, SE, DF = -0.1, 0.02, 10
Q = stats.t.ppf(0.975, DF)
B_LO, B_HI = BETA - Q * SE, BETA + Q * SE  # -0.14456..., -0.05544...


def test_best_quartile_exact(frame):
    out = counterfactual_poverty(frame, BETA, SE, DF, "best_quartile")
    prov = out[out.level == "province"].set_index("province_code")
    # Q75 of (10, 20, 40) with linear interpolation: position 1.5 -> 30
    assert prov["x_scenario"].tolist() == [30.0, 30.0, 40.0]
    assert prov["delta_x"].tolist() == [20.0, 10.0, 0.0]
    assert np.allclose(prov["delta_p0"], [-2.0, -1.0, 0.0])
    assert np.allclose(prov["p0_pred"], [8.0, 4.0, 2.0])
    assert np.allclose(prov["p0_pred_low"], [10 + 20 * B_LO, 5 + 10 * B_LO, 2.0])
    assert np.allclose(prov["p0_pred_high"], [10 + 20 * B_HI, 5 + 10 * B_HI, 2.0])
    # persons: delta_p0 / 100 * population (thousand) * 1000
    assert np.allclose(prov["delta_poor"], [-20_000.0, -20_000.0, 0.0])
    assert np.allclose(prov["delta_poor_low"], [20 * B_LO * 10_000, 10 * B_LO * 20_000, 0.0])
    assert np.allclose(prov["delta_poor_high"], [20 * B_HI * 10_000, 10 * B_HI * 20_000, 0.0])
    assert not prov["below_zero"].any()
    nat = out[out.level == "national"].iloc[0]
    assert nat["p0_baseline"] == pytest.approx(21_000 / 3_500)  # 6.0
    assert nat["delta_x"] == pytest.approx(40_000 / 3_500)
    assert nat["delta_p0"] == pytest.approx(-0.1 * 40_000 / 3_500)
    assert nat["p0_pred"] == pytest.approx(6.0 - 4_000 / 3_500)
    assert nat["delta_poor"] == pytest.approx(-40_000.0)
    assert nat["delta_poor_low"] == pytest.approx(B_LO * 400_000)
    assert nat["delta_poor_high"] == pytest.approx(B_HI * 400_000)
    assert nat["delta_poor"] == pytest.approx(prov["delta_poor"].sum())
    assert (out["basis"] == BASIS).all() and out.attrs["counterfactual"] is True


def test_population_column_can_be_chosen(frame):
    # the projection, passed explicitly: weights 900, 2500, 400 (thousand)
    out = counterfactual_poverty(frame, BETA, SE, DF, "best_quartile", population="population")
    prov = out[out.level == "province"].set_index("province_code")
    assert np.allclose(prov["delta_poor"], [-18_000.0, -25_000.0, 0.0])
    nat = out[out.level == "national"].iloc[0]
    assert nat["population"] == 3_800.0
    assert nat["p0_baseline"] == pytest.approx((10 * 900 + 5 * 2500 + 2 * 400) / 3_800)
    assert nat["delta_poor"] == pytest.approx(-43_000.0)
    # the default is poverty_population: baseline P0 x population / 100 is the number of poor
    d = counterfactual_poverty(frame, BETA, SE, DF, "best_quartile")
    assert d.iloc[-1]["population"] == 3_500.0
    assert d.iloc[-1]["p0_baseline"] * d.iloc[-1]["population"] / 100 == pytest.approx(100 + 100 + 10)
    with pytest.raises(EstimationError, match="poverty_population"):
        counterfactual_poverty(frame.drop(columns="poverty_population"), BETA, SE, DF)


def test_universal_reports_raw_and_clipped(frame):
    out = counterfactual_poverty(frame, BETA, SE, DF, "universal")
    prov = out[out.level == "province"].set_index("province_code")
    assert prov["delta_x"].tolist() == [90.0, 80.0, 60.0]
    assert prov["out_of_support"].all()  # 100 is beyond the observed maximum of 40
    assert np.allclose(prov["p0_pred"], [1.0, -3.0, -4.0])  # raw linear prediction, not clipped
    assert np.allclose(prov["p0_pred_clipped"], [1.0, 0.0, 0.0])
    assert prov["below_zero"].tolist() == [False, True, True]
    assert np.allclose(prov["delta_poor"], [-90_000.0, -160_000.0, -30_000.0])
    assert np.allclose(prov["delta_poor_clipped"], [-90_000.0, -100_000.0, -10_000.0])
    assert "below 0" in prov.loc["12", "note"]
    nat = out[out.level == "national"].iloc[0]
    assert nat["delta_poor"] == pytest.approx(-280_000.0)
    assert nat["delta_poor_clipped"] == pytest.approx(-200_000.0)
    # clipped national interval: at B_LO every province is at 0; at B_HI 11 and 12 stay positive
    hi = (max(0, 10 + 90 * B_HI) * 1000 + max(0, 5 + 80 * B_HI) * 2000 + max(0, 2 + 60 * B_HI) * 500) / 3500
    assert nat["p0_pred_clipped_low"] == pytest.approx(0.0)
    assert nat["p0_pred_clipped_high"] == pytest.approx(hi)
    assert nat["delta_poor_clipped_low"] == pytest.approx(-6.0 * 35_000)


def test_bpu_plus_10_and_effect_inputs(frame):
    # BPU rate is per 100 non-employee workers: +10 BPU points = +10 * (employed - employees) / employed
    sc = coverage_scenarios(frame, scenarios=("bpu_plus_10",))
    assert np.allclose(sc["delta_x"], [6.0, 5.0, 5.0])
    assert np.allclose(sc["bpu_scenario"], [12.0, 15.0, 18.0])
    a = counterfactual_poverty(frame, BETA, SE, DF, "bpu_plus_10")
    assert np.allclose(a["delta_poor"].iloc[:3], [-6_000.0, -10_000.0, -2_500.0])
    assert a["delta_poor"].iloc[-1] == pytest.approx(-18_500.0)
    b = counterfactual_poverty(frame, Effect.from_ci(BETA, B_LO, B_HI), scenario=sc)
    c = counterfactual_poverty(frame, BETA, ci=(B_LO, B_HI), scenario="bpu_plus_10")
    cols = ["p0_pred", "p0_pred_low", "p0_pred_high", "delta_poor_low", "delta_poor_high"]
    assert np.allclose(a[cols], b[cols]) and np.allclose(a[cols], c[cols])
    # a BPU rate per 100 employed (shared denominator) maps one for one
    d = counterfactual_poverty(frame, BETA, SE, DF, "bpu_plus_10", scenario_kwargs={"bpu_to_x": 1.0})
    assert d["delta_poor"].iloc[-1] == pytest.approx(-0.1 * 10 / 100 * 3_500_000)
    with pytest.raises(EstimationError, match="'employees'"):
        coverage_scenarios(frame.drop(columns="employees"), scenarios=("bpu_plus_10",))


def test_effect_from_panel_result(frame):
    from jamsostek_analysis.estimation.models import fit_panel

    rng = np.random.default_rng(0)
    panel = pd.DataFrame(
        {"province_code": np.repeat([f"{i}" for i in range(11, 31)], 4), "year": np.tile([2022, 2023, 2024, 2025], 20)}
    )
    panel["coverage_rate"] = rng.normal(20, 5, len(panel))
    panel["p0"] = 10 - 0.1 * panel["coverage_rate"] + rng.normal(0, 1, len(panel))
    res = fit_panel(panel, "p0", "coverage_rate")
    eff = Effect.from_result(res, "coverage_rate")
    ci = res.conf_int().loc["coverage_rate"]
    assert eff.ci_low == pytest.approx(ci["ci_low"]) and eff.ci_high == pytest.approx(ci["ci_high"])
    out = counterfactual_poverty(frame, res, param="coverage_rate", scenario="best_quartile")
    assert out["delta_p0"].iloc[0] == pytest.approx(20 * res.params["coverage_rate"])


def test_best_quartile_never_decreases_coverage():
    rng = np.random.default_rng(3)
    for _ in range(50):
        n = rng.integers(3, 40)
        df = pd.DataFrame({"province_code": [str(i) for i in range(n)], "coverage_rate": rng.gamma(2, 10, n)})
        df.loc[rng.random(n) < 0.1, "coverage_rate"] = np.nan
        if df["coverage_rate"].notna().sum() == 0:
            continue
        sc = coverage_scenarios(df, bpu=None, scenarios=("best_quartile", "universal"))
        ok = sc["delta_x"].notna()
        assert (sc.loc[ok, "delta_x"] >= 0).all()
        assert sc.loc[~ok, "note"].str.contains("missing").all()  # kept, not dropped
        assert len(sc) == 2 * n


def test_missing_and_bad_inputs(frame):
    f = frame.copy()
    f.loc[1, "p0"] = np.nan
    out = counterfactual_poverty(f, BETA, SE, DF, "best_quartile")
    nat = out.iloc[-1]
    assert not out.loc[1, "in_national"] and "'12'" in nat["note"]
    assert nat["population"] == 1500.0
    with pytest.raises(EstimationError, match="year"):
        counterfactual_poverty(pd.concat([frame, frame.assign(year=2023)]), BETA, SE, DF)
    with pytest.raises(EstimationError, match="exceeds"):
        coverage_scenarios(frame.assign(coverage_bpu_rate=[50.0, 1.0, 1.0]))
    with pytest.raises(EstimationError, match="se and df"):
        counterfactual_poverty(frame, BETA)


def test_linear_people_change_and_people_effect_share_it(frame):
    from jamsostek_analysis.study import analysis as A
    from jamsostek_analysis.study.counterfactual import linear_people_change

    # -0.1 pp per point; +10 points in 11 (1,000,000 people) and +20 in 12 (2,000,000):
    # -0.1 x (10 x 1e6 + 20 x 2e6) / 100 = -50,000 people
    out = linear_people_change(-0.1, [10.0, 20.0], [1000.0, 2000.0])
    assert out["people"] == pytest.approx(-50_000, abs=1e-6)
    assert out["population"] == 3_000_000 and out["delta_x"] == pytest.approx(50 / 3, rel=1e-14)
    assert out["pp"] == pytest.approx(-0.1 * 50 / 3, rel=1e-14)
    with pytest.raises(EstimationError):
        linear_people_change(-0.1, [1.0, np.nan], [1.0, 2.0])

    class _Fake:
        params = pd.Series({"coverage_rate": -0.1})

        def conf_int(self, alpha):
            return pd.DataFrame({"ci_low": [-0.3], "ci_high": [0.1]}, index=["coverage_rate"])

    pe = A.people_effect(_Fake(), "coverage_rate", frame, delta_x=pd.Series({"11": 10.0, "12": 20.0}), year=2024)
    assert pe["people"] == pytest.approx(-50_000, abs=1e-6)
    assert (pe["people_low"], pe["people_high"]) == pytest.approx((-150_000, 50_000))
    # the national raw counterfactual row is the same arithmetic over all provinces
    cf = counterfactual_poverty(frame, BETA, SE, DF, "best_quartile")
    nat = cf[cf.level == "national"].iloc[0]
    prov = cf[cf.level == "province"]
    lin = linear_people_change(BETA, prov["delta_x"], prov["population"])
    assert nat["delta_poor"] == pytest.approx(lin["people"], rel=1e-12)


def test_national_counterfactuals_and_scenario_table(frame):
    from jamsostek_analysis.study.counterfactual import interpretation_lines, national_counterfactuals, scenario_table

    eff = Effect.from_se(BETA, SE, DF)
    wide = Effect.from_ci(BETA, -0.3, 0.1, source="test interval")
    nat = national_counterfactuals(frame, wide, scenarios=("best_quartile", "universal"))
    ref = national_counterfactuals(frame, eff, scenarios=("best_quartile", "universal"))
    direct = counterfactual_poverty(frame, wide, scenario="universal")
    assert list(nat["scenario"]) == ["best_quartile", "universal"]
    assert nat.loc[1, "delta_poor_clipped"] == direct[direct.level == "national"]["delta_poor_clipped"].iloc[0]
    # universal: every province raised to 100 > observed max 40 -> 3 provinces outside the support
    assert nat.loc[1, "provinces_out_of_support"] == 3
    tab = scenario_table(nat, ref)
    assert list(tab["reading"]) == ["within observed coverage", "FAR EXTRAPOLATION"]
    assert tab.loc[0, "delta_poor_thousand"] == pytest.approx(nat.loc[0, "delta_poor_clipped"] / 1e3, rel=1e-14)
    assert tab.loc[1, "delta_poor_crv1_low"] == pytest.approx(ref.loc[1, "delta_poor_clipped_low"] / 1e3, rel=1e-14)
    # best quartile: Q75 of (10, 20, 40) = 30 -> +20, +10, 0 points; poverty population 1000, 2000, 500
    assert tab.loc[0, "mean_delta_coverage"] == pytest.approx((20 * 1000 + 10 * 2000) / 3500, rel=1e-12)
    mde = pd.DataFrame({"size_simulated": [0.06, 0.08], "mde_analytic": [0.2, 0.3]}, index=["rho = 0", "rho = 0.5"])
    lines = interpretation_lines(
        {"estimate": BETA, "pvalue": 0.5, "boot_pvalue": 0.42},
        wide,
        tab,
        nat,
        mde,
        latest_extreme={"rate": 0.85, "persons": 2.38e6, "period": "March", "year": 2025},
    )
    assert lines[0].startswith("1. The main estimate (a conditional association, not an effect) is -0.1000 pp")
    assert "p = 0.42" in lines[0]
    assert "not distinguishable from zero" in lines[0]
    assert "contains zero in every scenario" in lines[1]
    assert "6%-8% of draws" in lines[2] and "CR2" not in lines[2]
    cr2 = pd.DataFrame({"size_simulated": [0.034, 0.041]}, index=["rho = 0", "rho = 0.5"])
    with_cr2 = interpretation_lines(
        {"estimate": BETA, "pvalue": 0.5},
        wide,
        tab,
        nat,
        mde,
        mde_cr2=cr2,
        bootstrap=False,
        latest_extreme={"rate": 0.85, "persons": np.nan, "period": "March", "year": 2025},
    )
    assert "CR2 test with Bell-McCaffrey df rejects in 3%-4%, at or below the nominal level" in with_cr2[2]
    assert "(CRV1; p = 0.50)" in with_cr2[0] and "million people" not in with_cr2[-1]
    dx = (20 * 1000 + 10 * 2000) / 3500
    assert f"{0.2 * dx:.2f} pp of P0" in lines[3]
    assert f"about {-0.85 / dx:.3f} pp per point" in lines[-1] and f"includes {-0.85 / dx:.3f}" in lines[-1]
