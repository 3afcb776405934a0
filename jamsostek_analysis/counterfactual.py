"""Model-based counterfactual poverty under coverage scenarios (linear-effect assumption).

Given an estimated effect ``beta`` of one point of BPJS-TK coverage (active participants per 100
employed) on the poverty headcount ``P0`` (percent) and its uncertainty, and a province
cross-section for a base year, this module answers *"if coverage were raised as in scenario S,
what would P0 and the number of poor people be?"* by the linear prediction

    P0_pred_i = P0_i + beta * delta_x_i,
    delta_poor_i = (P0_pred_i - P0_i) / 100 * population_i * population_multiplier.

The population is by default the panel's ``poverty_population`` (100 x poor_thousand / p0, thousand
persons): the Susenas population of which P0 is a percentage, so that ``P0_i / 100 *
population_i`` is the published number of poor. The BPS projection in the panel's ``population``
column differs from it by a factor 0.70-1.19 by province from 2020 and is not used by default.

Everything here is a **model-based counterfactual under the linear-effect assumption**: the
effect of a coverage point is the same in every province, at every coverage level and for every
kind of participant, with no general-equilibrium, fiscal or selection effects. The numbers are
predictions, not observations; every output carries ``attrs['counterfactual'] = True`` and a
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

from dataclasses import dataclass

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
]

BASIS = "model-based counterfactual under the linear-effect assumption (not an observed value)"

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
        """From a :class:`jamsostek_analysis.models.PanelResult` and a coefficient name."""
        if param not in result.params.index:
            raise EstimationError(f"Effect: no coefficient {param!r} in the result; coefficients are {list(result.params.index)}")
        eff = cls.from_se(result.params[param], result.bse[param], result.df_t, alpha=alpha)
        return cls(eff.beta, eff.ci_low, eff.ci_high, alpha, eff.se, eff.df,
                   f"{result.model} {result.vcov_type}, {eff.source}")


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
        raise EstimationError(f"panel_year: duplicate '{unit}' values {panel_year.loc[dup, unit].unique().tolist()[:5]}")
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
        :func:`jamsostek_analysis.panel.build_province_panel` ``coverage_bpu_rate`` is BPU
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
                np.isfinite(xb) & ~np.isfinite(share), f"BPU-to-coverage factor {share_text} missing: no scenario value", note
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
    xb = sc_by["x_baseline"].reindex(units).to_numpy(dtype=float) if "x_baseline" in sc_by else np.full(len(units), np.nan)
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
    wdx = float(np.sum(w * dxm) / W)
    base = float(np.sum(w * p0m) / W)
    nd = b * wdx
    nd_lo, nd_hi = min(bl * wdx, bh * wdx), max(bl * wdx, bh * wdx)
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
        "delta_poor": nd * npersons,
        "delta_poor_low": nd_lo * npersons,
        "delta_poor_high": nd_hi * npersons,
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
