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

Speed: for the default two-way fixed-effects model the model is fitted once with
:func:`jamsostek_analysis.estimation.models.fit_panel`; the fixed effects of all permuted ``x`` columns are
absorbed at once (:func:`jamsostek_analysis.estimation.design.absorb` on an ``n x n_perm`` matrix) and the
coefficients (and CRV1 t statistics) of all permutations follow from cluster sums, without a
pandas refit. Other models (first or long differences, lags, a user callable) are refitted per
permutation.
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
        ``'fast-twfe'`` (absorb once) or ``'refit'`` (model refitted per permutation).
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
    U = int(units.max()) + 1
    sets: dict[tuple, list[int]] = {}
    per_unit = [[] for _ in range(U)]
    for u, t in zip(units.tolist(), times.tolist()):
        per_unit[u].append(t)
    for u in range(U):
        sets.setdefault(tuple(sorted(per_unit[u])), []).append(u)
    return sorted((np.array(v, dtype=np.int64) for v in sets.values()), key=lambda a: int(a[0]))


def n_distinct_permutations(groups: list[np.ndarray]) -> int:
    """Number of distinct within-group assignments: product of ``len(group)!``."""
    return math.prod(math.factorial(len(g)) for g in groups)


def draw_permutations(
    groups: list[np.ndarray], U: int, n_perm: int, rng: np.random.Generator
) -> np.ndarray:
    """``n_perm x U`` matrix: row ``b`` gives, for each unit, the unit whose path it receives."""
    P = np.tile(np.arange(U, dtype=np.int64), (n_perm, 1))
    for g in groups:
        if len(g) > 1:
            P[:, g] = rng.permuted(np.tile(g, (n_perm, 1)), axis=1)
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
# fast two-way fixed-effects statistics
# --------------------------------------------------------------------------------------------
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
        ``n x P`` raw (not absorbed) candidate regressor columns.
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
    from .design import absorb

    n = y_tilde.size
    sw = np.ones(n) if weights is None else np.sqrt(np.asarray(weights, dtype=float))
    Xa = absorb(x_perm, fe, weights) if fe else x_perm - np.average(x_perm, axis=0, weights=weights)
    Xa = Xa * sw[:, None]
    if Z_tilde.shape[1]:
        Q, _ = np.linalg.qr(Z_tilde)
        Xa = Xa - Q @ (Q.T @ Xa)
        yz = y_tilde - Q @ (Q.T @ y_tilde)
    else:
        yz = y_tilde
    S = np.einsum("ip,ip->p", Xa, Xa)
    coef = (Xa.T @ yz) / S
    if cluster is None:
        return coef, np.full(coef.shape, np.nan)
    G = int(cluster.max()) + 1
    U = yz[:, None] - Xa * coef[None, :]
    from scipy import sparse

    C = sparse.csr_matrix((np.ones(n), (cluster, np.arange(n))), shape=(G, n))
    scores = np.asarray(C @ (Xa * U))
    c = crv1_factor(n, k_ssc, G)
    se = np.sqrt(c * np.einsum("gp,gp->p", scores, scores)) / S
    return coef, coef / se


# --------------------------------------------------------------------------------------------
# main entry point
# --------------------------------------------------------------------------------------------
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
        Use the absorb-once computation when the model allows it (two-way FE levels model, no
        lags/leads, CRV1/iid/hetero for ``'coef'``, CRV1 for ``'t'``); otherwise refit.
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
            raise EstimationError(f"randomization_inference: column {col!r} not in data (columns: {list(data.columns)})")
    if statistic not in ("coef", "t"):
        raise EstimationError(f"statistic must be 'coef' or 't', got {statistic!r}")
    if n_perm < 1:
        raise EstimationError(f"n_perm must be positive, got {n_perm}")
    if data.duplicated([unit, time]).any():
        row = data.index[data.duplicated([unit, time])][0]
        raise EstimationError(f"randomization_inference: duplicate {unit}-{time} row {row!r}; expected one row per unit and period")
    if not data.index.is_unique:  # rows are matched by index label below
        data = data.reset_index(drop=True)
    rng = np.random.default_rng(seed)

    if fit is None:
        from .models import fit_panel

        res = fit_panel(data, y, x, unit=unit, time=time, **fit_kwargs)
        use_fast = (
            fast
            and res.model == "twfe"
            and res.lags == 0
            and res.leads == 0
            and (statistic == "coef" or res.vcov_type.startswith("CRV1"))
        )
    else:
        res, use_fast = None, False

    if use_fast:
        sample = data.loc[res.sample]
        uni, ucodes = np.unique(sample[unit].astype(str).to_numpy(), return_inverse=True)
        times = sample[time].to_numpy()
    else:
        # paths are the non-missing x values of each unit
        ok = data[x].notna().to_numpy()
        sample = data.loc[ok]
        uni, ucodes = np.unique(sample[unit].astype(str).to_numpy(), return_inverse=True)
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

    # unit x period matrix of x, and each sample row's (unit, period) position
    tvals, tcodes = np.unique(times, return_inverse=True)
    xmat = np.full((U, tvals.size), np.nan)
    from .models import _numeric

    xmat[ucodes, tcodes] = _numeric(sample, x).to_numpy()
    x_perm = xmat[P[:, ucodes].T, tcodes[:, None]]  # rows x permutations

    if use_fast:
        d = res.design
        j = d.names.index(x)
        Z = np.delete(np.asarray(d.X_tilde), j, axis=1)
        coef, tst = fwl_statistics(
            np.column_stack([sample[x].to_numpy(dtype=float), x_perm]),
            np.asarray(d.y_tilde), Z, list(d.fe_codes), d.weights, d.cluster, d.k_ssc,
        )
        stats = coef if statistic == "coef" else tst
        observed, dist = float(stats[0]), stats[1:]
        method = "fast-twfe"
    else:
        from .models import fit_panel

        def one(df: pd.DataFrame) -> float:
            if fit is not None:
                return float(fit(df))
            r = fit_panel(df, y, x, unit=unit, time=time, **fit_kwargs)
            return float(r.params[x] if statistic == "coef" else r.tvalues[x])

        observed = one(data)
        pos = data.index.get_indexer(sample.index)
        dist = np.empty(P.shape[0])
        base = data.copy()
        base[x] = _numeric(base, x)
        xcol = base.columns.get_loc(x)
        for b in range(P.shape[0]):
            base.iloc[pos, xcol] = x_perm[:, b]
            dist[b] = one(base)
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
