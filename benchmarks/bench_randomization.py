"""Randomization inference at scale (issue 13): time and peak memory beside pyfixest's ``ritest``.

Run ``python benchmarks/bench_randomization.py [--sizes 34x15,514x20,2000x15,10000x20]
[--n-perm 2000] [--before REV]``. For every ``units x years`` size a balanced panel with a
persistent regressor path per unit is simulated (fixed seed) and each method runs in its own fresh
process, so that the peak resident memory (``ru_maxrss`` of the child) belongs to that method alone:

* ``ours``: :func:`jamsostek_analysis.estimation.randomization.randomization_inference` with
  ``n_perm`` permutations of whole unit paths, two-way fixed effects, CRV1 by unit, ``statistic``
  ``'coef'`` (``--stat c``, default) or ``'t'`` (``--stat t``), the fit itself included;
* ``pyfixest``: ``pf.feols("y ~ x | unit+year", vcov={"CRV1": "unit"}).ritest("x", reps=n_perm,
  type="randomization-c")`` (or ``-t``), fit included (pyfixest permutes single rows, not paths: the
  same amount of work per draw, a different null; it is the peer for time and memory, not for the
  p-value; its ``randomization-t`` refits every draw and takes minutes even at 34 x 15);
* ``before`` (with ``--before REV``, sizes up to ``--before-max-rows`` rows): the module as it was at
  git revision ``REV`` (rows x permutations matrix).

Printed: seconds, peak RSS (MB), the RSS of the same child just before the call (data and imports),
and the ratios ours/pyfixest. pyfixest's time includes numba compilation (first call in a fresh
process, as a user would see it); its formula is written ``unit+year`` without spaces because
pyfixest 0.60's ``ritest`` fails on ``unit + year`` (it splits the fixed effects on ``"+"`` and keeps
the spaces).

Measured 2026-12-02 (2 shared cores), coefficient statistic: 34x15 1.1 s / 144 MB vs pyfixest
33.7 s / 437 MB; 514x20 1.3 s / 176 MB vs 46.8 s / 440 MB; 2000x15 1.7 s / 194 MB vs 59.8 s /
447 MB; 10000x20 3.4 s / 420 MB vs 147.9 s / 505 MB. The implementation before issue 13 (``--before
3f61b5b``): 0.7 s / 180 MB, 12.0 s / 1086 MB, 32.7 s / 2922 MB, and it ran out of memory at 10000x20. ``--limit-mb`` (default 2048) is the memory target for the largest size.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
import numpy as np, pandas as pd
method, U, T, n_perm, before_file, stat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
rng = np.random.default_rng(12345)
unit = np.repeat(np.arange(U), T)
year = np.tile(np.arange(2000, 2000 + T), U)
slope = rng.normal(size=U)[unit]
x = slope * (year - 2000) / T + rng.normal(size=U * T)
df = pd.DataFrame({"unit": unit.astype(str), "year": year, "x": x,
                   "y": 0.05 * x + rng.normal(size=U)[unit] + rng.normal(size=U * T)})
def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if method == "pyfixest":
    import pyfixest as pf
    rss0 = rss_mb()
    t0 = time.perf_counter()
    fit = pf.feols("y ~ x | unit+year", data=df, vcov={"CRV1": "unit"})
    out = fit.ritest("x", reps=n_perm, type="randomization-" + stat, rng=np.random.default_rng(0))
    p = float(out["Pr(>|t|)"])
else:
    if method == "before":
        import importlib.util
        import jamsostek_analysis.estimation as est
        spec = importlib.util.spec_from_file_location("jamsostek_analysis.estimation._ri_before", before_file)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = mod
        spec.loader.exec_module(mod)
        ri = mod.randomization_inference
    else:
        from jamsostek_analysis.estimation.randomization import randomization_inference as ri
    import jamsostek_analysis.estimation.models  # imports outside the timed call
    rss0 = rss_mb()
    t0 = time.perf_counter()
    res = ri(df, "y", "x", unit="unit", time="year", n_perm=n_perm, seed=0, statistic="coef" if stat == "c" else "t")
    p = res.pvalue
print(json.dumps({"seconds": time.perf_counter() - t0, "peak_mb": rss_mb(), "base_mb": rss0, "p": p}))
"""


def run(method: str, U: int, T: int, n_perm: int, stat: str, before_file: str = "") -> dict:
    """One measurement in a fresh process; ``{'error': ...}`` if the child fails (e.g. out of memory)."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, method, str(U), str(T), str(n_perm), before_file, stat],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["exit %d" % out.returncode])[-1][:120]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fmt(r: dict | None) -> str:
    if r is None:
        return f"{'-':>28}"
    if "error" in r:
        return f"{'FAILED':>28}"
    return f"{r['seconds']:9.2f} s {r['peak_mb']:8.0f} MB ({r['base_mb']:5.0f})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="34x15,514x20,2000x15,10000x20")
    ap.add_argument("--n-perm", type=int, default=2000)
    ap.add_argument("--before", default=None, help="git revision of the implementation to compare with")
    ap.add_argument("--before-max-rows", type=int, default=40_000)
    ap.add_argument("--no-pyfixest", action="store_true")
    ap.add_argument(
        "--stat",
        choices=["c", "t"],
        default="c",
        help="c: coefficient (pyfixest randomization-c), t: CRV1 t statistic (randomization-t, slow in pyfixest)",
    )
    ap.add_argument("--limit-mb", type=float, default=2048.0)
    a = ap.parse_args(argv)
    before_file = ""
    if a.before:
        src = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{a.before}:jamsostek_analysis/estimation/randomization.py"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        tmp = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
        tmp.write(src)
        tmp.close()
        before_file = tmp.name
    print(
        f"randomization inference, {a.n_perm} permutations, TWFE clustered by unit, statistic "
        f"{'coefficient' if a.stat == 'c' else 'CRV1 t'}; seconds, peak RSS (RSS before the call)"
    )
    print(
        f"{'units x years':>14} {'rows':>8} {'ours':>28} {'pyfixest ritest':>28} {'ratio t':>8} {'ratio mem':>9}"
        + (f" {'before (' + a.before + ')':>28}" if a.before else "")
    )
    worst = 0.0
    for size in a.sizes.split(","):
        U, T = (int(v) for v in size.lower().split("x"))
        ours = run("ours", U, T, a.n_perm, a.stat)
        peer = None if a.no_pyfixest else run("pyfixest", U, T, a.n_perm, a.stat)
        old = run("before", U, T, a.n_perm, a.stat, before_file) if a.before and U * T <= a.before_max_rows else None
        ok = "error" not in ours and peer is not None and "error" not in peer
        rt = f"{ours['seconds'] / peer['seconds']:8.2f}" if ok else f"{'-':>8}"
        rm = f"{ours['peak_mb'] / peer['peak_mb']:9.2f}" if ok else f"{'-':>9}"
        print(
            f"{size:>14} {U * T:>8} {_fmt(ours)} {_fmt(peer)} {rt} {rm}" + (f" {_fmt(old)}" if a.before else ""),
            flush=True,
        )
        if "error" not in ours:
            worst = max(worst, ours["peak_mb"])
        else:
            print(f"  ours failed: {ours['error']}")
    print(
        f"largest peak RSS of ours: {worst:.0f} MB (target {a.limit_mb:.0f} MB): {'OK' if worst <= a.limit_mb else 'OVER'}"
    )
    return 0 if worst <= a.limit_mb else 1


if __name__ == "__main__":
    raise SystemExit(main())
