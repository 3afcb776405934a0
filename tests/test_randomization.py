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
    pytest.importorskip("jamsostek_analysis.estimation.models")
    df = _panel(10, 4, seed=1, beta=0.2)
    df["pop"] = np.exp(np.random.default_rng(9).normal(size=10))[np.repeat(np.arange(10), 4)]
    df = df.drop(index=[5, 6]).reset_index(drop=True)  # unit '12' lacks two years: unbalanced
    kw = dict(controls=["z"], statistic=statistic, n_perm=40, seed=3, weights="pop" if weighted else None)
    fast = randomization_inference(df, "p0", "cov", **kw)
    slow = randomization_inference(df, "p0", "cov", fast=False, **kw)
    assert fast.method == "fast-twfe" and slow.method == "refit"
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
    pytest.importorskip("jamsostek_analysis.estimation.models")
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
    pytest.importorskip("jamsostek_analysis.estimation.models")
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
