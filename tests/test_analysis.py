"""Tests of the specifications (jamsostek_analysis.study.specs), the reporting helpers
(jamsostek_analysis.study.analysis) and the estimate figures.

All data here are SIMULATED (labelled ``simulated_panel``): 34 provinces x 2022-2025 with a known
coverage coefficient, so that the specifications can be checked against the truth and against direct
``fit_panel`` calls. Nothing in this file reads the data bundle.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamsostek_analysis.study import analysis as A
from jamsostek_analysis.output.study_tables import main_table
from jamsostek_analysis.study import specs as S
from jamsostek_analysis.errors import PanelError
from jamsostek_analysis.estimation.models import fit_panel

TRUE_BETA = {"p0": -0.20, "p1": -0.05, "p2": -0.012}


def simulated_panel(
    n_prov: int = 34,
    years: tuple[int, ...] = (2022, 2023, 2024, 2025),
    *,
    seed: int = 7,
    noise: float = 0.02,
    lead_effect: float = 0.0,
) -> pd.DataFrame:
    """SIMULATED province x year panel: y_it = a_i + g_t + beta_y * coverage_it (+ lead_effect * coverage_i,t+1) + e.

    Coverage has a province level, a province-specific trend and idiosyncratic noise, so that it
    varies within provinces after removing province and year effects. Population is in thousands.
    """
    rng = np.random.default_rng(seed)
    # BPS-like two-digit codes for the 34-province case; S001... for large simulated panels
    codes = [f"{c:02d}" for c in range(11, 11 + n_prov)] if n_prov <= 34 else [f"S{c:03d}" for c in range(n_prov)]
    n_t = len(years) + 1  # one extra year so that a lead exists for the last year
    rows = []
    for code in codes:
        level = rng.uniform(10, 40)
        trend = rng.uniform(0, 4)
        cov = level + trend * np.arange(n_t) + rng.normal(0, 1.5, n_t)
        pu_share = rng.uniform(0.6, 0.9)
        a = rng.normal(12, 4)
        pop = rng.uniform(1_000, 50_000)
        for t, yr in enumerate(years):
            g = -0.3 * t
            rec = {
                "province_code": code,
                "province_name": f"SIM {code}",
                "year": yr,
                "coverage_rate": cov[t],
                "coverage_pu_rate": cov[t] * pu_share,
                "coverage_bpu_rate": cov[t] * (1 - pu_share),
                "formal_share": cov[t] + rng.normal(0, 1),
                "population": pop * (1.01**t),
                "poverty_population": pop * (1.01**t) * (0.9 + 0.05 * t),  # not proportional to population
            }
            for y, b in TRUE_BETA.items():
                scale = {"p0": 1.0, "p1": 0.2, "p2": 0.05}[y]
                rec[y] = scale * (a + g) + b * cov[t] + lead_effect * cov[t + 1] + rng.normal(0, noise * scale)
            rows.append(rec)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return simulated_panel()


# ------------------------------------------------------------------------------------------
# specifications as data


def _crv1(est):
    return {k: v.result for k, v in est.results.items()}


def test_main_grid_recovers_known_coefficients(sim):
    est = S.estimate(S.main_grid(models=("twfe", "fd")), sim, B=0, cr2=False)
    assert list(est.results) == ["p0_twfe", "p0_fd", "p1_twfe", "p1_fd", "p2_twfe", "p2_fd"]
    for spec, r in _crv1(est).items():
        y, model = spec.split("_")
        b = r.params["coverage_rate"]
        assert b == pytest.approx(TRUE_BETA[y], rel=0.03), spec
        lo, hi = r.conf_int().loc["coverage_rate"]
        assert lo < TRUE_BETA[y] < hi, spec
        assert r.n_clusters == 34
        assert r.nobs == (136 if model == "twfe" else 102)
        assert r.vcov_type.startswith("CRV1")


def test_spec_equals_direct_fit(sim):
    for model in ("twfe", "fd"):
        r = S.fit(S.Spec("p0", model=model), sim)
        direct = fit_panel(sim, "p0", "coverage_rate", model=model, vcov="CRV1", cluster="province_code")
        assert r.params["coverage_rate"] == pytest.approx(direct.params["coverage_rate"], abs=1e-12)
        assert r.bse["coverage_rate"] == pytest.approx(direct.bse["coverage_rate"], abs=1e-12)


def test_spec_years_from_data_and_rejects_post_split_codes(sim):
    # coverage missing before 2022: the window is where coverage exists, earlier rows are ignored
    extra = sim.assign(year=sim["year"] - 4, coverage_rate=np.nan)
    both = pd.concat([extra, sim])
    assert S.coverage_years(both) == (2022, 2025)
    assert S.fit(S.Spec("p0"), both).nobs == 136
    # explicit years win
    assert S.fit(S.Spec("p0", years=(2023, 2025)), sim).nobs == 102
    bad = sim.copy()
    bad.loc[bad.index[-1], "province_code"] = "95"
    with pytest.raises(PanelError, match="95"):
        S.fit(S.Spec("p0"), bad)
    # the as-published geography accepts post-split codes (the estimator drops rows without data)
    assert S.fit(S.Spec("p0", geography="as-published"), bad).nobs == 135  # the lone "95" row is a singleton


def test_spec_validation_and_grid_order():
    with pytest.raises(Exception, match="model"):
        S.Spec("p0", model="iv")
    with pytest.raises(Exception, match="lead"):
        S.Spec("p0", lead=-1)
    g = S.grid(S.Spec("p0"), outcome=("p0", "p1"), model=("twfe", "fd"))
    assert [s.label for s in g] == ["p0_twfe", "p0_fd", "p1_twfe", "p1_fd"]
    s = S.Spec("p0", regressors="coverage_pu_rate")
    assert s.regressors == ("coverage_pu_rate",) and s.term == "coverage_pu_rate"
    lead = S.Spec("p0", lead=1)
    assert lead.x == ["coverage_rate", "coverage_rate_lead1"] and lead.term == "coverage_rate_lead1"
    assert S.Spec("p0", lead=1, contemporaneous=False).x == ["coverage_rate_lead1"]
    assert S.Spec("p0") == S.Spec("p0") and hash(S.Spec("p0")) == hash(S.Spec("p0"))  # frozen values


def test_estimate_table_provenance_and_bootstrap(sim):
    est = S.estimate(S.main_grid(("p0",), ("twfe", "fd")), sim, B=999, seed=3)
    tab = est.table
    assert list(tab.columns) == S.TIDY_COLUMNS
    assert list(tab["spec"]) == ["p0_twfe", "p0_fd"]
    assert list(tab["outcome"]) == ["p0", "p0"] and list(tab["model"]) == ["twfe", "fd"]
    assert (tab["boot_B"] == 999).all() and list(tab["boot_seed"]) == [3, 4]
    assert (tab["sample"] == "all").all() and (tab["boot_weights"] == "webb").all()
    # a strong effect: the bootstrap rejects and its interval contains the estimate and the truth
    assert (tab["boot_pvalue"] < 0.01).all()
    assert ((tab["boot_ci_low"] < tab["estimate"]) & (tab["estimate"] < tab["boot_ci_high"])).all()
    assert ((tab["boot_ci_low"] < -0.2) & (-0.2 < tab["boot_ci_high"])).all()
    # the bootstrap of a row equals a direct call with the recorded seed
    from jamsostek_analysis.estimation.wildboot import wild_cluster_bootstrap

    direct = wild_cluster_bootstrap(est["p0_fd"].result, "coverage_rate", B=999, seed=int(tab.loc[1, "boot_seed"]))
    assert tab.loc[1, "boot_pvalue"] == direct.pvalue
    # CR2 columns equal a direct CR2 fit
    cr2 = fit_panel(sim, "p0", "coverage_rate", vcov="CR2")
    assert tab.loc[0, "cr2_se"] == pytest.approx(cr2.bse["coverage_rate"], abs=1e-12)
    assert tab.loc[0, "cr2_df"] == pytest.approx(cr2.df_for("coverage_rate"), rel=1e-12)


def test_estimate_blocks_seeds_and_duplicate_labels(sim):
    blocks = {"a": [S.Spec("p0")], "b": [S.Spec("p1"), S.Spec("p2")]}
    tab = S.estimate(blocks, sim, B=99, seed=10).table
    assert list(tab["check"]) == ["a", "b", "b"] and list(tab["boot_seed"]) == [10, 110, 111]
    with pytest.raises(Exception, match="duplicate"):
        S.estimate([S.Spec("p0"), S.Spec("p0")], sim, B=0)


def test_papua_samples_drop_the_right_rows(sim):
    s = sim.copy()
    s.loc[s["province_code"] == "12", "province_code"] = "91"
    s.loc[s["province_code"] == "13", "province_code"] = "94"
    s["aggregated_from"] = ""
    rebuilt = s["province_code"].isin(["91", "94"]) & (s["year"] >= 2024)
    s.loc[rebuilt, "aggregated_from"] = "rebuilt"
    n = {name: S.fit(S.Spec("p0", sample=S.SAMPLES[name]), s).nobs for name in ("all", "papua_unmerged", "no_papua")}
    assert n == {"all": 136, "papua_unmerged": 132, "no_papua": 128}
    labels = [x.label for x in S.papua_grid(("p0", "p1"), ("twfe",))]
    assert labels == [
        "p0_twfe_all",
        "p0_twfe_papua_unmerged",
        "p0_twfe_no_papua",
        "p1_twfe_all",
        "p1_twfe_papua_unmerged",
        "p1_twfe_no_papua",
    ]


# ------------------------------------------------------------------------------------------
# people effect


class _Fake:
    """Hand-made result: beta = -0.1 with CI (-0.3, 0.1)."""

    params = pd.Series({"coverage_rate": -0.1})

    def conf_int(self, alpha=0.05):
        return pd.DataFrame({"ci_low": [-0.3], "ci_high": [0.1]}, index=["coverage_rate"])


def test_people_effect_arithmetic_exact():
    panel = pd.DataFrame(
        {
            "province_code": ["11", "12", "11", "12"],
            "year": [2024, 2024, 2025, 2025],
            "poverty_population": [1000.0, 3000.0, 2000.0, 6000.0],  # thousands, Susenas (the default)
            "population": [1100.0, 2500.0, 2300.0, 4700.0],
        }  # projection: must not be used by default
    )
    out = A.people_effect(_Fake(), "coverage_rate", panel, delta_x=10.0, year=2025)
    # -0.1 pp per point x 10 points = -1 pp of 8,000,000 people = -80,000
    assert out["population"] == 8_000_000
    assert out["pp"] == pytest.approx(-1.0, abs=1e-12)
    assert out["people"] == pytest.approx(-80_000, abs=1e-6)
    assert out["people_low"] == pytest.approx(-240_000, abs=1e-6)
    assert out["people_high"] == pytest.approx(80_000, abs=1e-6)
    assert (out["pp_low"], out["pp_high"]) == pytest.approx((-3.0, 1.0))
    # a fall in coverage flips signs and the interval ends are re-ordered
    down = A.people_effect(_Fake(), "coverage_rate", panel, delta_x=-10.0, year=2025)
    assert (down["people"], down["people_low"], down["people_high"]) == pytest.approx((80_000, -80_000, 240_000))
    # province-specific changes: 2 points in 11 (2,000,000 people) and 5 in 12 (6,000,000)
    dx = pd.Series({"11": 2.0, "12": 5.0})
    out = A.people_effect(_Fake(), "coverage_rate", panel, delta_x=dx, year=2025)
    exposure = 2.0 * 2e6 + 5.0 * 6e6
    assert out["people"] == pytest.approx(-0.1 * exposure / 100, abs=1e-6)
    assert out["delta_x"] == pytest.approx(exposure / 8e6, abs=1e-12)
    # an explicit interval (e.g. bootstrap) replaces the CRV1 one
    out = A.people_effect(_Fake(), "coverage_rate", panel, delta_x=1.0, year=2024, ci=(-0.5, -0.2))
    assert (out["people_low"], out["people_high"]) == pytest.approx((-20_000, -8_000))
    with pytest.raises(PanelError, match="2030"):
        A.people_effect(_Fake(), "coverage_rate", panel, delta_x=1.0, year=2030)
    # the projection can still be chosen explicitly: -1 pp of 7,000,000 people
    proj = A.people_effect(_Fake(), "coverage_rate", panel, delta_x=10.0, year=2025, population="population")
    assert proj["population"] == 7_000_000 and proj["people"] == pytest.approx(-70_000, abs=1e-6)
    # people_table uses the same default denominator and carries both intervals
    t = A.people_table(_Fake(), "coverage_rate", panel, {"+10": 10.0, "obs": dx}, year=2025, boot_ci=(-0.5, -0.2))
    assert t["population"].tolist() == [8_000_000, 8_000_000]
    assert t["people"].tolist() == pytest.approx([-80_000, -0.1 * exposure / 100])
    assert (t.loc[0, "people_boot_low"], t.loc[0, "people_boot_high"]) == pytest.approx((-400_000, -160_000))
    t2 = A.people_table(_Fake(), "coverage_rate", panel, {"+10": 10.0}, year=2025, population="population")
    assert t2.loc[0, "people"] == pytest.approx(-70_000, abs=1e-6)


def test_observed_change_per_province():
    panel = pd.DataFrame(
        {
            "province_code": ["11", "12", "13", "11", "12", "13"],
            "year": [2022] * 3 + [2025] * 3,
            "coverage_rate": [10.0, 20.0, np.nan, 15.0, 18.0, 30.0],
        }
    )
    d = A.observed_change(panel, start=2022, end=2025)
    assert d.to_dict() == {"11": 5.0, "12": -2.0}
    assert d.attrs["missing"] == ["13"]


# ------------------------------------------------------------------------------------------
# robustness


def test_leave_one_province_out_matches_direct_refits(sim):
    loo = A.leave_one_province_out(sim, S.Spec("p0", model="twfe"))
    codes = sorted(sim["province_code"].unique())
    assert list(loo["dropped"]) == codes
    assert len(loo) == 34
    for code in ("11", "27", "44"):
        direct = fit_panel(sim[sim["province_code"] != code], "p0", "coverage_rate", model="twfe", vcov="CRV1")
        row = loo.loc[loo["dropped"] == code].iloc[0]
        assert row["estimate"] == pytest.approx(direct.params["coverage_rate"], abs=1e-12)
        assert row["se"] == pytest.approx(direct.bse["coverage_rate"], abs=1e-12)
        assert row["n_clusters"] == 33 and row["nobs"] == 132
    assert loo["province_name"].iloc[0] == "SIM 11"


def test_placebo_lead_zero_without_lead_effect_and_detected_with_one():
    r = S.fit(S.Spec("p0", lead=1), simulated_panel(n_prov=300, seed=11, noise=0.05))
    assert r.params["coverage_rate"] == pytest.approx(-0.20, abs=0.01)
    assert abs(r.params["coverage_rate_lead1"]) < 0.01
    assert r.nobs == 900  # 2025 has no lead in the window: dropped by fit_panel and counted
    assert sum(r.drop_reasons.values()) == 300
    some = simulated_panel(n_prov=300, seed=11, noise=0.05, lead_effect=0.1)
    assert S.fit(S.Spec("p0", lead=1), some).params["coverage_rate_lead1"] == pytest.approx(0.1, abs=0.01)
    alone = S.fit(S.Spec("p0", lead=1, contemporaneous=False), some)
    assert list(alone.params.index) == ["coverage_rate_lead1"]


def test_add_lead_takes_next_year_of_same_province_only():
    p = pd.DataFrame(
        {
            "province_code": ["11", "11", "11", "12"],
            "year": [2022, 2023, 2025, 2022],
            "coverage_rate": [1.0, 2.0, 4.0, 9.0],
        }
    )
    out = A.add_lead(p, "coverage_rate", 1)
    got = out["coverage_rate_lead1"].to_numpy()
    assert got[0] == 2.0 and np.isnan(got[1]) and np.isnan(got[2]) and np.isnan(got[3])


def test_robustness_grid_formal_share_uses_only_years_in_range():
    long = simulated_panel(years=tuple(range(2012, 2026)), seed=5)
    grid = S.robustness_grid(formal_years=(2015, 2025))
    specs = {x.label: x for x in grid["formal share 2015-2025"]}
    twfe, fd = S.fit(specs["formal_twfe"], long), S.fit(specs["formal_fd"], long)
    used = long.loc[twfe.sample, "year"]
    assert used.min() == 2015 and used.max() == 2025
    assert twfe.nobs == 34 * 11
    assert long.loc[fd.sample, "year"].min() == 2016  # first difference needs 2015 as the base year, never 2014
    assert fd.nobs == 34 * 10


def test_robustness_grid_pu_bpu_and_weights(sim):
    grid = S.robustness_grid()
    assert list(grid)[:7] == [
        "main",
        "PU vs BPU",
        "formal share 2015-2025",
        "placebo lead",
        "population weights",
        "controls",
        "geography",
    ]
    specs = {x.label: x for b in grid.values() for x in b}
    joint = S.fit(specs["pu+bpu_twfe"], sim)
    assert list(joint.params.index) == ["coverage_pu_rate", "coverage_bpu_rate"]
    assert specs["pu+bpu_twfe"].term == "coverage_pu_rate" and specs["bpu_fd"].term == "coverage_bpu_rate"
    w = S.fit(specs["weighted_twfe"], sim)
    direct = fit_panel(sim, "p0", "coverage_rate", weights="poverty_population")
    assert w.params["coverage_rate"] == pytest.approx(direct.params["coverage_rate"], abs=1e-12)
    assert w.params["coverage_rate"] == pytest.approx(-0.2, rel=0.03)
    assert [x.label for x in grid["BPU coverage (residence)"]] == [
        f"bpu_{o}_{m}" for o in ("p0", "p1", "p2") for m in ("twfe", "fd")
    ]


# ------------------------------------------------------------------------------------------
# figures


def _coef_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "spec": ["a", "b", "c"],
            "outcome": ["p0", "p0", "p1"],
            "estimate": [-0.2, 0.1, 0.05],
            "ci_low": [-0.4, -0.1, 0.0],
            "ci_high": [0.0, 0.3, 0.1],
            "boot_ci_low": [-0.5, -0.2, -0.01],
            "boot_ci_high": [0.05, 0.4, 0.12],
        }
    )


def _artists(fig, gid):
    return [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == gid]


def test_coefficient_plot_draws_given_points_and_intervals():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures.estimates import COEF_UNITS, coefficient_plot

    tab = _coef_table()
    fig = coefficient_plot(tab)
    (pts,) = _artists(fig, "estimates")
    assert pts.get_offsets().shape == (3, 2)
    np.testing.assert_allclose(np.sort(pts.get_offsets()[:, 0]), np.sort(tab["estimate"]))
    (crv,) = _artists(fig, "ci_crv1")
    segs = crv.get_segments()
    assert len(segs) == 3
    got = sorted((s[0][0], s[1][0]) for s in segs)
    assert got == sorted(zip(tab["ci_low"], tab["ci_high"]))
    (boot,) = _artists(fig, "ci_boot")
    assert sorted((s[0][0], s[1][0]) for s in boot.get_segments()) == sorted(
        zip(tab["boot_ci_low"], tab["boot_ci_high"])
    )
    assert len(_artists(fig, "zero")) == 1
    plt.close(fig)

    # one panel per outcome, with the unit of the coefficient on the x axis
    fig = coefficient_plot(tab, panel="outcome")
    assert len(fig.axes) == 2
    assert fig.axes[0].get_xlabel() == COEF_UNITS["p0"]
    assert "percentage points of P0 per 1 point of coverage" in fig.axes[0].get_xlabel()
    assert sum(a.get_offsets().shape[0] for a in _artists(fig, "estimates")) == 3
    assert sum(len(a.get_segments()) for a in _artists(fig, "ci_crv1")) == 3
    plt.close(fig)

    # no bootstrap columns: no bootstrap artist; one outcome: its unit on the x axis
    fig = coefficient_plot(tab.drop(columns=["boot_ci_low", "boot_ci_high"]).iloc[:2])
    assert _artists(fig, "ci_boot") == []
    assert fig.axes[0].get_xlabel() == "percentage points of P0 per 1 point of coverage"
    plt.close(fig)


def test_leave_one_out_plot_and_scatter(sim):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures.estimates import leave_one_out_plot, scatter_changes

    loo = A.leave_one_province_out(sim)
    fig = leave_one_out_plot(loo, full_estimate=-0.2, full_ci=(-0.25, -0.15))
    (pts,) = _artists(fig, "estimates")
    np.testing.assert_allclose(np.sort(pts.get_offsets()[:, 0]), np.sort(loo["estimate"]))
    assert len(_artists(fig, "full_sample")) == 1
    plt.close(fig)

    fig = scatter_changes(sim, "coverage_rate", "p0", (2022, 2025))
    (pts,) = _artists(fig, "provinces")
    d = A.observed_change(sim, "coverage_rate")
    np.testing.assert_allclose(np.sort(pts.get_offsets()[:, 0]), np.sort(d.to_numpy()))
    plt.close(fig)


# ------------------------------------------------------------------------------------------
# reporting helpers and further checks


def test_describe_estimate(sim):
    tab = S.estimate([S.Spec("p0")], sim, B=199, seed=1).table
    text = A.describe_estimate(tab.iloc[0])
    assert f"{tab.loc[0, 'estimate']:+.3f}".replace("+-", "-") in text
    assert "percentage points of P0 per 1 point of coverage" in text
    assert "lies below zero" in text  # simulated beta = -0.2, precisely estimated
    assert "not an effect" in text and "reduce" not in text
    # a row whose intervals straddle zero says so
    row = {**tab.iloc[0].to_dict(), "boot_ci_low": -0.1, "boot_ci_high": 0.1}
    assert "includes zero" in A.describe_estimate(row)


def test_with_controls_counts_dropped_rows(sim):
    rng = np.random.default_rng(3)  # SIMULATED controls
    s = sim.assign(
        tpt=rng.uniform(3, 8, len(sim)),
        mean_years_schooling=rng.uniform(7, 11, len(sim)),
        grdp_per_capita=rng.uniform(30_000, 90_000, len(sim)),
    )
    s.loc[s.index[:2], "grdp_per_capita"] = np.nan
    res = S.fit(S.Spec("p0", controls=S.DEFAULT_CONTROLS), s)
    assert list(res.params.index) == ["coverage_rate", "tpt", "mean_years_schooling", "log_grdp_per_capita"]
    assert res.nobs == 134 and res.drop_reasons == {"missing log_grdp_per_capita": 2}


def test_coverage_jumps_and_record():
    p = pd.DataFrame(
        {
            "province_code": ["11"] * 3 + ["12"] * 3,
            "year": [2022, 2023, 2024] * 2,
            "coverage_rate": [10.0, 30.0, 29.0, 5.0, 6.0, np.nan],
        }
    )
    j = A.coverage_jumps(p, n=2)
    assert j[["province_code", "year", "change"]].values.tolist() == [["11", 2023, 20.0], ["11", 2024, -1.0]]


def test_randomization_check_rejects_strong_effect(sim):
    r = A.randomization_check(sim, n_perm=199, seed=1)
    assert r.observed == pytest.approx(S.fit(S.Spec("p0"), sim).params["coverage_rate"])
    assert r.pvalue <= 0.01


def test_harmonised_geography_counts_missing_rows(sim):
    published = sim.copy()
    published.loc[(published["province_code"] == "12") & (published["year"] >= 2024), "coverage_rate"] = np.nan
    geo = {x.label: x for x in S.robustness_grid()["geography"]}
    est = S.estimate({"geography": list(geo.values())}, {"34": sim, "as-published": published}, B=0, cr2=False)
    assert est["harmonised_34"].result.nobs == 136
    assert est["as_published"].result.drop_reasons == {"missing coverage_rate": 2}
    assert est["as_published"].result.nobs == 134


# ------------------------------------------------------------------------------------------
# library functions behind notebooks 03, 05 and 06


def test_main_table_cr2_df_and_stars_from_bootstrap(sim):
    from scipy import stats

    est = S.estimate(S.main_grid(("p0", "p1"), ("twfe", "fd")), sim, B=99, seed=3)
    table = est.table
    direct = fit_panel(A.sample_years(sim, (2022, 2025)), "p1", "coverage_rate", model="fd", vcov="CR2")
    row = table.set_index("spec").loc["p1_fd"]
    # the CR2 p-value uses t with the Bell-McCaffrey df of that coefficient (not G - 1)
    df_bm = direct.extra["cr2_df_satterthwaite"]["coverage_rate"]
    assert row["cr2_df"] == pytest.approx(df_bm, rel=1e-12) and df_bm < 33
    t = direct.params["coverage_rate"] / direct.bse["coverage_rate"]
    assert row["cr2_pvalue"] == pytest.approx(2 * stats.t.sf(abs(t), df_bm), rel=1e-10)
    tab = main_table(est, years=(2022, 2025))
    assert list(tab.columns) == ["P0 TWFE", "P0 FD", "P1 TWFE", "P1 FD"]
    assert A.CR2_PVALUE_LABEL in tab.index and "Wild bootstrap p-value" in tab.index
    assert tab.loc[A.CR2_PVALUE_LABEL, "P1 FD"] == f"{row['cr2_pvalue']:.3f}"
    assert tab.loc["Wild bootstrap 95% confidence set", "P0 TWFE"] == table.loc[0, "boot_conf_set"].format("{:.3f}")
    assert table.loc[0, "boot_conf_set"].hull == (table.loc[0, "boot_ci_low"], table.loc[0, "boot_ci_high"])
    assert "B = 99, seeds 3-6" in tab.attrs["notes"] and "Bell-McCaffrey" in tab.attrs["notes"]
    assert "Stars from the wild cluster restricted bootstrap" in tab.attrs["notes"]


def test_main_table_stars_follow_bootstrap_not_crv1(sim):
    # a CRV1 p-value far below 0.01 with a bootstrap p-value set above 0.1: no star
    est = S.estimate([S.Spec("p0")], sim, B=99, seed=3)
    assert est.table.loc[0, "pvalue"] < 0.01
    tab = main_table(est)
    assert tab.iloc[0, 0].endswith("***")  # the bootstrap rejects too (p <= 0.01)
    est["p0_twfe"].boot.pvalue = 0.2
    tab = main_table(est)
    assert not tab.iloc[0, 0].endswith("*")
    assert tab.iloc[0, 0] == f"{est['p0_twfe'].result.params['coverage_rate']:.3f}"
    est["p0_twfe"].boot.pvalue = 0.03
    assert main_table(est).iloc[0, 0].endswith("**") and not main_table(est).iloc[0, 0].endswith("***")
