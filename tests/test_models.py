"""fit_panel against independent implementations (pyfixest, linearmodels, statsmodels).

Simulated unbalanced panels: 38 provinces with string codes '11', '12', ... observed for 4 to 15
consecutive years (optionally with gaps). Tolerances are relative, 1e-8, with pyfixest's
demeaning tolerance tightened (``fixef_tol=1e-13``) so that its own convergence error does not
dominate.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from jamsostek_analysis.errors import EstimationError
from jamsostek_analysis.estimation.models import fit_panel

RTOL = 1e-8
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:.*inplace.*"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]


def simulate_panel(seed: int = 1, G: int = 38, beta: float = -0.4, gaps: bool = False) -> pd.DataFrame:
    """Unbalanced province x year panel with province and year effects and clustered errors."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(G):
        T = int(rng.integers(4, 16))
        start = 2006 + int(rng.integers(0, 20 - T + 1))
        years = np.arange(start, start + T)
        if gaps and T > 5 and g % 4 == 0:
            years = np.delete(years, 2)  # a hole in the middle of the series
        a = rng.normal()
        for t in years:
            rows.append((str(11 + g), int(t), a))
    df = pd.DataFrame(rows, columns=["province_code", "year", "a"])
    n = len(df)
    yr = df["year"].to_numpy()
    year_effect = np.sin(yr / 3.0)
    # AR-type within-province error -> clustering matters
    e = np.empty(n)
    for _, idx in df.groupby("province_code").indices.items():
        u = rng.normal(size=len(idx))
        for j in range(1, len(idx)):
            u[j] += 0.6 * u[j - 1]
        e[idx] = u
    df["coverage_rate"] = 10 + 2 * df["a"] + 0.3 * (yr - 2010) + rng.normal(size=n)
    df["ctrl"] = rng.normal(size=n)
    df["pop"] = rng.uniform(1, 10, size=n)
    df["p0"] = 5 + beta * df["coverage_rate"] + 0.5 * df["ctrl"] + 3 * df["a"] + year_effect + e * (1 + df["a"].abs())
    return df.drop(columns="a")


def _pf():
    import pyfixest as pf

    warnings.filterwarnings("ignore", category=UserWarning)
    return pf


def assert_rel(a, b, rtol=RTOL):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=0)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulate_panel(1)


# ------------------------------------------------------------------------------ TWFE vs pyfixest


def test_twfe_crv1_matches_pyfixest(panel):
    pf = _pf()
    res = fit_panel(panel, "p0", "coverage_rate", controls=["ctrl"])
    m = pf.feols(
        "p0 ~ coverage_rate + ctrl | province_code + year", data=panel, vcov={"CRV1": "province_code"}, fixef_tol=1e-13
    )
    assert res.nobs == m._N and res.n_clusters == 38 and res.df_t == m._df_t == 37
    assert_rel(res.params, m.coef().to_numpy())
    assert_rel(res.bse, m.se().to_numpy())
    assert_rel(res.pvalues, m.pvalue().to_numpy(), rtol=1e-6)
    assert_rel(res.conf_int().to_numpy(), m.confint().to_numpy(), rtol=1e-8)
    assert "G/(G-1) * (N-1)/(N-K)" in res.small_sample and "G-1 = 37 df" in res.small_sample


def test_twfe_weighted_matches_pyfixest(panel):
    pf = _pf()
    res = fit_panel(panel, "p0", "coverage_rate", controls=["ctrl"], weights="pop")
    m = pf.feols(
        "p0 ~ coverage_rate + ctrl | province_code + year",
        data=panel,
        vcov={"CRV1": "province_code"},
        weights="pop",
        fixef_tol=1e-13,
    )
    assert_rel(res.params, m.coef().to_numpy())
    assert_rel(res.bse, m.se().to_numpy())
    # the design handed to the bootstrap reproduces the coefficients by plain OLS
    d = res.design
    b, *_ = np.linalg.lstsq(d.X_tilde, d.y_tilde, rcond=None)
    assert_rel(b, res.params, rtol=1e-10)
    assert d.cluster.dtype == np.int64 and d.cluster.max() == 37
    assert d.names == ["coverage_rate", "ctrl"] and d.weights is not None


def test_crv1_cluster_not_nesting_unit_matches_pyfixest(panel):
    """Clustering by year: the year FE is nested (counts 1), province dummies all count in K."""
    pf = _pf()
    res = fit_panel(panel, "p0", "coverage_rate", cluster="year")
    m = pf.feols("p0 ~ coverage_rate | province_code + year", data=panel, vcov={"CRV1": "year"}, fixef_tol=1e-13)
    n_years = panel["year"].nunique()
    assert res.design.k_ssc == 1 + (38 + n_years - 1) - n_years + 1
    assert res.n_clusters == panel["year"].nunique()
    assert_rel(res.bse, m.se().to_numpy())


@pytest.mark.parametrize("vcov", ["iid", "hetero"])
def test_iid_hetero_match_pyfixest(panel, vcov):
    pf = _pf()
    res = fit_panel(panel, "p0", "coverage_rate", controls=["ctrl"], cluster=None, vcov=vcov)
    m = pf.feols("p0 ~ coverage_rate + ctrl | province_code + year", data=panel, vcov=vcov, fixef_tol=1e-13)
    assert_rel(res.bse, m.se().to_numpy())
    assert res.df_t == m._df_t


def _dummies_ols(df: pd.DataFrame, cols=("coverage_rate", "ctrl")):
    X = pd.get_dummies(df[["province_code", "year"]].astype(str), drop_first=True, dtype=float)
    X = pd.concat([df[list(cols)], X], axis=1)
    X = sm.add_constant(X)
    return sm.OLS(df["p0"], X)


@pytest.mark.parametrize("vcov,sm_cov", [("iid", "nonrobust"), ("hetero", "HC1")])
def test_iid_hetero_match_statsmodels_dummies(panel, vcov, sm_cov):
    res = fit_panel(panel, "p0", "coverage_rate", controls=["ctrl"], cluster=None, vcov=vcov)
    fit = _dummies_ols(panel).fit(cov_type=sm_cov)
    assert_rel(res.params, fit.params[["coverage_rate", "ctrl"]])
    assert_rel(res.bse, fit.bse[["coverage_rate", "ctrl"]])
    assert res.df_resid == fit.df_resid
    assert_rel(res.pvalues, fit.pvalues[["coverage_rate", "ctrl"]] if vcov == "iid" else res.pvalues)


def test_crv1_maps_to_statsmodels_convention(panel):
    """statsmodels counts every dummy in K: V_sm = V_ours * (N-K)/(N-K')."""
    res = fit_panel(panel, "p0", "coverage_rate", controls=["ctrl"])
    fit = _dummies_ols(panel).fit(cov_type="cluster", cov_kwds={"groups": panel["province_code"].astype(int)})
    N, k, A = res.nobs, 2, res.design.n_absorbed
    K = res.design.k_ssc
    assert K == k + panel["year"].nunique()  # nested province FE counts as one
    ratio = (N - K) / (N - k - A)
    assert_rel(fit.bse[["coverage_rate", "ctrl"]], res.bse * np.sqrt(ratio))
    assert_rel(fit.params[["coverage_rate", "ctrl"]], res.params)


def test_crv1_maps_to_linearmodels_convention(panel):
    import linearmodels as lm

    res = fit_panel(panel, "p0", "coverage_rate", controls=["ctrl"])
    d = panel.assign(pc=panel["province_code"].astype(int)).set_index(["pc", "year"])
    mod = lm.PanelOLS(d["p0"], d[["coverage_rate", "ctrl"]], entity_effects=True, time_effects=True)
    N, k, A, K, G = res.nobs, 2, res.design.n_absorbed, res.design.k_ssc, 38
    ours = G / (G - 1) * (N - 1) / (N - K)
    fit = mod.fit(cov_type="clustered", cluster_entity=True)
    assert_rel(fit.params, res.params)
    assert_rel(fit.std_errors, res.bse * np.sqrt(N / (N - k - A) / ours))
    fit2 = mod.fit(cov_type="clustered", cluster_entity=True, group_debias=True)
    assert_rel(fit2.std_errors, res.bse * np.sqrt(G / (G - 1) * (N - 1) / (N - k - A) / ours))


def test_balanced_38x4_convention_gap():
    """Document the size of the convention difference on the actual design (38 x 4 balanced)."""
    rng = np.random.default_rng(5)
    df = pd.DataFrame([(str(11 + g), 2022 + t) for g in range(38) for t in range(4)], columns=["province_code", "year"])
    df["coverage_rate"] = rng.normal(size=len(df))
    df["ctrl"] = rng.normal(size=len(df))
    df["p0"] = rng.normal(size=len(df))
    res = fit_panel(df, "p0", "coverage_rate")
    fit = _dummies_ols(df, cols=("coverage_rate",)).fit(cov_type="cluster", cov_kwds={"groups": df["province_code"]})
    ratio = fit.bse["coverage_rate"] / res.bse["coverage_rate"]
    assert ratio == pytest.approx(np.sqrt(151 / 110 / (151 / 147)), rel=1e-8)  # K' = 42 vs K = 5


def test_fe_year_only_and_no_fe(panel):
    pf = _pf()
    r1 = fit_panel(panel, "p0", "coverage_rate", fe=["year"])
    m1 = pf.feols("p0 ~ coverage_rate | year", data=panel, vcov={"CRV1": "province_code"}, fixef_tol=1e-13)
    assert_rel(r1.params, m1.coef().to_numpy())
    assert_rel(r1.bse, m1.se().to_numpy())
    r0 = fit_panel(panel, "p0", "coverage_rate", fe=[])
    m0 = pf.feols("p0 ~ coverage_rate", data=panel, vcov={"CRV1": "province_code"})
    assert list(r0.params.index) == ["Intercept", "coverage_rate"]
    assert_rel(r0.params, m0.coef().to_numpy())
    assert_rel(r0.bse, m0.se().to_numpy())


def test_singletons_dropped_like_pyfixest(panel):
    pf = _pf()
    extra = pd.DataFrame(
        {"province_code": ["99"], "year": [2010], "coverage_rate": [3.0], "ctrl": [0.1], "pop": [2.0], "p0": [1.0]}
    )
    df = pd.concat([panel, extra], ignore_index=True)
    res = fit_panel(df, "p0", "coverage_rate", controls=["ctrl"])
    m = pf.feols(
        "p0 ~ coverage_rate + ctrl | province_code + year", data=df, vcov={"CRV1": "province_code"}, fixef_tol=1e-13
    )
    assert res.nobs == m._N == len(panel)
    assert res.n_dropped == 1 and res.n_clusters == 38
    assert any("singleton" in k for k in res.drop_reasons)
    assert_rel(res.bse, m.se().to_numpy())


# ------------------------------------------------------------------------------ missing values


def test_missing_rows_dropped_and_reported(panel):
    df = panel.copy()
    df.loc[[3, 10], "p0"] = np.nan
    df.loc[[10, 20, 30], "ctrl"] = np.nan
    res = fit_panel(df, "p0", "coverage_rate", controls=["ctrl"])
    assert res.n_dropped == 4
    assert res.drop_reasons == {"missing p0": 2, "missing ctrl": 3}
    assert res.nobs == len(df) - 4
    assert not set(res.sample) & {3, 10, 20, 30}
    assert f"Dropped 4 of {len(df)} input rows" in res.summary()
    ref = fit_panel(df.drop(index=[3, 10, 20, 30]), "p0", "coverage_rate", controls=["ctrl"])
    assert_rel(res.params, ref.params, rtol=1e-12)
    assert_rel(res.bse, ref.bse, rtol=1e-12)


# ------------------------------------------------------------------------------ FD / LD / lags


def _manual_fd(df: pd.DataFrame, cols) -> pd.DataFrame:
    d = df.sort_values(["province_code", "year"])
    g = d.groupby("province_code")
    consecutive = (d["year"] - g["year"].shift(1)) == 1
    out = d[["province_code", "year"]].copy()
    for c in cols:
        out[c] = d[c] - g[c].shift(1)
    return out.loc[consecutive]


def test_fd_matches_manual_statsmodels_with_gaps():
    df = simulate_panel(3, gaps=True)
    res = fit_panel(df, "p0", "coverage_rate", controls=["ctrl"], model="fd")
    man = _manual_fd(df, ["p0", "coverage_rate", "ctrl"]).sort_index()
    assert res.nobs == len(man)
    assert set(res.sample) == set(man.index)
    X = pd.get_dummies(man["year"].astype(str), drop_first=True, dtype=float)
    X = sm.add_constant(pd.concat([man[["coverage_rate", "ctrl"]], X], axis=1))
    fit = sm.OLS(man["p0"], X).fit(cov_type="cluster", cov_kwds={"groups": man["province_code"].astype(int)})
    assert_rel(res.params, fit.params[["coverage_rate", "ctrl"]])
    # year effects are not nested in provinces, so K counts all of them, exactly as statsmodels
    assert_rel(res.bse, fit.bse[["coverage_rate", "ctrl"]])
    # the gap: no difference spans it
    gap_units = df.groupby("province_code")["year"].apply(lambda s: (s.diff() > 1).any())
    assert gap_units.sum() > 0
    for code in gap_units[gap_units].index:
        yrs = res.data.loc[res.data["province_code"] == code, "year"].to_numpy()
        all_years = set(df.loc[df["province_code"] == code, "year"])
        assert all(y - 1 in all_years for y in yrs)


def test_fd_without_fe_matches_linearmodels_firstdifference():
    import linearmodels as lm

    df = simulate_panel(4)  # no gaps: FirstDifferenceOLS differences consecutive rows
    res = fit_panel(df, "p0", "coverage_rate", controls=["ctrl"], model="fd", fe=[])
    d = df.assign(pc=df["province_code"].astype(int)).set_index(["pc", "year"])
    fit = lm.FirstDifferenceOLS(d["p0"], sm.add_constant(d[["coverage_rate", "ctrl"]]).drop(columns="const")).fit(
        cov_type="clustered", cluster_entity=True
    )
    # FirstDifferenceOLS has no intercept; ours adds one when no FE -> compare with fe=[] but no constant
    man = _manual_fd(df, ["p0", "coverage_rate", "ctrl"])
    ols = sm.OLS(man["p0"], man[["coverage_rate", "ctrl"]]).fit()
    assert_rel(fit.params, ols.params)
    assert res.nobs == fit.nobs
    assert list(res.params.index) == ["Intercept", "coverage_rate", "ctrl"]


def test_lags_and_leads_built_over_consecutive_years():
    df = simulate_panel(6, gaps=True)
    res = fit_panel(df, "p0", "coverage_rate", lags=1, leads=1)
    assert list(res.params.index) == ["coverage_rate", "coverage_rate_lag1", "coverage_rate_lead1"]
    key = df.set_index(["province_code", "year"])["coverage_rate"]
    d = res.data
    for (code, yr), lag, lead in zip(
        zip(d["province_code"], d["year"]), d["coverage_rate_lag1"], d["coverage_rate_lead1"]
    ):
        assert lag == key[(code, yr - 1)]
        assert lead == key[(code, yr + 1)]
    # every used row has both neighbours; rows next to a gap or at the ends are dropped and counted
    n_expected = sum(
        ((code, y - 1) in key.index) and ((code, y + 1) in key.index)
        for code, y in zip(df["province_code"], df["year"])
    )
    n_singleton = res.drop_reasons.get("singleton fixed-effect group (dropped as fixest/pyfixest)", 0)
    assert res.nobs == n_expected - n_singleton
    assert res.drop_reasons["coverage_rate_lag1 unavailable (first periods, gap or missing coverage_rate)"] > 38


def test_long_difference_matches_manual_ols():
    df = simulate_panel(7)
    res = fit_panel(df, "p0", "coverage_rate", controls=["ctrl"], model="ld")
    d = df.sort_values(["province_code", "year"]).groupby("province_code")
    ld = d[["p0", "coverage_rate", "ctrl"]].last() - d[["p0", "coverage_rate", "ctrl"]].first()
    fit = sm.OLS(ld["p0"], sm.add_constant(ld[["coverage_rate", "ctrl"]])).fit(cov_type="HC1")
    assert res.nobs == 38 and res.n_clusters == 38
    assert_rel(res.params.to_numpy(), fit.params.to_numpy())
    # one observation per cluster: CRV1 = G/(G-1)(N-1)/(N-K) = N/(N-K) = HC1
    assert_rel(res.bse.to_numpy(), fit.bse.to_numpy())
    assert res.n_dropped == len(df) - 2 * 38


def test_long_difference_span():
    df = simulate_panel(8)
    res = fit_panel(df, "p0", "coverage_rate", model="ld", ld_span=(2012, 2016))
    sub = df[df["year"].isin([2012, 2016])]
    both = sub.groupby("province_code")["year"].nunique() == 2
    assert res.nobs == int(both.sum())
    piv = sub.pivot(index="province_code", columns="year", values=["p0", "coverage_rate"]).loc[both[both].index]
    dy = piv[("p0", 2016)] - piv[("p0", 2012)]
    dx = piv[("coverage_rate", 2016)] - piv[("coverage_rate", 2012)]
    fit = sm.OLS(dy.to_numpy(), sm.add_constant(dx.to_numpy())).fit()
    assert_rel(res.params.to_numpy(), fit.params, rtol=1e-10)


# ------------------------------------------------------------------------------ recovery


def test_recovers_known_effect_over_200_simulations():
    """Mean of 200 TWFE estimates within 3 Monte Carlo SE of beta = -0.4; CI coverage near 95 %."""
    beta = -0.4
    est, cover = [], []
    base = simulate_panel(100)
    rng = np.random.default_rng(2024)
    for s in range(200):
        df = base.copy()
        n = len(df)
        a = df.groupby("province_code")["coverage_rate"].transform("mean").to_numpy() / 5
        x = df["coverage_rate"].to_numpy() + rng.normal(size=n)
        u = rng.normal(size=n) + np.repeat(rng.normal(size=38), df.groupby("province_code").size().to_numpy())
        df["coverage_rate"] = x
        df["p0"] = beta * x + a + np.sin(df["year"].to_numpy()) + u
        r = fit_panel(df, "p0", "coverage_rate")
        est.append(r.params.iloc[0])
        lo, hi = r.conf_int().iloc[0]
        cover.append(lo <= beta <= hi)
    est = np.array(est)
    mcse = est.std(ddof=1) / np.sqrt(len(est))
    assert abs(est.mean() - beta) < 3 * mcse
    assert 0.90 <= np.mean(cover) <= 0.99


# ------------------------------------------------------------------------------ errors


def test_error_missing_column(panel):
    with pytest.raises(EstimationError, match="column 'coverage' not found"):
        fit_panel(panel, "p0", "coverage")
    with pytest.raises(EstimationError, match="'w_pop'"):
        fit_panel(panel, "p0", "coverage_rate", weights="w_pop")


def test_error_non_numeric_names_column_and_row(panel):
    df = panel.copy()
    df["coverage_rate"] = df["coverage_rate"].astype(object)
    df.loc[7, "coverage_rate"] = "12,5"
    with pytest.raises(EstimationError, match=r"column 'coverage_rate' must be numeric but has value '12,5' in row 7"):
        fit_panel(df, "p0", "coverage_rate")


def test_error_single_cluster(panel):
    one = panel[panel["province_code"] == "11"]
    with pytest.raises(EstimationError, match="only one cluster"):
        fit_panel(one, "p0", "coverage_rate", fe=[])


def test_error_collinear_and_absorbed(panel):
    df = panel.assign(cov2=2 * panel["coverage_rate"] - panel["ctrl"], island=panel["province_code"].str[0].astype(int))
    with pytest.raises(
        EstimationError, match=r"collinear regressors: 'cov2' is a linear combination of \['coverage_rate', 'ctrl'\]"
    ):
        fit_panel(df, "p0", "coverage_rate", controls=["ctrl", "cov2"])
    with pytest.raises(EstimationError, match=r"'island' constant within the fixed effects"):
        fit_panel(df, "p0", "coverage_rate", controls=["island"])


def test_error_too_few_observations():
    df = pd.DataFrame(
        {
            "province_code": ["11", "11", "12", "12"],
            "year": [1, 2, 1, 2],
            "p0": [1.0, 2, 3, 5],
            "coverage_rate": [1.0, 3, 2, 2],
        }
    )
    with pytest.raises(EstimationError, match="fewer observations"):
        fit_panel(df, "p0", "coverage_rate")


def test_error_duplicates_and_bad_weights(panel):
    df = pd.concat([panel, panel.iloc[[0]]], ignore_index=True)
    with pytest.raises(EstimationError, match=r"duplicate \(province_code, year\) = \('11'"):
        fit_panel(df, "p0", "coverage_rate", model="fd")
    bad = panel.copy()
    bad.loc[5, "pop"] = 0.0
    with pytest.raises(EstimationError, match=r"weights column 'pop' must be positive; row 5"):
        fit_panel(bad, "p0", "coverage_rate", weights="pop")


def test_error_empty_sample_names_the_reason(panel):
    """Every row dropped (missing outcome, missing weights, no adjacent year for FD): a clear error."""
    with pytest.raises(EstimationError, match=r"no complete observations left.*'missing p0': %d" % len(panel)):
        fit_panel(panel.assign(p0=np.nan), "p0", "coverage_rate")
    with pytest.raises(EstimationError, match=r"no complete observations left.*'missing pop'"):
        fit_panel(panel.assign(pop=np.nan), "p0", "coverage_rate", weights="pop")
    one_year = panel[panel["year"] == panel["year"].min()]
    with pytest.raises(EstimationError, match=r"no complete observations left.*fd: complete row without"):
        fit_panel(one_year, "p0", "coverage_rate", model="fd")


def test_error_degenerate_inference_instead_of_nan(panel):
    """No NaN or zero standard errors returned silently."""
    with pytest.raises(EstimationError, match="'p0' has no variation after absorbing the fixed effects"):
        fit_panel(panel.assign(p0=5.0), "p0", "coverage_rate")
    with pytest.raises(EstimationError, match="'p0' has no variation"):
        fit_panel(panel.assign(p0=5.0), "p0", "coverage_rate", fe=[])
    with pytest.raises(EstimationError, match="fitted exactly"):
        fit_panel(
            panel.assign(p0=2 * panel["coverage_rate"] + 1), "p0", "coverage_rate", fe=[], vcov="iid", cluster=None
        )
    # two provinces with province + year effects: both cluster scores are exactly zero
    rng = np.random.default_rng(5)
    two = pd.DataFrame({"province_code": np.repeat(["11", "12"], 4), "year": np.tile([2022, 2023, 2024, 2025], 2)})
    two["coverage_rate"] = rng.normal(size=8)
    two["p0"] = rng.normal(size=8)
    for vcov in ("CRV1", "CR2"):
        with pytest.raises(
            EstimationError, match="cluster-robust standard error of 'coverage_rate' is zero with 2 clusters"
        ):
            fit_panel(two, "p0", "coverage_rate", vcov=vcov)
    res = fit_panel(two, "p0", "coverage_rate", vcov="iid", cluster=None)  # iid is still defined
    assert np.isfinite(res.bse["coverage_rate"]) and res.bse["coverage_rate"] > 0


def test_to_dict_is_json_and_tidy(panel):
    import json

    res = fit_panel(panel, "p0", "coverage_rate", controls=["ctrl"], vcov="CR2")
    d = json.loads(json.dumps(res.to_dict()))
    assert d["coefficients"]["coverage_rate"]["estimate"] == pytest.approx(res.params["coverage_rate"], rel=1e-15)
    assert d["n_clusters"] == 38 and d["vcov_type"].startswith("CR2")
    tidy = res.tidy()
    assert list(tidy.columns) == [
        "term",
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "conf_low",
        "conf_high",
        "df",
        "vcov",
    ]
    assert tidy.loc[0, "statistic"] == pytest.approx(res.params.iloc[0] / res.bse.iloc[0], rel=1e-14)
