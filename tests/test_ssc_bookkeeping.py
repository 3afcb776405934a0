"""Degrees-of-freedom bookkeeping (issue 13): the O(n) nesting check and the graph
connected-components count of absorbed dummies give exactly the counts of the previous
implementations (a sort-based ``is_nested`` and a pure-Python union-find), kept here as references,
on random fixed-effect structures; and the count equals the rank of the dummy matrix.
"""

from __future__ import annotations

import numpy as np
import pytest

from jamsostek_analysis.estimation.design import count_absorbed_levels, dummy_matrix, is_nested
from jamsostek_analysis.estimation.models import ssc_absorbed_count


def _is_nested_reference(codes, cluster) -> bool:
    """The implementation before issue 13 (np.unique sorts)."""
    codes, cluster = np.asarray(codes), np.asarray(cluster)
    if codes.size == 0:
        return True
    _, lv = np.unique(codes, return_inverse=True)
    _, cl = np.unique(cluster, return_inverse=True)
    lv, cl = lv.ravel().astype(np.int64), cl.ravel().astype(np.int64)
    return np.unique(lv * (int(cl.max()) + 1) + cl).size == int(lv.max()) + 1


def _count_reference(fe) -> int:
    """The implementation before issue 13 (pure-Python union-find)."""
    if len(fe) == 0 or len(fe[0]) == 0:
        return 0
    levels = [int(c.max()) + 1 for c in fe]
    if len(fe) == 1:
        return levels[0]
    offsets = np.cumsum([0] + levels[:-1])
    parent = np.arange(sum(levels))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for row in zip(*[c + o for c, o in zip(fe, offsets)]):
        r0 = find(int(row[0]))
        for other in row[1:]:
            r1 = find(int(other))
            if r1 != r0:
                parent[r1] = r0
    components = len({find(i) for i in range(sum(levels))})
    return sum(levels) - components * (len(fe) - 1)


def _random_structure(rng: np.random.Generator):
    """Random factors: sparse bipartite graphs (many components), nested and crossed factors."""
    n = int(rng.integers(1, 400))
    n_fac = int(rng.integers(1, 4))
    fe = []
    for _ in range(n_fac):
        k = int(rng.integers(1, max(2, n // int(rng.integers(1, 6)) + 1)))
        fe.append(rng.integers(0, k, n).astype(np.int64))
    if rng.random() < 0.3:  # a factor nested in the first one
        parent = fe[0]
        fe.append((parent * 3 + rng.integers(0, 3, n)).astype(np.int64))
    return fe


def test_counts_identical_to_reference_on_random_structures():
    rng = np.random.default_rng(20261202)
    n_multi = 0
    for _ in range(300):
        fe = _random_structure(rng)
        assert count_absorbed_levels(fe) == _count_reference(fe)
        n_multi += len(fe) > 1
        cluster = fe[0] // 2 if rng.random() < 0.5 else rng.integers(0, 7, fe[0].size)
        for f in fe:
            assert is_nested(f, cluster) == _is_nested_reference(f, cluster)
            assert is_nested(cluster, f) == _is_nested_reference(cluster, f)
    assert n_multi > 150


def test_two_factor_count_equals_dummy_rank():
    rng = np.random.default_rng(7)
    for _ in range(40):
        n = int(rng.integers(5, 80))
        fe = [rng.integers(0, int(rng.integers(1, 15)), n), rng.integers(0, int(rng.integers(1, 15)), n)]
        fe = [np.unique(c, return_inverse=True)[1].astype(np.int64) for c in fe]
        rank = np.linalg.matrix_rank(np.hstack([dummy_matrix(c) for c in fe]))
        assert count_absorbed_levels(fe) == rank


def test_is_nested_on_labels_and_negative_codes():
    unit = np.array(["a", "a", "b", "b", "c"])
    region = np.array(["x", "x", "x", "x", "y"])
    assert is_nested(unit, region) and not is_nested(region, unit)
    assert is_nested(np.array([-1, -1, 3]), np.array([0, 0, 1]))
    assert not is_nested(np.array([-1, -1, 3]), np.array([0, 1, 1]))


@pytest.mark.parametrize("nested_cluster", [True, False])
def test_ssc_absorbed_count_panel(nested_cluster):
    """Province x year panel: A = U + T - 1; clustered by province, K counts T - 1 + 1 = T."""
    U, T = 9, 5
    unit = np.repeat(np.arange(U), T)
    year = np.tile(np.arange(T), U)
    cluster = unit // 3 if nested_cluster else year
    A, A_ssc = ssc_absorbed_count([unit, year], cluster)
    assert A == U + T - 1
    assert A_ssc == (T - 1 + 1 if nested_cluster else U - 1 + 1)
