"""Fixed-effect absorption agrees with explicit dummy regression."""

import numpy as np
import pytest

from jamsostek_analysis.estimation.design import (
    absorb,
    count_absorbed_levels,
    drop_singletons,
    dummy_matrix,
    factorize,
    is_nested,
)


def _unbalanced_panel(seed: int = 0, units: int = 38, years: int = 6):
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(units), years)
    year = np.tile(np.arange(years), units)
    keep = rng.random(unit.size) > 0.2
    return unit[keep], year[keep], rng


def _dummy_residuals(M, codes, w=None):
    D = np.column_stack([np.eye(c.max() + 1)[c] for c in codes])
    sw = np.ones(M.shape[0]) if w is None else np.sqrt(w)
    beta = np.linalg.lstsq(D * sw[:, None], M * sw[:, None], rcond=None)[0]
    return M - D @ beta, np.linalg.matrix_rank(D)


@pytest.mark.parametrize("weighted", [False, True])
def test_two_way_absorb_equals_dummy_regression(weighted):
    unit, year, rng = _unbalanced_panel()
    M = rng.normal(size=(unit.size, 3)) + unit[:, None] * 0.3
    w = rng.uniform(0.5, 3.0, unit.size) if weighted else None
    codes = [factorize(unit), factorize(year)]
    got = absorb(M, codes, w)
    expected, _ = _dummy_residuals(M, codes, w)
    np.testing.assert_allclose(got, expected, atol=1e-11)


def test_one_way_absorb_is_group_demeaning_and_keeps_vector_shape():
    unit, _, rng = _unbalanced_panel(1)
    y = rng.normal(size=unit.size)
    got = absorb(y, [factorize(unit)])
    assert got.shape == y.shape
    means = np.bincount(unit, y) / np.bincount(unit)
    np.testing.assert_allclose(got, y - means[unit], atol=1e-14)


def test_count_absorbed_levels_matches_dummy_rank():
    unit, year, _ = _unbalanced_panel(2)
    codes = [factorize(unit), factorize(year)]
    _, rank = _dummy_residuals(np.ones((unit.size, 1)), codes)
    assert count_absorbed_levels(codes) == rank == 38 + 6 - 1


def test_count_absorbed_levels_with_disconnected_groups():
    # two separate blocks (units 0-1 only in years 0-1, units 2-3 only in years 2-3)
    unit = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    year = np.array([0, 1, 0, 1, 2, 3, 2, 3])
    codes = [factorize(unit), factorize(year)]
    _, rank = _dummy_residuals(np.ones((8, 1)), codes)
    assert count_absorbed_levels(codes) == rank == 6


def test_factorize_rejects_missing_labels():
    with pytest.raises(ValueError, match="missing"):
        factorize(["11", None, "12"])


def test_drop_singletons_is_iterative():
    # unit 2 and years 0, 2, 3 are singletons; dropping them leaves units 0 and 1 with one row
    # each, which are singletons in turn: the cascade removes every row
    unit = np.array([0, 0, 1, 1, 2])
    year = np.array([0, 1, 1, 2, 3])
    keep = drop_singletons([factorize(unit), factorize(year)])
    assert keep.tolist() == [False, False, False, False, False]
    balanced_unit = np.repeat(np.arange(3), 2)
    balanced_year = np.tile(np.arange(2), 3)
    assert drop_singletons([factorize(balanced_unit), factorize(balanced_year)]).all()


def test_is_nested_and_dummy_matrix():
    unit, year, _ = _unbalanced_panel(seed=3)
    region = unit // 5  # provinces nested in regions
    assert is_nested(unit, unit) and is_nested(unit, region)
    assert not is_nested(year, unit) and not is_nested(region, unit)
    labels = np.array([f"{11 + u}" for u in unit])  # string labels give the same answer
    assert is_nested(labels, region) and not is_nested(year, labels)
    D = dummy_matrix(year)
    assert D.shape == (year.size, year.max() + 1)
    np.testing.assert_array_equal(D.argmax(axis=1), year)
    np.testing.assert_array_equal(D.sum(axis=1), 1.0)
    assert drop_singletons([np.array([], dtype=np.int64)]).size == 0  # empty input, no error
    assert count_absorbed_levels([np.array([], dtype=np.int64)]) == 0
