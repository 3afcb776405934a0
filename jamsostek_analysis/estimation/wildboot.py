"""Fast wild cluster bootstrap (WCR / WCU) for one coefficient of a fixed-effects regression.

The algebra follows Roodman, MacKinnon, Nielsen and Webb (2019), "Fast and wild: Bootstrap
inference in Stata using boottest", *Stata Journal* 19(1): everything the bootstrap needs is
aggregated to the cluster level once, and all ``B`` draws are evaluated with matrix products on
the ``G x B`` matrix of weights; no ``n x B`` matrix is ever formed.

Notation (all arrays already partialled of the absorbed fixed effects ``D`` and, if weighted,
multiplied by ``sqrt(w)``): ``x`` is the tested regressor, ``Z`` the other regressors.
By Frisch-Waugh-Lovell, ``x~ = M_Z x`` and ``y~ = M_Z y``; the coefficient is
``beta = x~'y~ / S`` with ``S = x~'x~``. For residuals ``u`` (restricted ``u(r) = y~ - r x~``
for WCR, unrestricted ``u = y~ - beta x~`` for WCU) the bootstrap sample ``y* = fit + u . v``
(``v`` constant within clusters) gives

* numerator ``beta* - beta_dgp = sum_g a_g v_g / S`` with ``a_g = x~_g'u_g``;
* cluster scores of the bootstrap residuals ``s*_g = x~_g'(M_W (u . v))_g = (K v)_g`` with
  ``K = diag(a) - L R(u)'``: ``M_W`` annihilates the full design ``W = [x, Z, D]`` and
  ``L R'`` is a low-rank matrix built from the cluster sums ``x~_g'x~_g``, ``x~_g'H_g`` and
  ``H_h'u_h`` where ``H`` is an orthonormal basis of ``[M_D Z, M_{D_n} D_o]`` (controls, plus
  those fixed effects ``D_o`` that are *not* nested in the clusters, after removing the nested
  ones ``D_n``; nested fixed effects drop out of every cluster score);
* CRV1 variance ``c * sum_g s*_g^2 / S^2`` with ``c = G/(G-1) * (N-1)/(N-k)``.

So ``t*_b = a'v_b / sqrt(c * ||K v_b||^2)``. Under WCR ``a`` and ``K`` are linear in the null
value ``r``, hence ``t*_b(r)`` is a ratio of a linear function and the square root of a
quadratic in ``r``; five length-``B`` vectors hold every draw's statistic as a function of
``r`` and the confidence set is found by test inversion on the *same* draws. The bootstrap
p-value need not fall monotonically away from the estimate (the bootstrap distribution moves with
``r``), so the set ``{r : p(r) > alpha}`` can be a union of disjoint intervals: it is computed
exactly from the real roots of the ``B`` quartics ``t*_b(r)^2 = t(r)^2`` (the only points where
the step function ``p(r)`` can jump) and returned as a
:class:`~jamsostek_analysis.estimation.confset.ConfidenceSet` (``conf_set``; ``conf_int`` is its
hull, kept for compatibility).

Memory does not grow with ``G x B``: the weights are generated in row blocks and used in column
blocks of draws; discrete weights are held as one-byte indices, and when ``G x B`` of them do not
fit in ``_WINDOW_BYTES`` (256 MiB) the draws are produced window by window, each by one more pass
over the generator stream (same values as a single draw). What remains proportional to ``B`` are
the five per-draw statistics below (needed to invert the test on the same draws); ``B`` beyond
``_MAX_DRAW_BYTES / _BYTES_PER_DRAW`` (about 45 million) is refused with an EstimationError.

Weights are drawn exactly like the ``wildboottest`` package (used by pyfixest): for a seed
``s``, ``numpy.random.default_rng(s)`` draws ``G*B`` weights in one call, reshaped to
``G x B`` with clusters in sorted order, so the same seed gives the same draws as
``pyfixest.Feols.wildboottest(seed=s)``. Rademacher weights are fully enumerated (all
``2^G`` sign vectors, in :func:`itertools.product` order) when ``2^G <= B``.

Conventions: the symmetric p-value counts ``|t*_b| >= |t|`` (ties count against the null; a
relative tolerance of ``1e-12`` treats numerically equal statistics as ties). Under WCR a draw
with the same weight ``a`` in every cluster (the all-ones and all-minus-ones Rademacher vectors)
reproduces the sample, ``t*_b(r) = sign(a) t(r)`` for every ``r``; such draws are set to that
value exactly, so that the tie also holds far from the estimate during the CI search (with a full
enumeration of few clusters the confidence set can then be the whole line, ``(-inf, inf)``).
``wildboottest`` counts strictly greater draws, so its p-value can be lower by (number of exact
ties)/B under full enumeration.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import EstimationError
from .confset import ConfidenceSet, set_from_segments
from .inference import crv1_factor

WeightType = Literal["webb", "rademacher", "mammen", "norm"]
PvalueType = Literal["symmetric", "equal-tailed", "lower", "upper"]

_TIE_RTOL = 1e-12
_CHUNK_ELEMENTS = 500_000  # G x m float64 blocks of at most ~4 MB
_WINDOW_BYTES = 256 * 2**20  # weights held at once (int8 indices or float64 values), see _WeightSource
#: Memory per draw kept for the p-value and the confidence-interval search (five statistics, the
#: tie signs and the temporaries of one evaluation of every draw's t statistic).
_BYTES_PER_DRAW = 96
_MAX_DRAW_BYTES = 4 * 2**30


# --------------------------------------------------------------------------------------------
# BLAS threads
# --------------------------------------------------------------------------------------------
@contextmanager
def single_threaded_blas():
    """Run the enclosed block with one BLAS thread, restoring the previous setting afterwards.

    The bootstrap's matrix products are thin (``G x rank`` times ``rank x m``) and memory bound;
    multi-threaded OpenBLAS gains little on them but slows down by an order of magnitude when
    the cores are busy (spinning threads). Uses :func:`threadpoolctl.threadpool_limits`.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


# --------------------------------------------------------------------------------------------
# weights
# --------------------------------------------------------------------------------------------
def _weight_support(weight_type: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Support points (in ``wildboottest`` order) and probabilities (None = uniform)."""
    if weight_type == "rademacher":
        return np.array([-1.0, 1.0]), None
    if weight_type == "webb":
        return np.concatenate([-np.sqrt(np.array([3, 2, 1]) / 2), np.sqrt(np.array([1, 2, 3]) / 2)]), None
    if weight_type == "mammen":
        s5 = np.sqrt(5.0)
        return np.array([-1.0, 1.0]) * (s5 + np.array([-1.0, 1.0])) / 2, (s5 + np.array([1.0, -1.0])) / (2 * s5)
    raise EstimationError(f"weight_type: expected 'webb', 'rademacher', 'mammen' or 'norm', got {weight_type!r}")


def enumerate_rademacher(G: int) -> np.ndarray:
    """All ``2^G`` Rademacher sign vectors as a ``G x 2^G`` matrix.

    Column ``j`` holds the binary digits of ``j`` (most significant first, 0 -> -1, 1 -> +1),
    i.e. the order of ``itertools.product([-1, 1], repeat=G)`` used by ``wildboottest``.
    """
    j = np.arange(2**G, dtype=np.int64)
    shifts = np.arange(G - 1, -1, -1, dtype=np.int64)
    bits = (j[None, :] >> shifts[:, None]) & 1
    return (2 * bits - 1).astype(float)


def draw_weights(
    G: int,
    B: int,
    weight_type: str = "webb",
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Draw a ``G x B`` matrix of wild bootstrap weights, identical to ``wildboottest``'s draws.

    Parameters
    ----------
    G, B
        Number of clusters (rows) and draws (columns).
    weight_type
        ``'webb'`` (six points +-sqrt(1/2), +-1, +-sqrt(3/2)), ``'rademacher'`` (+-1),
        ``'mammen'`` (two-point, skewness 1) or ``'norm'`` (standard normal).
    rng
        A :class:`numpy.random.Generator`, a seed, or None.

    Returns
    -------
    numpy.ndarray
        ``G x B`` float array: the values ``rng`` yields for ``G*B`` draws in one call, reshaped
        row-major (as ``wildboottest.weights.draw_weights``).
    """
    src = _WeightSource(G, B, weight_type, rng, enumerate_=False, window_bytes=8 * G * B + 1)
    return src.chunk(0, B)


class _WeightSource:
    """``G x B`` bootstrap weights, generated in row blocks and handed out in column blocks.

    The stream is exactly that of one ``G*B`` draw reshaped row-major (cluster ``g`` gets values
    ``g*B .. g*B+B-1``), as ``wildboottest`` draws it. Discrete weights (Webb, Rademacher, Mammen)
    are kept as ``int8`` indices into the support (one byte per weight; Mammen's ``choice`` with
    probabilities is ``searchsorted`` of uniforms on the cumulative probabilities, as NumPy does
    it), normal weights as float64. At most ``window_bytes`` of weights are held at once: when
    ``G x B`` does not fit, the weights are produced window by window of draws, each window by
    one pass over the generator stream from its saved start state (the generator ends where one
    ``G*B`` draw would leave it). Memory is therefore bounded whatever ``B``; only the number of
    passes over the stream grows.
    """

    def __init__(self, G: int, B: int, weight_type: str, rng, enumerate_: bool, window_bytes: int | None = None):
        self.rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self.G = G
        self.kind = "enum" if enumerate_ else ("norm" if weight_type == "norm" else "index")
        self.support = np.ones(1)
        self.cdf = None
        if self.kind == "enum":
            B = 2**G
        elif self.kind == "index":
            support, p = _weight_support(weight_type)
            self.support = support
            if p is not None:
                cdf = np.cumsum(p)
                self.cdf = cdf / cdf[-1]
        self.B = B
        itemsize = 8 if self.kind != "index" else 1
        budget = _WINDOW_BYTES if window_bytes is None else int(window_bytes)
        self.width = B if self.kind == "enum" else int(min(B, max(1, budget // max(G * itemsize, 1))))
        self.passes = 0
        self.const = np.zeros(B)
        self._start = self.rng.bit_generator.state
        self._w0, self._w1, self._block = 0, 0, None
        self._load(0, self.width)

    def _rows(self, g0: int, g1: int) -> np.ndarray:
        """Rows ``g0:g1`` of the ``G x B`` stream (consumes them from the generator)."""
        size = (g1 - g0) * self.B
        if self.kind == "norm":
            out = self.rng.normal(size=size)
        elif self.cdf is None:
            # Generator.choice(a, size) with uniform p draws integers(0, len(a), size)
            out = self.rng.integers(0, self.support.size, size=size).astype(np.int8)
        else:
            out = self.cdf.searchsorted(self.rng.random(size), side="right").astype(np.int8)
        return out.reshape(g1 - g0, self.B)

    def _load(self, j0: int, j1: int) -> None:
        """Materialise draws ``j0:j1`` of every cluster (one pass over the stream)."""
        if self.kind == "enum":
            block = enumerate_rademacher(self.G)
        else:
            if self.passes:
                self.rng.bit_generator.state = self._start
            self._block = None  # release the previous window before allocating the next
            block = np.empty((self.G, j1 - j0), dtype=np.int8 if self.kind == "index" else float)
            rows = max(1, _CHUNK_ELEMENTS // max(self.B, 1))
            for g0 in range(0, self.G, rows):
                g1 = min(self.G, g0 + rows)
                block[g0:g1] = self._rows(g0, g1)[:, j0:j1]
        self.passes += 1
        same = np.ones(block.shape[1], dtype=bool)
        step = max(1, _CHUNK_ELEMENTS // max(block.shape[1], 1))
        for g0 in range(1, self.G, step):  # row blocks: no G x width temporary
            same &= np.logical_and.reduce(block[g0 : g0 + step] == block[0], axis=0)
        first = block[0] if self.kind != "index" else self.support[block[0]]
        self.const[j0:j1] = np.where(same, np.sign(first), 0.0)
        self._w0, self._w1, self._block = j0, j1, block

    def constant_sign(self) -> np.ndarray:
        """Length-``B`` array: ``sign(v)`` for draws with the same weight ``v`` in every cluster, else 0.

        Complete once every draw has been handed out by :meth:`chunk` (or when all fit in one window).
        """
        return self.const

    def chunk(self, j0: int, j1: int) -> np.ndarray:
        """Weights of draws ``j0:j1`` (``G x (j1-j0)`` floats); ``j1 - j0`` at most the window width."""
        if not (self._w0 <= j0 and j1 <= self._w1):
            self._load(j0, min(self.B, j0 + self.width))
        blk = self._block[:, j0 - self._w0 : j1 - self._w0]
        return self.support[blk] if self.kind == "index" else blk


# --------------------------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------------------------
@dataclass
class BootstrapResult:
    """Outcome of a wild cluster bootstrap test of ``H0: beta[param] = r``.

    Attributes
    ----------
    param
        Name (or column index) of the tested coefficient.
    estimate, se
        OLS estimate and its CRV1 standard error (with the ``small_sample`` factor).
    r
        Null value tested.
    t_stat
        CRV1 t-statistic ``(estimate - r) / se``.
    pvalue
        Bootstrap p-value of type ``pvalue_type``.
    conf_int
        ``(lower, upper)``: the hull (smallest interval containing) of ``conf_set``; ``(nan, nan)``
        if not computed or empty. Equal to the confidence set only when ``conf_set`` has one piece.
    B
        Number of bootstrap draws actually used (``2^G`` under full enumeration).
    weight_type, enumerated, impose_null, seed, alpha, pvalue_type
        Settings; ``enumerated`` is True when all ``2^G`` Rademacher sign vectors were used.
    n_obs, n_clusters, k
        Observations, clusters and number of parameters ``k`` used in the small-sample factor.
    small_sample
        Text describing the small-sample factor applied to the CRV1 variances.
    method
        ``'WCR'`` (null imposed) or ``'WCU'``.
    t_boot
        Bootstrap t-statistics at ``r`` (only if ``store_t_boot=True``).
    conf_set
        The confidence set ``{r : p(r) > alpha}`` by test inversion with the same draws for every
        ``r``, as a union of disjoint intervals (infinite bounds where the p-value never falls to
        ``alpha``); None if ``ci=False``.
    """

    param: Any
    estimate: float
    se: float
    r: float
    t_stat: float
    pvalue: float
    conf_int: tuple[float, float]
    B: int
    weight_type: str
    enumerated: bool
    impose_null: bool
    seed: Any
    alpha: float
    pvalue_type: str
    n_obs: int
    n_clusters: int
    k: int
    small_sample: str
    method: str
    t_boot: np.ndarray | None = field(default=None, repr=False)
    conf_set: ConfidenceSet | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (without ``t_boot``) for tables and JSON manifests."""
        d = asdict(self)
        d.pop("t_boot")
        d["conf_int"] = list(self.conf_int)
        d["conf_set"] = None if self.conf_set is None else str(self.conf_set.format("{:.6g}"))
        if isinstance(d["seed"], np.random.Generator):
            d["seed"] = "Generator"
        return d

    def summary(self) -> str:
        """One-line human readable summary."""
        cs = "n/a" if self.conf_set is None else self.conf_set.format("{:.6g}")
        draws = f"all {self.B} Rademacher sign vectors" if self.enumerated else f"B={self.B} {self.weight_type} draws"
        return (
            f"{self.method} wild cluster bootstrap, H0: {self.param} = {self.r:g}: "
            f"estimate={self.estimate:.6g}, t={self.t_stat:.4f}, p={self.pvalue:.4f} ({self.pvalue_type}), "
            f"{100 * (1 - self.alpha):g}% confidence set {cs}; G={self.n_clusters}, {draws}"
        )


# --------------------------------------------------------------------------------------------
# core
# --------------------------------------------------------------------------------------------
def _orthonormal_basis(A: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the column span of ``A`` (thin SVD, rank-revealing)."""
    if A.shape[1] == 0:
        return np.zeros((A.shape[0], 0))
    U, s, _ = np.linalg.svd(A, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        return np.zeros((A.shape[0], 0))
    tol = s[0] * max(A.shape) * np.finfo(float).eps
    return U[:, s > tol]


def _cluster_sum(C, M: np.ndarray) -> np.ndarray:
    """Cluster sums of the rows of ``M`` (``C`` is the ``G x n`` sparse indicator)."""
    return np.asarray(C @ M)


def _fe_basis(fe: Sequence[np.ndarray], cluster: np.ndarray, sw: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Columns spanning ``M_{D_n} D_o`` (scaled by sqrt(w)): non-nested FE net of nested FE."""
    from .design import absorb, dummy_matrix, is_nested

    nested = [np.asarray(c, dtype=np.int64) for c in fe if is_nested(c, cluster)]
    other = [np.asarray(c, dtype=np.int64) for c in fe if not is_nested(c, cluster)]
    if not other:
        return np.zeros((cluster.size, 0))
    Do = np.hstack([dummy_matrix(np.unique(c, return_inverse=True)[1].ravel()) for c in other])
    if nested:
        Do = absorb(Do, nested, weights)
    return Do * sw[:, None]


def _p_from_t(t_obs: float, tb: np.ndarray, pvalue_type: str) -> float:
    """Bootstrap p-value from the observed and bootstrap t statistics (ties count)."""
    tol = _TIE_RTOL * max(abs(t_obs), 1.0)
    if pvalue_type == "symmetric":
        return float(np.mean(np.abs(tb) >= abs(t_obs) - tol))
    upper = float(np.mean(tb >= t_obs - tol))
    lower = float(np.mean(tb <= t_obs + tol))
    if pvalue_type == "upper":
        return upper
    if pvalue_type == "lower":
        return lower
    return min(1.0, 2.0 * min(upper, lower))


class _Draws:
    """Per-draw sufficient statistics: ``t*_b(r) = (ny - r nx) / sqrt(c (dyy - 2 r dxy + r^2 dxx))``.

    ``const`` holds, for draws whose weights are equal in every cluster (``v = a 1``, e.g. the
    all-ones and all-minus-ones Rademacher vectors of a full enumeration), the sign of ``a`` (0 for
    other draws). Under WCR such a draw reproduces the sample exactly, ``t*_b(r) = sign(a) t(r)``;
    :meth:`t` returns that value exactly when ``t_obs`` is given, because evaluating the quadratic
    form far from the estimate (as the confidence-interval search does) loses the tie to rounding.
    """

    def __init__(self, ny, nx, dyy, dxy, dxx, c, const=None):
        self.ny, self.nx, self.dyy, self.dxy, self.dxx, self.c = ny, nx, dyy, dxy, dxx, c
        self.tie = np.flatnonzero(const) if const is not None else np.zeros(0, dtype=np.int64)
        self.tie_sign = const[self.tie] if const is not None else np.zeros(0)

    def t(self, r: float, t_obs: float | None = None) -> np.ndarray:
        den = self.c * (self.dyy - 2.0 * r * self.dxy + r * r * self.dxx)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = (self.ny - r * self.nx) / np.sqrt(np.maximum(den, 0.0))
        if t_obs is not None and self.tie.size:
            out[self.tie] = self.tie_sign * t_obs
        return out


def wild_cluster_bootstrap_arrays(
    y: np.ndarray,
    X: np.ndarray,
    cluster: np.ndarray,
    *,
    param_index: int = 0,
    r: float = 0.0,
    B: int = 9999,
    weight_type: WeightType = "webb",
    seed: int | np.random.Generator | None = None,
    impose_null: bool = True,
    alpha: float = 0.05,
    ci: bool = True,
    pvalue_type: PvalueType = "symmetric",
    small_sample: bool = True,
    n_absorbed: int = 0,
    fe: Sequence[np.ndarray] | None = None,
    weights: np.ndarray | None = None,
    weights_applied: bool = True,
    full_enumeration: bool | Literal["auto"] = "auto",
    store_t_boot: bool = False,
    param_name: Any = None,
) -> BootstrapResult:
    """Wild cluster bootstrap test (and CI) for one coefficient, on partialled-out arrays.

    Parameters
    ----------
    y, X
        Outcome ``(n,)`` and regressors ``(n, k)`` with the fixed effects already absorbed
        (see :func:`jamsostek_analysis.estimation.design.absorb`) and, for WLS, multiplied by
        ``sqrt(weights)`` (see ``weights_applied``). Columns other than ``param_index`` are
        controls; they are projected out once (Frisch-Waugh-Lovell).
    cluster
        Cluster labels, length ``n`` (any sortable labels; integer codes recommended).
    param_index
        Column of ``X`` whose coefficient is tested.
    r
        Null value ``H0: beta = r``.
    B
        Number of bootstrap draws.
    weight_type
        ``'webb'`` (default), ``'rademacher'``, ``'mammen'`` or ``'norm'``.
    seed
        Seed or :class:`numpy.random.Generator` (same seed -> same draws as ``wildboottest``).
    impose_null
        True: WCR (restricted residuals, recommended with few clusters); False: WCU.
    alpha
        Level of the confidence interval ``1 - alpha``.
    ci
        Compute the confidence interval by test inversion (same draws for every ``r``).
    pvalue_type
        ``'symmetric'`` (share of ``|t*| >= |t|``), ``'equal-tailed'`` (twice the smaller tail),
        ``'lower'`` (H1: beta < r, share of ``t* <= t``) or ``'upper'`` (H1: beta > r).
    small_sample
        Multiply CRV1 variances by ``G/(G-1) * (N-1)/(N-k)``; ``k = X.shape[1] + n_absorbed``.
        (The bootstrap p-value does not depend on this factor; the t statistic does.)
    n_absorbed
        Number of fixed-effect parameters absorbed from ``y`` and ``X`` (counted in ``k``;
        see :func:`jamsostek_analysis.estimation.design.count_absorbed_levels`).
    fe
        Integer code arrays of the absorbed fixed-effect factors. Needed when some factor is
        not nested in the clusters (e.g. year effects with province clusters): the bootstrap
        residuals are then re-projected off those effects, exactly as a regression with dummies
        would. Factors nested in clusters need not be given. None: no correction.
    weights
        Regression weights (only used with ``fe``, or to scale the arrays if
        ``weights_applied=False``).
    weights_applied
        True if ``y`` and ``X`` already carry the ``sqrt(weights)`` factor (as ``PanelDesign``
        arrays do).
    full_enumeration
        ``'auto'``: enumerate all ``2^G`` Rademacher sign vectors when ``2^G <= B``; True/False
        force it on/off (only for Rademacher weights).
    store_t_boot
        Keep the ``B`` bootstrap t statistics at ``r`` in the result.
    param_name
        Label of the tested coefficient for the result (default: ``param_index``).

    Returns
    -------
    BootstrapResult

    Raises
    ------
    EstimationError
        On inconsistent shapes, missing values, fewer than two clusters, or a tested regressor
        that is collinear with the controls.
    """
    from scipy import sparse

    y = np.asarray(y, dtype=float).ravel()
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    n = y.size
    cluster = np.asarray(cluster)
    if X.shape[0] != n or cluster.shape[0] != n:
        raise EstimationError(
            f"wild_cluster_bootstrap_arrays: y has {n} rows, X {X.shape[0]} rows, cluster {cluster.shape[0]}; expected equal"
        )
    if not np.all(np.isfinite(y)) or not np.all(np.isfinite(X)):
        raise EstimationError("wild_cluster_bootstrap_arrays: y and X must be finite (drop missing rows first)")
    k_x = X.shape[1]
    if not 0 <= param_index < k_x:
        raise EstimationError(f"param_index {param_index} out of range for X with {k_x} columns")
    if B < 1:
        raise EstimationError(f"B must be a positive number of draws, got {B}")
    if B * _BYTES_PER_DRAW > _MAX_DRAW_BYTES:
        raise EstimationError(
            f"B={B} bootstrap draws would need about {B * _BYTES_PER_DRAW / 2**30:.1f} GiB for the per-draw statistics "
            f"({_BYTES_PER_DRAW} bytes per draw, kept so that the confidence interval re-uses the same draws), above "
            f"the limit of {_MAX_DRAW_BYTES / 2**30:.0f} GiB; use at most {_MAX_DRAW_BYTES // _BYTES_PER_DRAW} draws"
        )
    if not 0 < alpha < 1:
        raise EstimationError(f"alpha must lie in (0, 1), got {alpha}")
    if pvalue_type not in ("symmetric", "equal-tailed", "lower", "upper"):
        raise EstimationError(f"pvalue_type: expected symmetric, equal-tailed, lower or upper, got {pvalue_type!r}")

    sw = np.ones(n)
    if weights is not None:
        w = np.asarray(weights, dtype=float).ravel()
        if w.size != n or not np.all(w > 0):
            raise EstimationError("weights: expected n positive values")
        sw = np.sqrt(w)
        if not weights_applied:
            y = y * sw
            X = X * sw[:, None]
    else:
        w = None

    _, cl = np.unique(cluster, return_inverse=True)  # sorted order, as wildboottest
    cl = cl.astype(np.int64).ravel()
    G = int(cl.max()) + 1
    if G < 2:
        raise EstimationError("wild cluster bootstrap needs at least two clusters")
    C = sparse.csr_matrix((np.ones(n), (cl, np.arange(n))), shape=(G, n))

    # ---- FWL: project the controls out once --------------------------------------------------
    x = X[:, param_index]
    Z = np.delete(X, param_index, axis=1)
    QZ = _orthonormal_basis(Z)
    xt = x - QZ @ (QZ.T @ x)
    yt = y - QZ @ (QZ.T @ y)
    S = float(xt @ xt)
    if S <= 1e-12 * max(float(x @ x), 1e-300):
        raise EstimationError(f"column {param_index} of X is collinear with the other regressors / absorbed effects")
    beta = float(xt @ yt) / S
    uhat = yt - beta * xt

    k = k_x + int(n_absorbed)
    if small_sample:
        c = crv1_factor(n, k, G)
        ssc_note = f"CRV1 x G/(G-1)*(N-1)/(N-k) with G={G}, N={n}, k={k}"
    else:
        c = 1.0
        ssc_note = "CRV1 without small-sample factor"

    # ---- low-rank pieces of K(u) = diag(a(u)) - L R(u)' --------------------------------------
    H = QZ
    if fe is not None and len(fe):
        Dfe = _fe_basis(fe, cl, sw, w)
        if Dfe.shape[1]:
            Dfe = Dfe - QZ @ (QZ.T @ Dfe)  # already orthogonal in exact arithmetic; cheap safety
            H = np.hstack([QZ, _orthonormal_basis(Dfe)])
    cg = _cluster_sum(C, xt * xt)  # x~_g'x~_g
    Fh = _cluster_sum(C, H * xt[:, None])  # x~_g'H_g      (G x m)
    L = np.hstack([cg[:, None] / S, Fh])  # G x (1+m)

    def pieces(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = _cluster_sum(C, xt * u)
        R = np.hstack([a[:, None], _cluster_sum(C, H * u[:, None])])
        return a, R

    se = float(np.sqrt(c * np.sum(_cluster_sum(C, xt * uhat) ** 2))) / S
    ssr = float(uhat @ uhat)
    if (
        not np.isfinite(se)
        or se == 0.0
        or ssr <= 1e-20 * float(yt @ yt)
        or se <= 1e-8 * np.sqrt(ssr / max(n - k, 1) / S)
    ):
        raise EstimationError(
            f"the CRV1 standard error of column {param_index} is zero (perfect fit, or cluster scores degenerate "
            f"with G={G} clusters): the bootstrap t statistic is undefined"
        )
    t_obs_at = lambda rr: (beta - rr) / se  # noqa: E731

    if impose_null:
        a_y, R_y = pieces(yt)  # u(r) = yt - r xt
        a_x, R_x = pieces(xt)
    else:
        a_y, R_y = pieces(uhat)
        a_x, R_x = np.zeros(G), np.zeros_like(R_y)

    # ---- draws -----------------------------------------------------------------------------
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if full_enumeration == "auto":
        enumerate_ = weight_type == "rademacher" and 2**G <= B
    else:
        enumerate_ = bool(full_enumeration)
        if enumerate_ and weight_type != "rademacher":
            raise EstimationError("full_enumeration is only available with weight_type='rademacher'")
        if enumerate_ and G > 24:
            raise EstimationError(f"full enumeration of 2^{G} sign vectors is infeasible")
    src = _WeightSource(G, B, weight_type, rng, enumerate_)
    B_used = src.B

    rank = L.shape[1]
    dense = rank >= G // 2
    if dense:
        Ky = np.diag(a_y) - L @ R_y.T
        Kx = np.diag(a_x) - L @ R_x.T

    ny = np.empty(B_used)
    nx = np.zeros(B_used)
    dyy = np.empty(B_used)
    dxy = np.zeros(B_used)
    dxx = np.zeros(B_used)
    m = max(1, min(_CHUNK_ELEMENTS // G, src.width))
    with single_threaded_blas():
        _accumulate(
            src,
            m,
            a_y,
            a_x,
            R_y,
            R_x,
            L,
            Ky if dense else None,
            Kx if dense else None,
            impose_null,
            ny,
            nx,
            dyy,
            dxy,
            dxx,
        )
    const = src.constant_sign() if impose_null else None  # complete once every draw was handed out
    draws = _Draws(ny, nx, dyy, dxy, dxx, c, const)

    def pval(rr: float) -> float:
        t_rr = t_obs_at(rr)
        return _p_from_t(t_rr, draws.t(rr, t_rr), pvalue_type)

    p = pval(r)
    conf = (np.nan, np.nan)
    conf_set = None
    if ci:
        conf_set = _bootstrap_confidence_set(draws, beta, se, alpha, pvalue_type, impose_null)
        conf = conf_set.hull

    return BootstrapResult(
        param=param_index if param_name is None else param_name,
        estimate=beta,
        se=se,
        r=float(r),
        t_stat=float(t_obs_at(r)),
        pvalue=p,
        conf_int=conf,
        B=int(B_used),
        weight_type=weight_type,
        enumerated=bool(enumerate_),
        impose_null=bool(impose_null),
        seed=seed,
        alpha=float(alpha),
        pvalue_type=pvalue_type,
        n_obs=int(n),
        n_clusters=G,
        k=int(k),
        small_sample=ssc_note,
        method="WCR" if impose_null else "WCU",
        t_boot=draws.t(r, t_obs_at(r)) if store_t_boot else None,
        conf_set=conf_set,
    )


def _accumulate(src, m, a_y, a_x, R_y, R_x, L, Ky, Kx, impose_null, ny, nx, dyy, dxy, dxx) -> None:
    """Fill the per-draw statistics block by block of ``m`` draws (``G x m`` work arrays)."""
    dense = Ky is not None
    B_used = ny.size
    for j0 in range(0, B_used, m):
        j1 = min(B_used, j0 + m)
        Vc = src.chunk(j0, j1)
        ny[j0:j1] = a_y @ Vc
        P = Ky @ Vc if dense else a_y[:, None] * Vc - L @ (R_y.T @ Vc)
        dyy[j0:j1] = np.einsum("gb,gb->b", P, P)
        if impose_null:
            nx[j0:j1] = a_x @ Vc
            Q = Kx @ Vc if dense else a_x[:, None] * Vc - L @ (R_x.T @ Vc)
            dxy[j0:j1] = np.einsum("gb,gb->b", P, Q)
            dxx[j0:j1] = np.einsum("gb,gb->b", Q, Q)


def _indicators(
    draws: "_Draws", beta: float, se: float, s: np.ndarray, idx: np.ndarray | None, kind: str
) -> np.ndarray:
    """Whether draw ``b`` counts towards the p-value at standardised null values ``s = (r - beta)/se``.

    ``idx`` selects draws (None: all); ``s`` broadcasts against them. ``kind``: ``'abs'`` (``|t*| >= |t|``),
    ``'upper'`` (``t* >= t``) or ``'lower'`` (``t* <= t``), with the tie tolerance of :func:`_p_from_t`.
    """
    sel = slice(None) if idx is None else idx
    r = beta + se * s
    den = draws.c * (draws.dyy[sel] - 2.0 * r * draws.dxy[sel] + r * r * draws.dxx[sel])
    with np.errstate(divide="ignore", invalid="ignore"):
        tb = (draws.ny[sel] - r * draws.nx[sel]) / np.sqrt(np.maximum(den, 0.0))
    t = -s
    tol = _TIE_RTOL * np.maximum(np.abs(t), 1.0)
    if kind == "abs":
        return np.abs(tb) >= np.abs(t) - tol
    if kind == "upper":
        return tb >= t - tol
    return tb <= t + tol


def _draw_roots(draws: "_Draws", beta: float, se: float, impose_null: bool) -> tuple[np.ndarray, np.ndarray]:
    """Standardised null values ``s`` at which some draw's ``|t*_b(r)|`` equals ``|t(r)|``, and the draws.

    With ``r = beta + se s`` the observed statistic is ``t = -s`` and, under WCR,
    ``t*_b = N_b(s) / sqrt(c Q_b(s))`` with ``N_b`` linear and ``Q_b`` quadratic in ``s``. The equation
    ``t*_b^2 = t^2`` is the quartic ``N_b(s)^2 - c Q_b(s) s^2 = 0``; every point where the indicator of
    draw ``b`` can change (for symmetric and one-sided p-values) is one of its real roots. Roots of all
    draws at once: eigenvalues of the ``B`` companion matrices, polished by two Newton steps. Under WCU
    ``t*_b`` does not depend on ``r`` and the roots are ``+-|t*_b|``. Tie draws (``t*_b = +-t``
    identically) have no roots and are handled separately.
    """
    keep = np.ones(draws.ny.size, dtype=bool)
    keep[draws.tie] = False
    b_idx = np.flatnonzero(keep)
    if not impose_null:
        tb = np.abs(draws.t(beta)[b_idx])
        ok = np.isfinite(tb)
        return np.r_[tb[ok], -tb[ok]], np.r_[b_idx[ok], b_idx[ok]]
    ny, nx = draws.ny[b_idx], draws.nx[b_idx]
    dyy, dxy, dxx, c = draws.dyy[b_idx], draws.dxy[b_idx], draws.dxx[b_idx], draws.c
    n0, n1 = ny - beta * nx, -se * nx
    q0 = dyy - 2.0 * beta * dxy + beta * beta * dxx
    q1 = se * (2.0 * beta * dxx - 2.0 * dxy)
    q2 = se * se * dxx
    coef = np.stack([-c * q2, -c * q1, n1 * n1 - c * q0, 2.0 * n0 * n1, n0 * n0], axis=1)  # s^4 .. s^0
    size = np.max(np.abs(coef), axis=1)
    size[size == 0] = 1.0
    coef = coef / size[:, None]
    quartic = np.abs(coef[:, 0]) > 1e-12
    roots, owners = [], []
    if quartic.any():
        a = coef[quartic, 1:] / coef[quartic, :1]
        comp = np.zeros((a.shape[0], 4, 4))
        comp[:, 0, :] = -a
        comp[:, 1, 0] = comp[:, 2, 1] = comp[:, 3, 2] = 1.0
        ev = np.linalg.eigvals(comp)
        real = np.abs(ev.imag) <= 1e-6 * np.maximum(1.0, np.abs(ev.real))
        s = ev.real
        cq = coef[quartic]
        for _ in range(2):  # Newton polish on the (normalised) quartic
            f = (((cq[:, :1] * s + cq[:, 1:2]) * s + cq[:, 2:3]) * s + cq[:, 3:4]) * s + cq[:, 4:5]
            df = ((4.0 * cq[:, :1] * s + 3.0 * cq[:, 1:2]) * s + 2.0 * cq[:, 2:3]) * s + cq[:, 3:4]
            step = np.where(np.abs(df) > 0, f / np.where(df == 0, 1.0, df), 0.0)
            s = np.where(np.abs(step) < 1e-3 * np.maximum(1.0, np.abs(s)), s - step, s)
        own = np.broadcast_to(b_idx[quartic][:, None], s.shape)
        roots.append(s[real])
        owners.append(own[real])
    for j in np.flatnonzero(~quartic):  # degenerate draws (no r^4 term): trimmed polynomial
        cj = np.trim_zeros(coef[j], "f")
        if cj.size > 1:
            rj = np.roots(cj)
            rj = rj.real[np.abs(rj.imag) <= 1e-6 * np.maximum(1.0, np.abs(rj.real))]
            roots.append(rj)
            owners.append(np.full(rj.size, b_idx[j]))
    if not roots:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    return np.concatenate(roots), np.concatenate(owners).astype(np.int64)


def _bootstrap_confidence_set(
    draws: "_Draws", beta: float, se: float, alpha: float, pvalue_type: str, impose_null: bool
) -> ConfidenceSet:
    """Exact ``{r : p(r) > alpha}`` for the bootstrap p-value on fixed draws, as a union of intervals.

    The p-value is a step function of ``r`` whose jumps lie among the roots of :func:`_draw_roots`
    (plus ``r = beta``, where tie draws can switch for one-sided p-values). Between consecutive
    breakpoints nothing changes, so the p-value is computed on every segment by a sweep: the count of
    draws at the leftmost segment, then at each breakpoint the change of the owning draws' indicators
    (evaluated at the midpoints of the neighbouring segments, so double roots and tangencies count
    correctly). Every crossing of ``p = alpha`` is therefore found and located exactly (to the
    precision of the polished roots, about 1e-12 in units of ``se``), however narrow the piece.
    """
    roots, owner = _draw_roots(draws, beta, se, impose_null)
    breaks = np.unique(np.r_[roots, 0.0])
    # merge numerically coincident breakpoints
    if breaks.size > 1:
        keep = np.r_[True, np.diff(breaks) > 1e-12 * np.maximum(1.0, np.abs(breaks[1:]))]
        breaks = breaks[keep]
    m = breaks.size
    mids = np.empty(m + 1)
    mids[0] = breaks[0] - 1.0
    mids[-1] = breaks[-1] + 1.0
    mids[1:-1] = 0.5 * (breaks[:-1] + breaks[1:])
    pos = np.clip(np.searchsorted(breaks, roots), 0, m - 1)  # index of the (merged) breakpoint of each root
    near = np.abs(breaks[np.maximum(pos - 1, 0)] - roots) < np.abs(breaks[pos] - roots)
    pos = np.where(near, np.maximum(pos - 1, 0), pos)
    pairs = np.unique(np.stack([pos, owner], axis=1), axis=0) if roots.size else np.zeros((0, 2), dtype=np.int64)
    non_tie = np.ones(draws.ny.size, dtype=bool)
    non_tie[draws.tie] = False
    non_tie_idx = np.flatnonzero(non_tie)
    kinds = ("abs",) if pvalue_type == "symmetric" else ("upper", "lower")
    counts = {}
    for kind in kinds:
        start = float(np.sum(_indicators(draws, beta, se, np.array(mids[0]), non_tie_idx, kind)))
        delta = np.zeros(m)
        if pairs.size:
            k, b = pairs[:, 0], pairs[:, 1]
            right = _indicators(draws, beta, se, mids[k + 1], b, kind).astype(float)
            left = _indicators(draws, beta, se, mids[k], b, kind).astype(float)
            np.add.at(delta, k, right - left)
        cnt = start + np.r_[0.0, np.cumsum(delta)]
        for j, sign in zip(draws.tie, draws.tie_sign):  # t*_b = sign * t exactly
            tb, t = sign * (-mids), -mids
            tol = _TIE_RTOL * np.maximum(np.abs(t), 1.0)
            cnt = cnt + {"abs": np.abs(tb) >= np.abs(t) - tol, "upper": tb >= t - tol, "lower": tb <= t + tol}[kind]
        counts[kind] = cnt
    B = draws.ny.size
    if pvalue_type == "symmetric":
        p = counts["abs"] / B
    elif pvalue_type == "upper":
        p = counts["upper"] / B
    elif pvalue_type == "lower":
        p = counts["lower"] / B
    else:
        p = np.minimum(1.0, 2.0 * np.minimum(counts["upper"], counts["lower"]) / B)
    cs = set_from_segments(breaks, p > alpha, 1.0 - alpha)
    return ConfidenceSet(tuple((beta + se * lo, beta + se * hi) for lo, hi in cs.intervals), 1.0 - alpha)


# --------------------------------------------------------------------------------------------
# wrapper for fitted panel models
# --------------------------------------------------------------------------------------------
def wild_cluster_bootstrap(
    result: Any,
    param: str,
    *,
    B: int = 9999,
    weight_type: WeightType = "webb",
    seed: int | np.random.Generator | None = None,
    r: float = 0.0,
    impose_null: bool = True,
    alpha: float = 0.05,
    ci: bool = True,
    pvalue_type: PvalueType = "symmetric",
    **kw: Any,
) -> BootstrapResult:
    """Wild cluster bootstrap for coefficient ``param`` of a fitted panel model.

    Parameters
    ----------
    result
        A :class:`jamsostek_analysis.estimation.models.PanelResult` (duck-typed): uses
        ``result.design.y_tilde`` (or ``.y``), ``.X_tilde`` (or ``.X``), ``.cluster``, ``.names``
        and, if present, ``.fe_codes`` (absorbed factor codes, needed for fixed effects not
        nested in the clusters), ``.weights`` and ``.k_ssc`` (the ``K`` of the model's CRV1
        factor ``G/(G-1) (N-1)/(N-K)``, so that the bootstrap's t statistic equals the model's
        CRV1 t) or else ``.n_absorbed``.
    param
        Regressor name as in ``result.design.names``.
    B, weight_type, seed, r, impose_null, alpha, ci, pvalue_type, **kw
        As in :func:`wild_cluster_bootstrap_arrays` (``kw``: ``full_enumeration``,
        ``store_t_boot``, ``small_sample``, ...).

    Returns
    -------
    BootstrapResult
    """
    design = getattr(result, "design", result)
    names = list(getattr(design, "names"))
    if param not in names:
        raise EstimationError(f"parameter {param!r} not among the regressors {names}")

    def first(*attrs):
        for a in attrs:
            v = getattr(design, a, None)
            if v is not None:
                return v
        return None

    y = first("y_tilde", "y")
    X = first("X_tilde", "X")
    if y is None or X is None:
        raise EstimationError("result.design must provide the absorbed arrays y_tilde and X_tilde")
    if getattr(design, "cluster", None) is None:
        raise EstimationError(
            "the wild cluster bootstrap needs a clustered fit: the result has no cluster codes "
            "(fitted with cluster=None / vcov='iid' or 'hetero'); refit with a cluster column"
        )
    fe = first("fe", "fe_codes")
    if fe is not None:
        fe = list(fe.values()) if isinstance(fe, dict) else list(fe)
    k_ssc = getattr(design, "k_ssc", None)
    n_absorbed = getattr(design, "n_absorbed", None)
    if k_ssc:  # K of the model's CRV1 factor: the bootstrap t then equals result.tvalues[param]
        n_absorbed = int(k_ssc) - np.asarray(X).shape[1]
    elif n_absorbed is None:
        from .design import count_absorbed_levels

        n_absorbed = count_absorbed_levels(fe) if fe else 0
    kw.update(
        B=B,
        weight_type=weight_type,
        seed=seed,
        r=r,
        impose_null=impose_null,
        alpha=alpha,
        ci=ci,
        pvalue_type=pvalue_type,
    )
    kw.setdefault("n_absorbed", int(n_absorbed))
    kw.setdefault("fe", fe)
    kw.setdefault("weights", getattr(design, "weights", None))
    kw.setdefault("weights_applied", True)
    return wild_cluster_bootstrap_arrays(
        np.asarray(y), np.asarray(X), np.asarray(design.cluster), param_index=names.index(param), param_name=param, **kw
    )
