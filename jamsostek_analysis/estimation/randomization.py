"""Randomization inference: permute whole coverage paths across provinces.

Under the sharp null that coverage has no effect on the outcome in any province, the outcome
path of every province is fixed whatever coverage path it received, so reassigning the
observed coverage *paths* (the whole time series of ``x`` of one province to another) and
refitting the same model gives the exact null distribution of the estimate. Permuting whole
paths keeps each path's time pattern (trends, persistence) intact; only the link between paths
and provinces is broken.

Unbalanced panels: a path can only be given to a province observed in exactly the same years,
otherwise the estimation sample would change. Units are therefore grouped by the set of years
in which they enter the estimation sample and paths are permuted only within these groups.
Units alone in their group keep their own path (they still enter every refit); their number is
reported as ``n_fixed_units``.

p-value: ``(1 + #{b : |T_b| >= |T_obs|}) / (1 + n_perm)`` over random permutations (the
observed assignment counts as one draw, which makes the test exact at any ``n_perm``); when
the number of distinct within-group permutations is at most ``n_perm`` they are all
enumerated (identity included) and ``p = #{|T_b| >= |T_obs|} / n_total`` exactly. A relative
tolerance of ``1e-12`` treats numerically equal statistics as ties (ties count against the
null).

Speed and memory (issue 13). Permuting whole unit paths among units observed in the same periods
is a permutation ``Pi`` of the estimation rows; when it maps every fixed-effect factor onto itself
(unit effects and period effects, any factor that is a function of the period or a relabelling of
the units) and leaves the weights unchanged, the within transform commutes with it:
``M_D (Pi x) = Pi (M_D x)``. The model is then fitted once with
:func:`jamsostek_analysis.estimation.models.fit_panel`, ``x`` is demeaned once, and every
permutation's coefficient and CRV1 score follow from gathering whole rows of the unit x period
matrix of the demeaned ``x`` (``method='demean-once'``). Other linear models in ``x`` (first or
long differences, weights that differ across the permuted units, other fixed effects) absorb the
permuted columns chunk by chunk (``method='absorb'``). Either way the permutations are processed in
chunks whose size is set by a memory budget, so memory never grows with rows x permutations. Models
with lags or leads of ``x``, CR2 t statistics and user callables are refitted per permutation
(``method='refit'``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import EstimationError
from .inference import crv1_factor

_TIE_RTOL = 1e-12


@dataclass
class RandomizationResult:
    """Randomization-inference test of the sharp null of no effect of ``x``.

    Attributes
    ----------
    x, statistic
        Permuted regressor and the statistic (``'coef'`` or ``'t'``).
    observed
        Statistic at the observed assignment.
    pvalue
        Two-sided randomization p-value (see module docstring).
    n_perm
        Number of permutations evaluated (excluding the observed one unless ``exact``).
    exact
        True when all distinct within-group permutations were enumerated.
    n_units, n_groups, n_fixed_units
        Units, groups of units with identical year sets, and units alone in their group.
    method
        ``'demean-once'`` (within transform commutes with the permutation: demeaned once),
        ``'absorb'`` (permuted columns absorbed chunk by chunk, no refit) or ``'refit'`` (model
        refitted per permutation); see the module docstring.
    seed
        Seed used.
    distribution
        The ``n_perm`` permuted statistics.
    """

    x: str
    statistic: str
    observed: float
    pvalue: float
    n_perm: int
    exact: bool
    n_units: int
    n_groups: int
    n_fixed_units: int
    method: str
    seed: Any
    distribution: np.ndarray = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary without the distribution (for tables and manifests)."""
        d = asdict(self)
        d.pop("distribution")
        return d

    def summary(self) -> str:
        """One-line human readable summary."""
        kind = "all permutations" if self.exact else f"{self.n_perm} random permutations"
        return (
            f"Randomization inference ({kind} of {self.x} paths across {self.n_units} units, "
            f"{self.n_groups} year-pattern groups, {self.n_fixed_units} unpermutable): "
            f"{self.statistic}={self.observed:.6g}, p={self.pvalue:.4f}"
        )


# --------------------------------------------------------------------------------------------
# permutations
# --------------------------------------------------------------------------------------------
def path_groups(units: np.ndarray, times: np.ndarray) -> list[np.ndarray]:
    """Group unit indices ``0..U-1`` by the set of periods in which they are observed.

    Parameters
    ----------
    units
        Unit index ``0..U-1`` of every row.
    times
        Period of every row.

    Returns
    -------
    list of numpy.ndarray
        Unit indices of each group (sorted), groups ordered by their smallest unit index.
    """
    units = np.asarray(units, dtype=np.int64)
    U = int(units.max()) + 1
    _, tcodes = np.unique(np.asarray(times), return_inverse=True)
    present = np.zeros((U, int(tcodes.max()) + 1), dtype=bool)
    present[units, tcodes.ravel()] = True
    _, label = np.unique(present, axis=0, return_inverse=True)
    label = label.ravel()
    order = np.argsort(label, kind="stable")  # units of a group stay sorted
    bounds = np.flatnonzero(np.diff(label[order])) + 1
    return sorted(np.split(order.astype(np.int64), bounds), key=lambda a: int(a[0]))


def n_distinct_permutations(groups: list[np.ndarray]) -> int:
    """Number of distinct within-group assignments: product of ``len(group)!``."""
    return math.prod(math.factorial(len(g)) for g in groups)


def draw_permutations(groups: list[np.ndarray], U: int, n_perm: int, rng: np.random.Generator) -> np.ndarray:
    """``n_perm x U`` matrix: row ``b`` gives, for each unit, the unit whose path it receives.

    ``int32`` when ``U`` allows it (half the memory; the draws do not depend on the dtype).
    """
    dtype = np.int32 if U < 2**31 - 1 else np.int64
    P = np.tile(np.arange(U, dtype=dtype), (n_perm, 1))
    for g in groups:
        if len(g) > 1:
            P[:, g] = rng.permuted(np.tile(g.astype(dtype), (n_perm, 1)), axis=1)
    return P


def enumerate_permutations(groups: list[np.ndarray], U: int) -> np.ndarray:
    """All distinct within-group assignments (identity first), one per row."""
    per_group = [list(itertools.permutations(g.tolist())) for g in groups]
    rows = []
    for combo in itertools.product(*per_group):
        p = np.arange(U, dtype=np.int64)
        for g, perm in zip(groups, combo):
            p[g] = perm
        rows.append(p)
    return np.array(rows, dtype=np.int64)


def _pvalue(observed: float, dist: np.ndarray, include_observed: bool) -> float:
    tol = _TIE_RTOL * max(abs(observed), 1.0)
    hits = int(np.sum(np.abs(dist) >= abs(observed) - tol))
    if include_observed:
        return (1 + hits) / (1 + dist.size)
    return hits / dist.size


# --------------------------------------------------------------------------------------------
# statistics of many candidate regressors at once (Frisch-Waugh-Lovell)
# --------------------------------------------------------------------------------------------
#: Memory budget of one chunk of permutations (bytes of the largest temporary arrays).
CHUNK_BYTES = 64 * 2**20


def _chunk_rows(n: int, arrays: int = 4) -> int:
    """Permutations per chunk so that ``arrays`` float arrays of ``chunk x n`` fit :data:`CHUNK_BYTES`."""
    return max(1, CHUNK_BYTES // (8 * max(n, 1) * arrays))


@dataclass
class _FWL:
    """Pieces of the fitted model shared by every permutation (rows may be padded cells).

    ``yz``: absorbed, sqrt-weight scaled outcome net of the controls; ``Q``: orthonormal basis of
    the absorbed controls; ``C``: sparse row -> cluster indicator (``None``: no t statistic);
    ``n_obs``, ``k_ssc``: ``N`` and ``K`` of the CRV1 factor. With ``block = T`` the rows are
    ``U`` consecutive blocks of ``T`` cells (one unit each) that each lie in a single cluster:
    the scores are then summed per unit first, and ``C`` maps units to clusters (``None`` with
    ``unit_clusters``: every unit is its own cluster).
    """

    yz: np.ndarray
    Q: np.ndarray
    C: Any
    n_obs: int
    k_ssc: int
    block: int = 0
    n_clusters: int = 0

    @classmethod
    def build(cls, y_tilde, Z_tilde, cluster, n_obs: int, k_ssc: int) -> "_FWL":
        y_tilde = np.asarray(y_tilde, dtype=float)
        if Z_tilde.shape[1]:
            Q, _ = np.linalg.qr(Z_tilde)
            yz = y_tilde - Q @ (Q.T @ y_tilde)
        else:
            Q, yz = np.zeros((y_tilde.size, 0)), y_tilde
        C = None
        if cluster is not None:
            from scipy import sparse

            cluster = np.asarray(cluster, dtype=np.int64)
            C = sparse.csr_matrix(
                (np.ones(cluster.size), (np.arange(cluster.size), cluster)),
                shape=(cluster.size, int(cluster.max()) + 1),
            )
        return cls(yz, Q, C, int(n_obs), int(k_ssc), 0, 0 if C is None else C.shape[1])

    def by_unit_blocks(self, block: int, unit_cluster: np.ndarray) -> "_FWL":
        """Switch to per-unit score sums: rows are blocks of ``block`` cells, unit ``u`` in cluster ``unit_cluster[u]``."""
        from scipy import sparse

        U = unit_cluster.size
        G = int(unit_cluster.max()) + 1
        identity = G == U and np.array_equal(unit_cluster, np.arange(U))
        C = None if identity else sparse.csr_matrix((np.ones(U), (np.arange(U), unit_cluster)), shape=(U, G))
        return _FWL(self.yz, self.Q, C, self.n_obs, self.k_ssc, int(block), G)

    def statistics(self, Xa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients and CRV1 t statistics of ``x`` for the candidate rows of ``Xa``.

        ``Xa`` is ``m x n``: one absorbed (sqrt-weight scaled) candidate regressor per row;
        it is overwritten.
        """
        if self.Q.shape[1]:
            Xa -= (Xa @ self.Q) @ self.Q.T
        if self.block:
            return self._unit_block_statistics(Xa)
        S = np.einsum("pi,pi->p", Xa, Xa)
        coef = (Xa @ self.yz) / S
        if self.C is None:
            return coef, np.full(coef.shape, np.nan)
        G = self.C.shape[1]
        # residual u = yz - coef x: score of cluster g = sum_g x (yz - coef x)
        scores = np.asarray((self.C.T @ (Xa * self.yz).T).T) - coef[:, None] * np.asarray((self.C.T @ (Xa * Xa).T).T)
        c = crv1_factor(self.n_obs, self.k_ssc, G)
        se = np.sqrt(c * np.einsum("pg,pg->p", scores, scores)) / S
        return coef, coef / se

    def _unit_block_statistics(self, Xa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`statistics` from per-unit cross-products ``sum_t x yz`` and ``sum_t x^2``."""
        m = Xa.shape[0]
        X3 = Xa.reshape(m, -1, self.block)
        a = np.einsum("put,ut->pu", X3, self.yz.reshape(-1, self.block))
        b = np.einsum("put,put->pu", X3, X3)
        S = b.sum(axis=1)
        coef = a.sum(axis=1) / S
        scores = a - coef[:, None] * b  # per unit: sum_t x (yz - coef x)
        if self.C is not None:
            scores = np.asarray((self.C.T @ scores.T).T)
        c = crv1_factor(self.n_obs, self.k_ssc, self.n_clusters)
        se = np.sqrt(c * np.einsum("pg,pg->p", scores, scores)) / S
        return coef, coef / se


def fwl_statistics(
    x_perm: np.ndarray,
    y_tilde: np.ndarray,
    Z_tilde: np.ndarray,
    fe: list[np.ndarray],
    weights: np.ndarray | None,
    cluster: np.ndarray | None,
    k_ssc: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and CRV1 t statistics of ``x`` for many candidate ``x`` columns at once.

    Parameters
    ----------
    x_perm
        ``n x P`` raw (not absorbed) candidate regressor columns (processed in chunks).
    y_tilde, Z_tilde
        Absorbed (and sqrt-weight scaled) outcome and controls of the fitted model.
    fe, weights
        Fixed-effect codes and regression weights used by the model.
    cluster
        Cluster codes (None: the t statistic is returned as NaN).
    k_ssc
        ``K`` in the CRV1 factor ``G/(G-1) (N-1)/(N-K)``.

    Returns
    -------
    (coef, t)
        Arrays of length ``P``.
    """
    x_perm = np.asarray(x_perm, dtype=float)
    fwl = _FWL.build(y_tilde, Z_tilde, cluster, y_tilde.size, k_ssc)
    n, P = x_perm.shape
    coef, tst = np.empty(P), np.empty(P)
    step = _chunk_rows(n)
    for j0 in range(0, P, step):
        j1 = min(P, j0 + step)
        coef[j0:j1], tst[j0:j1] = fwl.statistics(_absorb_scaled(x_perm[:, j0:j1], fe, weights).T.copy())
    return coef, tst


def _absorb_scaled(X: np.ndarray, fe: list[np.ndarray], weights: np.ndarray | None) -> np.ndarray:
    """Absorb the fixed effects from the columns of ``X`` (or demean them) and scale by ``sqrt(w)``."""
    from .design import absorb

    Xa = absorb(X, fe, weights) if fe else X - np.average(X, axis=0, weights=weights)
    if weights is not None:
        Xa = Xa * np.sqrt(np.asarray(weights, dtype=float))[:, None]
    return Xa


def _commutes(
    fe: list[np.ndarray], weights: np.ndarray | None, ucodes: np.ndarray, tcodes: np.ndarray, groups: list[np.ndarray]
) -> bool:
    """True when permuting unit paths within ``groups`` maps the fixed effects and weights onto themselves.

    Every factor must be a function of the period or a one-to-one relabelling of the units; the
    weights of the units of a group must agree in every period.
    """
    from .design import is_nested

    for f in fe:
        by_time = is_nested(tcodes, f)
        by_unit = is_nested(ucodes, f) and is_nested(f, ucodes)
        if not (by_time or by_unit):
            return False
    if weights is None:
        return True
    W = np.full((int(ucodes.max()) + 1, int(tcodes.max()) + 1), np.nan)
    W[ucodes, tcodes] = weights
    for g in groups:
        if len(g) > 1 and not np.allclose(W[g], W[g[0]], rtol=1e-13, atol=0, equal_nan=True):
            return False
    return True


def _cell_layout(values: np.ndarray, ucodes: np.ndarray, tcodes: np.ndarray, U: int, T: int) -> np.ndarray:
    """Rows of ``values`` (``n`` or ``n x k``) placed in a ``U*T`` cell array (zeros where unobserved)."""
    shape = (U * T,) + values.shape[1:]
    out = np.zeros(shape)
    out[ucodes * T + tcodes] = values
    return out


def _demean_once_statistics(
    P: np.ndarray, d: Any, j: int, ucodes: np.ndarray, tcodes: np.ndarray, U: int, T: int
) -> tuple[np.ndarray, np.ndarray]:
    """Statistics of every permutation (row of ``P``) when demeaning commutes with the permutation.

    The demeaned (sqrt-weight scaled) ``x`` of the fitted model is laid out as a ``U x T`` matrix;
    permutation ``p`` gives unit ``u`` the row ``p[u]``. Only chunks of ``m x U x T`` are formed.
    """
    X = np.asarray(d.X_tilde)
    Z = np.delete(X, j, axis=1)
    cells = ucodes * T + tcodes
    cl = None
    if d.cluster is not None:
        cl = np.zeros(U * T, dtype=np.int64)
        cl[cells] = d.cluster
    fwl = _FWL.build(
        _cell_layout(np.asarray(d.y_tilde), ucodes, tcodes, U, T),
        _cell_layout(Z, ucodes, tcodes, U, T),
        cl,
        len(ucodes),
        d.k_ssc,
    )
    if d.cluster is not None:
        from .design import is_nested

        if is_nested(ucodes, d.cluster):  # every unit in one cluster: scores summed per unit first
            unit_cluster = np.zeros(U, dtype=np.int64)
            unit_cluster[ucodes] = d.cluster
            fwl = fwl.by_unit_blocks(T, unit_cluster)
    xm = _cell_layout(X[:, j], ucodes, tcodes, U, T).reshape(U, T)
    B = P.shape[0]
    coef, tst = np.empty(B), np.empty(B)
    step = _chunk_rows(U * T)
    for b0 in range(0, B, step):
        b1 = min(B, b0 + step)
        Xa = xm[P[b0:b1]].reshape(b1 - b0, U * T)
        coef[b0:b1], tst[b0:b1] = fwl.statistics(Xa)
    return coef, tst


def _absorb_statistics(
    P: np.ndarray, d: Any, j: int, raw_x: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Statistics of every permutation by absorbing the permuted regressor columns chunk by chunk.

    ``raw_x(P_chunk)`` returns the ``n x m`` raw (not absorbed) regressor columns of the estimation
    rows for a chunk of permutations.
    """
    X = np.asarray(d.X_tilde)
    fwl = _FWL.build(np.asarray(d.y_tilde), np.delete(X, j, axis=1), d.cluster, X.shape[0], d.k_ssc)
    fe = list(d.fe_codes)
    B = P.shape[0]
    coef, tst = np.empty(B), np.empty(B)
    step = _chunk_rows(X.shape[0], arrays=6)
    for b0 in range(0, B, step):
        b1 = min(B, b0 + step)
        Xa = _absorb_scaled(raw_x(P[b0:b1]), fe, d.weights).T.copy()
        coef[b0:b1], tst[b0:b1] = fwl.statistics(Xa)
    return coef, tst


# --------------------------------------------------------------------------------------------
# main entry point
# --------------------------------------------------------------------------------------------
def _codes_in(values: np.ndarray, reference: np.ndarray, what: str) -> np.ndarray:
    """Positions of ``values`` in the sorted array ``reference`` (EstimationError if one is absent)."""
    pos = np.searchsorted(reference, values)
    pos = np.minimum(pos, reference.size - 1)
    if not np.array_equal(reference[pos], values):
        raise EstimationError(f"randomization_inference: internal mismatch of {what} between the fit and the data")
    return pos.astype(np.int64)


def randomization_inference(
    data: pd.DataFrame,
    y: str,
    x: str,
    *,
    unit: str = "province_code",
    time: str = "year",
    n_perm: int = 2000,
    seed: int | None = 0,
    fit: Callable[[pd.DataFrame], float] | None = None,
    statistic: Literal["coef", "t"] = "coef",
    fast: bool = True,
    **fit_kwargs: Any,
) -> RandomizationResult:
    """Randomization p-value for the effect of ``x`` by permuting ``x`` paths across units.

    Parameters
    ----------
    data
        Long panel, one row per unit and period.
    y, x
        Outcome and the regressor whose paths are permuted.
    unit, time
        Unit and period columns.
    n_perm
        Number of random permutations (all distinct permutations are enumerated instead when
        there are at most ``n_perm`` of them).
    seed
        Seed of the :class:`numpy.random.Generator` drawing the permutations.
    fit
        Optional callable ``estimate(df) -> float`` returning the statistic for a data frame
        (with ``x`` replaced by permuted values); ``statistic``/``fit_kwargs`` are then ignored.
        Default: :func:`jamsostek_analysis.estimation.models.fit_panel` with ``fit_kwargs``.
    statistic
        ``'coef'`` (coefficient of ``x``) or ``'t'`` (its t statistic, e.g. CRV1).
    fast
        Compute the permutations' statistics from the single fit when the model allows it (no
        lags/leads; any vcov for ``'coef'``, CRV1 for ``'t'``; see the module docstring);
        otherwise refit per permutation.
    **fit_kwargs
        Passed to ``fit_panel`` (``controls``, ``fe``, ``weights``, ``model``, ``vcov``, ...).

    Returns
    -------
    RandomizationResult

    Raises
    ------
    EstimationError
        Missing columns, ``statistic`` not 'coef'/'t', fewer than two permutable units,
        duplicate unit-period rows.
    """
    for col in (y, x, unit, time):
        if col not in data.columns:
            raise EstimationError(
                f"randomization_inference: column {col!r} not in data (columns: {list(data.columns)})"
            )
    if statistic not in ("coef", "t"):
        raise EstimationError(f"statistic must be 'coef' or 't', got {statistic!r}")
    if n_perm < 1:
        raise EstimationError(f"n_perm must be positive, got {n_perm}")
    if data.duplicated([unit, time]).any():
        row = data.index[data.duplicated([unit, time])][0]
        raise EstimationError(
            f"randomization_inference: duplicate {unit}-{time} row {row!r}; expected one row per unit and period"
        )
    if not data.index.is_unique:  # rows are matched by index label below
        data = data.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    from .models import _numeric

    res = None
    use_fast = False
    if fit is None:
        from .models import fit_panel

        res = fit_panel(data, y, x, unit=unit, time=time, **fit_kwargs)
        use_fast = (
            fast and res.lags == 0 and res.leads == 0 and (statistic == "coef" or res.vcov_type.startswith("CRV1"))
        )

    if use_fast and res.model == "twfe":
        sample = data.loc[res.sample]  # the estimation rows, in the order of the fit
    else:
        # paths are the non-missing x values of each unit
        sample = data.loc[data[x].notna().to_numpy()]
    uni, ucodes = np.unique(sample[unit].astype(str).to_numpy(), return_inverse=True)
    ucodes = ucodes.ravel().astype(np.int64)
    times = sample[time].to_numpy()
    U = uni.size
    groups = path_groups(ucodes, times)
    n_fixed = int(sum(len(g) == 1 for g in groups))
    if U - n_fixed < 2:
        raise EstimationError(
            f"randomization_inference: fewer than two units share a set of {time} values; nothing to permute"
        )
    total = n_distinct_permutations(groups)
    exact = total <= n_perm
    if exact:
        P = enumerate_permutations(groups, U)
    else:
        P = draw_permutations(groups, U, n_perm, rng)
    # the observed assignment is evaluated as permutation 0 (identity) by the same code
    P = np.vstack([np.arange(U, dtype=P.dtype), P])

    # unit x period matrix of the raw x
    tvals, tcodes = np.unique(times, return_inverse=True)
    tcodes = tcodes.ravel().astype(np.int64)
    T = tvals.size
    xmat = np.full((U, T), np.nan)
    xmat[ucodes, tcodes] = _numeric(sample, x).to_numpy()

    if use_fast:
        d = res.design
        j = d.names.index(x)
        if res.model == "twfe" and _commutes(list(d.fe_codes), d.weights, ucodes, tcodes, groups):
            coef, tst = _demean_once_statistics(P, d, j, ucodes, tcodes, U, T)
            method = "demean-once"
        else:
            if res.model == "twfe":
                ru, rt, rb = ucodes, tcodes, None
            else:  # differences: estimation row (unit, end period) minus (unit, base period)
                est = res.data
                ru = _codes_in(est[unit].astype(str).to_numpy(), uni, unit)
                end = est[time].to_numpy()
                base = est[time + "_start"].to_numpy() if res.model == "ld" else end - 1
                rt = _codes_in(end, tvals, time)
                rb = _codes_in(base, tvals, time)

            def raw_x(Pc: np.ndarray) -> np.ndarray:
                src = Pc[:, ru].T  # n x m: unit whose path each estimation row receives
                out = xmat[src, rt[:, None]]
                if rb is not None:
                    out = out - xmat[src, rb[:, None]]
                return out

            coef, tst = _absorb_statistics(P, d, j, raw_x)
            method = "absorb"
        stats = coef if statistic == "coef" else tst
        observed, dist = float(stats[0]), stats[1:]
    else:
        from .models import fit_panel

        def one(df: pd.DataFrame) -> float:
            if fit is not None:
                return float(fit(df))
            r = fit_panel(df, y, x, unit=unit, time=time, **fit_kwargs)
            return float(r.params[x] if statistic == "coef" else r.tvalues[x])

        observed = one(data)
        pos = data.index.get_indexer(sample.index)
        dist = np.empty(P.shape[0] - 1)
        base_df = data.copy()
        base_df[x] = _numeric(base_df, x)
        xcol = base_df.columns.get_loc(x)
        for b in range(1, P.shape[0]):
            base_df.iloc[pos, xcol] = xmat[P[b, ucodes], tcodes]
            dist[b - 1] = one(base_df)
        method = "refit"

    p = _pvalue(observed, dist, include_observed=not exact)
    return RandomizationResult(
        x=x,
        statistic=statistic if fit is None else "callable",
        observed=observed,
        pvalue=p,
        n_perm=int(dist.size),
        exact=bool(exact),
        n_units=int(U),
        n_groups=len(groups),
        n_fixed_units=n_fixed,
        method=method,
        seed=seed,
        distribution=dist,
    )
