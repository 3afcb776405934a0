"""Specifications as data: a frozen :class:`Spec`, named samples, grids, and one estimation call.

A specification is a value, not a function: outcome, regressor(s), controls, model (``twfe``, ``fd``,
``ld``), weights, a named sample filter, and leads of the regressor. Grids of specifications (outcome x
model, the robustness checks) are lists of such values; :func:`estimate` fits them all with CRV1, CR2
(Bell-McCaffrey df) and the wild cluster restricted bootstrap and returns one tidy table whose rows
carry their provenance (sample, weights, controls, B, seed, bootstrap weights).

Column names of the tidy table (one set, used by every table and figure of the study):
``check, spec, outcome, model, sample, weights, controls, term, estimate, se, ci_low, ci_high, pvalue,
vcov, cr2_se, cr2_ci_low, cr2_ci_high, cr2_pvalue, cr2_df, boot_pvalue, boot_ci_low, boot_ci_high,
boot_conf_set, boot_B, boot_seed, boot_weights, nobs, n_clusters``. ``boot_conf_set`` is the bootstrap
confidence set (a :class:`~jamsostek_analysis.estimation.confset.ConfidenceSet`, possibly a union of
intervals); ``boot_ci_low``/``boot_ci_high`` are its hull.

The study layer knows provinces and coverage; the engine (:mod:`jamsostek_analysis.estimation`) does not.
Nothing here reads or writes files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from jamsostek_analysis.errors import EstimationError, PanelError
from jamsostek_analysis.geography import PAPUA_CODES, PAPUA_PARENTS

__all__ = [
    "COVERAGE",
    "DEFAULT_CONTROLS",
    "Estimates",
    "SAMPLES",
    "Sample",
    "Spec",
    "SpecResult",
    "TIDY_COLUMNS",
    "coverage_years",
    "estimate",
    "fit",
    "grid",
    "main_grid",
    "papua_grid",
    "prepare",
    "robustness_grid",
]

COVERAGE = "coverage_rate"
UNIT = "province_code"
TIME = "year"
#: Pre-split codes that the 34-province geography rebuilds from the post-split provinces from 2024.
PAPUA_34 = PAPUA_PARENTS
#: Time-varying province controls (TPT: open unemployment rate, August; mean years of schooling; log GRDP
#: per capita at constant 2010 prices).
DEFAULT_CONTROLS = ("tpt", "mean_years_schooling", "log_grdp_per_capita")

TIDY_COLUMNS = [
    "check",
    "spec",
    "outcome",
    "model",
    "sample",
    "weights",
    "controls",
    "term",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "pvalue",
    "vcov",
    "cr2_se",
    "cr2_ci_low",
    "cr2_ci_high",
    "cr2_pvalue",
    "cr2_df",
    "boot_pvalue",
    "boot_ci_low",
    "boot_ci_high",
    "boot_conf_set",
    "boot_B",
    "boot_seed",
    "boot_weights",
    "nobs",
    "n_clusters",
]


# --------------------------------------------------------------------------------------------
# samples
# --------------------------------------------------------------------------------------------


def _all_rows(panel: pd.DataFrame) -> pd.Series:
    return pd.Series(True, index=panel.index)


def _post_split_papua_rows(panel: pd.DataFrame) -> pd.Series:
    """Rows of 91/94 that the 34-province geography rebuilt from the post-split provinces (``aggregated_from``)."""
    code = panel[UNIT].astype(str)
    if "aggregated_from" in panel.columns:
        rebuilt = panel["aggregated_from"].fillna("").astype(str).str.len() > 0
    else:
        raise PanelError(
            "sample 'papua_unmerged': panel has no column 'aggregated_from'; expected build_province_panel() output"
        )
    return code.isin(PAPUA_34) & rebuilt


@dataclass(frozen=True)
class Sample:
    """A named row filter applied to the panel before fitting.

    Attributes
    ----------
    name
        Short identifier shown in tables (``'all'``, ``'papua_unmerged'``, ``'no_papua'``).
    description
        One sentence for notes and text.
    keep
        Function of the panel returning a boolean Series: rows kept.
    """

    name: str
    description: str
    keep: Callable[[pd.DataFrame], pd.Series] = field(default=_all_rows, compare=False, repr=False)

    def apply(self, panel: pd.DataFrame) -> pd.DataFrame:
        """Rows of ``panel`` kept by this sample (a copy, order kept)."""
        mask = self.keep(panel)
        return panel.loc[mask.to_numpy(dtype=bool)].copy()


#: The samples of the study. ``all`` is the 34-province panel with the 2024-2025 Papua rows merged back into
#: Papua Barat (91) and Papua (94); ``papua_unmerged`` drops those rebuilt rows (91/94 from 2024); ``no_papua``
#: drops every Papua province.
SAMPLES: dict[str, Sample] = {
    s.name: s
    for s in (
        Sample("all", "all provinces; 2024-2025 Papua provinces merged back into Papua Barat (91) and Papua (94)"),
        Sample(
            "papua_unmerged",
            "Papua Barat (91) and Papua (94) dropped in the years rebuilt from the post-split provinces (2024-2025)",
            lambda p: ~_post_split_papua_rows(p),
        ),
        Sample(
            "no_papua",
            "without the Papua provinces (91, 94 and the post-split codes)",
            lambda p: ~p[UNIT].astype(str).isin(PAPUA_CODES),
        ),
    )
}


# --------------------------------------------------------------------------------------------
# specification
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One regression of the study, as data.

    Attributes
    ----------
    outcome
        Outcome column (``'p0'``, ``'p1'``, ``'p2'``, ...).
    regressors
        Regressor column(s); the reported coefficient is :attr:`term`.
    controls
        Further regressors (``log_grdp_per_capita`` is derived from ``grdp_per_capita`` if absent).
    model
        ``'twfe'`` (province and year FE), ``'fd'`` (first differences with year effects), ``'ld'``
        (one long difference per province).
    weights
        Analytic weight column (e.g. ``'poverty_population'``) or ``None``.
    sample
        Named row filter (:data:`SAMPLES`).
    years
        ``(first, last)`` year, or ``None``: the years in which the first regressor is observed
        (:func:`coverage_years`).
    lead
        ``k > 0`` adds the first regressor led by ``k`` years (``<x>_lead<k>``, built within the sample
        years) and reports it (placebo).
    contemporaneous
        With ``lead``: keep the current regressor next to the lead (``False``: the lead alone).
    report
        Coefficient reported (default: the lead if ``lead`` else the first regressor).
    name
        Row identifier (default ``'<outcome>_<model>'``).
    geography
        Panel the spec is fitted on: ``'34'`` (default; post-split Papua codes are an error) or
        ``'as-published'`` (:func:`estimate` picks the panel by this key when given several).
    """

    outcome: str
    regressors: tuple[str, ...] = (COVERAGE,)
    controls: tuple[str, ...] = ()
    model: str = "twfe"
    weights: str | None = None
    sample: Sample = SAMPLES["all"]
    years: tuple[int, int] | None = None
    lead: int = 0
    contemporaneous: bool = True
    report: str | None = None
    name: str | None = None
    geography: str = "34"

    def __post_init__(self) -> None:
        if isinstance(self.regressors, str):
            object.__setattr__(self, "regressors", (self.regressors,))
        object.__setattr__(self, "regressors", tuple(self.regressors))
        object.__setattr__(self, "controls", tuple(self.controls))
        if self.model not in ("twfe", "fd", "ld"):
            raise EstimationError(f"Spec: model={self.model!r}, expected 'twfe', 'fd' or 'ld'")
        if not self.regressors:
            raise EstimationError("Spec: no regressor")
        if int(self.lead) != self.lead or self.lead < 0:
            raise EstimationError(f"Spec: lead={self.lead!r}, expected a non-negative integer")
        if self.years is not None and int(self.years[0]) > int(self.years[1]):
            raise EstimationError(f"Spec: years={self.years!r}, expected (first, last) with first <= last")

    @property
    def lead_term(self) -> str | None:
        """Name of the lead column (``None`` without a lead)."""
        return f"{self.regressors[0]}_lead{int(self.lead)}" if self.lead else None

    @property
    def term(self) -> str:
        """The reported coefficient."""
        return self.report or self.lead_term or self.regressors[0]

    @property
    def x(self) -> list[str]:
        """Regressors passed to the estimator (leads included)."""
        lead = self.lead_term
        if lead is None:
            return list(self.regressors)
        return [*self.regressors, lead] if self.contemporaneous else [lead]

    @property
    def label(self) -> str:
        """Row identifier."""
        return self.name or f"{self.outcome}_{self.model}"

    def but(self, **changes: Any) -> Spec:
        """Copy with ``changes`` (``Spec.but(outcome='p1')``); the name is reset unless given."""
        changes.setdefault("name", None)
        return replace(self, **changes)


def grid(base: Spec, **axes: Sequence[Any]) -> list[Spec]:
    """Cartesian product of ``base`` over ``axes`` (e.g. ``outcome=('p0', 'p1'), model=('twfe', 'fd')``).

    Order: the first axis varies slowest. Names default to ``'<outcome>_<model>'``.
    """
    specs = [base]
    for key, values in axes.items():
        specs = [s.but(**{key: v}) for s in specs for v in values]
    return specs


# --------------------------------------------------------------------------------------------
# fitting
# --------------------------------------------------------------------------------------------


def coverage_years(panel: pd.DataFrame, x: str = COVERAGE) -> tuple[int, int]:
    """First and last year in which column ``x`` is observed in ``panel`` (the coverage window)."""
    if x not in panel.columns:
        raise PanelError(f"coverage_years: panel has no column {x!r}")
    years = panel.loc[panel[x].notna(), TIME]
    if years.empty:
        raise PanelError(f"coverage_years: column {x!r} is empty in every year")
    return int(years.min()), int(years.max())


def _derive(data: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    if "log_grdp_per_capita" in columns and "log_grdp_per_capita" not in data.columns:
        if "grdp_per_capita" not in data.columns:
            raise PanelError("log_grdp_per_capita: panel has no column 'grdp_per_capita'")
        g = data["grdp_per_capita"].astype(float)
        if (g <= 0).any():
            raise PanelError("column 'grdp_per_capita' has non-positive values; expected > 0 for the log")
        data["log_grdp_per_capita"] = np.log(g)
    return data


def prepare(spec: Spec, panel: pd.DataFrame) -> pd.DataFrame:
    """The estimation data of ``spec``: years, named sample, derived controls and leads (a copy)."""
    from jamsostek_analysis.study.analysis import add_lead, check_34, sample_years

    need = [UNIT, TIME, spec.outcome, *spec.regressors, *(c for c in spec.controls if c != "log_grdp_per_capita")]
    if spec.weights:
        need.append(spec.weights)
    missing = [c for c in need if c not in panel.columns]
    if missing:
        raise PanelError(
            f"spec {spec.label}: panel has no column(s) {', '.join(missing)}; expected build_province_panel() columns"
        )
    years = spec.years or coverage_years(panel, spec.regressors[0])
    data = spec.sample.apply(sample_years(panel, years))
    if spec.geography == "34":
        check_34(data, f"spec {spec.label}")
    data = _derive(data, spec.controls)
    if spec.lead:
        # the lead is built inside the sample years: the last year(s) have none and fit_panel drops and counts them
        data = add_lead(data, spec.regressors[0], int(spec.lead))
    return data


def fit(spec: Spec, panel: pd.DataFrame, *, vcov: str = "CRV1") -> Any:
    """Fit ``spec`` on ``panel`` (clustered by province); returns the engine's PanelResult."""
    from jamsostek_analysis.estimation.models import fit_panel

    data = prepare(spec, panel)
    x = spec.x
    return fit_panel(
        data,
        spec.outcome,
        x if len(x) > 1 else x[0],
        controls=spec.controls,
        unit=UNIT,
        time=TIME,
        model=spec.model,
        cluster=UNIT,
        vcov=vcov,
        weights=spec.weights,
    )


@dataclass
class SpecResult:
    """A fitted specification with its inference and provenance.

    Attributes
    ----------
    spec
        The specification.
    result
        CRV1 PanelResult.
    result_cr2
        CR2 PanelResult (Bell-McCaffrey df), or ``None``.
    boot
        Wild cluster restricted bootstrap result for :attr:`Spec.term`, or ``None``.
    check
        Name of the block of a robustness grid the spec belongs to (``''`` if none).
    """

    spec: Spec
    result: Any
    result_cr2: Any = None
    boot: Any = None
    check: str = ""

    def row(self, alpha: float = 0.05) -> dict[str, Any]:
        """One tidy row (:data:`TIDY_COLUMNS`)."""
        s, res, term = self.spec, self.result, self.spec.term
        if term not in res.params.index:
            raise EstimationError(
                f"spec {s.label}: coefficient {term!r} not in the model ({', '.join(res.params.index)})"
            )
        ci = res.conf_int(alpha).loc[term]
        row: dict[str, Any] = {
            "check": self.check,
            "spec": s.label,
            "outcome": s.outcome,
            "model": s.model,
            "sample": s.sample.name,
            "weights": s.weights or "",
            "controls": "+".join(s.controls),
            "term": term,
            "estimate": float(res.params[term]),
            "se": float(res.bse[term]),
            "ci_low": float(ci.iloc[0]),
            "ci_high": float(ci.iloc[1]),
            "pvalue": float(res.pvalues[term]),
            "vcov": str(res.vcov_type),
        }
        c2 = self.result_cr2
        if c2 is not None:
            cci = c2.conf_int(alpha).loc[term]
            row.update(
                cr2_se=float(c2.bse[term]),
                cr2_ci_low=float(cci.iloc[0]),
                cr2_ci_high=float(cci.iloc[1]),
                cr2_pvalue=float(c2.pvalues[term]),
                cr2_df=float(c2.df_for(term)),
            )
        else:
            row.update(cr2_se=np.nan, cr2_ci_low=np.nan, cr2_ci_high=np.nan, cr2_pvalue=np.nan, cr2_df=np.nan)
        b = self.boot
        if b is not None:
            lo, hi = (np.nan, np.nan) if b.conf_int is None else (float(b.conf_int[0]), float(b.conf_int[1]))
            row.update(
                boot_pvalue=float(b.pvalue),
                boot_ci_low=lo,
                boot_ci_high=hi,
                boot_conf_set=getattr(b, "conf_set", None),
                boot_B=int(b.B),
                boot_seed=int(b.seed),
                boot_weights=str(b.weight_type),
            )
        else:
            row.update(
                boot_pvalue=np.nan,
                boot_ci_low=np.nan,
                boot_ci_high=np.nan,
                boot_conf_set=None,
                boot_B=0,
                boot_seed=-1,
                boot_weights="",
            )
        row.update(nobs=int(res.nobs), n_clusters=int(res.n_clusters) if res.n_clusters is not None else -1)
        return row


@dataclass
class Estimates:
    """Fitted specifications: ``results`` (``{spec label: SpecResult}``, in grid order) and the tidy ``table``."""

    results: dict[str, SpecResult]
    B: int
    seed: int
    weight_type: str

    @property
    def table(self) -> pd.DataFrame:
        """Tidy table, one row per specification (:data:`TIDY_COLUMNS`)."""
        return pd.DataFrame([r.row() for r in self.results.values()], columns=TIDY_COLUMNS)

    def __getitem__(self, label: str) -> SpecResult:
        return self.results[label]

    def crv1(self) -> dict[str, Any]:
        """``{label: CRV1 PanelResult}``."""
        return {k: v.result for k, v in self.results.items()}


def _fit_one(
    spec: Spec, panel: pd.DataFrame, *, cr2: bool, B: int, seed: int, weight_type: str, check: str, alpha: float
) -> SpecResult:
    from jamsostek_analysis.estimation.wildboot import wild_cluster_bootstrap

    res = fit(spec, panel)
    res_cr2 = res.with_vcov("CR2") if cr2 else None  # same fit, CR2 variance (no refit)
    boot = (
        wild_cluster_bootstrap(res, spec.term, B=B, weight_type=weight_type, seed=seed, alpha=alpha) if B > 0 else None
    )
    return SpecResult(spec, res, res_cr2, boot, check)


def estimate(
    specs: Sequence[Spec] | Mapping[str, Sequence[Spec]],
    panel: pd.DataFrame | Mapping[str, pd.DataFrame],
    *,
    B: int = 9999,
    seed: int = 20240301,
    weight_type: str = "webb",
    cr2: bool = True,
    alpha: float = 0.05,
) -> Estimates:
    """Fit every specification with CRV1, CR2 and the wild cluster restricted bootstrap.

    Parameters
    ----------
    specs
        A list of specifications (seeds ``seed + i`` for the ``i``-th), or blocks ``{check: [Spec, ...]}``
        of a robustness grid (block ``i``, spec ``j``: seed ``seed + 100 * i + j``; every row gets
        ``check``). Labels must be unique.
    panel
        The panel, or ``{geography: panel}`` (e.g. ``{'34': ..., 'as-published': ...}``); each spec is
        fitted on the panel of its :attr:`Spec.geography`.
    B, seed, weight_type
        Wild cluster restricted bootstrap (null imposed): draws, base seed, weights (Webb's six-point by
        default). ``B = 0`` skips the bootstrap.
    cr2
        Also fit with CR2 (Bell-McCaffrey variance and df).
    """
    blocks = {"": list(specs)} if not isinstance(specs, Mapping) else {k: list(v) for k, v in specs.items()}
    out: dict[str, SpecResult] = {}
    for i, (check, block) in enumerate(blocks.items()):
        for j, s in enumerate(block):
            data = panel.get(s.geography) if isinstance(panel, Mapping) else panel
            if data is None:
                raise PanelError(f"estimate: spec {s.label} needs the {s.geography!r} panel; given {', '.join(panel)}")
            if s.label in out:
                raise EstimationError(f"estimate: duplicate spec label {s.label!r}; give the Spec a name")
            base = seed + (100 * i + j if isinstance(specs, Mapping) else j)
            out[s.label] = _fit_one(s, data, cr2=cr2, B=B, seed=base, weight_type=weight_type, check=check, alpha=alpha)
    return Estimates(out, int(B), int(seed), weight_type)


# --------------------------------------------------------------------------------------------
# the study's grids
# --------------------------------------------------------------------------------------------


def main_grid(
    outcomes: Sequence[str] = ("p0", "p1", "p2"),
    models: Sequence[str] = ("twfe", "fd", "ld"),
    years: tuple[int, int] | None = None,
) -> list[Spec]:
    """Coverage -> poverty for every outcome x model (the main table), in that order."""
    return grid(Spec("p0", years=years), outcome=tuple(outcomes), model=tuple(models))


def papua_grid(
    outcomes: Sequence[str] = ("p0", "p1", "p2"),
    models: Sequence[str] = ("twfe", "fd"),
    samples: Sequence[str] = ("all", "papua_unmerged", "no_papua"),
) -> list[Spec]:
    """Every outcome x model x Papua sample; names ``'<outcome>_<model>_<sample>'``."""
    return [Spec(y, model=m, sample=SAMPLES[s], name=f"{y}_{m}_{s}") for y in outcomes for m in models for s in samples]


def robustness_grid(
    y: str = "p0",
    models: Sequence[str] = ("twfe", "fd"),
    *,
    formal_years: tuple[int, int] = (2015, 2025),
    outcomes: Sequence[str] = ("p0", "p1", "p2"),
) -> dict[str, list[Spec]]:
    """The robustness checks as blocks ``{check: [Spec, ...]}`` (tab02), in this order.

    For outcome ``y``: ``main``; wage-earner (PU) vs non-wage (BPU) coverage separately and jointly (the
    joint model reports PU); the formal-employment share over ``formal_years``; the placebo lead (with
    and without current coverage, two-way FE); population weights (``poverty_population``); controls
    (:data:`DEFAULT_CONTROLS`); geography (the 34-province panel and the panel as published, each with
    and without Papua; two-way FE). For every outcome in ``outcomes``: the three Papua samples
    (:func:`papua_grid`), and BPU coverage as the regressor (BPU participants register where they live,
    PU participants where their employer registered).
    """
    pu, bpu = "coverage_pu_rate", "coverage_bpu_rate"
    base = Spec(y)
    return {
        "main": [base.but(model=m) for m in models],
        "PU vs BPU": [
            s
            for m in models
            for s in (
                base.but(regressors=(pu,), model=m, name=f"pu_{m}"),
                base.but(regressors=(bpu,), model=m, name=f"bpu_{m}"),
                base.but(regressors=(pu, bpu), model=m, name=f"pu+bpu_{m}"),
            )
        ],
        f"formal share {formal_years[0]}-{formal_years[1]}": [
            base.but(regressors=("formal_share",), model=m, years=formal_years, name=f"formal_{m}") for m in models
        ],
        "placebo lead": [
            base.but(lead=1, name="with_current"),
            base.but(lead=1, contemporaneous=False, name="lead_only"),
        ],
        "population weights": [base.but(model=m, weights="poverty_population", name=f"weighted_{m}") for m in models],
        "controls": [base.but(model=m, controls=DEFAULT_CONTROLS, name=f"controls_{m}") for m in models],
        "geography": [
            base.but(name="harmonised_34"),
            base.but(sample=SAMPLES["no_papua"], name="harmonised_34_no_papua"),
            base.but(geography="as-published", name="as_published"),
            base.but(geography="as-published", sample=SAMPLES["no_papua"], name="as_published_no_papua"),
        ],
        "Papua samples": papua_grid(outcomes, models),
        "BPU coverage (residence)": [
            Spec(o, regressors=(bpu,), model=m, name=f"bpu_{o}_{m}") for o in outcomes for m in models
        ],
    }
