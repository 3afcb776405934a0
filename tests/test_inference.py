"""Variance estimators of jamsostek_analysis.estimation.inference against independent computations.

CR2 is checked against a direct implementation written here with NumPy on the *full* dummy
design (no absorption, no shared code), and against its defining property: under iid errors its
expectation equals the true sampling variance ``sigma^2 (X'X)^-1`` exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from jamsostek_analysis.estimation import inference
from jamsostek_analysis.estimation.design import absorb, factorize
from jamsostek_analysis.errors import EstimationError
from jamsostek_analysis.estimation.models import fit_panel


def small_panel(seed: int, G: int = 12, weights: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(G):
        T = int(rng.integers(3, 7))
        start = 2015 + int(rng.integers(0, 4))
        rows += [(str(11 + g), start + t) for t in range(T)]
    df = pd.DataFrame(rows, columns=["province_code", "year"])
    n = len(df)
    df["x1"] = rng.normal(size=n) + df["province_code"].astype(int) / 10
    df["x2"] = rng.normal(size=n)
    df["w"] = rng.uniform(0.5, 3, size=n) if weights else 1.0
    df["y"] = 0.5 * df["x1"] - df["x2"] + rng.standard_t(4, size=n) * (1 + df["x1"].abs())
    return df


def full_dummy_design(df: pd.DataFrame, xcols=("x1", "x2")) -> np.ndarray:
    """[X, unit dummies, year dummies (first dropped)]: full column rank."""
    U = pd.get_dummies(df["province_code"], dtype=float).to_numpy()
    Y = pd.get_dummies(df["year"], dtype=float).to_numpy()[:, 1:]
    return np.column_stack([df[list(xcols)].to_numpy(), U, Y])


def direct_cr2(df: pd.DataFrame, weights: bool, xcols=("x1", "x2")):
    """Textbook CR2 on the full design: returns (V for x columns, Satterthwaite df for x1)."""
    Z = full_dummy_design(df, xcols)
    w = df["w"].to_numpy() if weights else np.ones(len(df))
    sw = np.sqrt(w)
    Zw = Z * sw[:, None]
    yw = df["y"].to_numpy() * sw
    ZtZi = np.linalg.inv(Zw.T @ Zw)
    b = ZtZi @ Zw.T @ yw
    u = yw - Zw @ b
    H = Zw @ ZtZi @ Zw.T
    IH = np.eye(len(df)) - H
    k = Z.shape[1]
    meat = np.zeros((k, k))
    cl = df["province_code"].to_numpy()
    Gcols = []
    c = np.zeros(k)
    c[0] = 1.0
    for g in pd.unique(cl):
        idx = np.flatnonzero(cl == g)
        vals, vecs = np.linalg.eigh(IH[np.ix_(idx, idx)])
        inv = np.where(vals > 1e-10, 1 / np.sqrt(np.clip(vals, 1e-300, None)), 0.0)
        A = (vecs * inv) @ vecs.T
        s = Zw[idx].T @ A @ u[idx]
        meat += np.outer(s, s)
        Gcols.append(IH[:, idx] @ A @ Zw[idx] @ ZtZi @ c)
    V = ZtZi @ meat @ ZtZi
    Gm = np.column_stack(Gcols)
    lam = np.linalg.eigvalsh(Gm.T @ Gm)
    df_s = lam.sum() ** 2 / (lam**2).sum()
    nx = len(xcols)
    return V[:nx, :nx], df_s, b[:nx]


@pytest.mark.parametrize("weights", [False, True])
def test_cr2_matches_direct_full_dummy_computation(weights):
    df = small_panel(11, weights=weights)
    res = fit_panel(df, "y", ["x1", "x2"], vcov="CR2", weights="w" if weights else None)
    V, df_s, b = direct_cr2(df, weights)
    np.testing.assert_allclose(res.params.to_numpy(), b, rtol=1e-10)
    np.testing.assert_allclose(res.vcov.to_numpy(), V, rtol=1e-8)
    assert res.extra["cr2_df_satterthwaite"]["x1"] == pytest.approx(df_s, rel=1e-8)
    assert res.extra["cr2_df_satterthwaite"]["x1"] < 11
    # default cr2_df="bm": p-value and interval of x1 use t with the (independently computed) BM df
    t1 = b[0] / np.sqrt(V[0, 0])
    assert res.df_for("x1") == pytest.approx(df_s, rel=1e-8) and res.df_t == pytest.approx(df_s, rel=1e-8)
    assert res.pvalues["x1"] == pytest.approx(2 * stats.t.sf(abs(t1), df_s), rel=1e-8)
    q = stats.t.ppf(0.975, df_s)
    assert res.conf_int().loc["x1", "ci_high"] == pytest.approx(b[0] + q * np.sqrt(V[0, 0]), rel=1e-8)
    assert "Satterthwaite df of each coefficient" in res.small_sample and res.to_dict()["cr2_df"] == "bm"
    # cr2_df="G-1": same variance, t with G - 1 = 11 df (the CRV1 convention)
    g1 = fit_panel(df, "y", ["x1", "x2"], vcov="CR2", weights="w" if weights else None, cr2_df="G-1")
    np.testing.assert_allclose(g1.vcov.to_numpy(), V, rtol=1e-8)
    assert g1.df_t == 11 and g1.df_params is None
    assert g1.pvalues["x1"] == pytest.approx(2 * stats.t.sf(abs(t1), 11), rel=1e-8)
    assert g1.pvalues["x1"] < res.pvalues["x1"]  # fewer df, larger p-value


def test_cr2_is_unbiased_under_iid_errors():
    """E[V_CR2] = (X'X)^-1 when errors are iid N(0, 1): sum V(u) over u = columns of (I - H)."""
    df = small_panel(12, G=8)
    res = fit_panel(df, "y", ["x1", "x2"], vcov="CR2")
    df = df.loc[res.sample]  # a singleton year is dropped: rows of the design
    assert res.n_dropped == 1
    d = res.design
    Z = full_dummy_design(df)
    H = Z @ np.linalg.pinv(Z)
    IH = np.eye(len(df)) - H
    EV = np.zeros((2, 2))
    for i in range(len(df)):
        # residual vector when the errors are e_i: (I - H) e_i
        EV += inference.vcov_cr2(d.X_tilde, IH[:, i], d.cluster, fe=d.fe_codes)
    np.testing.assert_allclose(EV, np.linalg.inv(d.X_tilde.T @ d.X_tilde), rtol=1e-8)
    # CRV1 is not unbiased in this design (the point of CR2)
    EV1 = sum(inference.vcov_crv1(d.X_tilde, IH[:, i], d.cluster, ssc=False) for i in range(len(df)))
    assert not np.allclose(EV1, np.linalg.inv(d.X_tilde.T @ d.X_tilde), rtol=1e-2)


def test_cr2_without_fe_matches_direct():
    df = small_panel(13)
    res = fit_panel(df, "y", ["x1", "x2"], fe=[], vcov="CR2")
    X = sm.add_constant(df[["x1", "x2"]]).to_numpy()
    u = df["y"].to_numpy() - X @ np.linalg.lstsq(X, df["y"].to_numpy(), rcond=None)[0]
    B = np.linalg.inv(X.T @ X)
    meat = np.zeros((3, 3))
    for _, idx in df.groupby("province_code").indices.items():
        Hgg = X[idx] @ B @ X[idx].T
        vals, vecs = np.linalg.eigh(np.eye(len(idx)) - Hgg)
        A = (vecs / np.sqrt(vals)) @ vecs.T
        s = X[idx].T @ A @ u[idx]
        meat += np.outer(s, s)
    np.testing.assert_allclose(res.vcov.to_numpy(), B @ meat @ B, rtol=1e-8)


def test_array_estimators_match_statsmodels_without_fe():
    df = small_panel(14, G=20)
    X = sm.add_constant(df[["x1", "x2"]])
    y = df["y"]
    groups = df["province_code"].astype(int)
    ols = sm.OLS(y, X)
    Xa = X.to_numpy()
    u = ols.fit().resid.to_numpy()
    np.testing.assert_allclose(inference.vcov_iid(Xa, u), ols.fit().cov_params().to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(
        inference.vcov_hetero(Xa, u), ols.fit(cov_type="HC1").cov_params().to_numpy(), rtol=1e-10
    )
    fit_c = ols.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    np.testing.assert_allclose(inference.vcov_crv1(Xa, u, groups.to_numpy()), fit_c.cov_params().to_numpy(), rtol=1e-10)
    # string labels are accepted as clusters
    np.testing.assert_allclose(
        inference.vcov_crv1(Xa, u, df["province_code"].to_numpy()), fit_c.cov_params().to_numpy(), rtol=1e-10
    )
    t = fit_c.params / fit_c.bse
    np.testing.assert_allclose(inference.t_pvalues(t.to_numpy(), 19), fit_c.pvalues.to_numpy(), rtol=1e-10)


def test_absorbed_arrays_give_within_estimator():
    """vcov_iid with n_absorbed equals statsmodels with dummies on the same data."""
    df = small_panel(15, G=15)
    codes = [factorize(df["province_code"]), factorize(df["year"])]
    M = absorb(df[["y", "x1", "x2"]].to_numpy(), codes)
    Xt, yt = M[:, 1:], M[:, 0]
    b = np.linalg.lstsq(Xt, yt, rcond=None)[0]
    A = df["province_code"].nunique() + df["year"].nunique() - 1
    Vi = inference.vcov_iid(Xt, yt - Xt @ b, n_absorbed=A)
    Z = full_dummy_design(df)  # all unit dummies, year dummies minus one: full rank
    fit = sm.OLS(df["y"].to_numpy(), Z).fit()
    np.testing.assert_allclose(np.sqrt(np.diag(Vi)), fit.bse[:2], rtol=1e-8)


def test_t_pvalues_and_errors():
    assert inference.t_pvalues(2.0, 37) == pytest.approx(2 * stats.t.sf(2.0, 37), rel=1e-14)
    assert inference.t_pvalues(1.959963984540054, np.inf) == pytest.approx(0.05, rel=1e-12)
    X = np.ones((5, 1))
    with pytest.raises(EstimationError, match="at least 2 clusters"):
        inference.vcov_crv1(X, np.arange(5.0), np.zeros(5, dtype=np.int64))
    with pytest.raises(EstimationError, match="fewer observations"):
        inference.vcov_iid(np.eye(3), np.ones(3))
    assert inference.crv1_factor(152, 5, 38) == pytest.approx(38 / 37 * 151 / 147, rel=1e-15)


@pytest.mark.parametrize("case", ["region clusters, unit + year FE", "year FE only", "three factors, weighted"])
def test_blockwise_cr2_matches_textbook_when_fe_not_nested(case):
    """CR2 and its BM df from the cluster blocks (no N x G matrix) = the textbook computation on the
    full dummy design, also when the largest fixed effect is not nested in the clusters (unit effects
    with region clusters; year effects with unit clusters) and cluster sizes differ (batched blocks)."""
    rng = np.random.default_rng(42)
    G, T = 15, 6
    unit = np.repeat(np.arange(G), T)
    year = np.tile(np.arange(T), G)
    keep = rng.random(G * T) > 0.25
    unit, year = unit[keep], year[keep]
    n = unit.size
    third = rng.integers(0, 3, n)
    fe = {
        "region clusters, unit + year FE": [unit, year],
        "year FE only": [year],
        "three factors, weighted": [unit, year, third],
    }[case]
    cl = unit % 5 if case.startswith("region") else unit
    w = rng.uniform(0.5, 2.0, n) if case.endswith("weighted") else np.ones(n)
    X = rng.normal(size=(n, 2))
    y = X @ np.array([0.3, -0.2]) + rng.normal(size=n)
    D = np.column_stack([pd.get_dummies(f).to_numpy(float) for f in fe])
    sw = np.sqrt(w)
    Zw = np.column_stack([X, D]) * sw[:, None]
    P = Zw @ np.linalg.pinv(Zw)  # full-model hat matrix
    IH = np.eye(n) - P
    Dw = D * sw[:, None]
    PD = Dw @ np.linalg.pinv(Dw)
    Xt = (np.eye(n) - PD) @ (X * sw[:, None])
    u = IH @ (y * sw)
    Bm = np.linalg.inv(Xt.T @ Xt)
    meat = np.zeros((2, 2))
    Gcols = []
    for g in np.unique(cl):
        idx = np.flatnonzero(cl == g)
        vals, vecs = np.linalg.eigh(IH[np.ix_(idx, idx)])
        inv = np.where(vals > 1e-10, 1 / np.sqrt(np.clip(vals, 1e-300, None)), 0.0)
        A = (vecs * inv) @ vecs.T
        s = Xt[idx].T @ A @ u[idx]
        meat += np.outer(s, s)
        Gcols.append(IH[:, idx] @ A @ Xt[idx] @ Bm[:, 1])
    lam = np.linalg.eigvalsh(np.column_stack(Gcols).T @ np.column_stack(Gcols))
    wts = None if case != "three factors, weighted" else w
    V, dfs = inference.cr2_vcov_and_df(Xt, u, cl, fe=fe, weights=wts)
    np.testing.assert_allclose(V, Bm @ meat @ Bm, rtol=1e-9)
    assert dfs[1] == pytest.approx(lam.sum() ** 2 / (lam**2).sum(), rel=1e-9)
    assert inference.cr2_satterthwaite_df(Xt, cl, contrast=1, fe=fe, weights=wts) == pytest.approx(dfs[1], rel=1e-12)
