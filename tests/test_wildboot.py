"""Tests of the fast wild cluster bootstrap (jamsostek_analysis.estimation.wildboot).

Checks: exact agreement with pyfixest/wildboottest (same draws: full Rademacher enumeration and
the same seed), agreement to 1e-10 with a slow explicit dummy-variable implementation (WCR and
WCU, weights, fixed effects not nested in the clusters), size under the null with 34 clusters,
confidence interval by test inversion, seed reproducibility and the PanelResult wrapper.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from jamsostek_analysis.estimation.design import absorb, count_absorbed_levels
from jamsostek_analysis.errors import EstimationError
from jamsostek_analysis.estimation.wildboot import (
    draw_weights,
    enumerate_rademacher,
    wild_cluster_bootstrap,
    wild_cluster_bootstrap_arrays,
)


def _panel(G: int, T: int, seed: int, beta: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(G), T)
    year = np.tile(np.arange(T), G)
    ue = rng.normal(size=G)[unit]
    x = rng.normal(size=G * T) + 0.5 * ue + 0.2 * year
    z = rng.normal(size=G * T)
    eps = rng.normal(size=G * T) + rng.normal(size=G)[unit]  # within-cluster correlation
    y = beta * x + 0.5 * z + ue + 0.1 * year + eps
    return pd.DataFrame({"y": y, "x": x, "z": z, "unit": unit, "year": year})


def _absorbed(df: pd.DataFrame, fe_cols=("unit", "year"), weights=None):
    fe = [df[c].to_numpy() for c in fe_cols]
    M = absorb(df[["y", "x", "z"]].to_numpy(), fe, weights)
    if weights is not None:
        M = M * np.sqrt(weights)[:, None]
    return M[:, 0], M[:, 1:], fe


# ------------------------------------------------------------------------------------------
# (a) exact agreement with pyfixest's wildboottest (wildboottest package)
# ------------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(
    "weight_type,B,impose_null",
    [("rademacher", 9999, True), ("rademacher", 9999, False), ("webb", 999, True), ("webb", 999, False)],
)
def test_matches_pyfixest_wildboottest(weight_type, B, impose_null):
    import pyfixest as pf
    import wildboottest  # noqa: F401

    df = _panel(10, 5, seed=1, beta=0.2)
    fit = pf.feols("y ~ x + z | unit + year", df, vcov={"CRV1": "unit"})  # integer cluster codes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref, tb_ref = fit.wildboottest(
            param="x",
            reps=B,
            seed=7,
            weights_type=weight_type,
            impose_null=impose_null,
            return_bootstrapped_t_stats=True,
        )
    y, X, fe = _absorbed(df)
    res = wild_cluster_bootstrap_arrays(
        y,
        X,
        df["unit"].to_numpy(),
        B=B,
        seed=7,
        weight_type=weight_type,
        impose_null=impose_null,
        fe=fe,
        n_absorbed=count_absorbed_levels(fe),
        store_t_boot=True,
        ci=False,
    )
    # same draws: full enumeration (2^10 = 1024 < 9999) or the same seeded stream
    assert res.enumerated == (weight_type == "rademacher")
    assert res.B == len(tb_ref) == (1024 if weight_type == "rademacher" else B)
    np.testing.assert_allclose(res.t_boot, tb_ref, rtol=1e-9, atol=1e-11)
    assert res.t_stat == pytest.approx(float(ref["t value"]), rel=1e-10)
    # wildboottest counts |t*| > |t| strictly; we count >= (ties: draws reproducing the sample)
    t = abs(res.t_stat)
    near = np.abs(np.abs(tb_ref) - t) <= 1e-9 * t
    ours_from_theirs = np.mean(np.abs(tb_ref) >= t * (1 - 1e-9))
    assert res.pvalue == pytest.approx(ours_from_theirs, abs=1e-15)
    assert abs(res.pvalue - float(ref["Pr(>|t|)"])) * res.B <= near.sum() + 1e-9
    if weight_type == "webb":  # continuous-ish weights: no ties, identical p-values
        assert res.pvalue == float(ref["Pr(>|t|)"])


def test_enumeration_order_matches_itertools_product():
    import itertools

    V = enumerate_rademacher(4)
    expected = np.array(list(itertools.product([-1, 1], repeat=4)), dtype=float).T
    np.testing.assert_array_equal(V, expected)


def test_draws_match_wildboottest_weights():
    import wildboottest.weights as wb

    for t in ("webb", "rademacher", "mammen", "norm"):
        theirs, _ = wb.draw_weights(
            t=t, full_enumeration=False, N_G_bootcluster=13, boot_iter=501, rng=np.random.default_rng(11)
        )
        np.testing.assert_array_equal(draw_weights(13, 501, t, 11), theirs)


# ------------------------------------------------------------------------------------------
# (b) slow explicit implementation: dummies, lstsq per draw, CRV1
# ------------------------------------------------------------------------------------------
def _slow_wild(df, cluster_col, V, impose_null, weights=None, r=0.0):
    """Loop over draws; full dummy design; CRV1 with G/(G-1)(N-1)/(N-k); WLS via sqrt(w)."""
    n = len(df)
    D = pd.get_dummies(df[["unit", "year"]].astype(str), drop_first=True).to_numpy(float)
    W = np.column_stack([df["x"], df["z"], np.ones(n), D])
    yv = df["y"].to_numpy(float)
    sw = np.ones(n) if weights is None else np.sqrt(weights)
    Ws, ys = W * sw[:, None], yv * sw
    k = W.shape[1]
    cl = pd.factorize(df[cluster_col], sort=True)[0]
    G = cl.max() + 1
    c = G / (G - 1) * (n - 1) / (n - k)

    def ols_t(yy, rr):
        b = np.linalg.lstsq(Ws, yy, rcond=None)[0]
        u = yy - Ws @ b
        A = np.linalg.inv(Ws.T @ Ws)
        meat = np.zeros((k, k))
        for g in range(G):
            s = Ws[cl == g].T @ u[cl == g]
            meat += np.outer(s, s)
        V_ = c * A @ meat @ A
        return b, (b[0] - rr) / np.sqrt(V_[0, 0])

    b, t = ols_t(ys, r)
    if impose_null:
        Wr = Ws[:, 1:]
        g_ = np.linalg.lstsq(Wr, ys - Ws[:, 0] * r, rcond=None)[0]
        fitted = Ws[:, 0] * r + Wr @ g_
        beta_dgp = r
    else:
        fitted = Ws @ b
        beta_dgp = b[0]
    u = ys - fitted
    tb = np.empty(V.shape[1])
    for j in range(V.shape[1]):
        ystar = fitted + u * V[cl, j]
        _, tb[j] = ols_t(ystar, beta_dgp)
    return t, tb


@pytest.mark.parametrize("impose_null", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_slow_dummy_implementation(impose_null, weighted):
    df = _panel(6, 4, seed=3, beta=0.3)
    w = np.random.default_rng(4).uniform(0.5, 2.0, len(df)) if weighted else None
    B = 199
    V = draw_weights(6, B, "webb", 5)
    t_slow, tb_slow = _slow_wild(df, "unit", V, impose_null, weights=w, r=0.1)
    y, X, fe = _absorbed(df, weights=w)
    res = wild_cluster_bootstrap_arrays(
        y,
        X,
        df["unit"].to_numpy(),
        B=B,
        seed=5,
        weight_type="webb",
        impose_null=impose_null,
        r=0.1,
        fe=fe,
        weights=w,
        n_absorbed=count_absorbed_levels(fe),
        store_t_boot=True,
        ci=False,
    )
    assert res.t_stat == pytest.approx(t_slow, abs=1e-10)
    np.testing.assert_allclose(res.t_boot, tb_slow, atol=1e-10, rtol=0)
    assert res.pvalue == np.mean(np.abs(tb_slow) >= abs(t_slow))


def test_slow_agreement_when_unit_effects_are_not_nested():
    """Cluster by year (G=4): the unit fixed effects are not nested -> full re-projection."""
    df = _panel(7, 4, seed=8, beta=0.0)
    V = enumerate_rademacher(4)
    t_slow, tb_slow = _slow_wild(df, "year", V, True)
    y, X, fe = _absorbed(df)
    res = wild_cluster_bootstrap_arrays(
        y,
        X,
        df["year"].to_numpy(),
        weight_type="rademacher",
        B=999,
        fe=fe,
        n_absorbed=count_absorbed_levels(fe),
        store_t_boot=True,
        ci=False,
    )
    assert res.enumerated and res.B == 16
    np.testing.assert_allclose(res.t_boot, tb_slow, atol=1e-10, rtol=0)
    # without the fixed-effect codes the bootstrap residuals are not re-projected: differs
    res_nofe = wild_cluster_bootstrap_arrays(
        y, X, df["year"].to_numpy(), weight_type="rademacher", B=999, store_t_boot=True, ci=False
    )
    assert np.max(np.abs(res_nofe.t_boot - tb_slow)) > 1e-3


# ------------------------------------------------------------------------------------------
# (c) size with 34 clusters x 4 years
# ------------------------------------------------------------------------------------------
def test_size_under_null_34_clusters():
    rng = np.random.default_rng(2024)
    G, T, reps, B = 34, 4, 300, 399
    unit = np.repeat(np.arange(G), T)
    year = np.tile(np.arange(T), G)
    fe = [unit, year]
    rejections = 0
    for _ in range(reps):
        x = rng.normal(size=G * T) + rng.normal(size=G)[unit]
        e = rng.normal(size=G * T) + rng.normal(size=G)[unit]
        M = absorb(np.column_stack([e, x]), fe)
        res = wild_cluster_bootstrap_arrays(M[:, 0], M[:, 1:], unit, B=B, seed=rng, fe=fe, ci=False)
        rejections += res.pvalue <= 0.05
    rate = rejections / reps
    tol = 3 * np.sqrt(0.05 * 0.95 / reps)
    assert abs(rate - 0.05) <= tol, rate


def test_power_strong_effect():
    df = _panel(34, 4, seed=5, beta=1.0)
    y, X, fe = _absorbed(df)
    res = wild_cluster_bootstrap_arrays(y, X, df["unit"].to_numpy(), B=999, seed=1, fe=fe)
    assert res.pvalue <= 0.002
    assert res.conf_int[0] > 0.5 and res.conf_int[1] < 1.5  # true beta = 1


# ------------------------------------------------------------------------------------------
# (d) confidence interval by test inversion
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("impose_null", [True, False])
@pytest.mark.parametrize("pvalue_type", ["symmetric", "equal-tailed"])
def test_ci_inversion(impose_null, pvalue_type):
    df = _panel(12, 4, seed=9, beta=0.4)
    y, X, fe = _absorbed(df)
    kw = dict(B=999, seed=3, fe=fe, impose_null=impose_null, pvalue_type=pvalue_type, alpha=0.1)
    res = wild_cluster_bootstrap_arrays(y, X, df["unit"].to_numpy(), **kw)
    lo, hi = res.conf_int
    assert lo < res.estimate < hi
    d = 1e-7 * res.se
    p = lambda r: wild_cluster_bootstrap_arrays(y, X, df["unit"].to_numpy(), r=r, ci=False, **kw).pvalue  # noqa: E731
    # the p-value crosses alpha at each bound (step function: within one draw of alpha)
    assert p(lo - d) <= 0.1 < p(lo + d)
    assert p(hi + d) <= 0.1 < p(hi - d)
    assert abs(p(lo + d) - 0.1) <= 2 / res.B + 1e-12
    # compared with the analytic CRV1 interval the bootstrap one is of the same order
    assert 0.5 < (hi - lo) / (2 * 1.645 * res.se) < 2.0


def test_ci_unbounded_when_enumeration_cannot_reject():
    """G = 4, all 16 Rademacher sign vectors: v and -v give the same |t*| and v = +-1 reproduce the
    sample, so p(r) >= 2/16 > 0.05 for every r and the 95 % set is the whole line. The tie must
    survive the search far from the estimate (rounding in the quadratic form once broke it)."""
    df = _panel(4, 5, seed=21, beta=0.3)
    y, X, fe = _absorbed(df)
    cl = df["unit"].to_numpy()
    res = wild_cluster_bootstrap_arrays(y, X, cl, weight_type="rademacher", B=999, fe=fe, store_t_boot=True)
    assert res.enumerated and res.B == 16
    assert res.conf_int == (-np.inf, np.inf)
    for r in (1e3, -1e6, 1e9):
        far = wild_cluster_bootstrap_arrays(
            y, X, cl, weight_type="rademacher", B=999, fe=fe, r=r, ci=False, store_t_boot=True
        )
        assert far.pvalue >= 2 / 16
        # the all-minus-ones (first) and all-ones (last) draws reproduce -t and +t exactly
        assert far.t_boot[0] == -far.t_stat and far.t_boot[-1] == far.t_stat


def test_degenerate_inputs_raise():
    df = _panel(6, 4, seed=22)
    y, X, fe = _absorbed(df)
    cl = df["unit"].to_numpy()
    with pytest.raises(EstimationError, match="standard error of column 0 is zero"):
        wild_cluster_bootstrap_arrays(2.0 * X[:, 0] - X[:, 1], X, cl, B=99, fe=fe)  # perfect fit
    import jamsostek_analysis.estimation.models as models

    res = models.fit_panel(df, "y", "x", unit="unit", time="year", cluster=None, vcov="iid")
    with pytest.raises(EstimationError, match="needs a clustered fit"):
        wild_cluster_bootstrap(res, "x", B=99)


def test_pvalue_types_consistent():
    df = _panel(12, 4, seed=10, beta=0.2)
    y, X, fe = _absorbed(df)
    out = {
        t: wild_cluster_bootstrap_arrays(
            y, X, df["unit"].to_numpy(), B=999, seed=4, fe=fe, ci=False, pvalue_type=t, store_t_boot=True
        )
        for t in ("symmetric", "equal-tailed", "lower", "upper")
    }
    tb, t = out["upper"].t_boot, out["upper"].t_stat
    assert out["upper"].pvalue == np.mean(tb >= t)
    assert out["lower"].pvalue == np.mean(tb <= t)
    assert out["equal-tailed"].pvalue == min(1.0, 2 * min(out["upper"].pvalue, out["lower"].pvalue))
    assert out["symmetric"].pvalue == np.mean(np.abs(tb) >= abs(t))


# ------------------------------------------------------------------------------------------
# (e) reproducibility, input checks
# ------------------------------------------------------------------------------------------
def test_seed_reproducibility():
    df = _panel(15, 4, seed=11, beta=0.1)
    y, X, fe = _absorbed(df)
    cl = df["unit"].to_numpy()
    a = wild_cluster_bootstrap_arrays(y, X, cl, B=999, seed=42, fe=fe, store_t_boot=True)
    b = wild_cluster_bootstrap_arrays(y, X, cl, B=999, seed=42, fe=fe, store_t_boot=True)
    c = wild_cluster_bootstrap_arrays(y, X, cl, B=999, seed=np.random.default_rng(42), fe=fe, store_t_boot=True)
    d = wild_cluster_bootstrap_arrays(y, X, cl, B=999, seed=43, fe=fe, store_t_boot=True)
    np.testing.assert_array_equal(a.t_boot, b.t_boot)
    np.testing.assert_array_equal(a.t_boot, c.t_boot)
    assert a.pvalue == b.pvalue and a.conf_int == b.conf_int
    assert not np.array_equal(a.t_boot, d.t_boot)


def test_string_cluster_labels_and_errors():
    df = _panel(8, 4, seed=12)
    y, X, fe = _absorbed(df)
    cl_int = df["unit"].to_numpy()
    cl_str = np.array([f"{11 + c}" for c in cl_int])  # BPS-like codes, same sorted order
    a = wild_cluster_bootstrap_arrays(y, X, cl_int, B=99, seed=1, fe=fe, ci=False)
    b = wild_cluster_bootstrap_arrays(y, X, cl_str, B=99, seed=1, fe=fe, ci=False)
    assert a.pvalue == b.pvalue and a.t_stat == b.t_stat
    with pytest.raises(EstimationError, match="two clusters"):
        wild_cluster_bootstrap_arrays(y, X, np.zeros(len(y)), B=99)
    with pytest.raises(EstimationError, match="collinear"):
        wild_cluster_bootstrap_arrays(y, np.column_stack([X[:, 0], X[:, 0]]), cl_int, B=99)
    with pytest.raises(EstimationError, match="rows"):
        wild_cluster_bootstrap_arrays(y[:-1], X, cl_int, B=99)


def test_wrapper_on_fit_panel_result():
    import jamsostek_analysis.estimation.models as models

    df = _panel(20, 4, seed=13, beta=0.3)
    df["province_code"] = (df["unit"] + 11).astype(str)
    res = models.fit_panel(df, "y", "x", controls=["z"], unit="province_code", time="year")
    bt = wild_cluster_bootstrap(res, "x", B=999, seed=2)
    # t statistic equals the model's CRV1 t (same small-sample K)
    assert bt.t_stat == pytest.approx(float(res.tvalues["x"]), rel=1e-10)
    y, X, fe = _absorbed(df)
    arr = wild_cluster_bootstrap_arrays(y, X, df["unit"].to_numpy(), B=999, seed=2, fe=fe)
    assert bt.pvalue == arr.pvalue
    assert bt.conf_int == pytest.approx(arr.conf_int, rel=1e-8)
    with pytest.raises(EstimationError):
        wild_cluster_bootstrap(res, "nope")


@pytest.mark.slow
def test_monte_carlo_coverage_slow():
    """Coverage of the 95% WCR interval with 34 clusters x 4 years (few treated clusters)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "monte_carlo_coverage.py"
    spec = importlib.util.spec_from_file_location("mcc", path)
    mcc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mcc)
    out = mcc.run(reps=300, B=399, seed=7, designs=("balanced", "few_treated")).set_index("design")
    se = np.sqrt(0.95 * 0.05 / 300)
    assert abs(out.loc["balanced", "wcr_coverage"] - 0.95) <= 3.5 * se
    assert abs(out.loc["balanced", "crv1_coverage"] - 0.95) <= 3.5 * se
    # 3 treated provinces of 34: CRV1 under-covers badly, WCR does not under-cover
    assert out.loc["few_treated", "crv1_coverage"] < 0.90
    assert out.loc["few_treated", "wcr_coverage"] >= 0.95 - 3.5 * se


@pytest.mark.parametrize("weight_type", ["webb", "mammen", "norm"])
def test_windowed_draws_give_identical_statistics(weight_type, monkeypatch):
    """Weights produced window by window (several passes over the stream) = one G x B draw."""
    from jamsostek_analysis.estimation import wildboot

    df = _panel(9, 5, seed=21, beta=0.2)
    y, X, fe = _absorbed(df)
    kw = dict(
        B=999, seed=17, weight_type=weight_type, fe=fe, n_absorbed=count_absorbed_levels(fe), store_t_boot=True, r=0.1
    )
    whole = wild_cluster_bootstrap_arrays(y, X, df["unit"].to_numpy(), **kw)
    # the whole stream as numpy draws it in one call (wildboottest's convention)
    rng = np.random.default_rng(17)
    if weight_type == "mammen":
        s5 = np.sqrt(5.0)
        ref = rng.choice(np.array([1 - s5, 1 + s5]) / 2, size=9 * 999, p=[(s5 + 1) / (2 * s5), (s5 - 1) / (2 * s5)])
    elif weight_type == "norm":
        ref = rng.normal(size=9 * 999)
    else:
        ref = None
    if ref is not None:
        np.testing.assert_array_equal(draw_weights(9, 999, weight_type, 17), ref.reshape(9, 999))
    monkeypatch.setattr(wildboot, "_WINDOW_BYTES", 9 * 100)  # 100 (int8) or 12 (float) draws per window
    src = wildboot._WeightSource(9, 999, weight_type, 17, False)
    assert src.width < 999
    windowed = wild_cluster_bootstrap_arrays(y, X, df["unit"].to_numpy(), **kw)
    assert windowed.pvalue == whole.pvalue
    assert windowed.conf_int == whole.conf_int
    np.testing.assert_array_equal(windowed.t_boot, whole.t_boot)


def test_refuses_more_draws_than_fit_in_memory():
    df = _panel(5, 4, seed=2)
    y, X, fe = _absorbed(df)
    with pytest.raises(EstimationError, match=r"B=100000000 bootstrap draws would need about 8\.9 GiB"):
        wild_cluster_bootstrap_arrays(y, X, df["unit"].to_numpy(), B=100_000_000, fe=fe)
