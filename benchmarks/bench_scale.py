"""Benchmark: ``fit_panel`` at every size beside pyfixest (and linearmodels), one run, ratios printed.

One row per line of the table in issue 12:

* ``twfe``: two-way FE (unit + year) + CRV1 by unit at 38 x 15, 514 x 20, 1M (10k x 100), 5M (50k x 100)
  and 10M rows (100k x 100); peer ``pyfixest.feols("y ~ x | unit + year", vcov={"CRV1": "unit"})``
  and, up to 514 x 20, ``linearmodels.PanelOLS(entity_effects, time_effects)`` clustered by entity
  (at 1M rows it takes about 80 s and 4.9 GB, so larger sizes are left out).
* ``fd``: first differences + year FE, CRV1 by unit, 1M and 10M rows; peer: pandas ``groupby.diff``
  (sorted by unit and year; consecutive years only) then ``pyfixest.feols("dy ~ dx | year")``.
* ``cr2``: ``fit_panel(..., vcov="CR2")`` (CR2 variance and Bell-McCaffrey df, two-way FE) at 38 x 4,
  514 x 20, 10k x 20, 100k x 20; peer: pyfixest CRV1 on the same data (pyfixest has no CR2 with fixed
  effects), so the ratio says what CR2 costs over the cheapest clustered fit.

Every measurement runs in a fresh subprocess (simulated data built first; the warm-up of numba and of
our code on a small panel is not timed). ``seconds`` is the wall time of the estimation call,
``peak MB`` the process's peak resident set (``ru_maxrss``) and ``data MB`` the resident set just
before the call (Python, libraries and the simulated data frame), identical for both packages. Runs
are interleaved (ours, peer, ours, peer, ...) and medians reported, because the machine is shared.

Usage::

    python benchmarks/bench_scale.py                          # every section, 3 repeats
    python benchmarks/bench_scale.py --section twfe --max-rows 1000000 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd

CASES = {
    "twfe": [(38, 15), (514, 20), (10_000, 100), (50_000, 100), (100_000, 100)],
    "fd": [(10_000, 100), (100_000, 100)],
    "cr2": [(38, 4), (514, 20), (10_000, 20), (100_000, 20)],
}


def make_data(G: int, T: int, seed: int = 1) -> pd.DataFrame:
    """Balanced G x T panel with unit and year effects; ``unit`` and ``year`` integer columns."""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(G, dtype=np.int64), T)
    year = np.tile(np.arange(2000, 2000 + T, dtype=np.int64), G)
    x = rng.normal(size=G * T) + rng.normal(size=G)[unit] + 0.01 * (year - 2000)
    y = 0.5 * x + rng.normal(size=G)[unit] + 0.02 * (year - 2000) + rng.normal(size=G * T)
    return pd.DataFrame({"y": y, "x": x, "unit": unit, "year": year})


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _call(section: str, method: str, df: pd.DataFrame):
    """Estimation call of ``method``; returns (coefficient, standard error)."""
    if method == "ours":
        from jamsostek_analysis.estimation.models import fit_panel

        model = "fd" if section == "fd" else "twfe"
        vcov = "CR2" if section == "cr2" else "CRV1"
        r = fit_panel(df, "y", "x", unit="unit", time="year", model=model, vcov=vcov)
        return float(r.params.iloc[0]), float(r.bse.iloc[0])
    if method == "pyfixest":
        import pyfixest as pf

        if section == "fd":
            d = df.sort_values(["unit", "year"], kind="stable")
            g = d.groupby("unit", sort=False)
            gap = g["year"].diff()
            d = d.assign(dy=g["y"].diff().where(gap == 1), dx=g["x"].diff().where(gap == 1))
            fit = pf.feols("dy ~ dx | year", d, vcov={"CRV1": "unit"})
        else:
            fit = pf.feols("y ~ x | unit + year", df, vcov={"CRV1": "unit"})
        return float(fit.coef().iloc[0]), float(fit.se().iloc[0])
    if method == "linearmodels":
        from linearmodels.panel import PanelOLS

        d = df.set_index(["unit", "year"])
        r = PanelOLS(d["y"], d[["x"]], entity_effects=True, time_effects=True).fit(
            cov_type="clustered", cluster_entity=True
        )
        return float(r.params.iloc[0]), float(r.std_errors.iloc[0])
    raise ValueError(method)


def run_one(section: str, method: str, G: int, T: int) -> dict:
    """One measurement in this process (printed as JSON by ``--one``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _call(section, method, make_data(6, 4, seed=2))  # warm-up: imports, numba compilation
        df = make_data(G, T)
        rss0 = _rss_mb()
        t0 = time.perf_counter()
        b, se = _call(section, method, df)
        secs = time.perf_counter() - t0
    return {
        "section": section,
        "method": method,
        "G": G,
        "T": T,
        "n": G * T,
        "seconds": secs,
        "peak_mb": _rss_mb(),
        "data_mb": rss0,
        "coef": b,
        "se": se,
    }


def _one(section: str, method: str, G: int, T: int) -> dict | None:
    p = subprocess.run(
        [sys.executable, __file__, "--one", section, method, str(G), str(T)], capture_output=True, text=True
    )
    if p.returncode != 0:
        print(f"{section} {method} {G}x{T} failed:\n{p.stderr[-1500:]}", file=sys.stderr)
        return None
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--section", nargs="*", default=list(CASES), choices=list(CASES))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--max-rows", type=int, default=10**8)
    ap.add_argument("--min-rows", type=int, default=0)
    ap.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.one:
        s, m, G, T = a.one
        print(json.dumps(run_one(s, m, int(G), int(T))))
        return pd.DataFrame()
    rows = []
    for section in a.section:
        for G, T in CASES[section]:
            if not a.min_rows <= G * T <= a.max_rows:
                continue
            methods = ["ours", "pyfixest"] + (["linearmodels"] if section == "twfe" and G * T <= 10_280 else [])
            runs: dict[str, list[dict]] = {m: [] for m in methods}
            for _ in range(a.repeat):  # interleaved
                for m in methods:
                    r = _one(section, m, G, T)
                    if r is not None:
                        runs[m].append(r)
            for m, rs in runs.items():
                if not rs:
                    continue
                rows.append(
                    {
                        **rs[0],
                        "seconds": statistics.median(r["seconds"] for r in rs),
                        "peak_mb": statistics.median(r["peak_mb"] for r in rs),
                        "data_mb": statistics.median(r["data_mb"] for r in rs),
                        "runs": len(rs),
                    }
                )
                print(f"  {section} {m:12s} {G}x{T}: {rows[-1]['seconds']:.4f} s", file=sys.stderr)
    tab = pd.DataFrame(rows)
    if tab.empty:
        return tab
    for key, grp in tab.groupby(["section", "n"]):
        ours = grp.loc[grp["method"] == "ours"]
        if len(ours):
            sel = (tab["section"] == key[0]) & (tab["n"] == key[1])
            tab.loc[sel, "time_ratio_ours_to_peer"] = float(ours["seconds"].iloc[0]) / tab.loc[sel, "seconds"]
            tab.loc[sel, "peak_ratio_ours_to_peer"] = float(ours["peak_mb"].iloc[0]) / tab.loc[sel, "peak_mb"]
    print(
        f"fit_panel vs peers; medians of {a.repeat} interleaved fresh-process runs; "
        f"load average at the end {os.getloadavg()}, cores {os.cpu_count()}"
    )
    cols = [
        "section",
        "G",
        "T",
        "n",
        "method",
        "seconds",
        "peak_mb",
        "data_mb",
        "time_ratio_ours_to_peer",
        "peak_ratio_ours_to_peer",
        "coef",
        "se",
    ]
    with pd.option_context("display.width", 220, "display.float_format", "{:.4g}".format):
        print(tab[cols].to_string(index=False))
    return tab


if __name__ == "__main__":
    main()
