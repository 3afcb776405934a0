"""Benchmark: jamsostek_analysis.estimation.wildboot vs pyfixest ``Feols.wildboottest`` vs ``wildboottest``.

Same simulated balanced panel (G units x 15 years, two-way fixed effects, clustered by unit,
integer cluster codes), B = 9,999 Webb draws, same seed, WCR test of ``x = 0``. Each
measurement runs in a fresh subprocess so that peak memory is clean:

* ``time``: wall seconds of the bootstrap call (ours: median of 5 runs after one warm-up, with
  and without the confidence interval; others: one run after a small numba warm-up);
* ``tracemalloc MB``: peak Python/numpy allocations during the call;
* ``RSS +MB``: growth of the process's peak resident set during the call (``ru_maxrss``).

Usage::

    python benchmarks/bench_wildboot.py                # G = 38 and 514
    python benchmarks/bench_wildboot.py --G 38 --skip-slow
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

T = 15
B = 9999
SEED = 20240611


def make_data(G: int, seed: int = 1) -> pd.DataFrame:
    """Balanced panel with unit and year effects and cluster-correlated errors."""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(G), T)
    year = np.tile(np.arange(T), G)
    x = rng.normal(size=G * T) + rng.normal(size=G)[unit] + 0.05 * year
    y = 0.02 * x + rng.normal(size=G)[unit] + 0.1 * year + rng.normal(size=G * T) + rng.normal(size=G)[unit]
    return pd.DataFrame({"y": y, "x": x, "unit": unit, "year": year})


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_one(method: str, G: int) -> dict:
    """Run one measurement in this process; returns a dict (printed as JSON by --one)."""
    df = make_data(G)
    out: dict = {"method": method, "G": G, "n": len(df)}
    if method.startswith("ours"):
        from jamsostek_analysis.estimation.design import absorb, count_absorbed_levels
        from jamsostek_analysis.estimation.wildboot import wild_cluster_bootstrap_arrays

        fe = [df["unit"].to_numpy(), df["year"].to_numpy()]
        M = absorb(df[["y", "x"]].to_numpy(), fe)
        ci = method == "ours"
        kw = dict(B=B, seed=SEED, weight_type="webb", fe=fe, n_absorbed=count_absorbed_levels(fe), ci=ci)
        call = lambda: wild_cluster_bootstrap_arrays(M[:, 0], M[:, 1:], df["unit"].to_numpy(), **kw)  # noqa: E731
        call()  # warm-up
        rss0 = _rss_mb()
        tracemalloc.start()
        res = call()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            res = call()
            times.append(time.perf_counter() - t0)
        out.update(
            seconds=float(np.median(times)),
            seconds_min=float(min(times)),
            tracemalloc_mb=peak / 1e6,
            rss_growth_mb=_rss_mb() - rss0,
            pvalue=res.pvalue,
            t=res.t_stat,
            ci=list(res.conf_int) if ci else None,
        )
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "pyfixest":
            import pyfixest as pf

            fit = pf.feols("y ~ x | unit + year", df, vcov={"CRV1": "unit"})
            make = lambda: fit.wildboottest(param="x", reps=B, seed=SEED, weights_type="webb")  # noqa: E731
            # numba warm-up on a tiny problem (compilation is not part of the timing)
            small = make_data(5)
            pf.feols("y ~ x | unit + year", small, vcov={"CRV1": "unit"}).wildboottest(
                param="x", reps=99, seed=1, weights_type="webb"
            )
        elif method == "wildboottest":
            from wildboottest.wildboottest import WildboottestCL

            D = pd.get_dummies(df[["unit", "year"]].astype(str), drop_first=True).to_numpy(float)
            X = np.column_stack([df["x"].to_numpy(), np.ones(len(df)), D])
            Y = df["y"].to_numpy()
            R = np.zeros(X.shape[1])
            R[0] = 1.0
            cl = df["unit"].to_numpy()

            def make():
                wb = WildboottestCL(X=X, Y=Y, cluster=cl, R=R, B=B, seed=SEED, parallel=True)
                wb.get_scores(bootstrap_type="11", impose_null=True)
                wb.get_weights(weights_type="webb")
                wb.get_numer()
                wb.get_denom()
                wb.get_tboot()
                wb.get_vcov()
                wb.get_tstat()
                wb.get_pvalue(pval_type="two-tailed")
                return {"Pr(>|t|)": wb.pvalue, "t value": float(np.ravel(wb.t_stat)[0])}

            Xs = np.column_stack([np.random.default_rng(0).normal(size=20), np.ones(20)])
            w0 = WildboottestCL(
                X=Xs, Y=Xs[:, 0] + 1, cluster=np.repeat(np.arange(5), 4), R=np.array([1.0, 0.0]), B=99, seed=1
            )
            w0.get_scores(bootstrap_type="11", impose_null=True)
            w0.get_weights(weights_type="webb")
            w0.get_numer()
            w0.get_denom()
        else:
            raise ValueError(method)
        rss0 = _rss_mb()
        tracemalloc.start()
        t0 = time.perf_counter()
        res = make()
        secs = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    out.update(
        seconds=secs,
        seconds_min=secs,
        tracemalloc_mb=peak / 1e6,
        rss_growth_mb=_rss_mb() - rss0,
        pvalue=float(res["Pr(>|t|)"]),
        t=float(res["t value"]),
        ci=None,
    )
    return out


def main(argv: list[str] | None = None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--G", type=int, nargs="*", default=[38, 514])
    ap.add_argument("--skip-slow", action="store_true", help="skip pyfixest/wildboottest")
    ap.add_argument("--one", nargs=2, metavar=("METHOD", "G"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.one:
        print(json.dumps(run_one(a.one[0], int(a.one[1]))))
        return pd.DataFrame()
    rows = []
    methods = ["ours", "ours(no CI)"] + ([] if a.skip_slow else ["pyfixest", "wildboottest"])
    for G in a.G:
        for m in methods:
            p = subprocess.run([sys.executable, __file__, "--one", m, str(G)], capture_output=True, text=True)
            if p.returncode != 0:
                print(f"{m} G={G} failed:\n{p.stderr[-2000:]}", file=sys.stderr)
                continue
            rows.append(json.loads(p.stdout.strip().splitlines()[-1]))
            r = rows[-1]
            print(f"  done {m:13s} G={G:4d}: {r['seconds']:.4f} s", file=sys.stderr)
    tab = pd.DataFrame(rows)
    for G in tab["G"].unique():
        base = tab.loc[(tab["G"] == G) & (tab["method"] == "ours"), "seconds"]
        if len(base):
            tab.loc[tab["G"] == G, "ratio_to_ours"] = tab.loc[tab["G"] == G, "seconds"] / float(base.iloc[0])
    cols = [
        "G",
        "n",
        "method",
        "seconds",
        "seconds_min",
        "ratio_to_ours",
        "tracemalloc_mb",
        "rss_growth_mb",
        "t",
        "pvalue",
    ]
    print(
        f"Wild cluster restricted bootstrap, H0: x = 0, B = {B} Webb draws, seed {SEED}, "
        f"two-way FE (unit + year), T = {T}, clustered by unit"
    )
    import os

    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}; cores: {os.cpu_count()}")
    with pd.option_context("display.width", 200, "display.float_format", "{:.4f}".format):
        print(tab[cols].to_string(index=False))
    ci = tab.loc[tab["method"] == "ours", ["G", "ci"]]
    for _, r in ci.iterrows():
        print(f"ours G={r['G']}: 95% WCR CI (test inversion, same draws) = [{r['ci'][0]:.5f}, {r['ci'][1]:.5f}]")
    return tab


if __name__ == "__main__":
    main()
