"""Degrees-of-freedom bookkeeping at scale: ``ssc_absorbed_count`` before and after issue 13.

Run ``python benchmarks/bench_ssc.py [--rows 5000000] [--repeat 3]``. A two-way province x year
structure (units x 20 years, clustered by unit) with ``rows`` observations; prints the median time of
the current :func:`~jamsostek_analysis.estimation.models.ssc_absorbed_count` beside the previous
implementation (sort-based ``is_nested`` and pure-Python union-find, kept as references in
``tests/test_ssc_bookkeeping.py``), their ratio, and checks that both give the same counts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_ssc_bookkeeping import _count_reference, _is_nested_reference  # noqa: E402

from jamsostek_analysis.estimation.models import ssc_absorbed_count  # noqa: E402


def _old(fe, cluster):
    A = _count_reference(list(fe))
    nested = [f for f in fe if _is_nested_reference(f, cluster)]
    return A, max(A - sum(int(f.max()) + 1 for f in nested) + len(nested), 0)


def _median_time(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    T = 20
    U = a.rows // T
    rng = np.random.default_rng(0)
    unit = np.repeat(np.arange(U, dtype=np.int64), T)
    year = np.tile(np.arange(T, dtype=np.int64), U)
    keep = rng.random(unit.size) > 0.05  # unbalanced
    fe = [unit[keep], year[keep]]
    t_new, new = _median_time(lambda: ssc_absorbed_count(fe, fe[0]), a.repeat)
    t_old, old = _median_time(lambda: _old(fe, fe[0]), max(1, min(a.repeat, 1)))
    print(f"rows={fe[0].size}  units={U}  years={T}")
    print(
        f"ssc_absorbed_count  new {t_new:8.3f} s   old {t_old:8.3f} s   old/new {t_old / t_new:6.1f}x   counts {new} == {old}: {new == old}"
    )
    return 0 if new == old else 1


if __name__ == "__main__":
    raise SystemExit(main())
