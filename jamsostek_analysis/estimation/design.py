"""Design-matrix helpers shared by the estimators and the bootstrap.

The only heavy operation is *absorbing* fixed effects: projecting columns onto the
orthogonal complement of one or more sets of group dummies (the "within" transform).
With one factor this is exact group demeaning; with several factors it uses the method of
alternating projections (Gaure 2013), iterated to a tight tolerance, as fixest and pyfixest do.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def factorize(values: Sequence | np.ndarray | pd.Series) -> np.ndarray:
    """Integer codes ``0..K-1`` for a grouping variable, in order of first appearance.

    Parameters
    ----------
    values
        Group labels of any hashable type (strings such as BPS codes ``'11'`` included).

    Returns
    -------
    numpy.ndarray
        ``int64`` codes of the same length. Missing labels raise ``ValueError``.
    """
    codes, _ = pd.factorize(pd.Series(values), sort=False)
    if (codes < 0).any():
        raise ValueError("grouping variable contains missing values")
    return codes.astype(np.int64)


def _inverse_sums(c: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """``1 / (sum of weights per level)`` of the codes ``c`` (0 for empty levels)."""
    s = np.bincount(c, weights=w).astype(float)
    out = np.zeros_like(s)
    np.divide(1.0, s, out=out, where=s > 0)
    return out


def _demean_column(
    col: np.ndarray,
    fe: Sequence[np.ndarray],
    inv: Sequence[np.ndarray],
    w: np.ndarray | None,
    buf: np.ndarray,
    wbuf: np.ndarray | None,
    *,
    tol: float,
    max_iter: int,
) -> int:
    """Alternating projections on one contiguous column, in place; returns the sweeps used.

    A sweep subtracts the weighted group means of every factor in turn. The change of the column in
    a sweep is bounded by the sum of the largest absolute group means subtracted, so the column has
    converged when that bound is at most ``tol`` (no copy of the column is needed to check it). One
    factor is exact after one sweep.
    """
    for it in range(1, max_iter + 1):
        bound = 0.0
        for c, iv in zip(fe, inv):
            src = col if w is None else np.multiply(w, col, out=wbuf)
            means = np.bincount(c, weights=src, minlength=iv.shape[0])
            means *= iv
            np.take(means, c, out=buf)
            col -= buf
            bound += float(np.abs(means).max(initial=0.0))
        if len(fe) == 1 or bound <= tol:
            return it
    raise RuntimeError(f"fixed effects did not converge after {max_iter} sweeps")


def absorb(
    M: np.ndarray,
    fe: Sequence[np.ndarray],
    weights: np.ndarray | None = None,
    *,
    tol: float = 1e-14,
    max_iter: int = 10_000,
    overwrite: bool = False,
) -> np.ndarray:
    """Partial fixed effects out of the columns of ``M`` (within transformation).

    Computes ``M - D (D'WD)^- D'W M`` where ``D`` stacks the dummy matrices of all factors in
    ``fe`` and ``W = diag(weights)``. One factor: exact weighted group demeaning. Several
    factors: alternating projections (Gaure 2013), column by column, each column until its change
    in a sweep is below ``tol`` times the scale of ``M`` (its largest absolute entry, at least 1).
    Group means are weighted sums by ``np.bincount`` over integer codes, subtracted in place from
    a Fortran-ordered float64 copy of ``M`` (or from ``M`` itself with ``overwrite=True``).

    Parameters
    ----------
    M
        ``(n,)`` or ``(n, k)`` array of floats.
    fe
        Integer code arrays (see :func:`factorize`), one per fixed-effect factor; may be empty.
    weights
        Optional positive regression weights of length ``n``.
    tol, max_iter
        Convergence tolerance (relative) and iteration cap for several factors.
    overwrite
        Work in place when ``M`` is already a Fortran-ordered (or 1-D) float64 array; saves a copy
        of ``M`` for callers that no longer need it.

    Returns
    -------
    numpy.ndarray
        Residualised array of the same shape as ``M``.

    Raises
    ------
    RuntimeError
        If alternating projections do not converge within ``max_iter`` sweeps.
    """
    M = np.asarray(M, dtype=float)
    vector = M.ndim == 1
    M2 = M.reshape(-1, 1) if vector else M
    X = np.asfortranarray(M2) if overwrite else np.array(M2, dtype=float, order="F", copy=True)
    if len(fe) == 0:
        return X.ravel() if vector else X
    n = X.shape[0]
    w = None if weights is None else np.asarray(weights, dtype=float)
    codes = [np.asarray(c, dtype=np.intp) for c in fe]
    inv = [_inverse_sums(c, w) for c in codes]
    scale = max(float(np.abs(X).max(initial=0.0)), 1.0)
    buf = np.empty(n)
    wbuf = None if w is None else np.empty(n)
    for j in range(X.shape[1]):
        _demean_column(X[:, j], codes, inv, w, buf, wbuf, tol=tol * scale, max_iter=max_iter)
    return X.ravel() if vector else X


def drop_singletons(codes: Sequence[np.ndarray]) -> np.ndarray:
    """Keep-mask after iteratively removing observations alone in a fixed-effect group.

    A singleton (a group of one factor with a single observation) is fitted perfectly by its own
    dummy and carries no information; fixest and pyfixest drop them iteratively, because removing
    one singleton can create another. ``codes`` are integer code arrays as from :func:`factorize`.

    Returns
    -------
    numpy.ndarray
        Boolean mask, ``True`` for observations that are kept.
    """
    n = len(codes[0]) if len(codes) else 0
    keep = np.ones(n, dtype=bool)
    changed = n > 0
    while changed and len(codes):
        changed = False
        for c in codes:
            counts = np.bincount(c[keep], minlength=int(c.max()) + 1)
            single = keep & (counts[c] == 1)
            if single.any():
                keep &= ~single
                changed = True
    return keep


def _int_codes(values: np.ndarray) -> np.ndarray:
    """Non-negative ``int64`` codes of ``values`` (integer input kept as is, anything else factorized)."""
    values = np.asarray(values).ravel()
    if np.issubdtype(values.dtype, np.integer) and (values.size == 0 or values.min() >= 0):
        return values.astype(np.int64, copy=False)
    codes, _ = pd.factorize(pd.Series(values), sort=False)
    return codes.astype(np.int64)


def is_nested(codes: np.ndarray, cluster: np.ndarray) -> bool:
    """True if every level of the factor ``codes`` occurs in a single cluster only.

    A fixed-effect factor nested in the clusters (province effects with province clusters) drops
    out of every cluster score; the CRV1 small-sample ``K`` and the wild bootstrap treat it apart.
    Both arguments are integer (or any hashable-valued) arrays of the same length.

    O(n) and no sort: the cluster of the last row of each level is scattered into a level-sized
    table and every row is compared with its level's entry.
    """
    lv = _int_codes(codes)
    cl = _int_codes(cluster)
    if lv.size == 0:
        return True
    table = np.empty(int(lv.max()) + 1, dtype=np.int64)
    table[lv] = cl
    return bool(np.array_equal(table[lv], cl))


def dummy_matrix(codes: np.ndarray) -> np.ndarray:
    """Dense ``(n, K)`` 0/1 indicator matrix of integer codes ``0..K-1`` (unused codes give zero columns)."""
    codes = np.asarray(codes, dtype=np.int64)
    D = np.zeros((codes.size, int(codes.max()) + 1 if codes.size else 0))
    D[np.arange(codes.size), codes] = 1.0
    return D


def count_absorbed_levels(fe: Sequence[np.ndarray]) -> int:
    """Number of linearly independent dummy columns absorbed by the factors in ``fe``.

    For one factor this is the number of levels; for two factors it is
    ``K1 + K2 - (number of connected components of the bipartite group graph)`` (the rule is
    applied as ``sum K_f - components * (F - 1)`` for ``F`` factors). Components come from
    :func:`scipy.sparse.csgraph.connected_components` on the graph whose nodes are the levels of
    all factors and whose edges link, for every observation, its level of the first factor to its
    level of every other factor. Used for the degrees of freedom of conventional and CRV1
    standard errors.
    """
    if len(fe) == 0 or len(fe[0]) == 0:
        return 0
    codes = [np.asarray(c, dtype=np.int64).ravel() for c in fe]
    levels = [int(c.max()) + 1 for c in codes]
    if len(codes) == 1:
        return levels[0]
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    offsets = np.cumsum([0] + levels[:-1])
    total = int(sum(levels))
    src = np.concatenate([codes[0]] * (len(codes) - 1))
    dst = np.concatenate([c + o for c, o in zip(codes[1:], offsets[1:])])
    graph = coo_matrix((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(total, total))
    components, _ = connected_components(graph, directed=False)
    # every factor after the first loses one column per connected component
    return total - int(components) * (len(codes) - 1)
