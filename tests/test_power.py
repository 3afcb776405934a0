"""Power analysis: parameter recovery, size, power monotonicity, MDE agreement, CRV1 equality.

All data here are simulated with known parameters (no bundle needed).
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from jamsostek_analysis.estimation import power as pw
from jamsostek_analysis.errors import EstimationError


def make_panel(G, T, *, beta=0.3, sigma_a=1.0, sigma_e=0.5, rho=0.5, seed=1, start=2000):
    """Balanced panel with AR(1) x paths, unit effects, a trend and AR(1) errors (known truth)."""
    rng = np.random.default_rng(seed)
    units = np.repeat([f"{i:03d}" for i in range(G)], T)
    years = np.tile(np.arange(start, start + T), G)
    x = np.empty((G, T))
    x[:, 0] = rng.normal(0, 1, G)
    for t in range(1, T):
        x[:, t] = 0.5 * x[:, t - 1] + np.sqrt(0.75) * rng.normal(0, 1, G)
    x = x + rng.normal(5, 2, G)[:, None] + 0.3 * np.arange(T)[None, :]
    a = rng.normal(0, sigma_a, G)
    e = np.empty((G, T))
    e[:, 0] = rng.normal(0, sigma_e, G)
    for t in range(1, T):
        e[:, t] = rho * e[:, t - 1] + np.sqrt(1 - rho**2) * rng.normal(0, sigma_e, G)
    y = beta * x + a[:, None] + np.linspace(0, 2, T)[None, :] + e
    return pd.DataFrame({"province_code": units, "year": years, "x": x.ravel(), "y": y.ravel()})


@pytest.fixture(scope="module")
def big_params():
    return pw.estimate_design_parameters(make_panel(500, 15, seed=1), "y", "x")


def test_recovers_known_parameters_large_panel(big_params):
    p = big_params
    assert p.nobs == 7500 and p.n_units == 500 and p.n_periods == 15
    assert abs(p.sigma_e - 0.5) < 0.02
    assert abs(p.rho - 0.5) < 0.05 and p.rho_source == "corrected"
    assert abs(p.sigma_a - 1.0) < 0.1
    assert abs(p.beta_hat - 0.3) < 0.02
    # raw within autocorrelation is biased downward (Nickell), the corrected one is not
    assert p.rho_raw < 0.42


def test_rho_bias_correction_short_panel():
    # T = 4: raw residual autocorrelation is far below the truth; the moment correction recovers it
    p = pw.estimate_design_parameters(make_panel(800, 4, rho=0.5, seed=3), "y", "x")
    assert p.rho_raw < 0.0
    assert abs(p.rho_corrected - 0.5) < 0.15
    p0 = pw.estimate_design_parameters(make_panel(800, 4, rho=0.0, seed=4), "y", "x")
    assert -0.40 < p0.rho_raw < -0.26  # about -1/(T-1)
    assert abs(p0.rho_corrected) < 0.12
    assert abs(p0.sigma_e - 0.5) < 0.03


def test_rho_not_identified_with_two_years():
    df = make_panel(50, 2, seed=5)
    with pytest.raises(EstimationError, match="rho"):
        pw.estimate_design_parameters(df, "y", "x")
    p = pw.estimate_design_parameters(df, "y", "x", rho=0.3)
    assert p.rho == 0.3 and p.rho_source == "user" and np.isnan(p.rho_corrected)


def test_simulate_panel_gapped_design_roundtrip(big_params):
    # a design with gaps and an unbalanced structure: simulate with known parameters, re-estimate
    rng = np.random.default_rng(9)
    df = make_panel(500, 15, seed=2)
    df = df[rng.random(len(df)) > 0.15].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        base = pw.estimate_design_parameters(df, "y", "x")
    truth = dataclasses.replace(base, sigma_a=2.0, sigma_e=0.8, rho=0.6)
    sim = pw.simulate_panel(truth, 0.25, seed=11)
    assert sim.attrs["simulated"] is True and sim["simulated"].all()
    assert np.allclose(sim["y"], 0.25 * sim["x"] + sim["a_i"] + sim["l_t"] + sim["e_it"])
    assert np.array_equal(sim["x"].to_numpy(), truth.x_values)  # real x paths reused
    est = pw.estimate_design_parameters(sim, "y", "x")
    assert abs(est.sigma_e - 0.8) < 0.04
    assert abs(est.rho - 0.6) < 0.06
    assert abs(est.sigma_a - 2.0) < 0.2
    assert abs(est.beta_hat - 0.25) < 4 * pw.analytic_se(truth)


def test_missing_rows_and_singletons_are_reported():
    df = make_panel(20, 4, seed=6)
    df.loc[3, "y"] = np.nan
    df.loc[df.province_code == "005", "x"] = np.nan
    df.loc[(df.province_code == "006") & (df.year > 2000), "y"] = np.nan  # leaves a singleton
    with pytest.warns(UserWarning, match="dropped 9 rows"):
        p = pw.estimate_design_parameters(df, "y", "x")
    assert p.n_dropped == 9 and p.nobs == 71
    assert (p.dropped["missing"] == "singleton fixed-effect group").sum() == 1


def test_bad_input_raises():
    df = make_panel(10, 4)
    with pytest.raises(EstimationError, match="'nope'"):
        pw.estimate_design_parameters(df, "nope", "x")
    dup = pd.concat([df, df.iloc[[0]]])
    with pytest.raises(EstimationError, match="duplicate"):
        pw.estimate_design_parameters(dup, "y", "x")


@pytest.fixture(scope="module")
def small_params():
    """38 x 4 design like the province panel, known error parameters."""
    p = pw.estimate_design_parameters(make_panel(38, 4, seed=7), "y", "x", rho=0.3)
    return dataclasses.replace(p, sigma_e=1.0, rho=0.3)


def test_vectorised_crv1_equals_fit_panel_and_pyfixest():
    from jamsostek_analysis.estimation.models import fit_panel

    # unbalanced 38 x 4 design with a gap
    df = make_panel(38, 4, seed=8).drop(index=[5, 17, 40]).reset_index(drop=True)
    p = pw.estimate_design_parameters(df, "y", "x")
    draws = pw.simulate_draws(p, n_sims=5, seed=3, keep_errors=True)
    beta = 0.2
    for s in (0, 4):
        sim = pd.DataFrame({"province_code": p.units, "year": p.times, "x": p.x_values})
        sim["y"] = beta * sim["x"] + draws.errors[:, s]
        res = fit_panel(sim, "y", "x", vcov="CRV1")
        assert abs(res.params["x"] - (beta + draws.dev[s])) < 1e-8
        assert abs(res.bse["x"] - draws.se[s]) < 1e-8
        assert res.df_t == draws.df
    # CR2 (Bell-McCaffrey) in the same vectorised form
    d2 = pw.simulate_draws(p, n_sims=5, seed=3, inference="CR2")
    assert np.allclose(d2.dev, draws.dev, atol=1e-12)
    res2 = fit_panel(sim, "y", "x", vcov="CR2")
    assert abs(res2.bse["x"] - d2.se[4]) < 1e-8
    # CR2 test uses the Bell-McCaffrey df of the design, as fit_panel's default (cr2_df="bm")
    assert d2.df == pytest.approx(res2.df_for("x"), rel=1e-10) and d2.df < draws.df
    d3 = pw.simulate_draws(p, n_sims=5, seed=3, inference="CR2", cr2_df="G-1")
    assert d3.df == fit_panel(sim, "y", "x", vcov="CR2", cr2_df="G-1").df_t == draws.df


@pytest.mark.slow
def test_vectorised_crv1_equals_pyfixest():
    # independent implementation (pyfixest's import is slow, hence marked slow)
    import pyfixest as pf

    df = make_panel(38, 4, seed=8).drop(index=[5, 17, 40]).reset_index(drop=True)
    p = pw.estimate_design_parameters(df, "y", "x")
    draws = pw.simulate_draws(p, n_sims=3, seed=3, keep_errors=True)
    sim = pd.DataFrame({"province_code": p.units, "year": p.times, "x": p.x_values})
    sim["y"] = 0.2 * sim["x"] + draws.errors[:, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols("y ~ x | province_code + year", data=sim, vcov={"CRV1": "province_code"})
    assert abs(fit.coef()["x"] - (0.2 + draws.dev[2])) < 1e-8
    assert abs(fit.se()["x"] - draws.se[2]) < 1e-8


def test_size_and_power_monotone():
    p = pw.estimate_design_parameters(make_panel(100, 5, sigma_e=1.0, seed=5), "y", "x", rho=0.3)
    n = 4000
    betas = np.array([0.0, 0.04, 0.08, 0.12, 0.16, 0.24])
    pc = pw.power_curve(p, np.r_[betas, -betas[1:]], n_sims=n, seed=11)
    assert pc.attrs["simulated"] is True
    size = pc["power"].iloc[0]
    assert abs(size - 0.05) < 3.5 * np.sqrt(0.05 * 0.95 / n)
    pos = pc["power"].iloc[: len(betas)].to_numpy()
    neg = np.r_[size, pc["power"].iloc[len(betas) :].to_numpy()]
    assert np.all(np.diff(pos) > 0) and np.all(np.diff(neg) > 0)
    assert pos[-1] > 0.95
    assert np.allclose(pc["mc_se"], np.sqrt(pc["power"] * (1 - pc["power"]) / n))


def test_analytic_and_simulated_mde_agree():
    p = pw.estimate_design_parameters(make_panel(100, 5, sigma_e=1.0, seed=5), "y", "x", rho=0.3)
    m = pw.minimum_detectable_effect(p, n_sims=4000, seed=11, n_boot=200)
    assert abs(m.se_simulated - m.se_analytic) < 4 * m.se_analytic / np.sqrt(2 * (m.n_sims - 1))
    tol = 3 * np.hypot(m.mde_simulated_mc_se, m.mde_analytic_mc_se)
    assert abs(m.mde_simulated - m.mde_analytic) < tol
    assert m.mde_simulated_ci[0] < m.mde_simulated < m.mde_simulated_ci[1]
    # simulated power at the simulated MDE is the target (exact for the step function)
    pc = pw.power_curve(p, [m.mde_simulated * 0.999, m.mde_simulated * 1.001], n_sims=4000, seed=11)
    assert pc["power"].iloc[0] < 0.8 <= pc["power"].iloc[1]
    fr = m.to_frame()
    assert np.allclose(fr["mde_per_sd_x"], fr["mde"] * p.sd_x_within)
    assert m.mde_simulated_per_sd == pytest.approx(m.mde_simulated * p.sd_x_within)


def test_analytic_se_matches_closed_form_iid(small_params):
    # rho = 0: SD(b_hat) = sigma_e / sqrt(x_tilde'x_tilde)
    p = dataclasses.replace(small_params, rho=0.0)
    from jamsostek_analysis.estimation.design import absorb, factorize

    years = np.unique(p.times)
    xt = absorb(p.x_values, [factorize(p.units), np.searchsorted(years, p.times)])
    assert pw.analytic_se(p) == pytest.approx(p.sigma_e / np.sqrt(xt @ xt), rel=1e-12)


def test_with_rho_rescales_sigma_e(small_params):
    q = small_params.with_rho(0.6)
    assert q.rho == 0.6 and q.rho_source == "user"
    # sigma_e^2 * tr(M R(rho)) reproduces the residual sum of squares
    st = q.structure()
    mom = pw._Moments(st, q.x_values)
    assert q.sigma_e**2 * mom.trace_MR(0.6) == pytest.approx(float(q.residuals @ q.residuals), rel=1e-10)
    with pytest.raises(EstimationError):
        small_params.with_rho(1.0)


def test_mde_table_power_grid_and_curves():
    df = make_panel(20, 4, seed=11)
    tab, designs = pw.mde_table(df, ["y"], "x", variants={"rho = 0": 0.0}, n_sims=200, seed=4, cr2_outcomes=("y",))
    base = pw.estimate_design_parameters(df, "y", "x")
    corr = f"rho corrected ({base.rho_corrected:.2f})"
    assert list(zip(tab["rho_variant"], tab["inference"])) == [
        ("rho = 0", "CRV1"),
        ("rho = 0", "CR2"),
        (corr, "CRV1"),
        (corr, "CR2"),
    ]
    m = pw.minimum_detectable_effect(base.with_rho(0.0), n_sims=200, seed=4, inference="CR2")
    r = tab.iloc[1]
    assert r["mde_simulated"] == m.mde_simulated and r["mde_analytic"] == m.mde_analytic and r["rho"] == 0.0
    # CRV1 rows use G - 1 = 19 df, CR2 rows the Bell-McCaffrey df of the design (fewer)
    assert tab.loc[0, "df"] == 19 and tab.loc[1, "df"] < 19
    assert set(designs) == {("y", "rho = 0"), ("y", corr)}
    betas = pw.power_grid([0.1, 0.25], factor=1.6, n=5)
    np.testing.assert_allclose(betas, [0.0, 0.1, 0.2, 0.3, 0.4])
    curves = pw.power_curves({k[1]: v for k, v in designs.items()}, betas, n_sims=200, seed=4)
    one = pw.power_curve(designs[("y", "rho = 0")][0], betas, n_sims=200, seed=4)
    np.testing.assert_array_equal(curves.loc[curves["label"] == "rho = 0", "power"].to_numpy(), one["power"].to_numpy())
    assert len(curves) == 10 and curves.attrs["df"] == 19
    with pytest.raises(EstimationError):
        pw.power_grid([0.0])


# ------------------------------------------------------------------------------------------
# the wild cluster restricted bootstrap test: power from confidence sets
# ------------------------------------------------------------------------------------------
def test_wcr_power_from_sets_equals_direct_tests():
    """Rejecting at true effect beta <=> -beta outside the null panel's set (same draws), draw for draw."""
    from jamsostek_analysis.estimation.wildboot import wild_cluster_bootstrap_arrays

    p = pw.estimate_design_parameters(make_panel(12, 4, seed=31), "y", "x", rho=0.3)
    sets, dev, Et, xt = pw.simulate_wcr_sets(p, n_sims=6, B=199, seed=5, return_errors=True)
    st = p.structure()
    fe = [st.unit_codes, st.time_codes]
    checked = 0
    for s, cs in enumerate(sets):
        bounds = [b for piece in cs.intervals for b in piece if np.isfinite(b)]
        for beta in [0.0, *[-b * f for b in bounds for f in (0.99, 1.01)]]:
            res = wild_cluster_bootstrap_arrays(
                beta * xt + Et[:, s],
                xt[:, None],
                st.unit_codes,
                B=199,
                fe=fe,
                ci=False,
                full_enumeration=False,
                seed=np.random.default_rng(np.random.SeedSequence([5, 104729, s])),
            )
            assert (res.pvalue <= 0.05) == (not cs.contains(-beta)), (s, beta, res.pvalue)
            assert res.estimate == pytest.approx(beta + dev[s], abs=1e-10)
            checked += 1
    assert checked >= 6 * 5


def test_wcr_mde_agrees_with_analytic_for_many_clusters():
    """G = 150, rho = 0: the bootstrap test is close to exact and its MDE close to (t_.975 + t_.80) x SD."""
    p = pw.estimate_design_parameters(make_panel(150, 4, seed=32, rho=0.0), "y", "x", rho=0.0)
    sets, _ = pw.simulate_wcr_sets(p, n_sims=200, B=199, seed=3)
    mde = pw._set_mde(sets, 0.8)
    analytic = pw.minimum_detectable_effect(p, n_sims=200, seed=3, n_boot=10).mde_analytic
    assert abs(mde / analytic - 1) < 0.12, (mde, analytic)
    size = pw._set_power(sets, np.array([0.0]))[0]
    assert abs(size - 0.05) < 3 * np.sqrt(0.05 * 0.95 / 200)
    # the MDE is where the exact power curve (from the sets) crosses 0.8
    below, above = pw._set_power(sets, np.array([mde * 0.999, mde * 1.001]))
    assert below < 0.8 <= above


def test_wcr_mde_result_labelled():
    p = pw.estimate_design_parameters(make_panel(12, 4, seed=33), "y", "x", rho=0.0)
    m = pw.wcr_minimum_detectable_effect(p, n_sims=40, B=99, seed=1, n_boot=20)
    sets, _ = pw.simulate_wcr_sets(p, n_sims=40, B=99, seed=1)
    assert m.inference == "WCR bootstrap (Webb, B=99)" and np.isnan(m.mde_analytic) and np.isnan(m.df)
    assert m.mde_simulated == pw._set_mde(sets, 0.8) and m.size_simulated == pw._set_power(sets, np.array([0.0]))[0]
    assert m.mde_simulated_mc_se > 0 and m.mde_simulated_ci[0] < m.mde_simulated_ci[1]
