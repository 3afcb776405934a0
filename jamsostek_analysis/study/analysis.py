"""Analysis recipes: the estimates the notebooks report, as small pure functions.

Notebooks hold narrative and calls; every specification of the study is defined here so that it is
tested and identical wherever it is used.

Main question: across Indonesian provinces, does a rise in BPJS Ketenagakerjaan (BPJS-TK) coverage go
with a fall in poverty? The main specifications regress the poverty headcount ``p0`` (and the gap and
severity indices ``p1``, ``p2``; all in percent) on ``coverage_rate`` (active BPJS-TK participants, PU +
BPU, per 100 employed) over 2022-2025 in the 34-province geography, with province and year fixed effects
(two-way FE), in first differences with year effects, or as one 2022-2025 long difference, with
standard errors clustered by province
(CRV1, t with G - 1 df). With 34 clusters the wild cluster restricted bootstrap (Webb weights) is the
reference test. A coefficient is in *percentage points of the outcome per 1 point of coverage*.

What the design cannot do, and every output says so: 4 years and 34 provinces, coverage growth that
partly reflects changes in how participants are attributed to provinces and registration drives, and
no source of exogenous variation. The estimates are conditional associations, not causal effects.

Every function returns a tidy :class:`pandas.DataFrame` or a dict of
:class:`jamsostek_analysis.estimation.models.PanelResult`; none reads or writes files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from jamsostek_analysis.errors import EstimationError, PanelError
from jamsostek_analysis.estimation.confset import ConfidenceSet
from jamsostek_analysis.geography import NEW_PAPUA, PAPUA_CODES

__all__ = [
    "COVERAGE",
    "CR2_PVALUE_LABEL",
    "DEFAULT_CONTROLS",
    "MAIN_YEARS",
    "MODEL_LABELS",
    "OUTCOMES",
    "PAPUA_CODES",
    "POST_SPLIT_PAPUA",
    "PU_BPU_PARAMS",
    "ROBUSTNESS_PARAMS",
    "add_cr2",
    "add_lead",
    "coverage_jumps",
    "describe_estimate",
    "excluding_papua",
    "formal_share_long_panel",
    "harmonised_34_vs_as_published",
    "leave_one_province_out",
    "main_estimate_record",
    "main_specifications",
    "main_table",
    "observed_change",
    "people_effect",
    "people_table",
    "placebo_leads",
    "population_weighted",
    "pu_vs_bpu",
    "randomization_check",
    "resolve_main_estimate",
    "results_table",
    "robustness_table",
    "sample_years",
    "with_bootstrap",
    "with_controls",
]

#: Regressor of the main specifications: active BPJS-TK participants (PU + BPU) per 100 employed.
COVERAGE = "coverage_rate"
#: Outcomes: poverty headcount, poverty gap and poverty severity indices (percent / index points).
OUTCOMES = ("p0", "p1", "p2")
#: Years of the BPJS-TK province panel (compiled source R2-D1).
MAIN_YEARS = (2022, 2025)
#: Province codes that exist only after the 2022 Papua split (absent from the 34-province geography).
POST_SPLIT_PAPUA = NEW_PAPUA

MODEL_LABELS = {"twfe": "Two-way FE", "fd": "First differences", "ld": "Long difference"}
UNIT = "province_code"
TIME = "year"


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def _fit_panel(*args: Any, **kwargs: Any):
    from jamsostek_analysis.estimation.models import fit_panel

    return fit_panel(*args, **kwargs)


def _require(panel: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in panel.columns]
    if missing:
        raise PanelError(f"{what}: panel has no column(s) {', '.join(missing)}; expected the columns of build_province_panel()")


def sample_years(panel: pd.DataFrame, years: tuple[int, int], *, time: str = TIME) -> pd.DataFrame:
    """Rows of ``panel`` with ``years[0] <= year <= years[1]`` (a copy, original order kept)."""
    _require(panel, [time], "sample_years")
    lo, hi = int(years[0]), int(years[1])
    if lo > hi:
        raise PanelError(f"sample_years: years={years!r}, expected (first, last) with first <= last")
    return panel.loc[panel[time].between(lo, hi)].copy()


def _check_34(panel: pd.DataFrame, what: str, unit: str = UNIT) -> None:
    codes = set(panel[unit].astype(str))
    new = sorted(codes & set(POST_SPLIT_PAPUA))
    if new:
        raise PanelError(
            f"{what}: column {unit!r} holds post-split Papua codes {', '.join(new)}; the BPJS-TK analysis needs the "
            "34-province geography (build_province_panel(geography='34')) because the compiled BPJS-TK data keep "
            "pre-split 91/94 in 2024-2025"
        )


def _term_row(result: Any, param: str, alpha: float = 0.05) -> dict[str, Any]:
    """Estimate, SE, CI, p-value, N and clusters of one coefficient of a PanelResult."""
    if param not in result.params.index:
        raise EstimationError(f"coefficient {param!r} not in the model; it has {', '.join(map(str, result.params.index))}")
    ci = result.conf_int(alpha)
    return {
        "term": param,
        "estimate": float(result.params[param]),
        "se": float(result.bse[param]),
        "ci_low": float(ci.loc[param].iloc[0]),
        "ci_high": float(ci.loc[param].iloc[1]),
        "pvalue": float(result.pvalues[param]),
        "nobs": int(result.nobs),
        "n_clusters": int(result.n_clusters) if result.n_clusters is not None else np.nan,
        "vcov": str(result.vcov_type),
    }


def results_table(
    results: Mapping[str, Any], param: str | Mapping[str, str] = COVERAGE, *, alpha: float = 0.05
) -> pd.DataFrame:
    """Tidy table, one row per result: spec, term, estimate, se, ci_low, ci_high, pvalue, nobs, n_clusters, vcov.

    Parameters
    ----------
    results
        ``{spec_name: PanelResult}`` (e.g. from :func:`main_specifications`).
    param
        Coefficient reported, or ``{spec_name: coefficient}``.
    alpha
        1 - confidence level of the CRV1 interval.
    """
    rows = []
    for spec, res in results.items():
        p = param[spec] if isinstance(param, Mapping) else param
        rows.append({"spec": spec, **_term_row(res, p, alpha)})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# main specifications
# --------------------------------------------------------------------------------------------


def main_specifications(
    panel: pd.DataFrame,
    *,
    outcomes: Sequence[str] = OUTCOMES,
    x: str = COVERAGE,
    models: Sequence[str] = ("twfe", "fd"),
    years: tuple[int, int] = MAIN_YEARS,
    controls: Sequence[str] = (),
    cluster: str = UNIT,
    vcov: str = "CRV1",
    weights: str | None = None,
) -> dict[str, Any]:
    """Coverage -> poverty: two-way FE and first differences for P0, P1, P2 (the study's main table).

    Parameters
    ----------
    panel
        Province x year panel in the 34-province geography (``build_province_panel(geography='34')``).
    outcomes
        Outcome columns (default ``('p0', 'p1', 'p2')``).
    x
        Regressor (default ``'coverage_rate'``, active PU + BPU participants per 100 employed).
    models
        ``fit_panel`` models: ``'twfe'`` (province and year FE), ``'fd'`` (first differences with year
        effects) and/or ``'ld'`` (one long difference per province between its first and last year).
    years
        First and last year of the sample (default 2022-2025, the years with BPJS-TK data).
    controls, cluster, vcov, weights
        Passed to :func:`jamsostek_analysis.estimation.models.fit_panel`; default CRV1 clustered by province.

    Returns
    -------
    dict
        ``{'p0_twfe': PanelResult, 'p0_fd': ..., 'p1_twfe': ..., ...}`` in the order outcome, model.

    Raises
    ------
    PanelError
        If a column is missing or the panel holds post-split Papua codes (92, 95, 96, 97).
    """
    _require(panel, [UNIT, TIME, x, *outcomes, *controls], "main_specifications")
    data = sample_years(panel, years)
    _check_34(data, "main_specifications")
    out: dict[str, Any] = {}
    for y in outcomes:
        for model in models:
            out[f"{y}_{model}"] = _fit_panel(
                data, y, x, controls=tuple(controls), unit=UNIT, time=TIME, model=model, cluster=cluster,
                vcov=vcov, weights=weights,
            )
    return out


def _spec_parts(spec: str) -> tuple[str, str]:
    y, _, model = spec.rpartition("_")
    return (y, model) if y else (spec, "")


def with_bootstrap(
    results: Mapping[str, Any],
    param: str | Mapping[str, str] = COVERAGE,
    B: int = 9999,
    seed: int = 20240301,
    *,
    weight_type: str = "webb",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """:func:`results_table` plus wild cluster restricted bootstrap p-values and confidence intervals.

    The bootstrap (WCR, null imposed, ``weight_type`` weights; Webb's six-point weights by default,
    because with G clusters Rademacher weights have only 2^G distinct draws) tests ``param = 0`` and
    inverts the test for the interval. Each specification gets its own seed ``seed + i`` so that the
    rows are independent and reproducible. ``param`` may be a dict ``{spec: coefficient}``.

    Returns
    -------
    pandas.DataFrame
        Columns of :func:`results_table` plus ``outcome``, ``model``, ``boot_pvalue``, ``boot_ci_low``,
        ``boot_ci_high`` (the hull of the confidence set), ``boot_conf_set`` (the confidence set itself, a
        :class:`~jamsostek_analysis.estimation.confset.ConfidenceSet`: the bootstrap p-value need not fall
        monotonically away from the estimate, so the set can be a union of intervals), ``boot_B``,
        ``boot_weights``.
    """
    from jamsostek_analysis.estimation.wildboot import wild_cluster_bootstrap

    table = results_table(results, param, alpha=alpha)
    parts = [
        (getattr(res, "y", None) or _spec_parts(spec)[0], getattr(res, "model", None) or _spec_parts(spec)[1])
        for spec, res in results.items()
    ]
    table.insert(1, "outcome", [p[0] for p in parts])
    table.insert(2, "model", [p[1] for p in parts])
    boot = []
    for i, (spec, res) in enumerate(results.items()):
        p = param[spec] if isinstance(param, Mapping) else param
        b = wild_cluster_bootstrap(res, p, B=B, weight_type=weight_type, seed=seed + i, alpha=alpha)
        lo, hi = (np.nan, np.nan) if b.conf_int is None else (float(b.conf_int[0]), float(b.conf_int[1]))
        boot.append({"boot_pvalue": float(b.pvalue), "boot_ci_low": lo, "boot_ci_high": hi,
                     "boot_conf_set": b.conf_set, "boot_B": int(b.B), "boot_weights": weight_type})
    return pd.concat([table, pd.DataFrame(boot)], axis=1)


# --------------------------------------------------------------------------------------------
# what an estimate means in people
# --------------------------------------------------------------------------------------------


def observed_change(
    panel: pd.DataFrame, x: str = COVERAGE, *, start: int = MAIN_YEARS[0], end: int = MAIN_YEARS[1], unit: str = UNIT
) -> pd.Series:
    """Change of ``x`` from ``start`` to ``end`` for every unit observed in both years (index: unit code).

    Units missing ``x`` in either year are absent from the result (listed in ``.attrs['missing']``).
    """
    _require(panel, [unit, TIME, x], "observed_change")
    a = panel.loc[panel[TIME] == start].set_index(unit)[x]
    b = panel.loc[panel[TIME] == end].set_index(unit)[x]
    for s, yr in ((a, start), (b, end)):
        if s.index.duplicated().any():
            raise PanelError(f"observed_change: duplicate {unit} in year {yr}: {sorted(s.index[s.index.duplicated()])}")
    d = (b - a).rename(f"d_{x}")
    missing = sorted(d.index[d.isna()].astype(str))
    d = d.dropna().sort_index()
    d.attrs["missing"] = missing
    return d


def people_effect(
    result: Any,
    param: str,
    panel: pd.DataFrame,
    *,
    delta_x: float | pd.Series,
    year: int,
    population: str = "poverty_population",
    persons_per_unit: float = 1000.0,
    ci: tuple[float, float] | None = None,
    unit: str = UNIT,
) -> dict[str, float]:
    """Translate a coefficient (pp of the outcome per point of ``x``) into numbers of people.

    For a change ``delta_x`` in ``x`` (points of coverage), the outcome (a percentage of the population,
    e.g. P0) changes by ``beta * delta_x`` percentage points, i.e. by
    ``sum_i beta * delta_x_i * population_i / 100`` people over the provinces ``i`` with population in
    ``year``. The same arithmetic is applied to the ends of the confidence interval.

    Parameters
    ----------
    result
        A fitted PanelResult.
    param
        The coefficient (e.g. ``'coverage_rate'``).
    panel
        The panel holding the ``population`` column for ``year``.
    delta_x
        A uniform change (float, e.g. ``10.0``) or one per province (Series indexed by province code,
        e.g. :func:`observed_change`); provinces absent from ``delta_x`` contribute nothing.
    year
        Year whose population is used.
    population
        Population column and ``persons_per_unit`` the number of persons per unit of that column
        (thousand persons: 1000). Default ``'poverty_population'`` (100 x poor_thousand / p0, the
        Susenas population behind the published poverty rates), because P0 is a percentage of that
        population: ``b x delta x poverty_population / 100`` is a change in the number of poor as BPS
        counts them. The projection in ``'population'`` differs from it by a factor 0.70-1.19 by
        province from 2020 (Papua Tengah 0.70) and would mis-state the count; pass it only to
        reproduce earlier numbers.
    ci
        Interval to translate instead of the result's CRV1 95 % interval (e.g. the bootstrap interval).

    Returns
    -------
    dict
        ``beta``, ``ci_low``, ``ci_high`` (coefficient), ``delta_x`` (population-weighted mean change),
        ``population`` (persons covered), ``pp``, ``pp_low``, ``pp_high`` (population-weighted change of the
        outcome, percentage points), ``people``, ``people_low``, ``people_high`` (change in the number of
        people, negative = fewer poor). ``people_low``/``people_high`` are the ends of the interval as ordered
        by value.
    """
    _require(panel, [unit, TIME, population], "people_effect")
    rows = panel.loc[panel[TIME] == year, [unit, population]]
    if rows.empty:
        raise PanelError(f"people_effect: no row with {TIME} == {year} in the panel")
    if rows[unit].duplicated().any():
        raise PanelError(f"people_effect: duplicate {unit} in year {year}")
    pop = rows.set_index(unit)[population].astype(float)
    if pop.isna().any():
        raise PanelError(
            f"people_effect: column {population!r} is missing in {year} for province(s) {', '.join(map(str, pop.index[pop.isna()]))}"
        )
    if isinstance(delta_x, pd.Series):
        dx = delta_x.astype(float)
        dx.index = dx.index.astype(str)
        unknown = sorted(set(dx.index) - set(pop.index.astype(str)))
        if unknown:
            raise PanelError(f"people_effect: delta_x has province(s) {', '.join(unknown)} without population in {year}")
        pop.index = pop.index.astype(str)
        pop = pop.loc[dx.index]
        dx = dx.loc[pop.index]
    else:
        dx = pd.Series(float(delta_x), index=pop.index)
    beta = float(result.params[param])
    if ci is None:
        c = result.conf_int(0.05).loc[param]
        lo, hi = float(c.iloc[0]), float(c.iloc[1])
    else:
        lo, hi = float(ci[0]), float(ci[1])
    from jamsostek_analysis.study.counterfactual import linear_people_change

    # the arithmetic beta x delta_x x population / 100 lives in one place (counterfactual.py)
    e, e_lo, e_hi = (
        linear_people_change(b, dx.to_numpy(), pop.to_numpy(), population_multiplier=persons_per_unit)
        for b in (beta, lo, hi)
    )
    return {
        "beta": beta,
        "ci_low": lo,
        "ci_high": hi,
        "delta_x": e["delta_x"],
        "year": int(year),
        "population": e["population"],
        "pp": e["pp"],
        "pp_low": min(e_lo["pp"], e_hi["pp"]),
        "pp_high": max(e_lo["pp"], e_hi["pp"]),
        "people": e["people"],
        "people_low": min(e_lo["people"], e_hi["people"]),
        "people_high": max(e_lo["people"], e_hi["people"]),
    }


# --------------------------------------------------------------------------------------------
# robustness
# --------------------------------------------------------------------------------------------


def pu_vs_bpu(
    panel: pd.DataFrame,
    *,
    y: str = "p0",
    models: Sequence[str] = ("twfe", "fd"),
    years: tuple[int, int] = MAIN_YEARS,
    cluster: str = UNIT,
    vcov: str = "CRV1",
) -> dict[str, Any]:
    """Wage-earner (PU) versus non-wage (BPU) coverage, separately and jointly.

    Returns ``{'pu_<model>': ..., 'bpu_<model>': ..., 'pu+bpu_<model>': ...}`` where the joint model
    has both rates as regressors (``coverage_pu_rate`` and ``coverage_bpu_rate``).
    """
    pu, bpu = "coverage_pu_rate", "coverage_bpu_rate"
    _require(panel, [UNIT, TIME, y, pu, bpu], "pu_vs_bpu")
    data = sample_years(panel, years)
    _check_34(data, "pu_vs_bpu")
    out: dict[str, Any] = {}
    for model in models:
        kw = dict(unit=UNIT, time=TIME, model=model, cluster=cluster, vcov=vcov)
        out[f"pu_{model}"] = _fit_panel(data, y, pu, **kw)
        out[f"bpu_{model}"] = _fit_panel(data, y, bpu, **kw)
        out[f"pu+bpu_{model}"] = _fit_panel(data, y, [pu, bpu], **kw)
    return out


def formal_share_long_panel(
    panel: pd.DataFrame,
    years: tuple[int, int] = (2015, 2025),
    *,
    y: str = "p0",
    x: str = "formal_share",
    models: Sequence[str] = ("twfe", "fd"),
    cluster: str = UNIT,
    vcov: str = "CRV1",
) -> dict[str, Any]:
    """Formal-employment share (percent of employed) as a long-panel proxy of coverage.

    BPJS-TK participation by province exists only for 2022-2025; formal employment (Sakernas August,
    employers with paid workers + employees) is the population mandatorily covered by the PU segment
    and is available from 2015. Same two-way FE and FD models, restricted to ``years``.

    Returns ``{'formal_<model>': PanelResult}``; each result's sample contains only years in range.
    """
    _require(panel, [UNIT, TIME, y, x], "formal_share_long_panel")
    data = sample_years(panel, years)
    _check_34(data, "formal_share_long_panel")
    return {
        f"formal_{model}": _fit_panel(data, y, x, unit=UNIT, time=TIME, model=model, cluster=cluster, vcov=vcov)
        for model in models
    }


def leave_one_province_out(
    panel: pd.DataFrame,
    y: str = "p0",
    x: str = COVERAGE,
    *,
    model: str = "twfe",
    years: tuple[int, int] = MAIN_YEARS,
    controls: Sequence[str] = (),
    cluster: str = UNIT,
    vcov: str = "CRV1",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Re-estimate the model once without each province.

    Returns
    -------
    pandas.DataFrame
        One row per province in the sample (sorted by code): ``dropped`` (code), ``province_name`` (if
        the panel has it), ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``pvalue``, ``nobs``,
        ``n_clusters``.
    """
    _require(panel, [UNIT, TIME, y, x, *controls], "leave_one_province_out")
    data = sample_years(panel, years)
    codes = sorted(data[UNIT].astype(str).unique())
    names = (
        data.drop_duplicates(UNIT).set_index(data.drop_duplicates(UNIT)[UNIT].astype(str))["province_name"]
        if "province_name" in data.columns
        else None
    )
    rows = []
    for code in codes:
        sub = data.loc[data[UNIT].astype(str) != code]
        res = _fit_panel(sub, y, x, controls=tuple(controls), unit=UNIT, time=TIME, model=model, cluster=cluster, vcov=vcov)
        r = _term_row(res, x, alpha)
        r.pop("term")
        row = {"dropped": code}
        if names is not None:
            row["province_name"] = names.get(code)
        rows.append({**row, **r})
    return pd.DataFrame(rows)


def add_lead(panel: pd.DataFrame, x: str, k: int = 1, *, unit: str = UNIT, time: str = TIME) -> pd.DataFrame:
    """Copy of ``panel`` with column ``f'{x}_lead{k}'`` = ``x`` of the same unit in year ``t + k``.

    The lead is NaN where year ``t + k`` is not in the panel for that unit (never taken from another
    year). ``k`` must be a positive integer.
    """
    if int(k) != k or k < 1:
        raise PanelError(f"add_lead: k={k!r}, expected a positive integer")
    _require(panel, [unit, time, x], "add_lead")
    key = panel[[unit, time]]
    if key.duplicated().any():
        raise PanelError(f"add_lead: duplicate ({unit}, {time}) rows in the panel")
    from jamsostek_analysis.estimation.models import shift_within_unit

    out = panel.copy()
    out[f"{x}_lead{int(k)}"] = shift_within_unit(panel, x, -int(k), unit=unit, time=time)
    return out


def placebo_leads(
    panel: pd.DataFrame,
    y: str = "p0",
    x: str = COVERAGE,
    *,
    leads: int = 1,
    model: str = "twfe",
    years: tuple[int, int] = MAIN_YEARS,
    cluster: str = UNIT,
    vcov: str = "CRV1",
) -> dict[str, Any]:
    """Placebo: does *future* coverage predict current poverty?

    Adds ``x`` led by 1..``leads`` years (:func:`add_lead`, within ``years``) and fits
    ``y ~ x + x_lead1 (+ ...)`` on the rows where the leads exist. Under the maintained story (coverage
    affects poverty, not the reverse, no common trend) the lead coefficients should be near zero.
    Also fits the lead alone (``'lead_only'``).

    Returns ``{'with_current': PanelResult, 'lead_only': PanelResult}``; lead terms are named
    ``f'{x}_lead{k}'``.
    """
    _require(panel, [UNIT, TIME, y, x], "placebo_leads")
    data = sample_years(panel, years)
    _check_34(data, "placebo_leads")
    names = []
    for k in range(1, int(leads) + 1):
        data = add_lead(data, x, k)
        names.append(f"{x}_lead{k}")
    # rows without a lead (the last year(s)) are dropped -- and counted -- by fit_panel
    kw = dict(unit=UNIT, time=TIME, model=model, cluster=cluster, vcov=vcov)
    return {
        "with_current": _fit_panel(data, y, [x, *names], **kw),
        "lead_only": _fit_panel(data, y, names if len(names) > 1 else names[0], **kw),
    }


def population_weighted(
    panel: pd.DataFrame,
    *,
    y: str = "p0",
    x: str = COVERAGE,
    models: Sequence[str] = ("twfe", "fd"),
    years: tuple[int, int] = MAIN_YEARS,
    weight: str = "poverty_population",
    cluster: str = UNIT,
    vcov: str = "CRV1",
) -> dict[str, Any]:
    """Main specifications weighted by province population (effect on the average *person* rather than
    the average province). Returns ``{'weighted_<model>': PanelResult}``.

    The default weight is ``poverty_population`` (100 x poor / P0, the Susenas population behind the
    published poverty rates); ``weight="population"`` uses the BPS projection instead."""
    _require(panel, [UNIT, TIME, y, x, weight], "population_weighted")
    data = sample_years(panel, years)
    _check_34(data, "population_weighted")
    return {
        f"weighted_{model}": _fit_panel(
            data, y, x, unit=UNIT, time=TIME, model=model, cluster=cluster, vcov=vcov, weights=weight
        )
        for model in models
    }


#: Time-varying province controls of the robustness check (TPT: open unemployment rate, August;
#: mean years of schooling; log GRDP per capita at constant 2010 prices).
DEFAULT_CONTROLS = ("tpt", "mean_years_schooling", "log_grdp_per_capita")


def with_controls(
    panel: pd.DataFrame,
    *,
    y: str = "p0",
    x: str = COVERAGE,
    controls: Sequence[str] = DEFAULT_CONTROLS,
    models: Sequence[str] = ("twfe", "fd"),
    years: tuple[int, int] = MAIN_YEARS,
    cluster: str = UNIT,
    vcov: str = "CRV1",
) -> dict[str, Any]:
    """Main specifications with time-varying controls. Returns ``{'controls_<model>': PanelResult}``.

    ``log_grdp_per_capita`` (natural log of ``grdp_per_capita``) is computed here when requested and not
    in the panel. Rows with a missing control (e.g. GRDP of the Papua provinces in 2023, published only
    for the post-split provinces) are dropped by ``fit_panel``, which counts them in ``drop_reasons``.
    Controls such as unemployment are themselves outcomes of the same economy (possible "bad controls");
    this is a sensitivity check, not the preferred model.
    """
    data = sample_years(panel, years)
    if "log_grdp_per_capita" in controls and "log_grdp_per_capita" not in data.columns:
        _require(data, ["grdp_per_capita"], "with_controls")
        g = data["grdp_per_capita"].astype(float)
        if (g <= 0).any():
            raise PanelError("with_controls: column 'grdp_per_capita' has non-positive values; expected > 0 for the log")
        data["log_grdp_per_capita"] = np.log(g)
    _require(data, [UNIT, TIME, y, x, *controls], "with_controls")
    _check_34(data, "with_controls")
    return {
        f"controls_{model}": _fit_panel(
            data, y, x, controls=tuple(controls), unit=UNIT, time=TIME, model=model, cluster=cluster, vcov=vcov
        )
        for model in models
    }


def excluding_papua(
    panel: pd.DataFrame,
    *,
    y: str = "p0",
    x: str = COVERAGE,
    models: Sequence[str] = ("twfe", "fd"),
    years: tuple[int, int] = MAIN_YEARS,
    cluster: str = UNIT,
    vcov: str = "CRV1",
) -> dict[str, Any]:
    """Main specifications without the Papua provinces (91, 94 and the post-2022 split provinces).

    Papua is where the two geographies differ (the 2022 split) and where the compiled BPJS-TK data mix
    pre-split participants with post-split employment; dropping it removes the harmonisation question.
    Returns ``{'no_papua_<model>': PanelResult}``.
    """
    _require(panel, [UNIT, TIME, y, x], "excluding_papua")
    data = sample_years(panel, years)
    data = data.loc[~data[UNIT].astype(str).isin(PAPUA_CODES)]
    return {
        f"no_papua_{model}": _fit_panel(data, y, x, unit=UNIT, time=TIME, model=model, cluster=cluster, vcov=vcov)
        for model in models
    }


def harmonised_34_vs_as_published(
    panel_34: pd.DataFrame,
    panel_published: pd.DataFrame,
    *,
    y: str = "p0",
    x: str = COVERAGE,
    model: str = "twfe",
    years: tuple[int, int] = MAIN_YEARS,
    cluster: str = UNIT,
    vcov: str = "CRV1",
) -> dict[str, Any]:
    """The main model on the harmonised 34-province panel and on the as-published panel.

    The as-published panel carries 38 provinces from 2024; rows whose ``x`` is missing (the new Papua
    provinces have no BPJS-TK figures) are left out by the estimator, and the rump 91/94 from 2024 are
    not comparable with their earlier selves, so this comparison is only informative about how much the
    Papua handling matters. Also reports both panels without Papua (identical provinces and
    boundaries).

    Returns ``{'harmonised_34': ..., 'as_published': ..., 'harmonised_34_no_papua': ...,
    'as_published_no_papua': ...}``.
    """
    out: dict[str, Any] = {}
    kw = dict(unit=UNIT, time=TIME, model=model, cluster=cluster, vcov=vcov)
    for name, p in (("harmonised_34", panel_34), ("as_published", panel_published)):
        _require(p, [UNIT, TIME, y, x], "harmonised_34_vs_as_published")
        data = sample_years(p, years)  # rows without y or x are dropped and counted by fit_panel
        out[name] = _fit_panel(data, y, x, **kw)
        out[f"{name}_no_papua"] = _fit_panel(data.loc[~data[UNIT].astype(str).isin(PAPUA_CODES)], y, x, **kw)
    return out


def randomization_check(
    panel: pd.DataFrame,
    *,
    y: str = "p0",
    x: str = COVERAGE,
    model: str = "twfe",
    years: tuple[int, int] = MAIN_YEARS,
    n_perm: int = 2000,
    seed: int = 20240301,
    **kwargs: Any,
) -> Any:
    """Randomization inference: permute whole coverage paths across provinces (see
    :func:`jamsostek_analysis.estimation.randomization.randomization_inference`). Returns its result object."""
    from jamsostek_analysis.estimation.randomization import randomization_inference

    _require(panel, [UNIT, TIME, y, x], "randomization_check")
    data = sample_years(panel, years)
    _check_34(data, "randomization_check")
    return randomization_inference(data, y, x, model=model, n_perm=n_perm, seed=seed, **kwargs)


#: Coefficient reported for each spec of :func:`pu_vs_bpu` (the joint model reports the PU rate).
PU_BPU_PARAMS = {
    f"{a}_{m}": c
    for m in ("twfe", "fd")
    for a, c in (("pu", "coverage_pu_rate"), ("bpu", "coverage_bpu_rate"), ("pu+bpu", "coverage_pu_rate"))
}
#: Coefficient reported for each spec of the robustness checks whose regressor is not ``coverage_rate``
#: (:func:`pu_vs_bpu`, :func:`formal_share_long_panel`, :func:`placebo_leads` with one lead).
ROBUSTNESS_PARAMS = {
    **PU_BPU_PARAMS,
    "formal_twfe": "formal_share",
    "formal_fd": "formal_share",
    "with_current": "coverage_rate_lead1",
    "lead_only": "coverage_rate_lead1",
}


def robustness_table(
    blocks: Mapping[str, Mapping[str, Any]],
    param: str | Mapping[str, str] = ROBUSTNESS_PARAMS,
    *,
    B: int = 0,
    seed: int = 20240301,
    weight_type: str = "webb",
) -> pd.DataFrame:
    """Stack several ``{spec: PanelResult}`` dicts into one tidy table with a ``check`` column.

    ``param`` may be a dict ``{spec: coefficient}`` for specs whose coefficient is not
    ``'coverage_rate'`` (a spec absent from the dict uses ``'coverage_rate'``); the default
    :data:`ROBUSTNESS_PARAMS` covers the specs of :func:`pu_vs_bpu`,
    :func:`formal_share_long_panel` and :func:`placebo_leads`. With ``B > 0`` every row
    also gets the wild cluster restricted bootstrap columns of :func:`with_bootstrap` (block ``i`` uses
    seeds ``seed + 100 * i + j``).
    """
    frames = []
    for i, (check, results) in enumerate(blocks.items()):
        p = {s: param.get(s, COVERAGE) for s in results} if isinstance(param, Mapping) else param
        if B > 0:
            t = with_bootstrap(results, p, B=B, seed=seed + 100 * i, weight_type=weight_type)
        else:
            t = results_table(results, p)
        t.insert(0, "check", check)
        frames.append(t)
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------------
# reporting helpers (pure: build tables, sentences and records from results)
# --------------------------------------------------------------------------------------------


#: Row label of the CR2 p-value in the tables (the t reference uses the Bell-McCaffrey df).
CR2_PVALUE_LABEL = "CR2 p-value (Bell-McCaffrey df)"


def add_cr2(table: pd.DataFrame, results_cr2: Mapping[str, Any], param: str | Mapping[str, str] = COVERAGE) -> pd.DataFrame:
    """Add CR2 (Bell-McCaffrey) columns ``cr2_se``, ``cr2_ci_low``, ``cr2_ci_high``, ``cr2_pvalue``, ``cr2_df``.

    ``results_cr2`` are the same specifications fitted with ``vcov='CR2'`` (e.g.
    ``main_specifications(panel, vcov='CR2')``); rows are matched on ``spec``. The point estimates must
    agree (EstimationError otherwise), because only the variance differs. ``cr2_df`` is the t df behind
    ``cr2_pvalue`` and the CR2 interval: the Bell-McCaffrey Satterthwaite df of the coefficient with
    ``fit_panel``'s default ``cr2_df='bm'`` (``G - 1`` if the results were fitted with ``cr2_df='G-1'``).
    """
    cr2 = results_table(results_cr2, param).set_index("spec")
    missing = sorted(set(table["spec"]) - set(cr2.index))
    if missing:
        raise EstimationError(f"add_cr2: no CR2 result for spec(s) {', '.join(missing)}")
    out = table.copy()
    m = cr2.loc[out["spec"]]
    diff = np.abs(m["estimate"].to_numpy() - out["estimate"].to_numpy())
    if (diff > 1e-9 * np.maximum(1.0, np.abs(out["estimate"].to_numpy()))).any():
        raise EstimationError("add_cr2: CR2 results have different point estimates; fit the same specifications")
    for c in ("se", "ci_low", "ci_high", "pvalue"):
        out[f"cr2_{c}"] = m[c].to_numpy()
    out["cr2_df"] = [
        float(results_cr2[s].df_for(param[s] if isinstance(param, Mapping) else param)) for s in out["spec"]
    ]
    return out


def main_table(
    table: pd.DataFrame,
    results: Mapping[str, Any],
    *,
    param: str = COVERAGE,
    label: str = "Coverage (per 100 employed)",
    years: tuple[int, int] = MAIN_YEARS,
    B: int | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """The main regression table (``tab01_main_estimates``): one column per outcome and model.

    Coefficient over its CRV1 standard error (stars from the CRV1 p-values), then the rows
    :data:`CR2_PVALUE_LABEL` (if ``table`` has ``cr2_pvalue``, see :func:`add_cr2`), wild bootstrap
    p-value and 95 % interval (if ``table`` has ``boot_pvalue``, see :func:`with_bootstrap`), and the
    number of observations and clusters.

    Parameters
    ----------
    table
        :func:`with_bootstrap` output (optionally with :func:`add_cr2` columns): ``spec``, ``outcome``,
        ``model`` and the inference columns.
    results
        ``{spec: PanelResult}`` (CRV1) behind ``table``.
    param, label
        Coefficient shown and its row label.
    years, B, seed
        Sample years and bootstrap settings, written into ``.attrs['notes']``.

    Returns
    -------
    pandas.DataFrame
        :func:`jamsostek_analysis.output.tables.regression_table` output; column titles ``'P0 TWFE'``,
        ``'P1 FD'``, ... in the order of ``table``.
    """
    from jamsostek_analysis.output.tables import regression_table

    short = {"twfe": "TWFE", "fd": "FD", "ld": "LD"}
    missing = sorted(set(table["spec"]) - set(results))
    if missing:
        raise EstimationError(f"main_table: no result for spec(s) {', '.join(missing)}")
    titles = [f"{str(r.outcome).upper()} {short.get(str(r.model), str(r.model))}" for r in table.itertuples()]
    cols = {t: results[r.spec] for t, r in zip(titles, table.itertuples())}
    rows = dict(zip(titles, table.itertuples()))
    extra: dict[str, dict[str, Any]] = {}
    if "cr2_pvalue" in table.columns:
        extra[CR2_PVALUE_LABEL] = {c: r.cr2_pvalue for c, r in rows.items()}
    if "boot_pvalue" in table.columns:
        extra["Wild bootstrap p-value"] = {c: r.boot_pvalue for c, r in rows.items()}
        extra["Wild bootstrap 95% confidence set"] = {
            c: (r.boot_conf_set.format("{:.3f}") if getattr(r, "boot_conf_set", None) is not None
                else f"[{r.boot_ci_low:.3f}, {r.boot_ci_high:.3f}]")
            for c, r in rows.items()
        }
    tab = regression_table(cols, params=[param], labels={param: label}, extra_rows=extra, stats=("nobs", "n_clusters"))
    notes = (
        f" Outcomes: P0 in % of population, P1 and P2 index points (BPS, March). Coverage: active BPJS-TK PU + BPU "
        f"participants per 100 employed. {table['nobs'].min()}-{table['nobs'].max()} observations, "
        f"{int(table['n_clusters'].max())} provinces (34-province geography), {years[0]}-{years[1]}. TWFE: province and "
        f"year fixed effects; FD: first differences with year effects; LD: {years[0]}-{years[1]} long difference."
    )
    if "cr2_pvalue" in table.columns:
        notes += (
            " CR2: Bell-McCaffrey bias-reduced variance, t with the Bell-McCaffrey/Imbens-Kolesar Satterthwaite df "
            f"({table['cr2_df'].min():.1f}-{table['cr2_df'].max():.1f} here)." if "cr2_df" in table.columns else ""
        )
    if "boot_pvalue" in table.columns:
        notes += " Wild cluster restricted bootstrap, Webb weights" + (f", B = {B}" if B else "") + (
            f", seed {seed}" if seed is not None else "") + "."
    tab.attrs["notes"] = tab.attrs["notes"] + notes + " Conditional associations, not causal effects."
    return tab


def resolve_main_estimate(
    panel: pd.DataFrame,
    saved: Mapping[str, Any] | None,
    *,
    spec: str = "p0_twfe",
    B: int = 9999,
    seed: int = 20240301,
    years: tuple[int, int] = MAIN_YEARS,
) -> tuple[dict[str, Any], str]:
    """The main-estimate row handed from notebook 03, checked against the current panel.

    ``saved`` is the record written by notebook 03 (:func:`main_estimate_record`, e.g. from
    :func:`jamsostek_analysis.pipeline.reproduce.load_main_estimate`) or ``None``. If it is absent, is for another
    spec, or its estimate differs from the estimate on ``panel`` (relative 1e-9: a stale build folder), the
    row is recomputed with :func:`main_specifications` and :func:`with_bootstrap` (``B``, ``seed`` as in
    notebook 03). Returns ``(row, message)``, the message saying which happened.
    """
    y, model = _spec_parts(spec)
    res = main_specifications(panel, outcomes=(y,), models=(model,), years=years)
    current = float(res[spec].params[COVERAGE])
    main = dict(saved["main"]) if saved is not None and "main" in saved else None
    if main is not None and main.get("spec") == spec and abs(main["estimate"] - current) <= 1e-9 * max(1.0, abs(current)):
        return main, f"main estimate read from the build folder (written by notebook 03); it equals the {spec} estimate on the current panel"
    why = "not found" if main is None else (
        f"is for {main.get('spec')!r}" if main.get("spec") != spec
        else f"holds {main['estimate']:.6f}, the current panel gives {current:.6f} (stale)")
    row = with_bootstrap(res, COVERAGE, B=B, seed=seed).iloc[0].to_dict()
    return row, f"saved main estimate {why}: recomputed here ({spec}, wild bootstrap B = {B}, seed {seed}, as in notebook 03)"


def _fmt(v: float, digits: int = 3) -> str:
    return f"{v:+.{digits}f}".replace("+-", "-") if np.isfinite(v) else ("-inf" if v < 0 else "inf")


def _conf_set(row: Mapping[str, Any] | pd.Series) -> ConfidenceSet | None:
    """The bootstrap confidence set of a :func:`with_bootstrap` row (object, or its string after a JSON round trip)."""
    cs = row.get("boot_conf_set") if hasattr(row, "get") else None
    if isinstance(cs, str):
        return ConfidenceSet.parse(cs)
    return cs if isinstance(cs, ConfidenceSet) else None


def describe_estimate(row: Mapping[str, Any] | pd.Series, *, digits: int = 3) -> str:
    """Plain-language sentence for one row of :func:`with_bootstrap` (estimate, CRV1 and bootstrap).

    States the coefficient with its unit, both intervals and p-values, the sample, and whether the
    intervals include zero. Nothing is hard-coded: every number comes from ``row``.
    """
    outcome = str(row.get("outcome", "p0"))
    unit = {
        "p0": "percentage points of P0",
        "p1": "points of P1",
        "p2": "points of P2",
    }.get(outcome, f"units of {outcome}")
    model = MODEL_LABELS.get(str(row.get("model", "")), str(row.get("model", "")))
    d = digits
    text = (
        f"{model}, {outcome.upper()}: {_fmt(row['estimate'], d)} {unit} per 1 point of coverage "
        f"(CRV1 95% CI {_fmt(row['ci_low'], d)} to {_fmt(row['ci_high'], d)}, p = {row['pvalue']:.3f}"
    )
    has_boot = "boot_pvalue" in row and pd.notna(row.get("boot_pvalue"))
    cs = _conf_set(row) if has_boot else None
    if has_boot and cs is not None and not cs.is_interval:
        text += f"; wild cluster bootstrap p = {row['boot_pvalue']:.3f}, 95% confidence set {cs.format(lambda v: _fmt(v, d))}"
    elif has_boot:
        text += (
            f"; wild cluster bootstrap p = {row['boot_pvalue']:.3f}, 95% CI {_fmt(row['boot_ci_low'], d)} to "
            f"{_fmt(row['boot_ci_high'], d)}"
        )
    text += f"; N = {int(row['nobs'])}, {int(row['n_clusters'])} provinces)."
    lo, hi = (row["boot_ci_low"], row["boot_ci_high"]) if has_boot else (row["ci_low"], row["ci_high"])
    which = "bootstrap interval" if has_boot else "interval"
    if cs is not None and not cs.is_interval:
        zero = "includes" if cs.contains(0.0) else "excludes"
        text += (f" The bootstrap confidence set is a union of {cs.n_pieces} intervals (the p-value is not monotone "
                 f"in the null value) and {zero} zero.")
    elif lo <= 0 <= hi:
        text += f" The {which} includes zero: the data cannot tell a reduction from an increase in poverty."
    elif hi < 0:
        text += f" The {which} lies below zero: higher coverage goes with lower {outcome.upper()}."
    else:
        text += f" The {which} lies above zero: higher coverage goes with higher {outcome.upper()}."
    return text


def people_table(
    result: Any,
    param: str,
    panel: pd.DataFrame,
    scenarios: Mapping[str, float | pd.Series],
    *,
    year: int,
    boot_ci: tuple[float, float] | None = None,
    population: str = "poverty_population",
    persons_per_unit: float = 1000.0,
) -> pd.DataFrame:
    """:func:`people_effect` for several coverage scenarios, with the CRV1 and (optionally) bootstrap interval.

    Returns one row per scenario: ``scenario``, ``delta_x`` (population-weighted mean change, points),
    ``pp`` (population-weighted change of the outcome, percentage points), ``people`` (change in the
    number of people below the line; negative = fewer poor), ``people_low``/``people_high`` (CRV1 95 %)
    and ``people_boot_low``/``people_boot_high`` (bootstrap 95 %, if ``boot_ci`` is given).
    ``population`` (default ``'poverty_population'``, the population behind the poverty rates; see
    :func:`people_effect`) is the denominator column; the ``population`` column of the result is
    the persons it covers.
    """
    rows = []
    for name, dx in scenarios.items():
        e = people_effect(result, param, panel, delta_x=dx, year=year, population=population,
                          persons_per_unit=persons_per_unit)
        row = {"scenario": name, "delta_x": e["delta_x"], "population": e["population"], "pp": e["pp"],
               "people": e["people"], "people_low": e["people_low"], "people_high": e["people_high"]}
        if boot_ci is not None:
            b = people_effect(result, param, panel, delta_x=dx, year=year, population=population,
                              persons_per_unit=persons_per_unit, ci=boot_ci)
            row["people_boot_low"], row["people_boot_high"] = b["people_low"], b["people_high"]
        rows.append(row)
    return pd.DataFrame(rows)


def coverage_jumps(panel: pd.DataFrame, x: str = COVERAGE, *, n: int = 5, years: tuple[int, int] = MAIN_YEARS) -> pd.DataFrame:
    """The ``n`` largest year-on-year changes of ``x`` (absolute value) within provinces.

    Large one-year swings in a coverage ratio are more likely to reflect changes in how participants are
    attributed to provinces (or registration drives) than changes in protection; this lists them so
    that the reader can see them. Columns: province_code, province_name (if present), year, previous,
    current, change.
    """
    _require(panel, [UNIT, TIME, x], "coverage_jumps")
    data = sample_years(panel, years)
    prev = data[[UNIT, TIME, x]].copy()
    prev[TIME] = prev[TIME] + 1
    m = data.merge(prev.rename(columns={x: "previous"}), on=[UNIT, TIME], how="inner", validate="one_to_one")
    m = m.rename(columns={x: "current"})
    m["change"] = m["current"] - m["previous"]
    m = m.dropna(subset=["change"])
    cols = [UNIT] + (["province_name"] if "province_name" in m.columns else []) + [TIME, "previous", "current", "change"]
    order = m["change"].abs().sort_values(ascending=False, kind="mergesort").index
    return m.loc[order[: int(n)], cols].reset_index(drop=True)


def main_estimate_record(table: pd.DataFrame, results: Mapping[str, Any], *, spec: str = "p0_twfe") -> dict[str, Any]:
    """JSON-serialisable record of the main estimates (handed from notebook 03 to notebook 06).

    ``{'main_spec': spec, 'param': ..., 'main': <row of table for spec>, 'table': [rows...],
    'result': PanelResult.to_dict() of spec}``; NaN and infinities become None.
    """
    if spec not in results:
        raise EstimationError(f"main_estimate_record: spec {spec!r} not among {', '.join(results)}")

    def clean(v: Any) -> Any:
        if isinstance(v, (np.integer,)):
            return int(v)
        if isinstance(v, (float, np.floating)):
            return float(v) if np.isfinite(v) else None
        if isinstance(v, ConfidenceSet):  # round-trips with ConfidenceSet.parse
            return v.format("{:.17g}")
        return v

    rows = [{k: clean(v) for k, v in r.items()} for r in table.to_dict(orient="records")]
    main = next(r for r in rows if r["spec"] == spec)
    return {"main_spec": spec, "param": main["term"], "main": main, "table": rows, "result": results[spec].to_dict()}
