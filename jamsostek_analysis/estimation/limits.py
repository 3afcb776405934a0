"""Up-front checks of resource requests (bootstrap draws, seeds): refuse what cannot run, say why.

The wild cluster bootstrap keeps, per draw, the cluster weights (one byte per cluster for
Rademacher/Webb draws, eight for normal ones) and a handful of float64 accumulators; measured
peak memory (``tracemalloc``, G = 10-100 clusters, B = 4e5) is 110-240 bytes per draw, which
:func:`bootstrap_memory_bytes` bounds by ``B * (96 + 2 G)`` bytes plus 64 MiB.
"""

from __future__ import annotations

import os

from jamsostek_analysis.errors import EstimationError

#: more draws than this are refused whatever the memory: the Monte Carlo standard error of a
#: p-value near 0.05 is already 7e-5 at 1e7 draws
MAX_BOOTSTRAP_DRAWS = 10_000_000
#: share of the available memory a bootstrap may plan to use
MEMORY_SHARE = 0.5
_OVERHEAD = 64 << 20


def bootstrap_memory_bytes(B: int, n_clusters: int) -> int:
    """Upper estimate of the peak memory (bytes) of a wild cluster bootstrap with ``B`` draws."""
    return int(B) * (96 + 2 * int(n_clusters)) + _OVERHEAD


def available_memory_bytes() -> int | None:
    """``MemAvailable`` of ``/proc/meminfo`` (else free physical pages); None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _gib(n: float) -> str:
    return f"{n / (1 << 30):.1f} GiB"


def check_bootstrap_draws(B: int, n_clusters: int | None = None, *, available: int | None = None) -> int:
    """Validate a requested number of bootstrap draws; return it.

    Parameters
    ----------
    B : int
        Requested draws (0 = no bootstrap).
    n_clusters : int, optional
        Number of clusters; with it the memory estimate is checked as well.
    available : int, optional
        Available memory in bytes (default :func:`available_memory_bytes`).

    Raises
    ------
    EstimationError
        ``B`` negative or not an integer, above :data:`MAX_BOOTSTRAP_DRAWS`, or estimated to need
        more than :data:`MEMORY_SHARE` of the available memory (the message gives both sizes).
    """
    if isinstance(B, bool) or not isinstance(B, int):
        raise EstimationError(f"--bootstrap {B!r}: expected a whole number of draws")
    if B < 0:
        raise EstimationError(f"--bootstrap {B}: expected 0 (no bootstrap) or a positive number of draws")
    if B > MAX_BOOTSTRAP_DRAWS:
        raise EstimationError(
            f"--bootstrap {B}: at most {MAX_BOOTSTRAP_DRAWS:,} draws are accepted (the Monte Carlo error of a "
            f"p-value is then below 1e-4); it would need about {_gib(bootstrap_memory_bytes(B, n_clusters or 1))}"
            " of memory"
        )
    if n_clusters is not None and B > 0:
        need = bootstrap_memory_bytes(B, n_clusters)
        avail = available_memory_bytes() if available is None else available
        if avail is not None and need > MEMORY_SHARE * avail:
            raise EstimationError(
                f"--bootstrap {B}: needs about {_gib(need)} of memory for {n_clusters} clusters but only "
                f"{_gib(avail)} is available (at most {MEMORY_SHARE:.0%} is used); use fewer draws"
            )
    return B


def check_seed(seed: int) -> int:
    """Validate a random seed (a non-negative integer below 2**63); return it.

    Raises
    ------
    EstimationError
        For a negative, non-integer or too large seed.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise EstimationError(f"--seed {seed!r}: expected a whole number between 0 and 2**63 - 1")
    return seed
