"""The study's reporting helpers: tables, sentences and numbers of people from fitted specifications.

The specifications themselves are data (:mod:`jamsostek_analysis.study.specs`: a frozen ``Spec``, named
samples, grids, one ``estimate`` call returning a tidy table with provenance). This module turns those
results into the study's tables and text. Nothing here reads or writes files.

Question: across Indonesian provinces, does coverage by BPJS Ketenagakerjaan (BPJS-TK) go together with
lower poverty? The main specifications regress the poverty headcount ``p0`` (and the gap and severity
indices ``p1``, ``p2``) on ``coverage_rate`` (active BPJS-TK participants, PU + BPU, per 100 employed)
in the years in which coverage is observed, 34-province geography, with province and year fixed
effects (two-way FE), in first differences with year effects, or as one long difference; standard
errors clustered by province (CRV1, t with G - 1 df), CR2 with Bell-McCaffrey df, and the wild cluster
restricted bootstrap (Webb weights), the declared reference test with 34 clusters. A coefficient is in
*units of the outcome per 1 point of coverage*.

What the design cannot do, and every output says so: four years and 34 provinces, coverage ratios
that partly reflect where employers register participants and how many persons the labour force survey
counts as employed, no source of exogenous variation, and a placebo test (coverage in t + 1) that
fails. The estimates are conditional associations, not effects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from jamsostek_analysis.errors import PanelError
from jamsostek_analysis.estimation.confset import ConfidenceSet
from jamsostek_analysis.geography import NEW_PAPUA, PAPUA_CODES
from jamsostek_analysis.study.specs import DEFAULT_CONTROLS, Sample, Spec, coverage_years

__all__ = [
    "COVERAGE",
    "CR2_PVALUE_LABEL",
    "DEFAULT_CONTROLS",
    "MODEL_LABELS",
    "OUTCOMES",
    "PAPUA_CODES",
    "POST_SPLIT_PAPUA",
    "add_lead",
    "check_34",
    "coverage_jumps",
    "describe_estimate",
    "leave_one_province_out",
    "observed_change",
    "people_effect",
    "people_table",
    "randomization_check",
    "StarView",
    "sample_years",
]

#: Regressor of the main specifications: active BPJS-TK participants (PU + BPU) per 100 employed.
COVERAGE = "coverage_rate"
#: Outcomes: poverty headcount, poverty gap and poverty severity indices (percent / index points).
OUTCOMES = ("p0", "p1", "p2")
#: Province codes that exist only after the 2022 Papua split (absent from the 34-province geography).
POST_SPLIT_PAPUA = NEW_PAPUA

MODEL_LABELS = {"twfe": "Two-way FE", "fd": "First differences", "ld": "Long difference"}
UNIT = "province_code"
TIME = "year"


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def _require(panel: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in panel.columns]
    if missing:
        raise PanelError(
            f"{what}: panel has no column(s) {', '.join(missing)}; expected the columns of build_province_panel()"
        )


def sample_years(panel: pd.DataFrame, years: tuple[int, int], *, time: str = TIME) -> pd.DataFrame:
    """Rows of ``panel`` with ``years[0] <= year <= years[1]`` (a copy, original order kept)."""
    _require(panel, [time], "sample_years")
    lo, hi = int(years[0]), int(years[1])
    if lo > hi:
        raise PanelError(f"sample_years: years={years!r}, expected (first, last) with first <= last")
    return panel.loc[panel[time].between(lo, hi)].copy()


def check_34(panel: pd.DataFrame, what: str, unit: str = UNIT) -> None:
    codes = set(panel[unit].astype(str))
    new = sorted(codes & set(POST_SPLIT_PAPUA))
    if new:
        raise PanelError(
            f"{what}: column {unit!r} holds post-split Papua codes {', '.join(new)}; the BPJS-TK analysis needs the "
            "34-province geography (build_province_panel(geography='34')) because the compiled BPJS-TK data keep "
            "pre-split 91/94 in 2024-2025"
        )


# --------------------------------------------------------------------------------------------
# what an estimate means in people
# --------------------------------------------------------------------------------------------


def observed_change(
    panel: pd.DataFrame,
    x: str = COVERAGE,
    *,
    start: int | None = None,
    end: int | None = None,
    unit: str = UNIT,
) -> pd.Series:
    """Change of ``x`` from ``start`` to ``end`` for every unit observed in both years (index: unit code).

    ``start``/``end`` default to the first and last year in which ``x`` is observed
    (:func:`jamsostek_analysis.study.specs.coverage_years`). Units missing ``x`` in either year are absent
    from the result (listed in ``.attrs['missing']``).
    """
    _require(panel, [unit, TIME, x], "observed_change")
    first, last = coverage_years(panel, x)
    start = first if start is None else start
    end = last if end is None else end
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
            raise PanelError(
                f"people_effect: delta_x has province(s) {', '.join(unknown)} without population in {year}"
            )
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


def leave_one_province_out(panel: pd.DataFrame, spec: Spec | None = None, *, alpha: float = 0.05) -> pd.DataFrame:
    """Re-estimate ``spec`` (default: P0 on coverage, two-way FE) once without each province (CRV1).

    Each refit is ``spec`` with the sample ``'without <code>'`` (the spec's own sample minus one province).

    Returns
    -------
    pandas.DataFrame
        One row per province in the sample (sorted by code): ``dropped`` (code), ``province_name`` (if
        the panel has it), ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``pvalue``, ``nobs``,
        ``n_clusters``.
    """
    from jamsostek_analysis.study.specs import fit, prepare

    spec = spec or Spec("p0")
    data = prepare(spec, panel)
    codes = sorted(data[UNIT].astype(str).unique())
    names = data.drop_duplicates(UNIT).set_index(UNIT)["province_name"] if "province_name" in data.columns else None
    rows = []
    for code in codes:
        sample = Sample(
            f"{spec.sample.name} without {code}",
            f"{spec.sample.description}, without province {code}",
            lambda p, c=code, base=spec.sample: base.keep(p) & (p[UNIT].astype(str) != c),
        )
        res = fit(spec.but(sample=sample, name=f"{spec.label}_without_{code}"), panel)
        term = spec.term
        ci = res.conf_int(alpha).loc[term]
        row: dict[str, Any] = {"dropped": code}
        if names is not None:
            row["province_name"] = names.get(code)
        row.update(
            estimate=float(res.params[term]),
            se=float(res.bse[term]),
            ci_low=float(ci.iloc[0]),
            ci_high=float(ci.iloc[1]),
            pvalue=float(res.pvalues[term]),
            nobs=int(res.nobs),
            n_clusters=int(res.n_clusters),
            vcov=str(res.vcov_type),
        )
        rows.append(row)
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


def randomization_check(
    panel: pd.DataFrame,
    *,
    y: str = "p0",
    x: str = COVERAGE,
    model: str = "twfe",
    years: tuple[int, int] | None = None,
    n_perm: int = 2000,
    seed: int = 20240301,
    **kwargs: Any,
) -> Any:
    """Randomization inference: permute whole coverage paths across provinces (see
    :func:`jamsostek_analysis.estimation.randomization.randomization_inference`). Returns its result object."""
    from jamsostek_analysis.estimation.randomization import randomization_inference

    _require(panel, [UNIT, TIME, y, x], "randomization_check")
    data = sample_years(panel, years or coverage_years(panel, x))
    check_34(data, "randomization_check")
    return randomization_inference(data, y, x, model=model, n_perm=n_perm, seed=seed, **kwargs)


# --------------------------------------------------------------------------------------------
# reporting helpers (pure: build tables, sentences and records from results)
# --------------------------------------------------------------------------------------------


#: Row label of the CR2 p-value in the tables (the t reference uses the Bell-McCaffrey df).
CR2_PVALUE_LABEL = "CR2 p-value (Bell-McCaffrey df)"


class StarView:
    """Coefficient, SE and statistics of a PanelResult with the p-values that the stars are drawn from."""

    def __init__(self, result: Any, pvalues: pd.Series) -> None:
        self.params, self.bse, self.pvalues = result.params, result.bse, pvalues
        self.nobs, self.n_clusters, self.vcov_type = result.nobs, result.n_clusters, result.vcov_type


def _fmt(v: float, digits: int = 3) -> str:
    return f"{v:+.{digits}f}".replace("+-", "-") if np.isfinite(v) else ("-inf" if v < 0 else "inf")


def _conf_set(row: Mapping[str, Any] | pd.Series) -> ConfidenceSet | None:
    """The bootstrap confidence set of a tidy row (object, or its string after a JSON round trip)."""
    cs = row.get("boot_conf_set") if hasattr(row, "get") else None
    if isinstance(cs, str):
        return ConfidenceSet.parse(cs)
    return cs if isinstance(cs, ConfidenceSet) else None


def describe_estimate(row: Mapping[str, Any] | pd.Series, *, digits: int = 3) -> str:
    """Plain-language sentence for one row of the tidy table of :func:`jamsostek_analysis.study.specs.estimate`.

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
    y = outcome.upper()
    if cs is not None and not cs.is_interval:
        zero = "includes" if cs.contains(0.0) else "excludes"
        text += (
            f" The bootstrap confidence set is a union of {cs.n_pieces} intervals (the p-value is not monotone "
            f"in the null value) and {zero} zero."
        )
    elif lo <= 0 <= hi:
        text += (
            f" The {which} includes zero: the data cannot tell whether, within provinces, higher coverage goes "
            f"with lower or with higher {y}."
        )
    elif hi < 0:
        text += f" The {which} lies below zero: within provinces, higher coverage goes with lower {y}."
    else:
        text += f" The {which} lies above zero: within provinces, higher coverage goes with higher {y}."
    return text + " A conditional association, not an effect of coverage."


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
        e = people_effect(
            result, param, panel, delta_x=dx, year=year, population=population, persons_per_unit=persons_per_unit
        )
        row = {
            "scenario": name,
            "delta_x": e["delta_x"],
            "population": e["population"],
            "pp": e["pp"],
            "people": e["people"],
            "people_low": e["people_low"],
            "people_high": e["people_high"],
        }
        if boot_ci is not None:
            b = people_effect(
                result,
                param,
                panel,
                delta_x=dx,
                year=year,
                population=population,
                persons_per_unit=persons_per_unit,
                ci=boot_ci,
            )
            row["people_boot_low"], row["people_boot_high"] = b["people_low"], b["people_high"]
        rows.append(row)
    return pd.DataFrame(rows)


def coverage_jumps(
    panel: pd.DataFrame, x: str = COVERAGE, *, n: int = 5, years: tuple[int, int] | None = None
) -> pd.DataFrame:
    """The ``n`` largest year-on-year changes of ``x`` (absolute value) within provinces.

    Large one-year swings in a coverage ratio are more likely to reflect changes in how participants are
    attributed to provinces (or registration drives) than changes in protection; this lists them so
    that the reader can see them. Columns: province_code, province_name (if present), year, previous,
    current, change.
    """
    _require(panel, [UNIT, TIME, x], "coverage_jumps")
    data = sample_years(panel, years or coverage_years(panel, x))
    prev = data[[UNIT, TIME, x]].copy()
    prev[TIME] = prev[TIME] + 1
    m = data.merge(prev.rename(columns={x: "previous"}), on=[UNIT, TIME], how="inner", validate="one_to_one")
    m = m.rename(columns={x: "current"})
    m["change"] = m["current"] - m["previous"]
    m = m.dropna(subset=["change"])
    cols = (
        [UNIT] + (["province_name"] if "province_name" in m.columns else []) + [TIME, "previous", "current", "change"]
    )
    order = m["change"].abs().sort_values(ascending=False, kind="mergesort").index
    return m.loc[order[: int(n)], cols].reset_index(drop=True)
