"""Scenario arithmetic: the estimated association times a coverage change, as if it were a linear effect.

Given an estimated coefficient ``beta`` (a conditional association, not an established effect) of one point of BPJS-TK coverage (active participants per 100
employed) on the poverty headcount ``P0`` (percent) and its uncertainty, and a province
cross-section for a base year, this module answers *"if coverage were raised as in scenario S,
what would P0 and the number of poor people be?"* by the linear prediction

    P0_pred_i = P0_i + beta * delta_x_i,
    delta_poor_i = (P0_pred_i - P0_i) / 100 * population_i * population_multiplier.

The population is by default the panel's ``poverty_population`` (100 x poor_thousand / p0, thousand
persons): the Susenas population of which P0 is a percentage, so that ``P0_i / 100 *
population_i`` is the published number of poor. The BPS projection in the panel's ``population``
column differs from it by a factor 0.70-1.19 by province from 2020 and is not used by default.

Everything here is **arithmetic under an assumed linear association**: it treats the estimated
association as if it were the causal effect of a coverage point, the same in every province, at every
coverage level and for every kind of participant, with no general-equilibrium, fiscal or selection
effects. The study's design cannot establish that (no exogenous variation; the placebo test fails), so
the numbers are neither effects nor forecasts, and not observations; every output carries ``attrs['counterfactual'] = True`` and a
``basis`` column saying so.

Uncertainty. ``beta`` enters linearly and is the only random quantity, so the interval of every
linear output is obtained exactly by evaluating it at the two endpoints of the confidence
interval of ``beta`` (``b +/- t_{1-alpha/2, df} * se``, or a CI supplied directly, e.g. from the
wild cluster bootstrap); this is what the delta method gives for a linear function, without
approximation. Baseline P0, population and coverage are treated as known (their survey
sampling error is ignored).

Bounds. A linear prediction can fall below 0 %. Nothing is clipped silently: the raw
prediction (``p0_pred*``) and the prediction bounded at 0 (``p0_pred_clipped*``) are both
reported, with the flags ``below_zero`` (point prediction < 0) and ``interval_below_zero``
(lower endpoint < 0); the people counts are given for both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from jamsostek_analysis.errors import EstimationError

__all__ = [
    "BASIS",
    "SCENARIOS",
    "Effect",
    "coverage_scenarios",
    "counterfactual_poverty",
    "interpretation_lines",
    "linear_people_change",
    "national_counterfactuals",
    "scenario_table",
]

BASIS = "arithmetic under an assumed linear association (not an observed value, not an estimated effect)"

SCENARIOS = {
    "best_quartile": (
        "every province raised to at least the best-quartile coverage (75th percentile across provinces "
        "in the base year); provinces already above keep their coverage"
    ),
    "bpu_plus_10": (
        "informal (BPU, non-wage) coverage +10 participants per 100 non-employee workers in every province, "
        "PU unchanged, employment held fixed"
    ),
    "universal": (
        "universal coverage: every province at least 100 active participants per 100 employed. FAR "
        "EXTRAPOLATION outside the support of the data: the linear effect estimated on observed "
        "coverage is assumed to hold far beyond it"
    ),
}


@dataclass(frozen=True)
class Effect:
    """An estimated effect of one point of coverage and its confidence interval.

    Attributes
    ----------
    beta
        Point estimate (units of the outcome per one unit of coverage, e.g. P0 points per
        participant per 100 employed).
    ci_low, ci_high
        ``1 - alpha`` confidence interval of ``beta``.
    alpha
        Level of the interval.
    se, df
        Standard error and t degrees of freedom when the interval is ``beta +/- t * se``
        (NaN when a CI was supplied directly).
    source
        How the interval was obtained (text for tables).
    """

    beta: float
    ci_low: float
    ci_high: float
    alpha: float = 0.05
    se: float = float("nan")
    df: float = float("nan")
    source: str = ""

    def __post_init__(self):
        for name in ("beta", "ci_low", "ci_high"):
            v = getattr(self, name)
            if not np.isfinite(v):
                raise EstimationError(f"Effect: {name} must be a finite number, got {v!r}")
        if not self.ci_low <= self.beta <= self.ci_high:
            raise EstimationError(
                f"Effect: expected ci_low <= beta <= ci_high, got {self.ci_low} <= {self.beta} <= {self.ci_high}"
            )

    @classmethod
    def from_se(cls, beta: float, se: float, df: float, *, alpha: float = 0.05) -> "Effect":
        """``beta +/- t_{1-alpha/2, df} * se`` (``df = inf`` gives the normal interval)."""
        beta, se, df = float(beta), float(se), float(df)
        if not (np.isfinite(se) and se >= 0):
            raise EstimationError(f"Effect: se must be a finite non-negative number, got {se!r}")
        if not df > 0:
            raise EstimationError(f"Effect: df must be positive, got {df!r}")
        q = stats.t.ppf(1 - alpha / 2, df) if np.isfinite(df) else stats.norm.ppf(1 - alpha / 2)
        return cls(beta, beta - q * se, beta + q * se, alpha, se, df, f"t({df:g}) interval: beta +/- {q:.4f} * se")

    @classmethod
    def from_ci(cls, beta: float, ci_low: float, ci_high: float, *, alpha: float = 0.05, source: str = "") -> "Effect":
        """An interval supplied directly (e.g. wild cluster bootstrap or randomization inference)."""
        return cls(float(beta), float(ci_low), float(ci_high), alpha, source=source or "confidence interval supplied")

    @classmethod
    def from_result(cls, result, param: str, *, alpha: float = 0.05) -> "Effect":
        """From a :class:`jamsostek_analysis.estimation.models.PanelResult` and a coefficient name."""
        if param not in result.params.index:
            raise EstimationError(
                f"Effect: no coefficient {param!r} in the result; coefficients are {list(result.params.index)}"
            )
        df = result.df_for(param) if hasattr(result, "df_for") else result.df_t
        eff = cls.from_se(result.params[param], result.bse[param], df, alpha=alpha)
        return cls(
            eff.beta, eff.ci_low, eff.ci_high, alpha, eff.se, eff.df, f"{result.model} {result.vcov_type}, {eff.source}"
        )


def _cross_section(panel_year: pd.DataFrame, unit: str, cols: list[str], time: str = "year") -> pd.DataFrame:
    if not isinstance(panel_year, pd.DataFrame):
        raise EstimationError(f"panel_year must be a pandas DataFrame, got {type(panel_year).__name__}")
    missing = [c for c in [unit, *cols] if c not in panel_year.columns]
    if missing:
        raise EstimationError(f"panel_year: column(s) {missing} not found; available: {list(panel_year.columns)}")
    if time in panel_year.columns and panel_year[time].nunique(dropna=True) > 1:
        raise EstimationError(
            f"panel_year: column '{time}' has several values {sorted(panel_year[time].dropna().unique().tolist())}; "
            "pass a one-year cross-section (e.g. panel[panel.year == 2024])"
        )
    dup = panel_year[unit].duplicated(keep=False)
    if dup.any():
        raise EstimationError(
            f"panel_year: duplicate '{unit}' values {panel_year.loc[dup, unit].unique().tolist()[:5]}"
        )
    for c in cols:
        if not pd.api.types.is_numeric_dtype(panel_year[c]):
            raise EstimationError(f"panel_year: column '{c}' must be numeric, got dtype {panel_year[c].dtype}")
    return panel_year


def coverage_scenarios(
    panel_year: pd.DataFrame,
    *,
    x: str = "coverage_rate",
    bpu: str | None = "coverage_bpu_rate",
    unit: str = "province_code",
    scenarios: tuple[str, ...] = ("best_quartile", "bpu_plus_10", "universal"),
    quantile: float = 0.75,
    bpu_increase: float = 10.0,
    bpu_to_x: float | str | None = None,
    employed: str = "employed",
    employees: str = "employees",
    universal_level: float = 100.0,
    support: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Coverage under each scenario for every province of a base-year cross-section.

    Scenarios (see :data:`SCENARIOS`):

    ``best_quartile``
        ``x_s = max(x, Q)`` with ``Q`` the ``quantile`` (default 0.75, linear interpolation as
        :meth:`pandas.Series.quantile`) of ``x`` across the provinces with non-missing ``x``.
        Coverage never decreases.
    ``bpu_plus_10``
        BPU (non-wage, informal) coverage +``bpu_increase`` points **in the BPU rate**. In
        :func:`jamsostek_analysis.data.panel.build_province_panel` ``coverage_bpu_rate`` is BPU
        participants per 100 *non-employee* workers (``employed - employees``) while
        ``coverage_rate`` is PU + BPU participants per 100 *employed*, so +10 BPU points adds
        ``0.10 * (employed - employees)`` participants and raises ``coverage_rate`` by
        ``delta_x = bpu_increase * (employed - employees) / employed`` (the non-employee share of
        employment; about 10 x 0.6 = 6 points nationally). Employment is held fixed. With
        ``bpu_to_x=None`` (default) this share is computed per province from the ``employed``
        and ``employees`` columns (EstimationError if they are absent); a number or a column
        name can be passed instead (``bpu_to_x=1`` if the BPU rate is per 100 employed).
        Consistency check: ``bpu_rate * share <= x`` (BPU participants cannot exceed PU + BPU).
        Applying ``beta`` assumes a BPU participant reduces poverty as much as the average
        participant in the estimation sample (mostly wage earners) - a strong assumption.
        ``bpu_scenario`` above 100 (more BPU participants than non-employee workers) is noted.
    ``universal``
        ``x_s = max(x, universal_level)`` (100 participants per 100 employed); a far
        extrapolation, flagged ``out_of_support``.

    Parameters
    ----------
    panel_year
        One row per province (a single base year).
    x, bpu, unit
        Coverage, BPU-coverage (``None`` if absent) and unit columns.
    scenarios
        Names among :data:`SCENARIOS`.
    support
        ``(min, max)`` of coverage observed in the estimation sample; default: the range of
        ``x`` in ``panel_year``. ``out_of_support`` is True where ``x_scenario`` leaves it.

    Returns
    -------
    pandas.DataFrame
        Long table: ``scenario, <unit>, x_baseline, x_scenario, delta_x, out_of_support,
        bpu_baseline, bpu_scenario, note, description`` (provinces in input order within
        scenario), plus ``bpu_to_x`` (the factor used by ``bpu_plus_10``, NaN otherwise).
        Provinces with missing baseline coverage are kept with NaN and a note.
    """
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        raise EstimationError(f"unknown scenario(s) {unknown}; expected some of {list(SCENARIOS)}")
    has_bpu = bpu is not None and bpu in panel_year.columns
    cols = [x] + ([bpu] if has_bpu else [])
    df = _cross_section(panel_year, unit, cols)
    xb = df[x].to_numpy(dtype=float)
    observed = xb[np.isfinite(xb)]
    if observed.size == 0:
        raise EstimationError(f"panel_year: column '{x}' has no non-missing value")
    if (observed < 0).any():
        raise EstimationError(f"panel_year: column '{x}' has negative coverage values")
    lo, hi = (float(observed.min()), float(observed.max())) if support is None else map(float, support)
    bb = df[bpu].to_numpy(dtype=float) if has_bpu else np.full(len(df), np.nan)
    share = np.full(len(df), np.nan)
    share_text = ""
    if "bpu_plus_10" in scenarios:
        if bpu_to_x is None:
            miss = [c for c in (employed, employees) if c not in df.columns]
            if miss:
                raise EstimationError(
                    f"panel_year: column(s) {miss} needed to map BPU points into '{x}' "
                    "(BPU rate per 100 non-employee workers); pass bpu_to_x=<number or column>"
                )
            emp = df[employed].to_numpy(dtype=float)
            ees = df[employees].to_numpy(dtype=float)
            share = (emp - ees) / emp
            share_text = f"({employed} - {employees}) / {employed}"
        elif isinstance(bpu_to_x, str):
            if bpu_to_x not in df.columns:
                raise EstimationError(f"panel_year: bpu_to_x column '{bpu_to_x}' not found")
            share = df[bpu_to_x].to_numpy(dtype=float)
            share_text = f"column '{bpu_to_x}'"
        else:
            share = np.full(len(df), float(bpu_to_x))
            share_text = f"{float(bpu_to_x):g}"
        bad = np.isfinite(share) & ((share < 0) | (share > 1 + 1e-12))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise EstimationError(
                f"panel_year: BPU-to-coverage factor {share[i]} for {unit}={df[unit].iloc[i]!r} outside [0, 1]"
            )
        if has_bpu:
            bad = np.isfinite(bb) & np.isfinite(xb) & np.isfinite(share) & (bb * share > xb + 1e-9)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise EstimationError(
                    f"panel_year: '{bpu}' ({bb[i]}) x factor ({share[i]:.4g}) exceeds '{x}' ({xb[i]}) for "
                    f"{unit}={df[unit].iloc[i]!r}: BPU participants cannot exceed PU + BPU; check the denominators "
                    "and bpu_to_x"
                )
    out = []
    for name in scenarios:
        note = np.where(np.isfinite(xb), "", f"baseline '{x}' missing: no scenario value")
        bpu_s = np.full(len(df), np.nan)
        if name == "best_quartile":
            if not 0 < quantile < 1:
                raise EstimationError(f"quantile must lie in (0, 1), got {quantile}")
            q = float(pd.Series(observed).quantile(quantile))
            xs = np.where(np.isfinite(xb), np.maximum(xb, q), np.nan)
            desc = SCENARIOS[name] + f"; threshold Q{quantile:g} = {q:.6g}"
        elif name == "bpu_plus_10":
            xs = xb + bpu_increase * share
            bpu_s = bb + bpu_increase
            note = np.where(
                np.isfinite(xb) & ~np.isfinite(share),
                f"BPU-to-coverage factor {share_text} missing: no scenario value",
                note,
            )
            note = np.where(np.isfinite(bpu_s) & (bpu_s > 100), "BPU rate above 100 in the scenario", note)
            desc = SCENARIOS[name].replace("+10", f"+{bpu_increase:g}") + (
                f"; delta {x} = {bpu_increase:g} x {share_text} (BPU rate per 100 non-employee workers, "
                f"{x} per 100 employed; employment held fixed)"
            )
        else:  # universal
            xs = np.where(np.isfinite(xb), np.maximum(xb, universal_level), np.nan)
            desc = SCENARIOS[name].replace("100 active", f"{universal_level:g} active")
        delta = xs - xb
        oos = np.isfinite(xs) & ((xs > hi + 1e-9) | (xs < lo - 1e-9))
        out.append(
            pd.DataFrame(
                {
                    "scenario": name,
                    unit: df[unit].to_numpy(),
                    "x_baseline": xb,
                    "x_scenario": xs,
                    "delta_x": delta,
                    "out_of_support": oos,
                    "bpu_baseline": bb,
                    "bpu_scenario": bpu_s,
                    "bpu_to_x": share if name == "bpu_plus_10" else np.nan,
                    "note": note,
                    "description": desc,
                }
            )
        )
    res = pd.concat(out, ignore_index=True)
    res.attrs.update(counterfactual=True, x=x, support=(lo, hi), basis=BASIS)
    return res


def _as_effect(beta, se, df, ci, param, alpha) -> Effect:
    if isinstance(beta, Effect):
        return beta
    if hasattr(beta, "params") and hasattr(beta, "bse"):
        if param is None:
            raise EstimationError("counterfactual_poverty: pass param=<coefficient name> with a PanelResult")
        return Effect.from_result(beta, param, alpha=alpha)
    if ci is not None:
        return Effect.from_ci(beta, ci[0], ci[1], alpha=alpha)
    if se is None or df is None:
        raise EstimationError("counterfactual_poverty: give se and df, or ci=(low, high), or an Effect/PanelResult")
    return Effect.from_se(beta, se, df, alpha=alpha)


def linear_people_change(
    beta: float, delta_x, population, *, population_multiplier: float = 1000.0
) -> dict[str, float]:
    """Change in the number of people below the line implied by a linear effect (no bounds).

    ``people = sum_i beta * delta_x_i * population_i * population_multiplier / 100``: the outcome
    (a percentage of ``population``, e.g. P0) changes by ``beta * delta_x_i`` percentage points
    in province ``i``. The single place where this arithmetic lives (used by
    :func:`counterfactual_poverty` and :func:`jamsostek_analysis.study.analysis.people_effect`).

    Parameters
    ----------
    beta
        Effect per unit of ``x`` (percentage points of the outcome per point of coverage).
    delta_x, population
        Arrays of equal length: change of ``x`` and population (in units of
        ``population_multiplier`` persons) per province. Must be finite.
    population_multiplier
        Persons per unit of ``population`` (1000: thousand persons).

    Returns
    -------
    dict
        ``population`` (persons), ``delta_x`` (population-weighted mean change), ``pp``
        (population-weighted change of the outcome, percentage points) and ``people``.
    """
    dx = np.asarray(delta_x, dtype=float).ravel()
    pop = np.asarray(population, dtype=float).ravel() * float(population_multiplier)
    if dx.shape != pop.shape:
        raise EstimationError(f"linear_people_change: delta_x has {dx.size} values, population {pop.size}")
    if not (np.isfinite(dx).all() and np.isfinite(pop).all()):
        raise EstimationError("linear_people_change: delta_x and population must be finite")
    total = float(pop.sum())
    if total <= 0:
        raise EstimationError(f"linear_people_change: total population must be positive, got {total}")
    exposure = float((dx * pop).sum())  # sum_i dx_i * persons_i
    return {
        "population": total,
        "delta_x": exposure / total,
        "pp": float(beta) * exposure / total,
        "people": float(beta) * exposure / 100.0,
    }


def _range_clipped_weighted(p0, dx, w, b_lo, b_hi) -> tuple[float, float]:
    """Exact min and max over beta in [b_lo, b_hi] of sum_i w_i max(0, p0_i + beta dx_i) / sum w."""
    cand = [b_lo, b_hi]
    nz = dx != 0
    kinks = -p0[nz] / dx[nz]
    cand += [k for k in kinks if b_lo < k < b_hi]
    vals = [float(np.sum(w * np.maximum(0.0, p0 + b * dx)) / np.sum(w)) for b in cand]
    return min(vals), max(vals)


def counterfactual_poverty(
    panel_year: pd.DataFrame,
    beta,
    se: float | None = None,
    df: float | None = None,
    scenario: str | pd.DataFrame = "best_quartile",
    *,
    ci: tuple[float, float] | None = None,
    param: str | None = None,
    alpha: float = 0.05,
    outcome: str = "p0",
    population: str = "poverty_population",
    population_multiplier: float = 1000.0,
    unit: str = "province_code",
    x: str = "coverage_rate",
    scenario_kwargs: dict | None = None,
) -> pd.DataFrame:
    """Predicted poverty and number of poor people under a coverage scenario, with intervals.

    Parameters
    ----------
    panel_year
        One row per province for the base year, with ``unit``, ``outcome`` (P0, percent),
        ``population`` and (for a named scenario) ``x``.
    beta, se, df
        Effect of one unit of ``x`` on ``outcome`` with its SE and t df; or ``beta`` an
        :class:`Effect`, or a ``PanelResult`` with ``param``; or ``ci=(low, high)``.
    scenario
        A name in :data:`SCENARIOS` (computed with :func:`coverage_scenarios`, options in
        ``scenario_kwargs``) or a DataFrame with columns ``unit`` and ``delta_x`` (e.g. rows of
        :func:`coverage_scenarios` output for one scenario).
    alpha
        Interval level (used when the interval is built from ``se`` and ``df``).
    outcome, population
        Column names; P0 in percent, population in units such that
        ``population * population_multiplier`` is persons (default 1000: thousand persons). Default
        ``'poverty_population'``: the population behind the published poverty rates (100 x
        poor_thousand / p0), so that baseline P0 x population / 100 is the published number of poor
        and the national baseline P0 is the poor-weighted national rate. The projection in the
        panel's ``'population'`` differs from it by a factor 0.70-1.19 by province from 2020
        (Papua Tengah 0.70), which would mis-state the change in people; pass it only to reproduce
        earlier numbers.

    Returns
    -------
    pandas.DataFrame
        One row per province (``level = 'province'``) in input order, then one national row
        (``level = 'national'``, ``<unit> = 'national'``). Columns: ``scenario, x_baseline,
        delta_x, x_scenario, out_of_support, p0_baseline, delta_p0[_low,_high], p0_pred[_low,
        _high]`` (raw linear prediction), ``p0_pred_clipped[_low,_high]`` (bounded at 0),
        ``below_zero, interval_below_zero, population, delta_poor[_low,_high]`` (persons, from
        the raw prediction), ``delta_poor_clipped[_low,_high]`` (persons, from the clipped
        prediction), ``in_national, note, basis``.

        National row: population-weighted over provinces with non-missing ``p0``,
        ``population`` and ``delta_x`` (``in_national``; excluded provinces are named in its
        ``note``). Its ``delta_x`` is the population-weighted mean change in coverage (the
        number that multiplies ``beta``); ``x_baseline``/``x_scenario`` are NaN (a
        population-weighted mean of rates per employed person is not national coverage). The
        clipped national interval is the exact range over the beta interval (piecewise linear).
    """
    eff = _as_effect(beta, se, df, ci, param, alpha)
    cross = _cross_section(panel_year, unit, [outcome, population])
    if isinstance(scenario, str):
        sc = coverage_scenarios(cross, x=x, unit=unit, scenarios=(scenario,), **(scenario_kwargs or {}))
        scen_name = scenario
    elif isinstance(scenario, pd.DataFrame):
        if unit not in scenario.columns or "delta_x" not in scenario.columns:
            raise EstimationError(f"scenario DataFrame must have columns '{unit}' and 'delta_x'")
        names = scenario["scenario"].unique().tolist() if "scenario" in scenario.columns else ["custom"]
        if len(names) != 1:
            raise EstimationError(f"scenario DataFrame holds several scenarios {names}; pass one")
        if scenario[unit].duplicated().any():
            raise EstimationError(f"scenario DataFrame: duplicate '{unit}' values")
        sc = scenario
        scen_name = names[0]
    else:
        raise EstimationError(f"scenario must be a name or a DataFrame, got {type(scenario).__name__}")

    sc_by = sc.set_index(unit)
    extra = sorted(set(sc_by.index) - set(cross[unit]))
    if extra:
        raise EstimationError(f"scenario has {unit} values not in panel_year: {extra[:5]}")
    units = cross[unit].to_numpy()
    dx = sc_by["delta_x"].reindex(units).to_numpy(dtype=float)
    xb = (
        sc_by["x_baseline"].reindex(units).to_numpy(dtype=float)
        if "x_baseline" in sc_by
        else np.full(len(units), np.nan)
    )
    xs = sc_by["x_scenario"].reindex(units).to_numpy(dtype=float) if "x_scenario" in sc_by else xb + dx
    oos = (
        sc_by["out_of_support"].reindex(units).fillna(False).to_numpy(dtype=bool)
        if "out_of_support" in sc_by
        else np.zeros(len(units), dtype=bool)
    )
    p0 = cross[outcome].to_numpy(dtype=float)
    pop = cross[population].to_numpy(dtype=float)
    if np.any(p0[np.isfinite(p0)] < 0) or np.any(p0[np.isfinite(p0)] > 100):
        raise EstimationError(f"panel_year: '{outcome}' must be a percentage in [0, 100]")
    if np.any(pop[np.isfinite(pop)] < 0):
        raise EstimationError(f"panel_year: '{population}' has negative values")

    b, bl, bh = eff.beta, eff.ci_low, eff.ci_high
    d = b * dx
    d_lo = np.minimum(bl * dx, bh * dx)
    d_hi = np.maximum(bl * dx, bh * dx)
    pred, pred_lo, pred_hi = p0 + d, p0 + d_lo, p0 + d_hi
    clip = np.maximum(pred, 0.0)
    clip_lo, clip_hi = np.maximum(pred_lo, 0.0), np.maximum(pred_hi, 0.0)
    persons = pop * population_multiplier / 100.0
    notes = []
    for i in range(len(units)):
        parts = []
        if not np.isfinite(dx[i]):
            parts.append("no coverage change (baseline coverage missing)")
        if not np.isfinite(p0[i]):
            parts.append(f"'{outcome}' missing")
        if not np.isfinite(pop[i]):
            parts.append(f"'{population}' missing")
        if np.isfinite(pred[i]) and pred[i] < 0:
            parts.append("linear prediction below 0 %: see p0_pred_clipped")
        if oos[i]:
            parts.append("scenario coverage outside the observed support (extrapolation)")
        notes.append("; ".join(parts))
    prov = pd.DataFrame(
        {
            "level": "province",
            unit: units,
            "scenario": scen_name,
            "x_baseline": xb,
            "delta_x": dx,
            "x_scenario": xs,
            "out_of_support": oos,
            "p0_baseline": p0,
            "delta_p0": d,
            "delta_p0_low": d_lo,
            "delta_p0_high": d_hi,
            "p0_pred": pred,
            "p0_pred_low": pred_lo,
            "p0_pred_high": pred_hi,
            "p0_pred_clipped": clip,
            "p0_pred_clipped_low": clip_lo,
            "p0_pred_clipped_high": clip_hi,
            "below_zero": np.isfinite(pred) & (pred < 0),
            "interval_below_zero": np.isfinite(pred_lo) & (pred_lo < 0),
            "population": pop,
            "delta_poor": d * persons,
            "delta_poor_low": d_lo * persons,
            "delta_poor_high": d_hi * persons,
            "delta_poor_clipped": (clip - p0) * persons,
            "delta_poor_clipped_low": (clip_lo - p0) * persons,
            "delta_poor_clipped_high": (clip_hi - p0) * persons,
            "in_national": np.isfinite(p0) & np.isfinite(pop) & np.isfinite(dx),
            "note": notes,
        }
    )

    m = prov["in_national"].to_numpy()
    if m.sum() == 0:
        raise EstimationError("counterfactual_poverty: no province has p0, population and a coverage change")
    w, p0m, dxm = pop[m], p0[m], dx[m]
    W = w.sum()
    lin = [linear_people_change(v, dxm, w, population_multiplier=population_multiplier) for v in (b, bl, bh)]
    wdx = lin[0]["delta_x"]
    base = float(np.sum(w * p0m) / W)
    nd = lin[0]["pp"]
    nd_lo, nd_hi = min(lin[1]["pp"], lin[2]["pp"]), max(lin[1]["pp"], lin[2]["pp"])
    nclip = float(np.sum(w * np.maximum(0.0, p0m + b * dxm)) / W)
    nclip_lo, nclip_hi = _range_clipped_weighted(p0m, dxm, w, bl, bh)
    npersons = W * population_multiplier / 100.0
    excluded = prov.loc[~m, unit].tolist()
    nat_note = f"population-weighted over {int(m.sum())} provinces"
    if excluded:
        nat_note += f"; excluded (missing data): {excluded}"
    if oos[m].any():
        nat_note += f"; {int(oos[m].sum())} provinces outside the observed coverage support (extrapolation)"
    nat = {
        "level": "national",
        unit: "national",
        "scenario": scen_name,
        "x_baseline": np.nan,
        "delta_x": wdx,
        "x_scenario": np.nan,
        "out_of_support": bool(oos[m].any()),
        "p0_baseline": base,
        "delta_p0": nd,
        "delta_p0_low": nd_lo,
        "delta_p0_high": nd_hi,
        "p0_pred": base + nd,
        "p0_pred_low": base + nd_lo,
        "p0_pred_high": base + nd_hi,
        "p0_pred_clipped": nclip,
        "p0_pred_clipped_low": nclip_lo,
        "p0_pred_clipped_high": nclip_hi,
        "below_zero": base + nd < 0,
        "interval_below_zero": base + nd_lo < 0,
        "population": W,
        "delta_poor": lin[0]["people"],
        "delta_poor_low": min(lin[1]["people"], lin[2]["people"]),
        "delta_poor_high": max(lin[1]["people"], lin[2]["people"]),
        "delta_poor_clipped": (nclip - base) * npersons,
        "delta_poor_clipped_low": (nclip_lo - base) * npersons,
        "delta_poor_clipped_high": (nclip_hi - base) * npersons,
        "in_national": True,
        "note": nat_note,
    }
    out = pd.concat([prov, pd.DataFrame([nat])], ignore_index=True)
    out["basis"] = BASIS
    out.attrs.update(
        counterfactual=True,
        basis=BASIS,
        scenario=scen_name,
        description=sc["description"].iloc[0] if "description" in sc.columns and len(sc) else scen_name,
        beta=eff.beta,
        ci=(eff.ci_low, eff.ci_high),
        alpha=eff.alpha,
        se=eff.se,
        df=eff.df,
        effect_source=eff.source,
        outcome=outcome,
        population_multiplier=population_multiplier,
        people_unit="persons",
    )
    return out


# --------------------------------------------------------------------------------------------
# scenario tables and reading (used by notebook 06)
# --------------------------------------------------------------------------------------------


def national_counterfactuals(
    panel_year: pd.DataFrame,
    effect: Effect,
    *,
    scenarios: Sequence[str] = tuple(SCENARIOS),
    population: str = "poverty_population",
    scenario_kwargs: dict | None = None,
) -> pd.DataFrame:
    """National rows of :func:`counterfactual_poverty` for several scenarios, one row each.

    Adds ``provinces_out_of_support`` (number of provinces whose scenario coverage lies outside
    the observed support) and ``description`` (text of the scenario). ``attrs`` carry the effect
    (``beta``, ``ci``, ``effect_source``) and ``counterfactual=True``.
    """
    rows = []
    for sc in scenarios:
        cf = counterfactual_poverty(
            panel_year, effect, scenario=sc, population=population, scenario_kwargs=scenario_kwargs
        )
        nat = cf[cf["level"] == "national"].copy()
        nat["provinces_out_of_support"] = int(cf.loc[cf["level"] == "province", "out_of_support"].sum())
        nat["description"] = cf.attrs["description"]
        rows.append(nat)
    out = pd.concat(rows, ignore_index=True)
    out.attrs.update(
        counterfactual=True,
        basis=BASIS,
        beta=effect.beta,
        ci=(effect.ci_low, effect.ci_high),
        effect_source=effect.source,
    )
    return out


def scenario_table(national: pd.DataFrame, reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """The scenario table (``tab06_counterfactuals``) from :func:`national_counterfactuals` rows.

    Columns: ``scenario``, ``mean_delta_coverage``, ``provinces_out_of_support``,
    ``delta_p0_pp`` (+ ``_low``/``_high``), ``delta_poor_thousand``, ``delta_poor_low``,
    ``delta_poor_high`` (thousand persons, predictions bounded at 0 %), and with ``reference``
    (the same scenarios under a second interval, e.g. CRV1) ``delta_poor_crv1_low`` /
    ``delta_poor_crv1_high``; ``reading``: ``'FAR EXTRAPOLATION'`` (universal),
    ``'partly outside observed coverage'`` or ``'within observed coverage'``.
    """
    tab = pd.DataFrame(
        {
            "scenario": national["scenario"].to_numpy(),
            "mean_delta_coverage": national["delta_x"].to_numpy(),
            "provinces_out_of_support": national["provinces_out_of_support"].to_numpy(),
            "delta_p0_pp": national["delta_p0"].to_numpy(),
            "delta_p0_low": national["delta_p0_low"].to_numpy(),
            "delta_p0_high": national["delta_p0_high"].to_numpy(),
            "delta_poor_thousand": national["delta_poor_clipped"].to_numpy() / 1e3,
            "delta_poor_low": national["delta_poor_clipped_low"].to_numpy() / 1e3,
            "delta_poor_high": national["delta_poor_clipped_high"].to_numpy() / 1e3,
        }
    )
    if reference is not None:
        ref = reference.set_index("scenario").reindex(tab["scenario"])
        if ref["delta_poor_clipped_low"].isna().any():
            raise EstimationError("scenario_table: reference lacks some scenarios of the main table")
        tab["delta_poor_crv1_low"] = ref["delta_poor_clipped_low"].to_numpy() / 1e3
        tab["delta_poor_crv1_high"] = ref["delta_poor_clipped_high"].to_numpy() / 1e3
    tab["reading"] = np.where(
        tab["scenario"] == "universal",
        "FAR EXTRAPOLATION",
        np.where(tab["provinces_out_of_support"] > 0, "partly outside observed coverage", "within observed coverage"),
    )
    return tab


def interpretation_lines(
    main: Mapping[str, Any],
    effect: Effect,
    table: pd.DataFrame,
    national: pd.DataFrame,
    mde_crv1: pd.DataFrame,
    *,
    latest_extreme: Mapping[str, Any],
    mde_cr2: pd.DataFrame | None = None,
    bootstrap: bool = True,
    scale_scenario: str = "best_quartile",
) -> list[str]:
    """The numbered "What this means" sentences of notebook 06, every number from the inputs.

    Parameters
    ----------
    main
        Row of the main estimate (``estimate``, ``pvalue`` and, with ``bootstrap``,
        ``boot_pvalue``).
    effect
        The effect whose interval the scenarios used.
    table
        :func:`scenario_table` output.
    national
        :func:`national_counterfactuals` output (``delta_x`` and ``population`` of
        ``scale_scenario`` are used for the scale comparisons).
    mde_crv1, mde_cr2
        Rows of the MDE table (:func:`jamsostek_analysis.estimation.power.mde_table`) for P0 with CRV1 and
        CR2 inference, indexed by ``rho_variant`` (``size_simulated``, ``mde_analytic``).
    latest_extreme
        :func:`jamsostek_analysis.study.extreme.national_extreme_latest` (``rate``, ``persons``,
        ``period``, ``year``).
    """
    bq = national.set_index("scenario").loc[scale_scenario]
    which = "wild bootstrap" if bootstrap else "CRV1"
    p = main["boot_pvalue"] if bootstrap else main["pvalue"]
    zero = effect.ci_low < 0 < effect.ci_high
    lines = [
        f"1. The main estimate (a conditional association, not an effect) is {main['estimate']:+.4f} pp of P0 per "
        f"point of coverage with 95% interval [{effect.ci_low:+.4f}, {effect.ci_high:+.4f}] ({which}; p = {p:.2f}). "
        + ("It is not distinguishable from zero." if zero else "Its interval excludes zero.")
    ]
    all_zero = bool((table["delta_poor_low"] < 0).all() and (table["delta_poor_high"] > 0).all())
    lines.append(
        "2. Consequently each scenario's arithmetic (coverage change x association, as if it were a linear effect) "
        "gives a change in the number of poor people whose interval "
        + ("contains zero in every scenario: " if all_zero else "is: ")
        + "; ".join(
            f"{r.scenario} [{r.delta_poor_low:+,.0f}, {r.delta_poor_high:+,.0f}] thousand" for r in table.itertuples()
        )
        + ". The data do not tell whether such coverage growth goes with lower or with higher poverty, let alone "
        "causes either; the universal scenario also extrapolates far beyond any observed coverage."
    )
    size = f"{mde_crv1['size_simulated'].min():.0%}-{mde_crv1['size_simulated'].max():.0%}"
    cr2 = ""
    if mde_cr2 is not None and len(mde_cr2):
        hi = float(mde_cr2["size_simulated"].max())
        cr2 = f"; the CR2 test with Bell-McCaffrey df rejects in {mde_cr2['size_simulated'].min():.0%}-{hi:.0%}, " + (
            "at or below the nominal level" if hi <= 0.05 else "also above the nominal level"
        )
    lines.append(
        f"3. The simulated CRV1 test rejects a true zero in {size} of draws instead of 5%{cr2}. The analytic "
        "MDE (exact sampling SD, CRV1 df) is quoted:"
    )
    for name, r in mde_crv1.iterrows():
        lines.append(
            f"   ({name}) the design detects, with 80% power, a true coefficient of {r['mde_analytic']:.4f} pp per point; for the "
            f"best-quartile scenario (mean +{bq['delta_x']:.1f} points) that is a change of "
            f"{r['mde_analytic'] * bq['delta_x']:.2f} pp of P0, about "
            f"{r['mde_analytic'] * bq['delta_x'] / 100 * bq['population']:,.0f} thousand people."
        )
    need = latest_extreme["rate"] / bq["delta_x"]
    persons = latest_extreme.get("persons", float("nan"))
    lines.append(
        f"4. For scale: extreme poverty was {latest_extreme['rate']:.2f} % in {latest_extreme['period']} "
        f"{latest_extreme['year']} (BPS US$2.15 series"
        + (f", {persons / 1e6:.2f} million people" if np.isfinite(persons) else "")
        + f"). For the best-quartile scenario to lower P0 by that much (as if every extremely poor person left poverty), "
        f"coverage would need a causal effect of about {-need:.3f} pp per point; the analytic MDE range above is "
        f"{mde_crv1['mde_analytic'].min():.3f}-{mde_crv1['mde_analytic'].max():.3f}, and the estimate's interval "
        + (f"excludes {-need:.3f}" if effect.ci_low > -need else f"includes {-need:.3f}")
        + ". The interval is for the association; because the placebo test fails, it does not bound the effect."
    )
    return lines
