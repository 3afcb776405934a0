"""Confidence sets as unions of intervals, and test inversion that finds all of them.

A confidence set obtained by inverting a test, ``{r : p(r) > alpha}``, is an interval only if the
p-value falls monotonically on both sides of the estimate. Bootstrap p-values need not: for the
wild cluster restricted bootstrap the bootstrap distribution itself moves with the null value
``r``, and the set can consist of several disjoint pieces (or be unbounded). This module holds

* :class:`ConfidenceSet`, a finite union of disjoint closed intervals (bounds may be infinite),
  with :meth:`~ConfidenceSet.contains`, the convex :attr:`~ConfidenceSet.hull` (the old
  two-number "interval") and a printable form ``"[-0.084, -0.003] U [0.011, 0.049]"``;
* :func:`invert_pvalue`, a generic inversion for any p-value function of the null value: scan a
  grid that is wide relative to the standard error, find every crossing of ``p = alpha`` and
  refine each by bisection on the step function (the boundary is the point where ``p`` jumps
  across ``alpha``; the returned bound is within ``xtol`` of that jump);
* :func:`set_from_segments`, which builds the set from breakpoints and the p-value on every
  segment between them (used by the exact inversion of the wild bootstrap, see
  :func:`jamsostek_analysis.estimation.wildboot.wild_cluster_bootstrap_arrays`).

The engine knows nothing of the study: null values, estimates and standard errors are numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import EstimationError

__all__ = ["ConfidenceSet", "invert_pvalue", "set_from_segments"]

_UNION = " U "
_EMPTY = "empty"


@dataclass(frozen=True)
class ConfidenceSet:
    """A finite union of disjoint closed intervals on the real line.

    Attributes
    ----------
    intervals
        Sorted, disjoint ``(lower, upper)`` pairs with ``lower <= upper``; ``-inf``/``inf``
        for unbounded pieces. Empty tuple for the empty set.
    level
        Confidence level ``1 - alpha`` (NaN if unknown).
    """

    intervals: tuple[tuple[float, float], ...] = ()
    level: float = float("nan")

    def __post_init__(self) -> None:
        clean = []
        for lo, hi in self.intervals:
            lo, hi = float(lo), float(hi)
            if math.isnan(lo) or math.isnan(hi) or lo > hi:
                raise EstimationError(f"ConfidenceSet: expected lower <= upper, got ({lo}, {hi})")
            clean.append((lo, hi))
        clean.sort()
        for (_, h0), (l1, _) in zip(clean, clean[1:]):
            if l1 <= h0:
                raise EstimationError(f"ConfidenceSet: intervals overlap or touch at {l1} (merge them first)")
        object.__setattr__(self, "intervals", tuple(clean))

    # ---- construction -----------------------------------------------------------------------
    @classmethod
    def from_intervals(cls, intervals: Iterable[Sequence[float]], level: float = float("nan")) -> "ConfidenceSet":
        """Union of arbitrary (possibly overlapping or touching) intervals, merged."""
        pieces = sorted((float(a), float(b)) for a, b in intervals)
        merged: list[list[float]] = []
        for lo, hi in pieces:
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        return cls(tuple((a, b) for a, b in merged), level)

    @classmethod
    def parse(cls, text: str, level: float = float("nan")) -> "ConfidenceSet":
        """Inverse of :meth:`format` (``"[a, b] U [c, d]"``, ``"(-inf, b]"``, ``"empty"``)."""
        text = text.strip()
        if text in (_EMPTY, ""):
            return cls((), level)
        out = []
        for part in text.split(_UNION.strip()):
            m = re.fullmatch(r"\s*[\[(]\s*([^,]+),\s*([^\])]+)[\])]\s*", part)
            if not m:
                raise EstimationError(f"ConfidenceSet.parse: cannot read {part!r} in {text!r}")
            out.append((float(m.group(1)), float(m.group(2))))
        return cls(tuple(out), level)

    # ---- queries ----------------------------------------------------------------------------
    @property
    def n_pieces(self) -> int:
        return len(self.intervals)

    @property
    def is_empty(self) -> bool:
        return not self.intervals

    @property
    def is_interval(self) -> bool:
        """True for exactly one piece (a possibly unbounded interval)."""
        return len(self.intervals) == 1

    @property
    def is_bounded(self) -> bool:
        return all(math.isfinite(a) and math.isfinite(b) for a, b in self.intervals)

    @property
    def hull(self) -> tuple[float, float]:
        """Smallest interval containing the set (``(nan, nan)`` if empty)."""
        if not self.intervals:
            return (float("nan"), float("nan"))
        return (self.intervals[0][0], self.intervals[-1][1])

    @property
    def gaps(self) -> tuple[tuple[float, float], ...]:
        """Open intervals between consecutive pieces (values inside the hull that are rejected)."""
        return tuple((h0, l1) for (_, h0), (l1, _) in zip(self.intervals, self.intervals[1:]))

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the set (bounds included)."""
        v = float(value)
        return any(lo <= v <= hi for lo, hi in self.intervals)

    def __contains__(self, value: float) -> bool:
        return self.contains(value)

    def __iter__(self):
        return iter(self.intervals)

    def __len__(self) -> int:
        return len(self.intervals)

    # ---- output -----------------------------------------------------------------------------
    def format(self, float_format: str | Callable[[float], str] = "{:.3f}") -> str:
        """``"[-0.084, -0.003] U [0.011, 0.049]"``; unbounded ends as ``(-inf, ...`` / ``..., inf)``."""
        fmt = float_format.format if isinstance(float_format, str) else float_format
        if not self.intervals:
            return _EMPTY
        parts = []
        for lo, hi in self.intervals:
            left = "(-inf" if lo == -math.inf else "[" + fmt(lo)
            right = "inf)" if hi == math.inf else fmt(hi) + "]"
            parts.append(f"{left}, {right}")
        return _UNION.join(parts)

    def __str__(self) -> str:
        return self.format()

    def to_list(self) -> list[list[float | None]]:
        """JSON-friendly ``[[lo, hi], ...]`` with ``None`` for infinite bounds."""
        return [[None if math.isinf(a) else a, None if math.isinf(b) else b] for a, b in self.intervals]


def set_from_segments(breaks: np.ndarray, inside: np.ndarray, level: float = float("nan")) -> ConfidenceSet:
    """Set from sorted breakpoints ``b_1 < ... < b_m`` and membership of the ``m + 1`` segments.

    ``inside[j]`` says whether the open segment ``(b_j, b_{j+1})`` (with ``b_0 = -inf`` and
    ``b_{m+1} = inf``) belongs to the set. Adjacent accepted segments are merged; a breakpoint
    between two accepted segments is inside the set (the p-value at an isolated point does not
    matter for a set of positive length).
    """
    breaks = np.asarray(breaks, dtype=float)
    inside = np.asarray(inside, dtype=bool)
    if inside.size != breaks.size + 1:
        raise EstimationError(f"set_from_segments: {breaks.size} breakpoints need {breaks.size + 1} segments")
    edges = np.r_[-np.inf, breaks, np.inf]
    pieces = []
    j = 0
    while j < inside.size:
        if not inside[j]:
            j += 1
            continue
        k = j
        while k + 1 < inside.size and inside[k + 1]:
            k += 1
        pieces.append((edges[j], edges[k + 1]))
        j = k + 1
    return ConfidenceSet(tuple(pieces), level)


def invert_pvalue(
    pval: Callable[[float], float],
    center: float,
    scale: float,
    alpha: float,
    *,
    width: float = 50.0,
    n_grid: int = 2001,
    xtol: float = 1e-10,
    max_iter: int = 200,
) -> ConfidenceSet:
    """All of ``{r : p(r) > alpha}`` by a grid scan and bisection of every crossing.

    Parameters
    ----------
    pval
        P-value of ``H0: beta = r`` as a function of ``r`` (may be a step function).
    center, scale
        Estimate and its standard error: the grid spans ``center +- width * scale``.
    alpha
        The set has level ``1 - alpha``.
    width, n_grid
        Half-width of the grid in units of ``scale`` and number of grid points. If ``p > alpha``
        at an end of the grid, the grid is doubled outward (up to 2^20 times its width) and the
        piece is unbounded if ``p`` is still above ``alpha``.
    xtol
        Bisection stops when the bracket is below ``xtol * scale``.

    Returns
    -------
    ConfidenceSet

    Notes
    -----
    Pieces narrower than the grid step (``2 * width * scale / (n_grid - 1)``) that lie between two
    grid points can be missed; where an exact breakpoint structure is known (as for the wild
    bootstrap) prefer :func:`set_from_segments`.
    """
    if not (np.isfinite(scale) and scale > 0):
        scale = max(abs(center), 1.0)
    if n_grid < 3:
        raise EstimationError(f"invert_pvalue: n_grid must be at least 3, got {n_grid}")
    half = width * scale
    grid = center + np.linspace(-half, half, n_grid)
    acc = np.array([pval(float(r)) > alpha for r in grid])

    def extend(sign: float) -> float | None:
        """Outward search from an accepted grid end: the first rejected point, or None (unbounded)."""
        step = half
        inner = grid[-1] if sign > 0 else grid[0]
        for _ in range(20):
            cand = inner + sign * step
            if not pval(cand) > alpha:
                return cand
            inner = cand
            step *= 2.0
        return None

    def refine(a: float, b: float) -> float:
        """Point within xtol*scale of the jump between a (accepted) and b (rejected), either order."""
        inside, outside = a, b
        for _ in range(max_iter):
            mid = 0.5 * (inside + outside)
            if abs(outside - inside) <= xtol * scale or mid in (inside, outside):
                break
            if pval(mid) > alpha:
                inside = mid
            else:
                outside = mid
        return 0.5 * (inside + outside)

    pieces: list[tuple[float, float]] = []
    lo: float | None = None
    if acc[0]:
        far = extend(-1.0)
        lo = -np.inf if far is None else refine(grid[0], far)
    for j in range(1, n_grid):
        if acc[j] and not acc[j - 1]:
            lo = refine(grid[j], grid[j - 1])
        elif acc[j - 1] and not acc[j]:
            pieces.append((lo, refine(grid[j - 1], grid[j])))
            lo = None
    if lo is not None:
        far = extend(1.0)
        pieces.append((lo, np.inf if far is None else refine(grid[-1], far)))
    return ConfidenceSet.from_intervals(pieces, 1.0 - alpha)
