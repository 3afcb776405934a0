"""Study tables built from study results with the generic table writer (output layer).

:func:`main_table` formats :func:`jamsostek_analysis.study.specs.estimate` output as ``tab01``; it lives
here, not in :mod:`jamsostek_analysis.study.analysis`, because the study layer may not import the output
layer (``tests/test_layers.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from jamsostek_analysis.errors import EstimationError
from jamsostek_analysis.output.tables import regression_table
from jamsostek_analysis.study.analysis import CR2_PVALUE_LABEL, StarView

__all__ = ["main_table"]


def main_table(
    est: Any,
    *,
    label: str = "Coverage (per 100 employed)",
    years: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """The main regression table (``tab01_main_estimates``): one column per outcome and model.

    Coefficient over its CRV1 standard error, with significance stars from the wild cluster restricted
    bootstrap p-value (the declared reference test; no stars without a bootstrap), then the rows
    :data:`CR2_PVALUE_LABEL`, the bootstrap p-value and 95 % interval, and the numbers of observations
    and clusters.

    Parameters
    ----------
    est
        :func:`jamsostek_analysis.study.specs.estimate` output for the main grid (one reported term).
    label
        Row label of the coefficient.
    years
        Sample years written into the note (default: the years of the data of the first spec).

    Returns
    -------
    pandas.DataFrame
        :func:`jamsostek_analysis.output.tables.regression_table` output; column titles ``'P0 TWFE'``,
        ``'P1 FD'``, ... in the order of the grid; the note in ``.attrs['notes']``.
    """
    table = est.table
    terms = set(table["term"])
    if len(terms) != 1:
        raise EstimationError(f"main_table: expected one reported coefficient, found {sorted(terms)}")
    param = terms.pop()
    short = {"twfe": "TWFE", "fd": "FD", "ld": "LD"}
    titles = [f"{str(r.outcome).upper()} {short.get(str(r.model), str(r.model))}" for r in table.itertuples()]
    has_boot = bool(table["boot_pvalue"].notna().all())
    cols = {}
    for t, r in zip(titles, table.itertuples()):
        res = est.results[r.spec].result
        p = pd.Series({param: r.boot_pvalue}) if has_boot else pd.Series({param: np.nan})
        cols[t] = StarView(res, p)
    rows = dict(zip(titles, table.itertuples()))
    extra: dict[str, dict[str, Any]] = {}
    if table["cr2_pvalue"].notna().all():
        extra[CR2_PVALUE_LABEL] = {c: r.cr2_pvalue for c, r in rows.items()}
    if has_boot:
        extra["Wild bootstrap p-value"] = {c: r.boot_pvalue for c, r in rows.items()}
        extra["Wild bootstrap 95% confidence set"] = {
            c: (
                r.boot_conf_set.format("{:.3f}")
                if r.boot_conf_set is not None
                else f"[{r.boot_ci_low:.3f}, {r.boot_ci_high:.3f}]"
            )
            for c, r in rows.items()
        }
    tab = regression_table(cols, params=[param], labels={param: label}, extra_rows=extra, stats=("nobs", "n_clusters"))
    if years is None:
        first = next(iter(est.results.values()))
        years = (int(first.result.data["year"].min()), int(first.result.data["year"].max()))
    star_note = tab.attrs["notes"]
    if has_boot:
        star_note = star_note.replace(
            " * p<",
            " Stars from the wild cluster restricted bootstrap p-value (the reference "
            "test; CRV1 p-values over-reject with 34 clusters): * p<",
            1,
        )
    else:
        star_note = star_note.split(" * p<")[0] + " No stars: no bootstrap p-value."
    notes = (
        f" Outcomes: P0 in % of population, P1 and P2 index points (BPS, March). Coverage: active BPJS-TK PU + BPU "
        f"participants per 100 employed. {table['nobs'].min()}-{table['nobs'].max()} observations, "
        f"{int(table['n_clusters'].max())} provinces (34-province geography), {years[0]}-{years[1]}. TWFE: province and "
        f"year fixed effects; FD: first differences with year effects; LD: {years[0]}-{years[1]} long difference."
    )
    if table["cr2_df"].notna().all():
        notes += (
            " CR2: Bell-McCaffrey bias-reduced variance, t with the Bell-McCaffrey/Imbens-Kolesar Satterthwaite df "
            f"({table['cr2_df'].min():.1f}-{table['cr2_df'].max():.1f} here)."
        )
    if has_boot:
        notes += (
            f" Wild cluster restricted bootstrap, {'/'.join(sorted(set(table['boot_weights']))).capitalize()} "
            f"weights, B = {int(table['boot_B'].max())}, seeds {int(table['boot_seed'].min())}-"
            f"{int(table['boot_seed'].max())}."
        )
    tab.attrs["notes"] = star_note + notes + " Conditional associations, not effects; the placebo test fails (tab02)."
    return tab
