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
  ``P_D`` is computed exactly from the dense (``sqrt(w)``-scaled) dummy matrix of all
  fixed-effect factors, which is cheap for province panels (a few hundred rows); when ``I -
  H_gg`` is singular (e.g. province effects nested in province clusters make ``1_g`` an exact
  null vector) the Moore-Penrose inverse square root is used, as in R's clubSandwich.
  No further multiplicative small-sample factor is applied. Reference distribution: t with the
  Bell-McCaffrey / Imbens-Kolesar (2016) Satterthwaite df of the coefficient tested
  (:func:`cr2_satterthwaite_df`; ``fit_panel(..., vcov="CR2")`` default ``cr2_df="bm"``), or
  ``G - 1`` on request (``cr2_df="G-1"``). The BM df depends on the design only (not on ``y``)
  and falls far below ``G - 1`` when the regressor's variation is concentrated in a few clusters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jamsostek_analysis.errors import EstimationError

__all__ = [
    "bread",
    "cluster_score_sums",
    "crv1_factor",
    "cr2_satterthwaite_df",
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
    """Symmetric Moore-Penrose inverse square root of a symmetric PSD matrix."""
    vals, vecs = np.linalg.eigh((M + M.T) / 2)
    keep = vals > tol * max(1.0, vals.max(initial=0.0))
    inv = np.zeros_like(vals)
    inv[keep] = 1.0 / np.sqrt(vals[keep])
    return (vecs * inv) @ vecs.T


def _cr2_pieces(X, resid, cluster, fe, weights):
    X = _as2d(X)
    u = np.asarray(resid, dtype=float).ravel()
    n, k = X.shape
    codes, G = _cluster_codes(cluster, n)
    if G < 2:
        raise EstimationError(f"cluster-robust inference needs at least 2 clusters, got {G}")
    B = bread(X)
    U = fe_dummy_basis(fe, weights) if len(fe) else np.zeros((n, 0))
    groups = [np.flatnonzero(codes == g) for g in np.unique(codes)]
    adj = []
    for idx in groups:
        Xg = X[idx]
        Hgg = Xg @ B @ Xg.T
        if U.shape[1]:
            Ug = U[idx]
            Hgg = Hgg + Ug @ Ug.T
        adj.append(_inv_sqrt_psd(np.eye(idx.size) - Hgg))
    return X, u, B, U, groups, adj


def vcov_cr2(
    X: np.ndarray,
    resid: np.ndarray,
    cluster: np.ndarray,
    *,
    fe: Sequence[np.ndarray] = (),
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Bias-reduced linearisation (CR2) cluster-robust covariance of Bell and McCaffrey (2002).

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
    X, u, B, U, groups, adj = _cr2_pieces(X, resid, cluster, fe, weights)
    k = X.shape[1]
    meat = np.zeros((k, k))
    for idx, A in zip(groups, adj):
        s = X[idx].T @ (A @ u[idx])
        meat += np.outer(s, s)
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
    _, _, B, U, groups, adj = _cr2_pieces(X, np.zeros(n), cluster, fe, weights)
    Gm = np.empty((n, len(groups)))
    v = B @ c
    for j, (idx, A) in enumerate(zip(groups, adj)):
        a = A @ (X[idx] @ v)  # n_g vector
        # (I - H)[:, idx] @ a  with H = U U' + X B X'
        col = np.zeros(n)
        col[idx] = a
        col -= X @ (B @ (X[idx].T @ a))
        if U.shape[1]:
            col -= U @ (U[idx].T @ a)
        Gm[:, j] = col
    lam = np.linalg.eigvalsh(Gm.T @ Gm)
    return float(lam.sum() ** 2 / (lam**2).sum())


def t_pvalues(t: np.ndarray | float, df: float) -> np.ndarray:
    """Two-sided p-values ``2 * P(T_df > |t|)``; ``df = inf`` gives normal p-values."""
    from scipy import stats

    t = np.asarray(t, dtype=float)
    if not np.isfinite(df):
        return 2 * stats.norm.sf(np.abs(t))
    return 2 * stats.t.sf(np.abs(t), df)
