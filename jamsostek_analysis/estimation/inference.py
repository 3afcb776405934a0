"""Analytic variance estimators and t-based p-values on *absorbed* design arrays.

All functions are pure: they take NumPy arrays and return NumPy arrays. ``X`` and ``resid`` are
the regressors and residuals **after** the fixed effects have been partialled out (see
:func:`jamsostek_analysis.estimation.design.absorb`) and, for weighted least squares, after multiplication
by ``sqrt(w)``. With that scaling every formula below is the unweighted one.

Small-sample convention (pinned)
--------------------------------
Let ``N`` be the number of observations, ``k`` the number of slope coefficients reported
(including an intercept when no fixed effect is absorbed), ``G`` the number of clusters and
``A`` the number of linearly independent fixed-effect dummies absorbed
(:func:`jamsostek_analysis.estimation.design.count_absorbed_levels`).

* ``iid``:   ``V = s^2 (X'X)^-1`` with ``s^2 = SSR / (N - k - A)``; t with ``N - k - A`` df.
* ``hetero`` (HC1): ``V = N / (N - k - A) * B M B`` with ``B = (X'X)^-1`` and
  ``M = sum_i x_i x_i' u_i^2``; t with ``N - k - A`` df.
* ``CRV1``:  ``V = G/(G-1) * (N-1)/(N-K) * B (sum_g s_g s_g') B``, ``s_g = X_g' u_g``, t with
  ``G - 1`` df, where ``K = k + A_nn`` counts the slope coefficients plus the absorbed
  fixed-effect dummies **not nested** in the clusters, and each fixed-effect factor that is
  fully nested in the clusters counts as one parameter (it replaces the intercept). For the
  two-way province + year model clustered by province this gives ``K = k + T`` (number of
  years). This is the default of fixest (``ssc(adj = TRUE, fixef.K = "nested",
  cluster.adj = TRUE)``) and of pyfixest 0.60 (``ssc(k_adj=True, k_fixef="nonnested",
  G_adj=True)``, the ``feols(..., vcov={"CRV1": unit})`` default), whose t-tests also use
  ``G - 1`` df. Mapping to other software for the same model:

  - **statsmodels** OLS with unit and year dummies, ``cov_type="cluster"`` (default
    ``use_correction=True``, ``df_correction=True``): same ``G/(G-1) * (N-1)/(N-K')`` but with
    ``K' = k + A`` counting *every* dummy, so its variance is ours times
    ``(N-K)/(N-K')``; for a balanced 38 provinces x 4 years panel with one regressor
    (``N = 152, K = 5, K' = 42``) its SEs are 15.6 % larger, with 38 x 15 years 3.5 % larger.
    Its t df is ``G - 1`` too.
  - **linearmodels** 7.1 ``PanelOLS(entity_effects=True, time_effects=True)`` with
    ``cov_type="clustered", cluster_entity=True``: factor ``N/(N-k-A)`` (all effects
    counted, no ``G/(G-1)``; ``debiased`` does not change it), i.e. its variance is ours times
    ``[N/(N-k-A)] / [G/(G-1) (N-1)/(N-K)]``; with ``group_debias=True`` its factor becomes
    ``G/(G-1) (N-1)/(N-k-A)``, identical to statsmodels with dummies (Stata ``xtreg, fe
    vce(cluster)`` style). Both verified to 1e-8 in ``tests/test_models.py``.
  - **Stata** ``reghdfe, vce(cluster id)`` uses the same nested-FE rule as fixest.

* ``CR2`` (Bell and McCaffrey 2002; Pustejovsky and Tipton 2018): residuals of cluster ``g``
  are replaced by ``A_g u_g`` with ``A_g = (I - H_gg)^(-1/2)``, where ``H_gg`` is the diagonal
  block of the hat matrix of the **full** model, fixed-effect dummies included:
  ``H = P_D + X (X'X)^-1 X'`` (``X`` absorbed, so the two projections are orthogonal and add).
  The blocks of ``P_D`` are computed exactly, cluster block by cluster block, from the codes of
  the fixed-effect factors (``_FEProjection``: the largest factor exactly, the others through
  their Frisch-Waugh residual on it), never as an ``N x G`` or ``N x N`` matrix, so memory is
  linear in ``N`` (clusters of equal size are batched); when ``I - H_gg`` is singular (e.g. province effects nested in province clusters make ``1_g`` an exact
  null vector) the Moore-Penrose inverse square root is used, as in R's clubSandwich.
  No further multiplicative small-sample factor is applied. Reference distribution: t with the
  Bell-McCaffrey / Imbens-Kolesar (2016) Satterthwaite df of the coefficient tested
  (:func:`cr2_satterthwaite_df`; ``fit_panel(..., vcov="CR2")`` default ``cr2_df="bm"``), or
  ``G - 1`` on request (``cr2_df="G-1"``). The BM df depends on the design only (not on ``y``)
  and falls far below ``G - 1`` when the regressor's variation is concentrated in a few clusters.

  *Weights.* With regression weights ``w`` the CR2 adjustment is that of the ``sqrt(w)``-whitened
  regression, ``A_g = (I - H~_gg)^(-1/2)`` with ``H~`` the hat matrix of the scaled data (scores
  ``X~_g' A_g u~_g``). R's clubSandwich with ``vcovCR(..., type="CR2", inverse_var=TRUE)`` treats the
  weights as inverse variances too (same working model ``Var(e) = sigma^2 / w``) but takes the
  square root in the original metric, ``A_g = C'[C (I - H_gg W_g) W_g^-1 C']^(-1/2) C`` with
  ``C = W_g^(-1/2)``. Both are unbiased under that working model; they coincide when ``w`` is
  constant within each cluster and differ otherwise: for the population-weighted P0 two-way model
  (34 provinces, 2022-2025) SE 0.0126554 here vs 0.0126539 in clubSandwich (+1.2e-4 relative; BM df
  9.2218 vs 9.2222). Unweighted, the two agree to 1e-14 (``tests/test_r_fixtures.py``, which also
  re-implements both conventions densely and reproduces both numbers to 1e-12).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from jamsostek_analysis.errors import EstimationError

__all__ = [
    "VCOV_REGISTRY",
    "VcovEstimate",
    "VcovEstimator",
    "get_vcov",
    "register_vcov",
    "vcov_names",
    "bread",
    "cluster_score_sums",
    "crv1_factor",
    "cr2_satterthwaite_df",
    "cr2_vcov_and_df",
    "fe_dummy_basis",
    "t_pvalues",
    "vcov_cr2",
    "vcov_crv1",
    "vcov_hetero",
    "vcov_iid",
]


def _as2d(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    return X.reshape(-1, 1) if X.ndim == 1 else X


def bread(X: np.ndarray) -> np.ndarray:
    """``(X'X)^-1`` for a full-column-rank ``(n, k)`` array ``X``.

    Raises
    ------
    EstimationError
        If ``X'X`` is singular.
    """
    X = _as2d(X)
    try:
        return np.linalg.inv(X.T @ X)
    except np.linalg.LinAlgError as exc:  # pragma: no cover - guarded by rank checks upstream
        raise EstimationError("X'X is singular: the regressors are collinear") from exc


def _check_df(n: int, k: int, n_absorbed: int) -> int:
    df = n - k - n_absorbed
    if df <= 0:
        raise EstimationError(
            f"fewer observations ({n}) than parameters ({k} coefficients + {n_absorbed} absorbed fixed effects)"
        )
    return df


def vcov_iid(X: np.ndarray, resid: np.ndarray, *, n_absorbed: int = 0) -> np.ndarray:
    """Conventional (homoskedastic) covariance ``SSR/(N-k-A) * (X'X)^-1``.

    Parameters
    ----------
    X, resid
        Absorbed (and ``sqrt(w)``-scaled) regressors ``(n, k)`` and residuals ``(n,)``.
    n_absorbed
        ``A``: number of linearly independent fixed-effect dummies absorbed.
    """
    X = _as2d(X)
    u = np.asarray(resid, dtype=float).ravel()
    n, k = X.shape
    df = _check_df(n, k, n_absorbed)
    return float(u @ u) / df * bread(X)


def vcov_hetero(X: np.ndarray, resid: np.ndarray, *, n_absorbed: int = 0) -> np.ndarray:
    """Heteroskedasticity-robust HC1 covariance ``N/(N-k-A) * B (sum x_i x_i' u_i^2) B``.

    Matches statsmodels ``cov_type="HC1"`` with all dummies included and pyfixest
    ``vcov="hetero"`` (``k_adj=True``).
    """
    X = _as2d(X)
    u = np.asarray(resid, dtype=float).ravel()
    n, k = X.shape
    df = _check_df(n, k, n_absorbed)
    B = bread(X)
    S = X * u[:, None]
    return n / df * (B @ (S.T @ S) @ B)


def crv1_factor(n: int, k_ssc: int, n_clusters: int) -> float:
    """The CRV1 small-sample factor ``G/(G-1) * (N-1)/(N-K)``.

    ``k_ssc`` is ``K`` of the module docstring (coefficients + non-nested absorbed dummies +
    one per fully nested fixed-effect factor).
    """
    if n_clusters < 2:
        raise EstimationError(f"cluster-robust inference needs at least 2 clusters, got {n_clusters}")
    if n - k_ssc <= 0:
        raise EstimationError(f"fewer observations ({n}) than parameters ({k_ssc})")
    return n_clusters / (n_clusters - 1) * (n - 1) / (n - k_ssc)


def _cluster_codes(cluster: np.ndarray | Sequence, n: int) -> tuple[np.ndarray, int]:
    """``int64`` codes ``0..`` of the cluster labels and the number of non-empty clusters ``G``.

    Integer codes in ``0..2n`` are used as they are (counted with ``np.bincount``, no sort);
    other labels are factorized in order of first appearance.
    """
    c = np.asarray(cluster)
    if c.shape != (n,):
        raise EstimationError(f"cluster codes have shape {c.shape}, expected ({n},)")
    if not np.issubdtype(c.dtype, np.integer) or (c.size and (c.min() < 0 or c.max() > 2 * n)):
        import pandas as pd

        c, _ = pd.factorize(pd.Series(c), sort=False)
        if (c < 0).any():
            raise EstimationError("cluster variable has missing values")
    c = c.astype(np.int64, copy=False)
    return c, int(np.count_nonzero(np.bincount(c))) if c.size else 0


def cluster_score_sums(S: np.ndarray, codes: np.ndarray, n_groups: int | None = None) -> np.ndarray:
    """``(G, k)`` sums of the rows of ``S`` (``(n, k)``) within each cluster code, by ``np.bincount``.

    Column by column, so no ``n x G`` dummy matrix and no slow ``np.add.at`` are needed.
    """
    S = _as2d(S)
    G = int(codes.max()) + 1 if n_groups is None else int(n_groups)
    out = np.empty((G, S.shape[1]))
    for j in range(S.shape[1]):
        out[:, j] = np.bincount(codes, weights=S[:, j], minlength=G)
    return out


def vcov_crv1(
    X: np.ndarray,
    resid: np.ndarray,
    cluster: np.ndarray,
    *,
    n_absorbed: int = 0,
    ssc: bool = True,
) -> np.ndarray:
    """One-way cluster-robust covariance (CRV1, Liang-Zeger with fixest's small-sample factor).

    Parameters
    ----------
    X, resid
        Absorbed (and ``sqrt(w)``-scaled) regressors ``(n, k)`` and residuals ``(n,)``.
    cluster
        Cluster labels or ``int64`` codes of length ``n``.
    n_absorbed
        Absorbed parameters counted in ``K`` beyond the ``k`` columns of ``X``: the fixed-effect
        dummies not nested in the clusters plus one per fully nested factor (see the module
        docstring and :func:`jamsostek_analysis.estimation.models.ssc_absorbed_count`).
    ssc
        Apply ``G/(G-1) * (N-1)/(N-K)`` (default). ``False`` gives the raw sandwich.

    Returns
    -------
    numpy.ndarray
        ``(k, k)`` covariance matrix. Use ``G - 1`` degrees of freedom for t-tests.
    """
    X = _as2d(X)
    u = np.asarray(resid, dtype=float).ravel()
    n, k = X.shape
    codes, G = _cluster_codes(cluster, n)
    B = bread(X)
    Sg = cluster_score_sums(X * u[:, None], codes)
    meat = Sg.T @ Sg
    if G < 2:
        raise EstimationError(f"cluster-robust inference needs at least 2 clusters, got {G}")
    factor = crv1_factor(n, k + n_absorbed, G) if ssc else 1.0
    return factor * (B @ meat @ B)


def fe_dummy_basis(fe: Sequence[np.ndarray], weights: np.ndarray | None = None, *, tol: float = 1e-10) -> np.ndarray:
    """Orthonormal basis ``U`` (``n x r``) of the column space of ``sqrt(W) D``.

    ``D`` stacks the dummy matrices of every factor in ``fe`` (integer codes), so that the
    fixed-effect projection is ``P_D = U U'``. Dense: intended for panels of at most a few
    thousand rows. Returns an ``(n, 0)`` array when ``fe`` is empty.
    """
    if len(fe) == 0:
        return np.zeros((0, 0))
    from jamsostek_analysis.estimation.design import dummy_matrix

    D = np.hstack([dummy_matrix(c) for c in fe])
    if weights is not None:
        D = D * np.sqrt(np.asarray(weights, dtype=float))[:, None]
    U, s, _ = np.linalg.svd(D, full_matrices=False)
    r = int((s > tol * s.max()).sum())
    return U[:, :r]


def _inv_sqrt_psd(M: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """Symmetric Moore-Penrose inverse square root of a symmetric PSD matrix (or a stack of them).

    Eigenvalues at most ``tol * max(1, largest eigenvalue)`` of each matrix count as zero.
    """
    vals, vecs = np.linalg.eigh((M + np.swapaxes(M, -1, -2)) / 2)
    top = np.maximum(vals.max(axis=-1, initial=0.0), 1.0)[..., None]
    keep = vals > tol * top
    inv = np.zeros_like(vals)
    np.divide(1.0, np.sqrt(np.where(keep, vals, 1.0)), out=inv, where=keep)
    return (vecs * inv[..., None, :]) @ np.swapaxes(vecs, -1, -2)


def _pinv_psd(M: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Moore-Penrose inverse of a symmetric PSD matrix (eigenvalues below ``tol * max`` dropped)."""
    vals, vecs = np.linalg.eigh((M + M.T) / 2)
    keep = vals > tol * max(float(vals.max(initial=0.0)), 1e-300)
    return (vecs[:, keep] / vals[keep]) @ vecs[:, keep].T


#: Largest dense helper array (elements) of the blockwise fixed-effect projection.
_MAX_DENSE = 200_000_000


class _FEProjection:
    """The fixed-effect projection ``P_D`` of ``sqrt(W) D`` by blocks, never as an ``n x n`` matrix.

    One factor ``f1`` (one nested in the clusters if any, the one with most levels first) is
    handled exactly: its projection is block diagonal by level, ``(P_1)_ij = sqrt(w_i w_j) / W_l``.
    The remaining factors ``D2`` (``K`` dummies) enter through ``Z = (I - P_1) sqrt(W) D2``:
    ``P_D = P_1 + Z (Z'Z)^+ Z'`` (Frisch-Waugh). Row ``i`` of ``Z`` is
    ``sqrt(w_i) (e_i - M1[f1_i])`` with ``M1`` the ``(L1, K)`` weighted means of ``D2`` within the
    levels of ``f1``, and ``Z'Z = D2'WD2 - M1' diag(W1) M1``; both are built by ``np.bincount``.
    Memory: ``O(n + L1 K + K^2)``.
    """

    def __init__(self, fe: Sequence[np.ndarray], weights: np.ndarray | None, cluster: np.ndarray):
        codes = [np.asarray(c, dtype=np.int64) for c in fe]
        n = cluster.size
        self.w = None if weights is None else np.asarray(weights, dtype=float)
        self.sw = np.ones(n) if self.w is None else np.sqrt(self.w)
        self.empty = len(codes) == 0
        self.K = 0
        if self.empty:
            return
        levels = [int(c.max()) + 1 for c in codes]
        nested = [_nested_in(c, cluster, L) for c, L in zip(codes, levels)]
        i1 = max(range(len(codes)), key=lambda i: (nested[i], levels[i]))
        self.c1, self.L1, self.nested1 = codes[i1], levels[i1], nested[i1]
        W1 = np.bincount(self.c1, weights=self.w, minlength=self.L1).astype(float)
        self.W1 = W1
        self.invW1 = np.zeros_like(W1)
        np.divide(1.0, W1, out=self.invW1, where=W1 > 0)
        self.rest = [codes[i] for i in range(len(codes)) if i != i1]
        self.rest_levels = [levels[i] for i in range(len(codes)) if i != i1]
        self.offsets = np.cumsum([0] + self.rest_levels[:-1]).astype(int)
        self.K = int(sum(self.rest_levels))
        if self.K == 0:
            return
        if self.L1 * self.K > _MAX_DENSE or self.K * self.K > _MAX_DENSE:
            raise EstimationError(
                f"CR2 with fixed-effect factors of {levels} levels: the projection on the smaller factors needs a "
                f"{self.L1} x {self.K} matrix, too large; absorb fewer or smaller factors, or use CRV1"
            )
        M1 = np.empty((self.L1, self.K))
        ZZ = np.empty((self.K, self.K))
        for ca, Ka, oa in zip(self.rest, self.rest_levels, self.offsets):
            M1[:, oa : oa + Ka] = (
                np.bincount(self.c1 * Ka + ca, weights=self.w, minlength=self.L1 * Ka).reshape(self.L1, Ka)
                * self.invW1[:, None]
            )
            for cb, Kb, ob in zip(self.rest, self.rest_levels, self.offsets):
                ZZ[oa : oa + Ka, ob : ob + Kb] = np.bincount(ca * Kb + cb, weights=self.w, minlength=Ka * Kb).reshape(
                    Ka, Kb
                )
        ZZ -= M1.T @ (W1[:, None] * M1)
        self.M1 = M1
        self.Q = _pinv_psd(ZZ)

    def z_rows(self, idx: np.ndarray) -> np.ndarray:
        """Rows ``idx`` (any shape) of ``Z``: array of shape ``idx.shape + (K,)``."""
        Z = -self.M1[self.c1[idx]]
        flat = Z.reshape(-1, self.K)
        rows = np.arange(flat.shape[0])
        for c, o in zip(self.rest, self.offsets):
            flat[rows, o + c[idx].ravel()] += 1.0
        if self.w is not None:
            Z *= self.sw[idx][..., None]
        return Z

    def blocks(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """``P_D`` restricted to each row block of ``idx`` (``(c, m)`` positions): ``(c, m, m)``, and ``Z`` rows."""
        c, m = idx.shape
        P = np.zeros((c, m, m))
        if self.empty:
            return P, None
        code = self.c1[idx]
        np.multiply(code[:, :, None] == code[:, None, :], self.invW1[code][:, :, None], out=P)
        if self.w is not None:
            s = self.sw[idx]
            P *= s[:, :, None] * s[:, None, :]
        if self.K == 0:
            return P, None
        Z = self.z_rows(idx)
        ZQ = (Z.reshape(-1, self.K) @ self.Q).reshape(Z.shape)
        P += ZQ @ np.swapaxes(Z, -1, -2)
        return P, Z


def _nested_in(codes: np.ndarray, cluster: np.ndarray, n_levels: int) -> bool:
    """True if each level of ``codes`` lies in one cluster only (O(n), no sort)."""
    first = np.full(n_levels, -1, dtype=np.int64)
    first[codes[::-1]] = cluster[::-1]
    return bool(np.all(first[codes] == cluster))


def _cluster_blocks(codes: np.ndarray, max_elems: int = 4_000_000):
    """Row positions of the clusters grouped by size: yields ``(cluster ids (c,), rows (c, m))``.

    Clusters of equal size ``m`` are stacked (at most about ``max_elems / m^2`` at a time) so that
    the per-cluster linear algebra runs batched.
    """
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    for m in np.unique(counts[counts > 0]):
        gs = np.flatnonzero(counts == m)
        step = max(1, max_elems // int(m * max(m, 8)))
        for a in range(0, gs.size, step):
            g = gs[a : a + step]
            yield g, order[starts[g][:, None] + np.arange(m)]


def _cr2_adjust(X: np.ndarray, B: np.ndarray, proj: _FEProjection, idx: np.ndarray):
    """Stacked ``A_g = (I - H_gg)^(+1/2)`` for the row blocks ``idx`` (``(c, m)``) and the ``Z`` rows."""
    Xg = X[idx]
    H, Z = proj.blocks(idx)
    H += (Xg @ B) @ np.swapaxes(Xg, -1, -2)
    m = idx.shape[1]
    return _inv_sqrt_psd(np.eye(m) - H), Xg, Z


def _cr2_pieces(X, resid, cluster, fe, weights):
    """``X, u, B, U, groups, adj``: the CR2 adjustment matrices of every cluster (``U`` is empty;
    the fixed-effect projection is applied block by block, see :class:`_FEProjection`)."""
    X = _as2d(X)
    u = np.asarray(resid, dtype=float).ravel()
    n, k = X.shape
    codes, G = _cluster_codes(cluster, n)
    if G < 2:
        raise EstimationError(f"cluster-robust inference needs at least 2 clusters, got {G}")
    B = bread(X)
    proj = _FEProjection(fe, weights, codes)
    groups: list = [None] * (int(codes.max()) + 1)
    adj: list = [None] * len(groups)
    for g, idx in _cluster_blocks(codes):
        A, _, _ = _cr2_adjust(X, B, proj, idx)
        for j, gg in enumerate(g):
            groups[gg], adj[gg] = idx[j], A[j]
    keep = [i for i, v in enumerate(groups) if v is not None]
    return X, u, B, np.zeros((n, 0)), [groups[i] for i in keep], [adj[i] for i in keep]


def _bm_df(a: np.ndarray, X: np.ndarray, B: np.ndarray, codes: np.ndarray, proj: _FEProjection) -> float:
    """Bell-McCaffrey df from ``a`` (``a[idx_g] = A_g X_g B c``), without the ``n x G`` matrix.

    With ``Atil`` the block-sparse ``n x G`` matrix of the ``a_g``, ``M = Atil'(I - H)Atil =
    Delta + U C U'`` (``Delta`` diagonal, ``U`` of ``G x r``, ``r`` = coefficients + smaller
    fixed-effect dummies [+ levels of a non-nested largest factor]) and
    ``df = tr(M)^2 / tr(M^2)``, evaluated on ``r x r`` matrices.
    """
    G = int(codes.max()) + 1
    Delta = np.bincount(codes, weights=a * a, minlength=G)
    U = [cluster_score_sums(X * a[:, None], codes, G)]
    C = [-B]
    if not proj.empty:
        sa = a * proj.sw
        if proj.nested1:
            q = np.bincount(proj.c1, weights=sa, minlength=proj.L1)
            lc = np.zeros(proj.L1, dtype=np.int64)
            lc[proj.c1] = codes
            Delta -= np.bincount(lc, weights=q * q * proj.invW1, minlength=G)
        else:
            if G * proj.L1 > _MAX_DENSE:
                raise EstimationError(
                    f"CR2 degrees of freedom: a fixed-effect factor of {proj.L1} levels not nested in {G} clusters is too "
                    "large for the blockwise computation; use cr2_df='G-1' or CRV1"
                )
            F = np.bincount(codes * proj.L1 + proj.c1, weights=sa, minlength=G * proj.L1).reshape(G, proj.L1)
            U.append(F)
            C.append(-np.diag(proj.invW1))
        if proj.K:
            E = np.empty((G, proj.K))
            for c, Kf, o in zip(proj.rest, proj.rest_levels, proj.offsets):
                E[:, o : o + Kf] = np.bincount(codes * Kf + c, weights=sa, minlength=G * Kf).reshape(G, Kf)
            if proj.nested1:
                FM = np.empty((G, proj.K))
                for j in range(proj.K):
                    FM[:, j] = np.bincount(lc, weights=q * proj.M1[:, j], minlength=G)
            else:
                FM = F @ proj.M1
            U.append(E - FM)
            C.append(-proj.Q)
    Um = np.hstack(U)
    r = Um.shape[1]
    Cm = np.zeros((r, r))
    o = 0
    for blk in C:
        Cm[o : o + blk.shape[0], o : o + blk.shape[0]] = blk
        o += blk.shape[0]
    Kmat = Um.T @ Um
    CK = Cm @ Kmat
    tr = float(Delta.sum() + np.trace(CK))
    tr2 = float((Delta**2).sum() + 2 * np.trace(Cm @ (Um.T @ (Delta[:, None] * Um))) + np.trace(CK @ CK))
    return tr * tr / tr2


def _one_blas_thread():
    """Context with a single BLAS thread: the CR2 blocks are many tiny products and eigen-
    decompositions, for which waking BLAS threads costs more than it gains (2-3x on 2 busy cores)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def cr2_vcov_and_df(
    X: np.ndarray,
    resid: np.ndarray,
    cluster: np.ndarray,
    *,
    fe: Sequence[np.ndarray] = (),
    weights: np.ndarray | None = None,
    contrasts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """CR2 covariance and the Bell-McCaffrey df of each contrast in one blockwise pass.

    Same quantities as :func:`vcov_cr2` and :func:`cr2_satterthwaite_df` (arguments as there);
    ``contrasts`` is ``(q, k)`` (default: the identity, one df per coefficient). Each cluster's
    ``A_g`` is computed once (clusters of equal size batched) and discarded; memory is linear in
    ``n`` (plus ``G`` times the number of smaller fixed-effect dummies).

    Returns
    -------
    (V, df)
        ``(k, k)`` covariance and ``(q,)`` degrees of freedom.
    """
    X = _as2d(X)
    u = np.asarray(resid, dtype=float).ravel()
    n, k = X.shape
    codes, G = _cluster_codes(cluster, n)
    if G < 2:
        raise EstimationError(f"cluster-robust inference needs at least 2 clusters, got {G}")
    Cn = np.eye(k) if contrasts is None else np.atleast_2d(np.asarray(contrasts, dtype=float))
    with _one_blas_thread():
        B = bread(X)
        proj = _FEProjection(fe, weights, codes)
        Vc = B @ Cn.T  # (k, q)
        meat = np.zeros((k, k))
        a_all = np.empty((n, Vc.shape[1]))
        for _, idx in _cluster_blocks(codes):
            A, Xg, _ = _cr2_adjust(X, B, proj, idx)
            s = np.einsum("cmk,cm->ck", Xg, np.einsum("cij,cj->ci", A, u[idx]))
            meat += s.T @ s
            a_all[idx] = A @ (Xg @ Vc)
        dfs = np.array([_bm_df(a_all[:, j], X, B, codes, proj) for j in range(Vc.shape[1])])
        return B @ meat @ B, dfs


def vcov_cr2(
    X: np.ndarray,
    resid: np.ndarray,
    cluster: np.ndarray,
    *,
    fe: Sequence[np.ndarray] = (),
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Bias-reduced linearisation (CR2) cluster-robust covariance of Bell and McCaffrey (2002).

    Computed cluster block by cluster block (no ``n x G`` or ``n x n`` matrix; see
    :class:`_FEProjection` for the fixed-effect part of the hat matrix).

    Parameters
    ----------
    X, resid
        Absorbed (and ``sqrt(w)``-scaled) regressors ``(n, k)`` and residuals ``(n,)``.
    cluster
        Cluster labels or codes of length ``n``.
    fe
        The integer code arrays of the absorbed fixed-effect factors (needed because the
        adjustment uses the hat matrix of the full model, ``H = P_D + X (X'X)^-1 X'``).
    weights
        The regression weights ``w`` (not their square root) if the fit was weighted.

    Returns
    -------
    numpy.ndarray
        ``(k, k)`` covariance ``B (sum_g X_g' A_g u_g u_g' A_g X_g) B`` with
        ``A_g = (I - H_gg)^(+1/2)`` (Moore-Penrose inverse square root). No further
        small-sample factor. Pair with the df of :func:`cr2_satterthwaite_df` (or ``G - 1``).
    """
    X = _as2d(X)
    u = np.asarray(resid, dtype=float).ravel()
    n, k = X.shape
    codes, G = _cluster_codes(cluster, n)
    if G < 2:
        raise EstimationError(f"cluster-robust inference needs at least 2 clusters, got {G}")
    with _one_blas_thread():
        B = bread(X)
        proj = _FEProjection(fe, weights, codes)
        meat = np.zeros((k, k))
        for _, idx in _cluster_blocks(codes):
            A, Xg, _ = _cr2_adjust(X, B, proj, idx)
            s = np.einsum("cmk,cm->ck", Xg, np.einsum("cij,cj->ci", A, u[idx]))
            meat += s.T @ s
        return B @ meat @ B


def cr2_satterthwaite_df(
    X: np.ndarray,
    cluster: np.ndarray,
    *,
    contrast: np.ndarray | int = 0,
    fe: Sequence[np.ndarray] = (),
    weights: np.ndarray | None = None,
) -> float:
    """Bell-McCaffrey Satterthwaite degrees of freedom of a CR2 t-test (Imbens and Kolesar 2016).

    Under the working model ``Omega = I``, ``df = (sum lambda)^2 / sum lambda^2`` where
    ``lambda`` are the eigenvalues of ``G'G`` and column ``g`` of ``G`` is
    ``(I - H)_{., g} A_g X_g B c`` (``H`` the full-model hat matrix, fixed effects included).
    Evaluated as ``tr(G'G)^2 / tr((G'G)^2)`` with ``G'G = Atil'(I - H)Atil`` written as a
    diagonal plus a low-rank part, so neither ``G`` (``n x G``) nor ``G'G`` is formed.

    Parameters
    ----------
    X
        Absorbed (and ``sqrt(w)``-scaled) regressors.
    cluster
        Cluster labels or codes.
    contrast
        Index of the coefficient tested, or a length-``k`` contrast vector ``c``.
    fe, weights
        As in :func:`vcov_cr2`.
    """
    X = _as2d(X)
    n, k = X.shape
    c = np.zeros(k)
    if np.ndim(contrast) == 0:
        c[int(contrast)] = 1.0
    else:
        c = np.asarray(contrast, dtype=float)
    _, dfs = cr2_vcov_and_df(X, np.zeros(n), cluster, fe=fe, weights=weights, contrasts=c[None, :])
    return float(dfs[0])


def t_pvalues(t: np.ndarray | float, df: float) -> np.ndarray:
    """Two-sided p-values ``2 * P(T_df > |t|)``; ``df = inf`` gives normal p-values."""
    from scipy import stats

    t = np.asarray(t, dtype=float)
    if not np.isfinite(df):
        return 2 * stats.norm.sf(np.abs(t))
    return 2 * stats.t.sf(np.abs(t), df)


# --------------------------------------------------------------------------------------------
# registry of variance estimators (used by fit_panel and PanelResult.with_vcov)
# --------------------------------------------------------------------------------------------
class FittedDesign(Protocol):
    """What a variance estimator reads from a fit (``models._VarianceInputs`` provides it).

    ``X``/``resid`` absorbed and ``sqrt(w)``-scaled; ``cluster`` compact codes or ``None``;
    ``n_absorbed`` = ``A``; ``n_absorbed_ssc`` = the part of ``A`` counted in the CRV1 ``K``;
    ``df_resid = N - k - A``.
    """

    X: np.ndarray
    resid: np.ndarray
    cluster: np.ndarray | None
    fe_codes: tuple[np.ndarray, ...]
    weights: np.ndarray | None
    names: list[str]
    n_absorbed: int
    n_absorbed_ssc: int
    df_resid: int


@dataclass
class VcovEstimate:
    """Output of a registered variance estimator.

    ``V`` the ``(k, k)`` covariance; ``df`` the t degrees of freedom (of the first coefficient
    when they differ); ``df_params`` per-coefficient df or ``None`` (all equal ``df``); ``text``
    the small-sample convention with this fit's numbers; ``extra`` further diagnostics.
    """

    V: np.ndarray
    df: float
    text: str
    df_params: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class VcovEstimator:
    """A named variance estimator: the function and its small-sample convention in words."""

    name: str
    clustered: bool
    convention: str
    compute: Callable[..., VcovEstimate]

    def __call__(self, fitted: FittedDesign, **options: Any) -> VcovEstimate:
        if self.clustered and fitted.cluster is None:
            raise EstimationError(
                f"vcov={self.name!r} needs cluster codes, but the fit has none (fitted with cluster=None or a "
                "vcov that ignores clusters); refit with a cluster column"
            )
        return self.compute(fitted, **options)


#: name -> :class:`VcovEstimator`; :func:`register_vcov` adds to it.
VCOV_REGISTRY: dict[str, VcovEstimator] = {}


def register_vcov(
    name: str, *, clustered: bool, convention: str
) -> Callable[[Callable[..., VcovEstimate]], Callable[..., VcovEstimate]]:
    """Decorator registering ``compute(fitted, **options) -> VcovEstimate`` under ``name``."""

    def deco(fn: Callable[..., VcovEstimate]) -> Callable[..., VcovEstimate]:
        VCOV_REGISTRY[name] = VcovEstimator(name, clustered, convention, fn)
        return fn

    return deco


def vcov_names() -> tuple[str, ...]:
    """Names of the registered variance estimators."""
    return tuple(VCOV_REGISTRY)


def get_vcov(name: str) -> VcovEstimator:
    """The registered estimator ``name`` (EstimationError listing the registered names otherwise)."""
    try:
        return VCOV_REGISTRY[name]
    except (KeyError, TypeError):
        raise EstimationError(f"vcov must be one of {vcov_names()}, got {name!r}") from None


@register_vcov(
    "iid",
    clustered=False,
    convention="s^2 = SSR/(N-k-A); t with N-k-A df (statsmodels OLS with dummies, pyfixest 'iid')",
)
def _iid(f: FittedDesign, **_: Any) -> VcovEstimate:
    n, k = np.shape(f.X)
    A = f.n_absorbed
    return VcovEstimate(
        vcov_iid(f.X, f.resid, n_absorbed=A),
        float(f.df_resid),
        f"iid: s^2 = SSR/(N-k-A) with N={n}, k={k}, A={A} absorbed dummies; t with N-k-A = {f.df_resid} df "
        "(= statsmodels OLS with dummies and pyfixest vcov='iid').",
    )


@register_vcov(
    "hetero",
    clustered=False,
    convention="HC1: N/(N-k-A); t with N-k-A df (statsmodels HC1 with dummies, pyfixest 'hetero')",
)
def _hetero(f: FittedDesign, **_: Any) -> VcovEstimate:
    n, k = np.shape(f.X)
    A = f.n_absorbed
    return VcovEstimate(
        vcov_hetero(f.X, f.resid, n_absorbed=A),
        float(f.df_resid),
        f"HC1: N/(N-k-A) with N={n}, k={k}, A={A}; t with N-k-A = {f.df_resid} df "
        "(= statsmodels HC1 with dummies and pyfixest vcov='hetero').",
    )


@register_vcov(
    "CRV1",
    clustered=True,
    convention="G/(G-1) (N-1)/(N-K), K = k + non-nested FE dummies + 1 per nested factor (fixest/pyfixest default); t with G-1 df",
)
def _crv1(f: FittedDesign, **_: Any) -> VcovEstimate:
    n, k = np.shape(f.X)
    A_ssc = f.n_absorbed_ssc
    G = int(np.max(f.cluster)) + 1
    K = k + A_ssc
    return VcovEstimate(
        vcov_crv1(f.X, f.resid, f.cluster, n_absorbed=A_ssc),
        float(G - 1),
        f"CRV1 small-sample factor G/(G-1) * (N-1)/(N-K) with G={G}, N={n}, K={K} "
        f"({k} coefficient{'s' if k != 1 else ''} + {A_ssc} for absorbed fixed effects: dummies not nested in the clusters, "
        f"one per factor nested in them, as fixest/pyfixest default ssc); t with G-1 = {G - 1} df.",
    )


#: Reference t distributions of the CR2 test: ``"bm"`` Bell-McCaffrey / Imbens-Kolesar
#: Satterthwaite df per coefficient (default), ``"G-1"`` the CRV1 convention.
CR2_DF = ("bm", "G-1")


@register_vcov(
    "CR2",
    clustered=True,
    convention="Bell-McCaffrey bias-reduced (I - H_gg)^(-1/2), full-model hat matrix, no further factor; "
    "t with Bell-McCaffrey Satterthwaite df (cr2_df='bm') or G-1",
)
def _cr2(f: FittedDesign, *, cr2_df: str = "bm", **_: Any) -> VcovEstimate:
    if cr2_df not in CR2_DF:
        raise EstimationError(f"cr2_df must be one of {CR2_DF}, got {cr2_df!r}")
    G = int(np.max(f.cluster)) + 1
    V, dfs = cr2_vcov_and_df(f.X, f.resid, f.cluster, fe=f.fe_codes, weights=f.weights)
    bm = dict(zip(f.names, (float(d) for d in dfs)))
    extra: dict[str, Any] = {"cr2_df_satterthwaite": bm, "cr2_df": cr2_df}
    base = (
        "CR2 (Bell-McCaffrey bias-reduced): cluster residuals multiplied by (I - H_gg)^(-1/2), H the hat "
        "matrix of the full model including the fixed-effect dummies; no further factor; "
    )
    if cr2_df == "bm":
        df_params = np.array([bm[nm] for nm in f.names], dtype=float)
        text = base + (
            "t with the Bell-McCaffrey / Imbens-Kolesar Satterthwaite df of each coefficient ("
            + ", ".join(f"{nm}: {v:.2f}" for nm, v in bm.items())
            + f"; G-1 = {G - 1}), cr2_df='bm'."
        )
        return VcovEstimate(V, float(df_params[0]), text, df_params, extra)
    return VcovEstimate(V, float(G - 1), base + f"t with G-1 = {G - 1} df (cr2_df='G-1').", None, extra)
