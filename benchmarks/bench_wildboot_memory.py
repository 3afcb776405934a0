"""Benchmark: memory of the wild cluster bootstrap when ``G x B`` is large (many clusters, many draws).

Simulated panel of G clusters x 5 periods (two-way FE, clustered by unit), WCR test of ``x = 0``
with Webb weights, p-value only (``ci=False``). Each run is a fresh subprocess; printed: wall
seconds of the call, the process's peak resident set (``ru_maxrss``) and the resident set before
the call. The weights would take ``G x B`` bytes if held at once (one-byte indices); the bootstrap
holds at most ``_WINDOW_BYTES`` of them (256 MiB) and regenerates later windows from the same
stream, so peak memory stays bounded while the p-value is the one of a single ``G x B`` draw.

Usage::

    python benchmarks/bench_wildboot_memory.py --G 20000 --B 9999 99999
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

T = 5


def run_one(G: int, B: int) -> dict:
    from jamsostek_analysis.estimation.design import absorb, count_absorbed_levels
    from jamsostek_analysis.estimation.wildboot import wild_cluster_bootstrap_arrays

    rng = np.random.default_rng(1)
    unit = np.repeat(np.arange(G), T)
    year = np.tile(np.arange(T), G)
    x = rng.normal(size=G * T) + rng.normal(size=G)[unit]
    y = rng.normal(size=G)[unit] + 0.1 * year + rng.normal(size=G * T)
    fe = [unit, year]
    M = absorb(np.column_stack([y, x]), fe)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    res = wild_cluster_bootstrap_arrays(
        M[:, 0], M[:, 1:], unit, B=B, seed=7, fe=fe, n_absorbed=count_absorbed_levels(fe), ci=False
    )
    secs = time.perf_counter() - t0
    return {
        "G": G,
        "B": B,
        "seconds": secs,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "before_mb": rss0,
        "weights_if_held_mb": G * B / 2**20,
        "pvalue": res.pvalue,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--G", type=int, nargs="*", default=[20_000])
    ap.add_argument("--B", type=int, nargs="*", default=[9_999, 99_999])
    ap.add_argument("--one", nargs=2, type=int, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.one:
        print(json.dumps(run_one(*a.one)))
        return
    print(f"{'G':>7} {'B':>7} {'seconds':>8} {'peak MB':>8} {'before MB':>9} {'G*B bytes (MB)':>15} {'p-value':>8}")
    for G in a.G:
        for B in a.B:
            p = subprocess.run([sys.executable, __file__, "--one", str(G), str(B)], capture_output=True, text=True)
            if p.returncode:
                print(f"G={G} B={B} failed: {p.stderr[-800:]}")
                continue
            r = json.loads(p.stdout.strip().splitlines()[-1])
            print(
                f"{G:>7} {B:>7} {r['seconds']:>8.2f} {r['peak_mb']:>8.0f} {r['before_mb']:>9.0f} "
                f"{r['weights_if_held_mb']:>15.0f} {r['pvalue']:>8.4f}"
            )


if __name__ == "__main__":
    main()
