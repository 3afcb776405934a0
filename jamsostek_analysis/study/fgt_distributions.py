"""Lower-tail distributions pinned down by the three FGT indices P0, P1, P2 (pure maths, no data).

With ``y`` per-capita consumption and ``z`` the poverty line, the normalised shortfall of the poor
is ``g = (z - y) / z`` in (0, 1]. The FGT indices (percent scale, as BPS publishes them) are
``P0 = 100 Pr(y < z)``, ``P1 = 100 E[g 1{y<z}]``, ``P2 = 100 E[g^2 1{y<z}]``, so among the poor
``E[g] = P1 / P0`` and ``E[g^2] = P2 / P0``.

* :func:`beta_from_fgt`: a Beta(a, b) distribution of ``g`` among the poor with exactly these two
  moments (method of moments, closed form), so it reproduces P0, P1 and P2 exactly. The share of
  the population below a lower line ``r z`` (``0 < r < 1``) is ``P0 * Pr(g > 1 - r)``
  (:func:`beta_share_below`).
* :func:`lognormal_from_fgt`: ``log(y / z) ~ N(mu, sigma^2)`` fitted to two of the three indices
  (default P0 and P2); :func:`lognormal_fgt` gives all three, so the third index's misfit is an
  over-identification check. Share below ``r z``: ``100 Phi((log r - mu) / sigma)``.
* :func:`fgt_by_quadrature`: P0, P1, P2 of any density of ``y / z`` by numerical integration (used
  by the tests to check that a fit recovers a known distribution).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import integrate, special, stats

from jamsostek_analysis.errors import EstimationError

__all__ = [
    "beta_from_fgt",
    "beta_share_below",
    "lognormal_fgt",
    "lognormal_from_fgt",
    "lognormal_share_below",
    "fgt_by_quadrature",
]


def beta_from_fgt(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Beta(a, b) of the normalised shortfall among the poor reproducing P0, P1, P2 exactly.

    Parameters
    ----------
    p0, p1, p2 : array_like
        FGT indices (percent scale), broadcastable.

    Returns
    -------
    (a, b, feasible)
        Shape parameters (NaN where infeasible) and a boolean mask. Feasible means
        ``0 < P2/P0 - (P1/P0)^2 < (P1/P0)(1 - P1/P0)``, i.e. the two moments belong to some
        distribution on (0, 1) that is not a point mass (rounding of tiny published indices can
        break this).
    """
    p0, p1, p2 = (np.asarray(v, dtype=float) for v in (p0, p1, p2))
    with np.errstate(divide="ignore", invalid="ignore"):
        m1 = p1 / p0
        m2 = p2 / p0
        var = m2 - m1**2
        ok = (p0 > 0) & (m1 > 0) & (m1 < 1) & (var > 0) & (var < m1 * (1 - m1))
        s = m1 * (1 - m1) / var - 1.0
        a = np.where(ok, m1 * s, np.nan)
        b = np.where(ok, (1 - m1) * s, np.nan)
    return a, b, ok


def beta_share_below(p0: np.ndarray, a: np.ndarray, b: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Share of the population (percent) with ``y < r z`` under the Beta shortfall model.

    ``y < r z`` is ``g > 1 - r``; the share is ``P0 * Pr(g > 1 - r)`` (``r`` is clipped to [0, 1]:
    a line above ``z`` is outside the model).
    """
    r = np.clip(np.asarray(r, dtype=float), 0.0, 1.0)
    return np.asarray(p0, dtype=float) * special.betainc(np.asarray(b, dtype=float), np.asarray(a, dtype=float), r)


def lognormal_fgt(mu: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P0, P1, P2 (percent) of ``log(y/z) ~ N(mu, sigma^2)`` in closed form.

    With ``q = -mu / sigma``: ``P0 = Phi(q)``, ``E[x; x<1] = exp(mu + sigma^2/2) Phi(q - sigma)``,
    ``E[x^2; x<1] = exp(2 mu + 2 sigma^2) Phi(q - 2 sigma)``, ``P1 = P0 - E[x; x<1]`` and
    ``P2 = P0 - 2 E[x; x<1] + E[x^2; x<1]`` (all times 100).
    """
    mu, sigma = np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float)
    q = -mu / sigma
    f0 = special.ndtr(q)
    e1 = np.exp(mu + sigma**2 / 2 + special.log_ndtr(q - sigma))  # log scale: no overflow for large sigma
    e2 = np.exp(2 * mu + 2 * sigma**2 + special.log_ndtr(q - 2 * sigma))
    return 100 * f0, 100 * (f0 - e1), 100 * (f0 - 2 * e1 + e2)


def lognormal_from_fgt(
    p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, fit: tuple[str, str] = ("p0", "p2")
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lognormal ``log(y/z) ~ N(mu, sigma^2)`` matching P0 and one of P1/P2 exactly.

    For a fixed P0 (``mu = -sigma Phi^-1(P0)``) the other index rises monotonically with ``sigma``,
    so the root is unique; it is found for all cells at once by bisection on ``log sigma`` over
    [1e-4, 10] (100 halvings: far below the rounding of any published index).

    Parameters
    ----------
    p0, p1, p2 : array_like
        FGT indices (percent scale), broadcastable.
    fit : ('p0', 'p2') or ('p0', 'p1')
        The two indices reproduced; the third is left as an over-identification check.

    Returns
    -------
    (mu, sigma, misfit)
        Parameters (NaN where no solution in the bracket) and the third index's fitted minus
        published value (percent points).
    """
    if tuple(fit) not in (("p0", "p2"), ("p0", "p1")):
        raise EstimationError(f"lognormal_from_fgt: fit must be ('p0', 'p2') or ('p0', 'p1'), found {fit!r}")
    p0, p1, p2 = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (p0, p1, p2)))
    which = 2 if fit[1] == "p2" else 1
    target = p2 if which == 2 else p1
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = (p0 > 0) & (p0 < 100) & (target > 0) & (target < p0)
        q = special.ndtri(np.where(ok, p0, 50.0) / 100.0)

        def f(log_s: np.ndarray) -> np.ndarray:
            s = np.exp(log_s)
            return lognormal_fgt(-q * s, s)[which] - target

        lo = np.full(p0.shape, np.log(1e-4))
        hi = np.full(p0.shape, np.log(10.0))
        ok &= (f(lo) < 0) & (f(hi) > 0)
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            up = f(mid) > 0
            hi = np.where(up, mid, hi)
            lo = np.where(up, lo, mid)
        sigma = np.where(ok, np.exp(0.5 * (lo + hi)), np.nan)
        mu = -q * sigma
        fitted = lognormal_fgt(mu, sigma)
    misfit = fitted[1] - p1 if which == 2 else fitted[2] - p2
    return mu, sigma, misfit


def lognormal_share_below(mu: np.ndarray, sigma: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Share of the population (percent) with ``y < r z`` under ``log(y/z) ~ N(mu, sigma^2)``."""
    r = np.asarray(r, dtype=float)
    with np.errstate(divide="ignore"):
        return 100 * special.ndtr((np.log(r) - np.asarray(mu, dtype=float)) / np.asarray(sigma, dtype=float))


def fgt_by_quadrature(pdf: Callable[[float], float], *, upper: float = 1.0) -> tuple[float, float, float]:
    """P0, P1, P2 (percent) of a density of ``x = y / z`` by adaptive quadrature on (0, upper).

    Parameters
    ----------
    pdf : callable
        Density of ``x`` (integrating to at most one on (0, inf)).
    upper : float
        The poverty line on the ``x`` scale (1).
    """
    opts = {"epsabs": 1e-13, "epsrel": 1e-12, "limit": 500}
    p = [integrate.quad(lambda x, k=k: (1 - x / upper) ** k * pdf(x), 0.0, upper, **opts)[0] for k in (0, 1, 2)]
    return 100 * p[0], 100 * p[1], 100 * p[2]


def beta_shortfall_pdf(p0: float, a: float, b: float) -> Callable[[float], float]:
    """Density of ``x = y/z`` on (0, 1) when a share ``p0`` (percent) is poor with shortfall ~ Beta(a, b)."""
    return lambda x: p0 / 100.0 * stats.beta.pdf(1.0 - x, a, b)
