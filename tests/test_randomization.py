"""Tests of randomization inference by permuting coverage paths (jamsostek_analysis.estimation.randomization).

Checks: the absorb-once fast path equals a slow refit loop; exact enumeration equals a brute-force
numpy computation over all permutations; the p-value formula; permutation only within groups of
units with the same years (unbalanced panels); near-uniform p-values under a sharp null and a
minimal p-value under a strong effect.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from jamsostek_analysis.errors import EstimationError
from jamsostek_analysis.estimation.randomization import (
    draw_permutations,
    path_groups,
    randomization_inference,
)
from jamsostek_analysis.estimation import randomization as ri_module


def _panel(G: int, T: int, seed: int, beta: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    codes = [str(11 + i) for i in range(G)]
    df = pd.DataFrame({"province_code": np.repeat(codes, T), "year": np.tile(np.arange(2020, 2020 + T), G)})
    trend = rng.normal(size=G)[np.repeat(np.arange(G), T)]
    df["cov"] = trend * (df["year"] - 2020) + rng.normal(size=len(df))  # persistent coverage paths
    df["z"] = rng.normal(size=len(df))
    df["p0"] = beta * df["cov"] + 0.3 * df["z"] + rng.normal(size=len(df))
    return df


def _twfe_coef(df: pd.DataFrame) -> float:
    """Independent estimate: OLS of p0 on cov, z and unit/year dummies (numpy lstsq)."""
    D = pd.get_dummies(df[["province_code", "year"]].astype(str), drop_first=True).to_numpy(float)
    W = np.column_stack([df["cov"], df["z"], np.ones(len(df)), D])
    return float(np.linalg.lstsq(W, df["p0"].to_numpy(float), rcond=None)[0][0])


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("statistic", ["coef", "t"])
def test_fast_equals_refit_loop(statistic, weighted):
    import jamsostek_analysis.estimation.models  # noqa: F401

    df = _panel(10, 4, seed=1, beta=0.2)
    df["pop"] = np.exp(np.random.default_rng(9).normal(size=10))[np.repeat(np.arange(10), 4)]
    df = df.drop(index=[5, 6]).reset_index(drop=True)  # unit '12' lacks two years: unbalanced
    kw = dict(controls=["z"], statistic=statistic, n_perm=40, seed=3, weights="pop" if weighted else None)
    fast = randomization_inference(df, "p0", "cov", **kw)
    slow = randomization_inference(df, "p0", "cov", fast=False, **kw)
    assert fast.method == ("absorb" if weighted else "demean-once") and slow.method == "refit"
    assert fast.observed == pytest.approx(slow.observed, abs=1e-12)
    np.testing.assert_allclose(fast.distribution, slow.distribution, atol=1e-10, rtol=0)
    assert fast.pvalue == slow.pvalue
    assert fast.n_groups == 2 and fast.n_fixed_units == 1  # the unbalanced unit keeps its path


def test_callable_and_exact_enumeration_against_brute_force():
    df = _panel(4, 3, seed=2, beta=0.5)  # 4! = 24 distinct assignments <= n_perm -> enumerated
    res = randomization_inference(df, "p0", "cov", fit=_twfe_coef, n_perm=100, seed=0)
    assert res.exact and res.n_perm == 24
    # brute force: every permutation of the 4 coverage paths, refit with numpy
    obs = _twfe_coef(df)
    units = sorted(df["province_code"].unique())
    paths = {u: df.loc[df["province_code"] == u, "cov"].to_numpy() for u in units}
    stats = []
    for perm in itertools.permutations(units):
        d = df.copy()
        for u, src in zip(units, perm):
            d.loc[d["province_code"] == u, "cov"] = paths[src]
        stats.append(_twfe_coef(d))
    stats = np.array(stats)
    assert res.observed == pytest.approx(obs, abs=1e-12)
    np.testing.assert_allclose(np.sort(res.distribution), np.sort(stats), atol=1e-10)
    expected_p = np.mean(np.abs(stats) >= abs(obs) * (1 - 1e-12))
    assert res.pvalue == pytest.approx(expected_p, abs=1e-15)
    assert res.pvalue >= 1 / 24  # the identity is one of the 24


def test_pvalue_formula_and_strong_effect():
    import jamsostek_analysis.estimation.models  # noqa: F401

    df = _panel(34, 4, seed=4, beta=2.0)
    res = randomization_inference(df, "p0", "cov", controls=["z"], n_perm=999, seed=5)
    hits = np.sum(np.abs(res.distribution) >= abs(res.observed))
    assert res.pvalue == (1 + hits) / 1000
    assert res.pvalue == pytest.approx(1 / 1000)  # nothing beats a strong true effect
    assert res.observed == pytest.approx(2.0, abs=0.15)
    # reproducible with the seed
    again = randomization_inference(df, "p0", "cov", controls=["z"], n_perm=999, seed=5)
    np.testing.assert_array_equal(res.distribution, again.distribution)


def test_uniform_pvalues_under_sharp_null():
    """Under the sharp null, P(p <= 0.1) = 0.1 exactly (exchangeable paths); 120 datasets."""
    import jamsostek_analysis.estimation.models  # noqa: F401

    ps = []
    for s in range(120):
        df = _panel(20, 4, seed=100 + s, beta=0.0)
        ps.append(randomization_inference(df, "p0", "cov", n_perm=99, seed=s).pvalue)
    ps = np.array(ps)
    tol = 3 * np.sqrt(0.1 * 0.9 / ps.size)
    assert abs(np.mean(ps <= 0.1) - 0.1) <= tol
    assert abs(np.mean(ps <= 0.5) - 0.5) <= 3 * np.sqrt(0.25 / ps.size)


def test_permutations_stay_within_year_groups():
    units = np.array([0, 0, 1, 1, 2, 3, 3, 4, 4, 5])
    times = np.array([1, 2, 1, 2, 1, 1, 2, 1, 2, 2])
    groups = path_groups(units, times)
    assert [g.tolist() for g in groups] == [[0, 1, 3, 4], [2], [5]]
    P = draw_permutations(groups, 6, 500, np.random.default_rng(0))
    assert set(map(tuple, np.sort(P[:, [0, 1, 3, 4]], axis=1))) == {(0, 1, 3, 4)}
    assert (P[:, 2] == 2).all() and (P[:, 5] == 5).all()
    assert len({tuple(r) for r in P}) == 24  # all 4! arrangements of the big group occur


def test_errors():
    df = _panel(5, 3, seed=6)
    with pytest.raises(EstimationError, match="column"):
        randomization_inference(df, "p0", "nope", fit=_twfe_coef)
    with pytest.raises(EstimationError, match="duplicate"):
        randomization_inference(pd.concat([df, df.iloc[:1]]), "p0", "cov", fit=_twfe_coef)
    with pytest.raises(EstimationError, match="statistic"):
        randomization_inference(df, "p0", "cov", statistic="beta")


@pytest.mark.parametrize("fast", [True, False])
def test_duplicate_index_labels_and_non_numeric_paths(fast):
    """Rows are matched by position when the index has repeated labels (e.g. after a concat)."""
    df = _panel(8, 4, seed=7, beta=0.5)
    ref = randomization_inference(df, "p0", "cov", n_perm=99, seed=3, controls=["z"], fast=fast)
    dup = df.set_index(np.repeat([0, 1], len(df) // 2))
    res = randomization_inference(dup, "p0", "cov", n_perm=99, seed=3, controls=["z"], fast=fast)
    assert res.observed == ref.observed and res.pvalue == ref.pvalue
    np.testing.assert_array_equal(res.distribution, ref.distribution)
    bad = df.astype({"cov": object})
    bad.loc[3, "cov"] = "n/a"
    with pytest.raises(EstimationError, match=r"column 'cov' must be numeric but has value 'n/a' in row 3"):
        randomization_inference(bad, "p0", "cov", n_perm=9, fit=_twfe_coef)


# p-values, observed statistics and the sum of the permutation distribution of the implementation
# before issue 13 (rows x permutations matrix, refit per permutation for differences), captured
# with the same seeds before it was replaced: the new computation must reproduce them.
BEFORE_ISSUE_13 = [
    ("bal_coef", {"n_perm": 500, "seed": 1}, 0.17564870259481039, 0.08159246252052867, 0.6097775897163106),
    (
        "bal_t_ctrl",
        {"n_perm": 500, "seed": 2, "controls": ["z"], "statistic": "t"},
        0.033932135728542916,
        2.4263916516400554,
        19.0424418664982,
    ),
    (
        "unbal_w_t",
        {"n_perm": 300, "seed": 3, "controls": ["z"], "statistic": "t", "weights": "pop"},
        0.3488372093023256,
        1.2755026315366027,
        61.41737552066897,
    ),
    (
        "unbal_w_coef",
        {"n_perm": 300, "seed": 3, "weights": "pop"},
        0.26578073089701,
        0.09122918280431895,
        4.314891930578705,
    ),
    (
        "bal_hetero_coef",
        {"n_perm": 200, "seed": 4, "vcov": "hetero"},
        0.19900497512437812,
        0.08159246252052867,
        -0.3929922769417488,
    ),
    (
        "fd_coef",
        {"n_perm": 60, "seed": 5, "model": "fd"},
        0.21311475409836064,
        0.1294775998526952,
        -0.47516936675107674,
    ),
    (
        "fd_t_ctrl",
        {"n_perm": 40, "seed": 6, "model": "fd", "controls": ["z"], "statistic": "t"},
        0.6097560975609756,
        0.6460048925211639,
        28.019616632044315,
    ),
    (
        "twfe_lag_refit",
        {"n_perm": 30, "seed": 7, "lags": 1},
        0.9354838709677419,
        0.008678695746315041,
        -0.029132574305438672,
    ),
]


def _before_data(name: str) -> pd.DataFrame:
    if name.startswith("unbal") or name == "fd_t_ctrl":
        du = _panel(15, 5, seed=22, beta=0.0)
        du["pop"] = np.exp(np.random.default_rng(4).normal(size=15))[np.repeat(np.arange(15), 5)]
        return du.drop(index=[0, 7, 8, 20, 33]).reset_index(drop=True)
    return _panel(12, 6, seed=21, beta=0.1)


@pytest.mark.parametrize("name, kw, pvalue, observed, dist_sum", BEFORE_ISSUE_13, ids=[c[0] for c in BEFORE_ISSUE_13])
def test_same_numbers_as_before_issue_13(name, kw, pvalue, observed, dist_sum, monkeypatch):
    monkeypatch.setattr(ri_module, "CHUNK_BYTES", 20_000)  # many small chunks: chunking must not matter
    res = randomization_inference(_before_data(name), "p0", "cov", **kw)
    assert res.pvalue == pvalue
    assert res.observed == pytest.approx(observed, rel=1e-12, abs=1e-14)
    assert float(np.sum(res.distribution)) == pytest.approx(dist_sum, rel=1e-11, abs=1e-12)
    assert res.method == ("refit" if "lag" in name else "absorb" if ("fd" in name or "_w_" in name) else "demean-once")


@pytest.mark.parametrize("model", ["twfe", "fd", "ld"])
def test_unbalanced_fast_paths_equal_refit(model):
    """Unweighted unbalanced panel: demean-once (twfe) and absorb (fd, ld) equal the refit loop."""
    df = _panel(9, 5, seed=31, beta=0.3)
    df = df.drop(index=[2, 11, 12, 30]).reset_index(drop=True)  # gaps: several year-pattern groups
    if model != "twfe":  # missing outcome: the differenced sample differs from the x paths (groups by x)
        df.loc[7, "p0"] = np.nan
    kw = dict(controls=["z"], n_perm=30, seed=8, statistic="t", model=model)
    fast = randomization_inference(df, "p0", "cov", **kw)
    slow = randomization_inference(df, "p0", "cov", fast=False, **kw)
    assert fast.method == ("demean-once" if model == "twfe" else "absorb")
    np.testing.assert_allclose(fast.distribution, slow.distribution, rtol=1e-10, atol=1e-12)
    assert fast.observed == pytest.approx(slow.observed, rel=1e-12) and fast.pvalue == slow.pvalue


def test_fixed_effects_that_do_not_commute_are_absorbed_per_permutation():
    """Region x year effects change when a path moves to another region: no demean-once shortcut."""
    df = _panel(10, 4, seed=41, beta=0.2)
    df["region_year"] = (df["province_code"].astype(int) % 2).astype(str) + "_" + df["year"].astype(str)
    kw = dict(fe=["province_code", "region_year"], n_perm=25, seed=2, statistic="t")
    fast = randomization_inference(df, "p0", "cov", **kw)
    slow = randomization_inference(df, "p0", "cov", fast=False, **kw)
    assert fast.method == "absorb"
    np.testing.assert_allclose(fast.distribution, slow.distribution, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("cluster", ["region", "year"])
def test_demean_once_with_other_clusters_equals_refit(cluster):
    """Units nested in coarser clusters (per-unit score sums mapped to regions) and clusters that cut
    across units (year: scores summed over cells) give the refit loop's t statistics."""
    df = _panel(12, 5, seed=51, beta=0.1).drop(index=[4, 9]).reset_index(drop=True)
    df["region"] = (df["province_code"].astype(int) % 4).astype(str)
    kw = dict(n_perm=30, seed=4, statistic="t", cluster=cluster, controls=["z"])
    fast = randomization_inference(df, "p0", "cov", **kw)
    slow = randomization_inference(df, "p0", "cov", fast=False, **kw)
    assert fast.method == "demean-once"
    np.testing.assert_allclose(fast.distribution, slow.distribution, rtol=1e-10, atol=1e-12)
    assert fast.pvalue == slow.pvalue
