"""Interval (censored-normal) regression: OLS limit, parameter recovery, likelihood, real fragments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from jamsostek_analysis.errors import EstimationError
from jamsostek_analysis.estimation.models import interval_regression


def censored_sample(n: int = 5000, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = rng.normal(size=n)
    ys = 1.0 + 2.0 * x - 0.5 * z + 1.5 * rng.normal(size=n)
    lo, hi = ys.copy(), ys.copy()
    kind = rng.integers(0, 4, size=n)
    m = (kind == 1) & (ys < 0)
    lo[m], hi[m] = np.nan, 0.0  # left-censored: only "at most 0"
    m = (kind == 2) & (ys > 2)
    lo[m], hi[m] = 2.0, np.inf  # right-censored: only "at least 2"
    m = kind == 3
    lo[m], hi[m] = np.floor(ys[m]), np.floor(ys[m]) + 1  # interval [k, k+1]
    return pd.DataFrame({"lo": lo, "hi": hi, "x": x, "z": z})


def direct_loglik(df: pd.DataFrame, beta: np.ndarray, sigma: float) -> float:
    """Log-likelihood written with scipy.stats distribution functions only."""
    mu = beta[0] + beta[1] * df["x"].to_numpy() + beta[2] * df["z"].to_numpy()
    lo = df["lo"].to_numpy()
    hi = df["hi"].to_numpy()
    ex = lo == hi
    left = np.isnan(lo)
    right = np.isinf(hi)
    inter = ~ex & ~left & ~right
    d = stats.norm(mu, sigma)
    with np.errstate(divide="ignore"):  # log(0) in rows that are masked out
        return float(
            d.logpdf(lo)[ex].sum()
            + d.logcdf(hi)[left].sum()
            + d.logsf(lo)[right].sum()
            + np.log(d.cdf(hi) - d.cdf(lo))[inter].sum()
        )


def test_equals_ols_when_nothing_is_censored():
    rng = np.random.default_rng(1)
    n = 400
    df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    y = 0.3 + 1.2 * df["x"] - 0.7 * df["z"] + rng.normal(size=n)
    df["lo"] = df["hi"] = y
    res = interval_regression(df, "lo", "hi", ["x", "z"])
    ols = sm.OLS(y, sm.add_constant(df[["x", "z"]])).fit()
    np.testing.assert_allclose(res.params.to_numpy(), ols.params.to_numpy(), rtol=1e-9)
    assert res.sigma == pytest.approx(np.sqrt(ols.ssr / n), rel=1e-9)
    assert res.n_exact == n and res.n_left == res.n_right == res.n_interval == 0
    # observed information for beta at the ML sigma: sigma_ML^2 (X'X)^-1
    np.testing.assert_allclose(res.bse.to_numpy(), np.sqrt(np.diag(ols.cov_params() * (n - 3) / n)), rtol=1e-6)
    # robust: HC0 sandwich times n/(n-1)
    rob = interval_regression(df, "lo", "hi", ["x", "z"], cov_type="robust")
    hc0 = ols.get_robustcov_results("HC0").bse
    np.testing.assert_allclose(rob.bse.to_numpy(), hc0 * np.sqrt(n / (n - 1)), rtol=1e-6)
    # weighted: equals WLS
    w = rng.uniform(0.5, 2, size=n)
    df["w"] = w
    rw = interval_regression(df, "lo", "hi", ["x", "z"], weights="w")
    wls = sm.WLS(y, sm.add_constant(df[["x", "z"]]), weights=w).fit()
    np.testing.assert_allclose(rw.params.to_numpy(), wls.params.to_numpy(), rtol=1e-9)
    # analytic weights: OIM SEs are WLS SEs with the ML scale (weights normalised to mean 1), and do
    # not depend on the units of the weights
    np.testing.assert_allclose(rw.bse.to_numpy(), wls.bse.to_numpy() * np.sqrt((n - 3) / n), rtol=1e-6)
    rw1000 = interval_regression(df.assign(w=1000 * w), "lo", "hi", ["x", "z"], weights="w")
    np.testing.assert_allclose(rw1000.bse.to_numpy(), rw.bse.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(rw1000.params.to_numpy(), rw.params.to_numpy(), rtol=1e-9)


def test_recovers_parameters_with_censoring_and_loglik_matches_scipy():
    df = censored_sample()
    res = interval_regression(df, "lo", "hi", ["x", "z"])
    assert res.n_left > 300 and res.n_right > 300 and res.n_interval > 1000
    assert res.n_exact + res.n_left + res.n_right + res.n_interval == 5000
    truth = np.array([1.0, 2.0, -0.5])
    assert np.all(np.abs(res.params.to_numpy() - truth) < 4 * res.bse.to_numpy())
    assert abs(res.sigma - 1.5) < 4 * res.sigma_se
    assert res.loglik == pytest.approx(direct_loglik(df, res.params.to_numpy(), res.sigma), rel=1e-10)
    # it is a maximum: the direct log-likelihood is lower at perturbed parameters
    for d in (np.array([0.01, 0, 0]), np.array([0, -0.01, 0])):
        assert direct_loglik(df, res.params.to_numpy() + d, res.sigma) < res.loglik
    assert direct_loglik(df, res.params.to_numpy(), res.sigma * 1.01) < res.loglik
    # ignoring censoring (OLS on midpoints / bounds) is biased; the MLE is not
    ci = res.conf_int()
    assert ci.loc["x", "ci_low"] < 2.0 < ci.loc["x", "ci_high"]
    assert ci.loc["sigma", "ci_low"] < 1.5 < ci.loc["sigma", "ci_high"]


def test_errors_and_dropped_rows():
    df = censored_sample(200, seed=3)
    bad = df.copy()
    bad.loc[5, ["lo", "hi"]] = [3.0, 1.0]
    with pytest.raises(EstimationError, match=r"lower bound 'lo' exceeds upper bound 'hi' in row 5"):
        interval_regression(bad, "lo", "hi", "x")
    with pytest.raises(EstimationError, match="column 'q' not found"):
        interval_regression(df, "lo", "hi", "q")
    gap = df.copy()
    gap.loc[[1, 2], ["lo", "hi"]] = np.nan
    gap.loc[7, "x"] = np.nan
    res = interval_regression(gap, "lo", "hi", ["x", "z"])
    assert res.n_dropped == 3 and res.drop_reasons == {"no finite bound": 2, "missing x": 1}
    allleft = pd.DataFrame({"lo": np.nan, "hi": np.arange(10.0), "x": np.arange(10.0) % 3})
    with pytest.raises(EstimationError, match="every observation is left-censored"):
        interval_regression(allleft, "lo", "hi", "x")
    # separation: x = 1 only among right-censored rows -> its coefficient runs to +inf
    sep = df.copy()
    sep["s"] = np.isposinf(sep["hi"]).astype(float)
    with pytest.raises(EstimationError, match="did not converge|not identified"):
        interval_regression(sep, "lo", "hi", ["x", "s"])
    # a lower bound of +inf (or an upper bound of -inf) is a data error, not an open bound
    wrong = df.copy()
    wrong.loc[4, "lo"] = np.inf
    with pytest.raises(EstimationError, match=r"column 'lo' has inf in row 4"):
        interval_regression(wrong, "lo", "hi", "x")
    wrong = df.copy()
    wrong.loc[6, "hi"] = -np.inf
    with pytest.raises(EstimationError, match=r"column 'hi' has -inf in row 6"):
        interval_regression(wrong, "lo", "hi", "x")


def test_extreme_poverty_fragments_march_2023(data_dir):
    """21 provinces known exactly, the rest of the 34 only as '1-5' percent (Gorontalo has both)."""
    d = pd.read_csv(data_dir / "curated" / "extreme_poverty_province_fragments.csv", dtype={"province_code": str})
    d = d[(d["year"] == 2023) & (d["period"] == "March")]
    exact = d[d["indicator"] == "extreme_poverty_rate"].assign(lo=lambda t: t["value"].astype(float))
    exact["hi"] = exact["lo"]
    band = d[(d["indicator"] == "extreme_poverty_band") & ~d["province_code"].isin(exact["province_code"])]
    assert set(band["value"]) == {"1-5"}
    band = band.assign(lo=1.0, hi=5.0)
    prov = pd.concat([exact, band])[["province_code", "lo", "hi"]]
    assert prov["province_code"].is_unique and len(prov) == 34
    res = interval_regression(prov, "lo", "hi", [])  # intercept only: mean and spread across provinces
    assert (res.n_exact, res.n_interval, res.nobs) == (21, 13, 34)
    mu = res.params["Intercept"]
    direct = sum(
        stats.norm.logpdf(lo, mu, res.sigma)
        if lo == hi
        else np.log(stats.norm.cdf(hi, mu, res.sigma) - stats.norm.cdf(lo, mu, res.sigma))
        for lo, hi in zip(prov["lo"], prov["hi"])
    )
    assert res.loglik == pytest.approx(direct, rel=1e-10)
    # the 13 banded provinces pull the mean above the mean of the 21 exact values
    assert res.params["Intercept"] > exact["lo"].mean()
    with_papua = interval_regression(
        prov.assign(papua=(prov["province_code"] == "94").astype(float)), "lo", "hi", "papua"
    )
    # Papua is the only exact observation with papua = 1: fitted exactly
    assert with_papua.params.sum() == pytest.approx(7.67, rel=1e-6)
