"""Monte Carlo: coverage of 95% intervals, CRV1 t(G-1) vs wild cluster bootstrap, 34 x 4 panel.

Designs (34 provinces x 4 years, two-way fixed effects absorbed, clustered by province):

* ``balanced``: continuous regressor with a province component, errors with a province
  component and heteroskedasticity across provinces; OLS.
* ``few_treated``: binary regressor switched on in the last two years in only 3 of the 34
  provinces (a few-treated-clusters difference-in-differences); the treated provinces have
  noisier outcomes. Known to break CRV1 (MacKinnon and Webb 2017).
* ``skewed_weights``: the ``balanced`` design estimated by WLS with province weights drawn
  from a lognormal(0, 1.5) (as with population weights: a few provinces dominate).

For each replication the true coefficient is 0.5; we record whether each interval covers it:
CRV1 with t(G-1) critical values (small-sample factor as ``fit_panel``: fixest "nested"
convention), WCR (null imposed) and WCU bootstrap intervals by test inversion with
``B`` Webb draws. Monte Carlo standard errors are ``sqrt(c(1-c)/reps)``.

Usage::

    python benchmarks/monte_carlo_coverage.py --reps 500 --B 999
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from jamsostek_analysis.estimation.design import absorb
from jamsostek_analysis.estimation.wildboot import wild_cluster_bootstrap_arrays

G, T, BETA = 34, 4, 0.5
DESIGNS = ("balanced", "few_treated", "skewed_weights")


def simulate(design: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """One data set: outcome, regressor, weights (None for OLS)."""
    unit = np.repeat(np.arange(G), T)
    year = np.tile(np.arange(T), G)
    sd = np.exp(rng.normal(0, 0.5, G))[unit]  # heteroskedastic provinces
    eps = sd * (rng.normal(size=G * T) + rng.normal(size=G)[unit])
    if design == "few_treated":
        x = ((unit < 3) & (year >= 2)).astype(float)
        eps = eps * np.where(unit < 3, 2.0, 1.0)
    else:
        x = rng.normal(size=G * T) + rng.normal(size=G)[unit] + 0.3 * year
    y = BETA * x + rng.normal(size=G)[unit] + 0.2 * year + eps
    w = np.exp(rng.normal(0, 1.5, G))[unit] if design == "skewed_weights" else None
    return y, x, w


def one_replication(design: str, rng: np.random.Generator, B: int) -> dict[str, float]:
    """Coverage indicators (1/0) of the three intervals for one simulated data set."""
    unit = np.repeat(np.arange(G), T)
    year = np.tile(np.arange(T), G)
    fe = [unit, year]
    y, x, w = simulate(design, rng)
    M = absorb(np.column_stack([y, x]), fe, w)
    if w is not None:
        M = M * np.sqrt(w)[:, None]
    # K of the CRV1 factor as fit_panel (fixest 'nested'): 1 coefficient + (T-1) year dummies
    # + 1 for the province factor nested in the clusters -> n_absorbed = T
    kw = dict(B=B, seed=rng, weight_type="webb", fe=fe, weights=w, n_absorbed=T, r=BETA)
    wcr = wild_cluster_bootstrap_arrays(M[:, 0], M[:, 1:], unit, impose_null=True, **kw)
    wcu = wild_cluster_bootstrap_arrays(M[:, 0], M[:, 1:], unit, impose_null=False, **kw)
    q = stats.t.ppf(0.975, G - 1)
    lo, hi = wcr.estimate - q * wcr.se, wcr.estimate + q * wcr.se
    return {
        "crv1": float(lo <= BETA <= hi),
        "wcr": float(wcr.conf_int[0] <= BETA <= wcr.conf_int[1]),
        "wcu": float(wcu.conf_int[0] <= BETA <= wcu.conf_int[1]),
        "wcr_reject": float(wcr.pvalue <= 0.05),  # p-value at the true value: size
        "crv1_len": hi - lo,
        "wcr_len": wcr.conf_int[1] - wcr.conf_int[0],
    }


def run(reps: int = 500, B: int = 999, seed: int = 20240611, designs: Sequence[str] = DESIGNS) -> pd.DataFrame:
    """Coverage table: one row per design with coverage rates and Monte Carlo standard errors."""
    rows = []
    for d in designs:
        rng = np.random.default_rng([seed, DESIGNS.index(d)])
        t0 = time.perf_counter()
        out = pd.DataFrame([one_replication(d, rng, B) for _ in range(reps)])
        row = {"design": d, "reps": reps, "B": B}
        for k in ("crv1", "wcr", "wcu"):
            c = out[k].mean()
            row[f"{k}_coverage"] = c
            row[f"{k}_mcse"] = np.sqrt(c * (1 - c) / reps)
        row["wcr_size_5pct"] = out["wcr_reject"].mean()
        row["median_len_ratio_wcr_crv1"] = float(np.median(out["wcr_len"] / out["crv1_len"]))
        row["seconds"] = time.perf_counter() - t0
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--B", type=int, default=999)
    ap.add_argument("--seed", type=int, default=20240611)
    a = ap.parse_args(argv)
    tab = run(a.reps, a.B, a.seed)
    print(
        f"95% CI coverage, G={G} provinces x T={T} years, two-way FE, true beta={BETA}, "
        f"{a.reps} replications, B={a.B} Webb draws (MC s.e. in parentheses)"
    )
    for _, r in tab.iterrows():
        print(
            f"  {r['design']:15s} CRV1 t(G-1): {r['crv1_coverage']:.3f} ({r['crv1_mcse']:.3f})   "
            f"WCR: {r['wcr_coverage']:.3f} ({r['wcr_mcse']:.3f})   WCU: {r['wcu_coverage']:.3f} ({r['wcu_mcse']:.3f})   "
            f"WCR rejection at 5%: {r['wcr_size_5pct']:.3f}   median length WCR/CRV1: {r['median_len_ratio_wcr_crv1']:.2f}   "
            f"[{r['seconds']:.1f} s]"
        )
    return tab


if __name__ == "__main__":
    main()
