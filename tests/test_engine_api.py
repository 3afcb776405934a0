"""Engine API of issue 7 item 5: variance registry, ``PanelResult.with_vcov`` and ``.wildboot``
without refitting, one tidy table shared by panel and interval regression, provenance.

``with_vcov`` must equal a refit with that ``vcov`` to 1e-12; ``.wildboot`` must equal
``wild_cluster_bootstrap`` on the same fit and seed exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamsostek_analysis.errors import EstimationError
from jamsostek_analysis.estimation import inference
from jamsostek_analysis.estimation.interval import IntervalResult, interval_regression
from jamsostek_analysis.estimation.models import IntervalResult as ModelsIntervalResult
from jamsostek_analysis.estimation.models import fit_panel
from jamsostek_analysis.estimation.results import TIDY_COLUMNS
from jamsostek_analysis.estimation.wildboot import wild_cluster_bootstrap


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """Unbalanced 14 x 6 panel with a control and population weights (province clusters)."""
    rng = np.random.default_rng(77)
    G, T = 14, 6
    df = pd.DataFrame(
        {"province_code": np.repeat([str(11 + g) for g in range(G)], T), "year": np.tile(np.arange(2018, 2018 + T), G)}
    )
    u = np.repeat(np.arange(G), T)
    df["cov"] = rng.normal(size=G)[u] * (df["year"] - 2018) + rng.normal(size=len(df))
    df["ctrl"] = rng.normal(size=len(df))
    df["pop"] = np.exp(rng.normal(size=G))[u] * (1 + 0.05 * (df["year"] - 2018))
    df["p0"] = 0.2 * df["cov"] - 0.4 * df["ctrl"] + rng.normal(size=G)[u] + rng.normal(size=len(df)) * (1 + u % 3)
    return df.drop(index=[3, 17, 40]).reset_index(drop=True)


def _assert_same_inference(a, b, tol=1e-12):
    for attr in ("params", "bse", "tvalues", "pvalues"):
        np.testing.assert_allclose(getattr(a, attr).to_numpy(), getattr(b, attr).to_numpy(), rtol=tol, atol=1e-15)
        assert list(getattr(a, attr).index) == list(getattr(b, attr).index)
    np.testing.assert_allclose(a.vcov.to_numpy(), b.vcov.to_numpy(), rtol=tol, atol=1e-18)
    assert a.df_t == pytest.approx(b.df_t, rel=tol)
    assert (a.df_params is None) == (b.df_params is None)
    if a.df_params is not None:
        np.testing.assert_allclose(a.df_params.to_numpy(), b.df_params.to_numpy(), rtol=tol)
    assert a.vcov_type == b.vcov_type and a.cluster == b.cluster and a.n_clusters == b.n_clusters
    assert a.small_sample == b.small_sample
    pd.testing.assert_frame_equal(a.conf_int(), b.conf_int(), rtol=tol)


@pytest.mark.parametrize("weights", [None, "pop"])
@pytest.mark.parametrize("model", ["twfe", "fd"])
@pytest.mark.parametrize("start", ["CRV1", "CR2"])
@pytest.mark.parametrize(
    "target, cr2_df", [("CRV1", "bm"), ("CR2", "bm"), ("CR2", "G-1"), ("iid", "bm"), ("hetero", "bm")]
)
def test_with_vcov_equals_refit(panel, weights, model, start, target, cr2_df):
    kw = dict(controls=["ctrl"], weights=weights, model=model)
    fit = fit_panel(panel, "p0", "cov", vcov=start, **kw)
    switched = fit.with_vcov(target, cr2_df=cr2_df)
    refit = fit_panel(panel, "p0", "cov", vcov=target, cr2_df=cr2_df, **kw)
    _assert_same_inference(switched, refit)
    assert switched.params is fit.params or switched.params.equals(fit.params)  # no refit: same estimates
    assert fit.vcov_name == start  # the original is unchanged


def test_with_vcov_chains_through_unclustered_estimators(panel):
    fit = fit_panel(panel, "p0", "cov", controls=["ctrl"])
    back = fit.with_vcov("iid").with_vcov("hetero").with_vcov("CR2")
    _assert_same_inference(back, fit_panel(panel, "p0", "cov", controls=["ctrl"], vcov="CR2"))


def test_with_vcov_errors(panel):
    iid = fit_panel(panel, "p0", "cov", cluster=None)
    with pytest.raises(EstimationError, match="needs cluster codes"):
        iid.with_vcov("CRV1")
    fit = fit_panel(panel, "p0", "cov")
    with pytest.raises(EstimationError, match=r"vcov must be one of \('iid', 'hetero', 'CRV1', 'CR2'\)"):
        fit.with_vcov("HC3")
    with pytest.raises(EstimationError, match="cr2_df"):
        fit.with_vcov("CR2", cr2_df="satterthwaite")
    with pytest.raises(EstimationError, match="vcov must be one of"):
        fit_panel(panel, "p0", "cov", vcov="HC3")


def test_registry_entries_and_fit_panel_uses_it(panel, monkeypatch):
    assert set(inference.VCOV_REGISTRY) == {"iid", "hetero", "CRV1", "CR2"}
    assert [e.clustered for e in inference.VCOV_REGISTRY.values()] == [False, False, True, True]
    for e in inference.VCOV_REGISTRY.values():
        assert isinstance(e.convention, str) and len(e.convention) > 20

    # a registered estimator is used by fit_panel and with_vcov alike: CRV1 without the small-sample factor
    def raw_crv1(f, **_):
        V = inference.vcov_crv1(f.X, f.resid, f.cluster, ssc=False)
        return inference.VcovEstimate(V, float(int(f.cluster.max())), "raw sandwich")

    monkeypatch.setitem(
        inference.VCOV_REGISTRY, "CRV0", inference.VcovEstimator("CRV0", True, "no small-sample factor", raw_crv1)
    )
    fit = fit_panel(panel, "p0", "cov", vcov="CRV0")
    crv1 = fit_panel(panel, "p0", "cov", vcov="CRV1")
    n, G, K = crv1.nobs, crv1.n_clusters, crv1.design.k_ssc
    factor = G / (G - 1) * (n - 1) / (n - K)
    assert fit.bse["cov"] == pytest.approx(crv1.bse["cov"] / np.sqrt(factor), rel=1e-12)
    _assert_same_inference(crv1.with_vcov("CRV0"), fit)
    assert fit.provenance()["vcov_convention"] == "no small-sample factor"


@pytest.mark.parametrize("weight_type", ["webb", "rademacher"])
def test_wildboot_method_equals_function(panel, weight_type):
    fit = fit_panel(panel, "p0", "cov", controls=["ctrl"], weights="pop")
    a = fit.wildboot(B=399, weight_type=weight_type, seed=12)
    b = wild_cluster_bootstrap(fit, "cov", B=399, weight_type=weight_type, seed=12)
    assert a.to_dict() == b.to_dict()
    assert a.B == 399 and a.seed == 12 and a.weight_type == weight_type
    c = fit.with_vcov("CR2").wildboot("ctrl", B=199, seed=3)  # the bootstrap ignores the analytic vcov
    d = wild_cluster_bootstrap(fit, "ctrl", B=199, seed=3)
    assert c.pvalue == d.pvalue and c.conf_int == d.conf_int and c.t_stat == d.t_stat
    assert a.t_stat == pytest.approx(fit.tvalues["cov"], rel=1e-10)  # bootstrap t = model CRV1 t


def test_one_tidy_table_for_panel_and_interval(panel):
    fit = fit_panel(panel, "p0", "cov", controls=["ctrl"], vcov="CR2")
    t = fit.tidy()
    assert tuple(t.columns) == TIDY_COLUMNS
    assert t["vcov"].eq("CR2").all()
    np.testing.assert_allclose(t["df"], fit.df_params.to_numpy())  # Bell-McCaffrey df per coefficient
    np.testing.assert_allclose(t["statistic"], (fit.params / fit.bse).to_numpy(), rtol=1e-14)
    ci = fit.conf_int()
    np.testing.assert_array_equal(t["conf_low"], ci["ci_low"].to_numpy())
    lo = panel["p0"] - 0.5
    iv = interval_regression(panel.assign(lo=lo, hi=lo + 1.0), "lo", "hi", ["cov", "ctrl"], cluster="province_code")
    assert isinstance(iv, IntervalResult) and ModelsIntervalResult is IntervalResult
    ti = iv.tidy()
    assert tuple(ti.columns) == TIDY_COLUMNS
    assert list(ti["term"]) == ["Intercept", "cov", "ctrl", "sigma"]
    np.testing.assert_allclose(ti["statistic"].iloc[:3], (iv.params / iv.bse).to_numpy(), rtol=1e-14)
    assert np.isinf(ti["df"]).all() and ti["vcov"].eq("cluster").all()
    assert ti.loc[3, "estimate"] == iv.sigma and np.isnan(ti.loc[3, "statistic"])
    assert iv.provenance()["n_clusters"] == panel["province_code"].nunique()


def test_provenance(panel):
    fit = fit_panel(panel, "p0", "cov", weights="pop", sample_filter="all simulated provinces")
    p = fit.provenance()
    assert p["n_obs"] == fit.nobs == len(panel) and p["n_clusters"] == 14 and p["weights"] == "pop"
    assert p["sample_filter"] == "all simulated provinces" and p["vcov"] == "CRV1"
    assert p["vcov_convention"] == inference.VCOV_REGISTRY["CRV1"].convention
    assert fit.to_dict()["provenance"]["sample_filter"] == "all simulated provinces"
    assert fit.with_vcov("iid").provenance()["vcov"] == "iid"


def test_interval_regression_vcov_name(panel):
    """``vcov`` is the one name for the variance choice; ``cov_type`` stays as its former name."""
    lo = panel["p0"] - 0.5
    d = panel.assign(lo=lo, hi=lo + 1.0)
    a = interval_regression(d, "lo", "hi", "cov", vcov="robust")
    b = interval_regression(d, "lo", "hi", "cov", cov_type="robust")
    pd.testing.assert_series_equal(a.bse, b.bse)
    assert a.vcov_name == "robust" and a.vcov_type == a.cov_type
    assert interval_regression(d, "lo", "hi", "cov").vcov_name == "oim"
    with pytest.raises(EstimationError, match="disagree"):
        interval_regression(d, "lo", "hi", "cov", vcov="oim", cov_type="robust")
    with pytest.raises(EstimationError, match="vcov must be 'oim' or 'robust'"):
        interval_regression(d, "lo", "hi", "cov", vcov="CRV1")
