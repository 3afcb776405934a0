"""Cold build time of the province panel (target < 5 s).

Run ``python benchmarks/bench_panel.py [--data-dir DIR] [--repeat N]``. Each measurement runs in a
fresh Python process, so nothing is cached between runs (cold: imports, region resolver, every BPS
export parsed from disk). Bundle checksums are not verified here (``DataBundle.locate``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

CHILD = r"""
import sys, time
t0 = time.perf_counter()
from jamsostek_analysis.data.bundle import DataBundle
from jamsostek_analysis.data.panel import build_province_panel
bundle = DataBundle.locate(sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else None)
t1 = time.perf_counter()
panel = build_province_panel(bundle, geography=sys.argv[2])
t2 = time.perf_counter()
print(f"{t2 - t0:.3f} {t2 - t1:.3f} {len(panel)}")
"""

TARGET_S = 5.0


def measure(data_dir: str | None, geography: str) -> tuple[float, float, int]:
    """(total seconds incl. imports, build seconds, rows) of one cold build in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, data_dir or "", geography], check=True, capture_output=True, text=True
    )
    total, build, rows = out.stdout.split()
    return float(total), float(build), int(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    worst = 0.0
    for geography in ("as-published", "34"):
        runs = [measure(args.data_dir, geography) for _ in range(args.repeat)]
        totals = [r[0] for r in runs]
        builds = [r[1] for r in runs]
        worst = max(worst, max(totals))
        print(
            f"build_province_panel(geography={geography!r}): {runs[0][2]} rows; cold build "
            f"median {statistics.median(builds):.2f} s (with imports {statistics.median(totals):.2f} s; "
            f"min {min(totals):.2f}, max {max(totals):.2f}; {args.repeat} fresh processes)"
        )
    print(f"target < {TARGET_S:.0f} s: {'met' if worst < TARGET_S else 'NOT met'} (worst {worst:.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
