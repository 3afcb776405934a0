"""Benchmark: exact bootstrap confidence set vs grid scan + bisection, same draws, same run.

The study's placebo (P0 on coverage and coverage in t+1, two-way FE, 34 provinces 2022-2025,
WCR, Webb weights, B = 9,999, tab02's seed). ``exact``: the confidence set from the real roots of
the B per-draw quartics (``wild_cluster_bootstrap(..., ci=True)``, one call). ``grid``:
:func:`jamsostek_analysis.estimation.confset.invert_pvalue` scanning ``estimate +- 20 se`` at
``--n-grid`` points and bisecting every crossing, each evaluation a bootstrap p-value on the same
draws (``ci=False``). Prints both sets, their largest bound difference and the time ratio.

Usage::

    PYTHONPATH=. python benchmarks/bench_confset.py [--n-grid 401]
"""

from __future__ import annotations

import argparse
import time
import warnings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-grid", type=int, default=401)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from jamsostek_analysis.data.panel import build_province_panel
    from jamsostek_analysis.estimation.confset import invert_pvalue
    from jamsostek_analysis.estimation.wildboot import wild_cluster_bootstrap
    from jamsostek_analysis.study import specs as S

    res = S.fit(S.Spec("p0", model="twfe", lead=1), build_province_panel(geography="34"))
    kw = dict(B=9999, seed=20240301 + 300)
    t0 = time.perf_counter()
    b = wild_cluster_bootstrap(res, "coverage_rate_lead1", **kw)
    t_exact = time.perf_counter() - t0

    def pval(r: float) -> float:
        return wild_cluster_bootstrap(res, "coverage_rate_lead1", r=r, ci=False, **kw).pvalue

    t0 = time.perf_counter()
    grid = invert_pvalue(pval, b.estimate, b.se, 0.05, width=20, n_grid=args.n_grid)
    t_grid = time.perf_counter() - t0
    diff = (
        max(abs(a - c) for p, q in zip(b.conf_set.intervals, grid.intervals) for a, c in zip(p, q))
        if b.conf_set.n_pieces == grid.n_pieces
        else float("nan")
    )
    print(f"exact: {b.conf_set.format('{:.8f}')}  ({t_exact:.3f} s, bootstrap included)")
    print(f"grid : {grid.format('{:.8f}')}  ({t_grid:.3f} s, {args.n_grid} grid points + bisection)")
    print(f"largest bound difference {diff:.2e}; time ratio exact/grid = {t_exact / t_grid:.4f}")


if __name__ == "__main__":
    main()
