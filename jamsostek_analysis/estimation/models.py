"""Panel regressions (TWFE, first differences, long differences).

:func:`fit_panel` estimates ``y_it = b'x_it + g'controls_it + fixed effects + e_it`` by least
squares with the fixed effects absorbed (:func:`jamsostek_analysis.estimation.design.absorb`) and returns a
:class:`PanelResult` with analytic few-cluster inference (:mod:`jamsostek_analysis.estimation.inference`)
and the absorbed design (:class:`PanelDesign`) consumed by the wild cluster bootstrap.

Sample rules (never silent):

* Rows with a missing outcome, regressor, control, weight, fixed-effect or cluster label are
  dropped; :attr:`PanelResult.drop_reasons` counts them per column and ``summary()`` prints it.
* Singletons (fixed-effect groups with one observation) are dropped iteratively, as fixest and
  pyfixest (``fixef_rm="singleton"``) do: they are fitted perfectly by their own dummy and carry
  no information on the slopes, but would inflate ``N``. They are counted under
  ``"singleton fixed-effect group"``.
* First differences and lags/leads are taken within unit over *consecutive* periods only
  (``t`` and ``t - 1`` both present in the data); a gap in the time variable yields a missing
  difference/lag, never a difference across the gap.

Results: :class:`PanelResult` shares its coefficient table and tidy columns with the interval
regression (:mod:`jamsostek_analysis.estimation.interval`, still importable from here) through
:class:`jamsostek_analysis.estimation.results.CoefResult`; :meth:`PanelResult.with_vcov` switches
the variance estimator (registry :data:`jamsostek_analysis.estimation.inference.VCOV_REGISTRY`) and
:meth:`PanelResult.wildboot` runs the wild cluster bootstrap, both without refitting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from jamsostek_analysis.estimation.design import absorb, count_absorbed_levels, drop_singletons, is_nested
from jamsostek_analysis.errors import EstimationError
from jamsostek_analysis.estimation import inference
from jamsostek_analysis.estimation.results import CoefResult

__all__ = [
    "PanelDesign",
    "PanelResult",
    "fit_panel",
    "ssc_absorbed_count",
]

MODELS = ("twfe", "fd", "ld")
#: Names of the variance estimators (the registry :data:`inference.VCOV_REGISTRY`).
VCOV_TYPES = inference.vcov_names()
#: Reference t distributions of the CR2 test: ``"bm"`` Bell-McCaffrey / Imbens-Kolesar
#: Satterthwaite df per coefficient (default), ``"G-1"`` the CRV1 convention.
CR2_DF = inference.CR2_DF


class _UnitDefault:
    """Sentinel: cluster by the unit column (the default of :func:`fit_panel`)."""

    def __repr__(self) -> str:
        return "<unit>"


UNIT = _UnitDefault()


def _finite_or_none(v: Any) -> float | None:
    """``float(v)``, or None for NaN and infinities (JSON has neither)."""
    v = float(v)
    return v if math.isfinite(v) else None


# --------------------------------------------------------------------------------------------
# result objects
# --------------------------------------------------------------------------------------------


@dataclass
class PanelDesign:
    """Absorbed design of a fitted panel regression (input of the wild cluster bootstrap).

    Attributes
    ----------
    y_tilde, X_tilde
        Outcome ``(n,)`` and regressors ``(n, k)`` with the fixed effects partialled out and,
        if weighted, multiplied by ``sqrt(w)``; OLS of ``y_tilde`` on ``X_tilde`` reproduces the
        coefficients.
    cluster
        ``int64`` cluster codes ``0..G-1`` (``None`` when not clustered).
    names
        Column names of ``X_tilde`` (the coefficient names).
    weights
        Regression weights ``w`` (not square-rooted) or ``None``.
    fe_codes
        Integer codes of the absorbed fixed-effect factors.
    n_absorbed
        Linearly independent fixed-effect dummies absorbed (``A``).
    k_ssc
        ``K`` of the CRV1 factor ``G/(G-1) (N-1)/(N-K)`` (coefficients + non-nested dummies +
        one per nested factor).
    """

    y_tilde: np.ndarray
    X_tilde: np.ndarray
    cluster: np.ndarray | None
    names: list[str]
    weights: np.ndarray | None
    fe_codes: tuple[np.ndarray, ...] = ()
    n_absorbed: int = 0
    k_ssc: int = 0

    @property
    def y(self) -> np.ndarray:
        """Alias of :attr:`y_tilde`."""
        return self.y_tilde

    @property
    def X(self) -> np.ndarray:
        """Alias of :attr:`X_tilde`."""
        return self.X_tilde

    def index(self, name: str) -> int:
        """Column position of coefficient ``name`` (EstimationError if absent)."""
        if name not in self.names:
            raise EstimationError(f"no coefficient named {name!r}; coefficients are {self.names}")
        return self.names.index(name)


@dataclass
class PanelResult(CoefResult):
    """Estimates and analytic inference of :func:`fit_panel`.

    ``params``, ``bse``, ``tvalues``, ``pvalues`` are :class:`pandas.Series` indexed by the
    coefficient names; ``vcov`` a DataFrame. ``df_t`` are the t degrees of freedom (``G - 1``
    for CRV1 and for CR2 with ``cr2_df="G-1"``, ``N - k - A`` for iid/HC1; for CR2 with the
    default ``cr2_df="bm"`` the Bell-McCaffrey df of the *first* regressor). ``df_params`` gives
    the df used for each coefficient (they differ across coefficients only for CR2 with
    ``cr2_df="bm"``; use :meth:`df_for`); ``df_resid = N - k - A``. ``sample`` holds
    the index labels of the estimation rows (for first differences: the later row of each
    pair; for long differences: the end row). ``data`` is the estimation sample (differenced
    for ``fd``/``ld``), indexed like ``sample``. ``n_dropped`` counts input rows not used at all
    (neither as an estimation row nor as the base period of a difference);
    ``drop_reasons`` gives the number of rows affected by each reason (missing value per
    column, singleton fixed-effect group, no adjacent period, ...).
    """

    params: pd.Series
    bse: pd.Series
    tvalues: pd.Series
    pvalues: pd.Series
    vcov: pd.DataFrame
    nobs: int
    n_clusters: int | None
    df_resid: int
    df_t: float
    vcov_type: str
    small_sample: str
    model: str
    y: str
    x: list[str]
    controls: list[str]
    fe: list[str]
    cluster: str | None
    weights: str | None
    n_dropped: int
    drop_reasons: dict[str, int]
    n_input: int
    sample: pd.Index
    design: PanelDesign
    data: pd.DataFrame
    unit: str | None = None
    time: str | None = None
    lags: int = 0
    leads: int = 0
    r2_within: float = float("nan")
    extra: dict[str, Any] = field(default_factory=dict)
    df_params: pd.Series | None = None
    #: What a variance step needs (absorbed X, residuals, cluster and FE codes, weights); private,
    #: for re-estimating the variance without refitting.
    _variance_inputs: Any = field(default=None, repr=False, compare=False)
    #: Description of the sample restriction applied before the fit (provenance; text only).
    sample_filter: str | None = None

    def df_for(self, name: str) -> float:
        """t degrees of freedom used for coefficient ``name`` (p-value and interval)."""
        if name not in self.params.index:
            raise EstimationError(f"no coefficient named {name!r}; coefficients are {list(self.params.index)}")
        if self.df_params is None:
            return float(self.df_t)
        return float(self.df_params[name])

    def _df_vector(self) -> np.ndarray:
        if self.df_params is None:
            return np.full(len(self.params), float(self.df_t))
        return self.df_params.reindex(self.params.index).to_numpy(dtype=float)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """``1 - alpha`` confidence intervals from the t distribution with each coefficient's df
        (:meth:`df_for`; normal when the df is infinite)."""
        from scipy import stats

        dfs = self._df_vector()
        q = np.where(
            np.isfinite(dfs),
            stats.t.ppf(1 - alpha / 2, np.where(np.isfinite(dfs), dfs, 1.0)),
            stats.norm.ppf(1 - alpha / 2),
        )
        return pd.DataFrame(
            {"ci_low": self.params - q * self.bse, "ci_high": self.params + q * self.bse},
            index=self.params.index,
        )

    def _statistics(self) -> pd.Series:
        return self.tvalues

    @property
    def vcov_name(self) -> str:
        """Name of the variance estimator (a key of :data:`inference.VCOV_REGISTRY`, e.g. ``'CRV1'``)."""
        return self.vcov_type.split()[0]

    def provenance(self) -> dict[str, Any]:
        """Sample, weights and variance convention behind the numbers (for tables and manifests)."""
        est = inference.VCOV_REGISTRY.get(self.vcov_name)
        return {
            "estimator": f"fit_panel ({self.model})",
            "n_obs": int(self.nobs),
            "n_clusters": None if self.n_clusters is None else int(self.n_clusters),
            "cluster": self.cluster,
            "weights": self.weights,
            "sample_filter": self.sample_filter,
            "n_dropped": int(self.n_dropped),
            "vcov": self.vcov_name,
            "vcov_convention": est.convention if est is not None else None,
            "small_sample": self.small_sample,
        }

    def with_vcov(self, vcov: str, *, cr2_df: Literal["bm", "G-1"] = "bm") -> "PanelResult":
        """The same fit with another variance estimator, without refitting (as pyfixest ``Feols.vcov``).

        Parameters
        ----------
        vcov
            A name of :data:`jamsostek_analysis.estimation.inference.VCOV_REGISTRY`: ``"CRV1"``,
            ``"CR2"``, ``"iid"`` or ``"hetero"``.
        cr2_df
            Reference t distribution for ``"CR2"`` (as in :func:`fit_panel`).

        Returns
        -------
        PanelResult
            Same coefficients, sample and design; new ``bse``, ``tvalues``, ``pvalues``, ``vcov``,
            degrees of freedom, ``vcov_type`` and small-sample text. Identical (to rounding) to
            refitting with ``vcov=...``; a clustered estimator needs a fit that kept its cluster codes
            (fitted with CRV1 or CR2), and the cluster codes are kept for later switches.

        Raises
        ------
        EstimationError
            Unknown ``vcov``, or a clustered one on a fit without cluster codes.
        """
        import dataclasses

        inp = self._variance_inputs
        if inp is None:
            raise EstimationError("this result does not keep its design; refit with fit_panel(..., vcov=...)")
        estimator = inference.get_vcov(vcov)
        if cr2_df not in CR2_DF:
            raise EstimationError(f"cr2_df must be one of {CR2_DF}, got {cr2_df!r}")
        V, df_t, ssc_text, extra, df_params = _variance(inp, vcov, cr2_df)
        se = np.sqrt(np.diag(V))
        names = list(inp.names)
        if estimator.clustered:
            _check_cluster_se(se, inp.X, inp.resid, inp.df_resid, names, int(inp.n_clusters))
        tv = np.asarray(self.params.to_numpy(dtype=float)) / se
        idx = pd.Index(names, name="term")
        if df_params is not None:
            pv = np.array([inference.t_pvalues(t, d) for t, d in zip(tv, df_params.to_numpy())], dtype=float)
            df_params.index = idx
        else:
            pv = inference.t_pvalues(tv, df_t)
        clus_col = inp.cluster_name if estimator.clustered else None
        kept = {k: v for k, v in self.extra.items() if k not in ("cr2_df_satterthwaite", "cr2_df")}
        return dataclasses.replace(
            self,
            bse=pd.Series(se, index=idx),
            tvalues=pd.Series(tv, index=idx),
            pvalues=pd.Series(pv, index=idx),
            vcov=pd.DataFrame(V, index=idx, columns=idx),
            n_clusters=inp.n_clusters if estimator.clustered else None,
            df_t=float(df_t),
            vcov_type=vcov + (f" clustered by {clus_col}" if clus_col else ""),
            small_sample=ssc_text,
            cluster=clus_col,
            extra={**kept, **extra},
            df_params=df_params,
        )

    def wildboot(
        self,
        param: str | None = None,
        *,
        B: int = 9999,
        weight_type: str = "webb",
        seed: int | np.random.Generator | None = None,
        **kw: Any,
    ) -> Any:
        """Wild cluster restricted bootstrap of ``param`` from the stored fit (no refit).

        As pyfixest ``Feols.wildboottest``; a thin front end of
        :func:`jamsostek_analysis.estimation.wildboot.wild_cluster_bootstrap` (same numbers for
        the same data and seed). ``param`` defaults to the first regressor of interest; ``kw``
        (``r``, ``impose_null``, ``alpha``, ``ci``, ``pvalue_type``, ...) are passed on. Returns
        its :class:`~jamsostek_analysis.estimation.wildboot.BootstrapResult` (which records
        ``B``, ``seed`` and ``weight_type``).
        """
        from jamsostek_analysis.estimation.wildboot import wild_cluster_bootstrap

        return wild_cluster_bootstrap(
            self, self.x[0] if param is None else param, B=B, weight_type=weight_type, seed=seed, **kw
        )

    def _drop_text(self) -> str:
        used = self.n_input - self.n_dropped
        diff = f" ({self.nobs} differences built from {used} input rows)" if self.model in ("fd", "ld") else ""
        if self.n_dropped == 0 and not any(self.drop_reasons.values()):
            return f"No rows dropped: all {self.n_input} input rows used{diff}."
        parts = "; ".join(f"{k}: {v}" for k, v in self.drop_reasons.items() if v)
        return (
            f"Dropped {self.n_dropped} of {self.n_input} input rows{diff}. Reasons (rows; a row may have "
            f"several): {parts}."
        )

    def summary(self, alpha: float = 0.05) -> str:
        """Readable text summary with the sample, the drop counts and the inference convention."""
        label = {"twfe": "two-way fixed effects (within)", "fd": "first differences", "ld": "long differences"}
        lines = [
            f"Panel regression: {label[self.model]}",
            f"Outcome: {self.y}" + ("  (differenced)" if self.model in ("fd", "ld") else ""),
            f"Fixed effects: {', '.join(self.fe) if self.fe else 'none (intercept)'}"
            f"  [{self.design.n_absorbed} dummies absorbed]",
            f"Weights: {self.weights or 'none'}",
            f"Observations: {self.nobs}"
            + (f"   clusters ({self.cluster}): {self.n_clusters}" if self.cluster else "")
            + f"   residual df: {self.df_resid}   t df: "
            + (f"{self.df_t:g}" if self.df_params is None else "per coefficient (Bell-McCaffrey, below)"),
            self._drop_text(),
        ]
        if np.isfinite(self.r2_within):
            lines.append(f"R-squared (after absorbing fixed effects): {self.r2_within:.4f}")
        tab = self.tidy(alpha)
        width = max(12, *(len(t) for t in tab["term"]))
        pct = f"{100 * (1 - alpha):g}%"
        head = f"{'term':<{width}} {'estimate':>12} {'std.error':>12} {'t':>8} {'p':>8}   {pct + ' CI':>27}"
        lines += ["", head, "-" * len(head)]
        for r in tab.itertuples(index=False):
            lines.append(
                f"{r.term:<{width}} {r.estimate:>12.6g} {r.std_error:>12.6g} {r.statistic:>8.3f} {r.p_value:>8.4f}   "
                f"[{r.conf_low:>11.6g}, {r.conf_high:>11.6g}]"
            )
        lines += ["", f"Variance: {self.vcov_type}. {self.small_sample}"]
        if "cr2_df_satterthwaite" in self.extra:
            dfs = ", ".join(f"{k}: {v:.2f}" for k, v in self.extra["cr2_df_satterthwaite"].items())
            used = "used above" if self.df_params is not None else f"not used above: t with {self.df_t:g} df"
            lines.append(f"Bell-McCaffrey Satterthwaite df ({used}): {dfs}")
        return "\n".join(lines)

    def to_dict(self, alpha: float = 0.05) -> dict[str, Any]:
        """JSON-serialisable dictionary of the estimates, inference and sample."""
        f = _finite_or_none
        tab = self.coef_table(alpha)
        coefs = {
            name: {
                k: f(tab.loc[name, k])
                for k in ("estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high", "df")
            }
            for name in tab.index
        }
        out = {
            "model": self.model,
            "y": self.y,
            "x": list(self.x),
            "controls": list(self.controls),
            "fe": list(self.fe),
            "unit": self.unit,
            "time": self.time,
            "lags": self.lags,
            "leads": self.leads,
            "weights": self.weights,
            "cluster": self.cluster,
            "vcov_type": self.vcov_type,
            "small_sample": self.small_sample,
            "alpha": alpha,
            "nobs": int(self.nobs),
            "n_clusters": None if self.n_clusters is None else int(self.n_clusters),
            "df_resid": int(self.df_resid),
            "df_t": f(self.df_t),
            "n_input": int(self.n_input),
            "n_dropped": int(self.n_dropped),
            "drop_reasons": {k: int(v) for k, v in self.drop_reasons.items()},
            "n_absorbed": int(self.design.n_absorbed),
            "r2_within": f(self.r2_within),
            "provenance": self.provenance(),
            "coefficients": coefs,
        }
        if "cr2_df_satterthwaite" in self.extra:
            out["cr2_df_satterthwaite"] = {k: f(v) for k, v in self.extra["cr2_df_satterthwaite"].items()}
            out["cr2_df"] = self.extra.get("cr2_df")
        return out


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------


def _as_list(v: str | Sequence[str] | None, what: str) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    out = list(v)
    for item in out:
        if not isinstance(item, str):
            raise EstimationError(f"{what} must be column names (str), got {item!r}")
    return out


def _check_columns(data: pd.DataFrame, cols: Sequence[str]) -> None:
    missing = [c for c in dict.fromkeys(cols) if c not in data.columns]
    if missing:
        avail = ", ".join(map(str, data.columns[:30])) + (" ..." if data.shape[1] > 30 else "")
        raise EstimationError(
            f"column{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)} not found in the data "
            f"(available columns: {avail})"
        )


def _numeric(data: pd.DataFrame, col: str, *, allow_inf: bool = False) -> pd.Series:
    """Column ``col`` as float; EstimationError naming the first non-numeric (or infinite) row.

    ``allow_inf=True`` accepts ``inf``/``-inf`` (open bounds of :func:`interval_regression`).
    """
    s = data[col]
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    if pd.api.types.is_numeric_dtype(s):
        out = s.astype(float)
    else:
        out = pd.to_numeric(s, errors="coerce").astype(float)
        bad = out.isna() & s.notna() & (s.astype(str).str.strip() != "")
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise EstimationError(
                f"column {col!r} must be numeric but has value {s.iloc[pos]!r} in row {data.index[pos]!r} "
                f"(position {pos}); write missing values as empty cells or NaN"
            )
    if allow_inf:
        return out
    inf = np.isinf(out.to_numpy())
    if inf.any():
        pos = int(np.flatnonzero(inf)[0])
        raise EstimationError(
            f"column {col!r} has an infinite value in row {data.index[pos]!r} (position {pos}); expected finite numbers"
        )
    return out


def _integer_time(data: pd.DataFrame, col: str) -> pd.Series:
    t = _numeric(data, col)
    ok = t.isna() | (t == np.round(t))
    if not ok.all():
        pos = int(np.flatnonzero(~ok.to_numpy())[0])
        raise EstimationError(
            f"time column {col!r} must hold integer periods (e.g. years) for differences, lags and leads; "
            f"row {data.index[pos]!r} has {data[col].iloc[pos]!r}"
        )
    return t


def ssc_absorbed_count(fe_codes: Sequence[np.ndarray], cluster: np.ndarray | None) -> tuple[int, int]:
    """Absorbed dummies ``A`` and the part counted in the CRV1 ``K`` (fixest "nested" rule).

    Returns
    -------
    (A, A_ssc)
        ``A = count_absorbed_levels(fe)``; ``A_ssc = A - (levels of factors nested in the
        clusters) + (number of such factors)``. Without clustering ``A_ssc = A``.
    """
    A = count_absorbed_levels(list(fe_codes))
    if cluster is None or len(fe_codes) == 0:
        return A, A
    nested_levels = 0
    n_nested = 0
    for f in fe_codes:
        if is_nested(f, cluster):
            nested_levels += int(np.asarray(f).max()) + 1
            n_nested += 1
    return A, max(A - nested_levels + n_nested, 0)


def _norm(v: np.ndarray) -> float:
    """Euclidean norm of a vector without BLAS (``np.linalg.norm`` calls a threaded ``dot`` whose
    thread wake-up costs milliseconds on a busy machine, more than the sum itself for small panels)."""
    v = np.asarray(v, dtype=float).ravel()
    return math.sqrt(float(np.einsum("i,i->", v, v)))


def _collinearity(X: np.ndarray, X_raw: np.ndarray, names: list[str], has_fe: bool) -> None:
    """Raise EstimationError naming regressors absorbed by the FE or collinear with others."""
    n, k = X.shape
    absorbed = []
    for j in range(k):
        raw = _norm(X_raw[:, j])
        if raw == 0 or _norm(X[:, j]) <= 1e-9 * raw:
            absorbed.append(names[j])
    if absorbed:
        where = "constant within the fixed effects (absorbed by them)" if has_fe else "identically zero"
        raise EstimationError(f"regressor(s) {', '.join(map(repr, absorbed))} {where}; drop them or change --fe")
    kept: list[int] = []
    bad: list[str] = []
    for j in range(k):
        col = X[:, j]
        if kept:
            Z = X[:, kept]
            coef, *_ = np.linalg.lstsq(Z, col, rcond=None)
            r = col - Z @ coef
            if _norm(r) <= 1e-8 * _norm(col):
                bad.append(names[j])
                continue
        kept.append(j)
    if bad:
        others = [names[j] for j in kept]
        raise EstimationError(
            f"collinear regressors: {', '.join(map(repr, bad))} "
            f"{'is' if len(bad) == 1 else 'are'} a linear combination of {others}"
            + (" and the fixed effects" if has_fe else "")
            + " (rank of the absorbed design is deficient)"
        )


def _check_residuals(yc: np.ndarray, resid: np.ndarray, y: str, has_fe: bool, y_norm: float) -> None:
    """Raise EstimationError when the outcome has no variation left or is fitted exactly.

    ``yc`` is the outcome net of the fixed effects (or of its mean without them), ``y_norm`` the
    norm of the (weighted) raw outcome. Both cases make every standard error zero and every t
    statistic 0/0 or infinite.
    """
    scale = float(_norm(yc))
    if scale <= 1e-12 * y_norm or scale == 0.0:
        where = "after absorbing the fixed effects (it is constant within them)" if has_fe else "(it is constant)"
        raise EstimationError(f"outcome {y!r} has no variation {where}; nothing to estimate")
    if float(_norm(resid)) <= 1e-10 * scale:
        raise EstimationError(
            f"outcome {y!r} is fitted exactly by the regressors{' and fixed effects' if has_fe else ''} "
            "(all residuals are zero): standard errors and tests are undefined; check for a regressor that "
            "is a transformation of the outcome or for too few observations per fixed effect"
        )


def _check_cluster_se(
    se: np.ndarray, X: np.ndarray, resid: np.ndarray, df_resid: int, names: list[str], G: int
) -> None:
    """Raise EstimationError when a cluster-robust standard error is (numerically) zero.

    With few clusters the cluster scores sum to zero (``X'u = 0``) and the "meat" has rank at most
    ``G - 1``; with e.g. two provinces and province + year effects every score is exactly zero and
    the CRV1/CR2 variance degenerates. Compared with the iid standard error of the same fit.
    """
    iid = np.sqrt(float(resid @ resid) / max(df_resid, 1) * np.diag(inference.bread(X)))
    bad = ~np.isfinite(se) | (se <= 1e-8 * iid)
    if bad.any():
        which = ", ".join(repr(names[j]) for j in np.flatnonzero(bad))
        raise EstimationError(
            f"the cluster-robust standard error of {which} is zero with {G} clusters: the cluster scores are "
            "degenerate (they sum to zero, so at most G - 1 are free); cluster-robust inference needs more clusters "
            "(or use vcov='iid'/'hetero')"
        )


# --------------------------------------------------------------------------------------------
# sample construction
# --------------------------------------------------------------------------------------------


def shift_within_unit(df: pd.DataFrame, col: str, k: int, *, unit: str, time: str) -> pd.Series:
    """Value of ``col`` in period ``t - k`` of the same unit (``k < 0``: lead), NaN if that period is absent.

    Periods are matched by value (``t - k``), never by position, so a gap in a unit's years gives NaN
    rather than a value from another year. ``(unit, time)`` must be unique.
    """
    src = df[[unit, time, col]].copy()
    src[time] = src[time] + k
    merged = df[[unit, time]].merge(src, on=[unit, time], how="left", validate="one_to_one")
    return pd.Series(merged[col].to_numpy(), index=df.index)


def _label_codes(s: pd.Series) -> np.ndarray:
    """``int64`` codes of a label column (``-1`` where missing), without converting it to objects.

    Integer columns with a range below ``4n`` are coded as ``value - min`` (O(n), no hashing);
    other columns by ``pd.factorize``. Codes need not be compact (see :func:`_compact`).
    """
    v = s.to_numpy() if isinstance(s, pd.Series) else np.asarray(s)
    if v.dtype.kind in "iu" and v.size:
        lo, hi = int(v.min()), int(v.max())
        if hi - lo < 4 * v.size + 16:
            return v.astype(np.int64) - lo
    codes, _ = pd.factorize(s, sort=False, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64)


def _period_codes(t: np.ndarray) -> np.ndarray:
    """``int64`` codes of integer-valued float periods (``-1`` where NaN)."""
    ok = ~np.isnan(t)
    out = np.full(t.size, -1, dtype=np.int64)
    if ok.any():
        out[ok] = _label_codes(pd.Series(t[ok].astype(np.int64)))
    return out


def _compact(codes: np.ndarray) -> np.ndarray:
    """Renumber non-negative integer codes to ``0..K-1`` in order of first appearance (O(n), no sort)."""
    codes = np.asarray(codes, dtype=np.int64)
    n = codes.size
    if n == 0:
        return codes.copy()
    K = int(codes.max()) + 1
    first = np.full(K, n, dtype=np.int64)
    first[codes[::-1]] = np.arange(n - 1, -1, -1, dtype=np.int64)
    present = np.flatnonzero(first < n)
    new = np.empty(K, dtype=np.int64)
    new[present[np.argsort(first[present], kind="stable")]] = np.arange(present.size, dtype=np.int64)
    return new[codes]


def _period_lookup(ucode: np.ndarray, t: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """For each row in ``rows``, the row in ``rows`` of the same unit at period ``t - k`` (or -1).

    ``ucode`` (non-negative unit codes) and ``t`` (integer-valued periods) are indexed by input
    position; ``(unit, period)`` is unique among ``rows``. Sorted composite keys and
    ``np.searchsorted``: no merge, no copy of the data frame.
    """
    if rows.size == 0:
        return np.full(0, -1, dtype=np.int64)
    ti = t[rows].astype(np.int64)
    tmin = int(ti.min())
    span = int(ti.max()) - tmin + 1 + abs(k)
    ur = ucode[rows]
    if (int(ur.max()) + 1) * span >= 2**62:  # pragma: no cover - absurd period ranges
        raise EstimationError(f"time periods span {span} values; too wide for differences, lags and leads")
    key = ur * span + (ti - tmin)
    want = key - k
    if bool(np.all(key[1:] > key[:-1])):  # rows already sorted by unit and period: no sort needed
        if k == 1:  # the previous period can only be the previous row
            hit = np.zeros(key.size, dtype=bool)
            hit[1:] = key[:-1] == want[1:]
            return np.where(hit, np.roll(rows, 1), -1)
        order, skey = None, key
    else:
        order = np.argsort(key, kind="stable")
        skey = key[order]
    at = np.minimum(np.searchsorted(skey, want), skey.size - 1)
    hit = (skey[at] == want) & (ti - k >= tmin)
    return np.where(hit, rows[at] if order is None else rows[order[at]], -1)


@dataclass
class _Spec:
    """Validated arguments of :func:`fit_panel`."""

    y: str
    xs: list[str]
    ctrls: list[str]
    unit: str
    time: str
    fe_cols: list[str]
    model: str
    clus_col: str | None
    vcov: str
    weights: str | None
    lags: int
    leads: int
    ld_span: tuple[int, int] | None
    cr2_df: str

    @property
    def needs_time(self) -> bool:
        return self.model in ("fd", "ld") or self.lags > 0 or self.leads > 0

    @property
    def label_cols(self) -> list[str]:
        return list(dict.fromkeys([*self.fe_cols] + ([self.clus_col] if self.clus_col else [])))


@dataclass
class _Sample:
    """Estimation rows of :func:`fit_panel` as arrays (differenced for ``fd``/``ld``).

    ``rows`` are input positions of the estimation rows, ``base`` those of the base periods of
    differences (``None`` for ``twfe``); ``values`` the float columns (outcome, regressors,
    weights); ``labels`` the label codes (``-1`` missing) of every fixed-effect/cluster column by
    input position; ``fe_codes`` and ``cluster`` compact codes on the estimation rows.
    """

    rows: np.ndarray
    base: np.ndarray | None
    values: dict[str, np.ndarray]
    regs: list[str]
    extra_x: list[str]
    fe_codes: list[np.ndarray]
    cluster: np.ndarray | None
    reasons: dict[str, int]
    n_input: int
    time_values: np.ndarray | None = None
    time_start: np.ndarray | None = None


def _validate(
    data: pd.DataFrame,
    y: str,
    x,
    controls,
    unit: str,
    time: str,
    fe,
    model: str,
    cluster,
    vcov,
    weights,
    lags,
    leads,
    ld_span,
    cr2_df,
) -> _Spec:
    """Check the arguments of :func:`fit_panel` and resolve its defaults (EstimationError if invalid)."""
    if not isinstance(data, pd.DataFrame):
        raise EstimationError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if model not in MODELS:
        raise EstimationError(f"model must be one of {MODELS}, got {model!r}")
    xs = _as_list(x, "x")
    if not xs:
        raise EstimationError("at least one regressor x is required")
    ctrls = _as_list(controls, "controls")
    for name, v in (("lags", lags), ("leads", leads)):
        if not isinstance(v, (int, np.integer)) or v < 0:
            raise EstimationError(f"{name} must be a non-negative integer, got {v!r}")
    if ld_span is not None and model != "ld":
        raise EstimationError("ld_span is only used with model='ld'")
    if cluster is UNIT:
        cluster = unit
    if vcov is None:
        vcov = "CRV1" if cluster is not None else "iid"
    clustered = inference.get_vcov(vcov).clustered  # EstimationError naming the registered estimators
    if cr2_df not in CR2_DF:
        raise EstimationError(f"cr2_df must be one of {CR2_DF}, got {cr2_df!r}")
    if clustered and cluster is None:
        raise EstimationError(f"vcov={vcov!r} needs a cluster column; use vcov='iid' or 'hetero' without clustering")
    if fe is None:
        fe_cols = {"twfe": [unit, time], "fd": [time], "ld": []}[model]
    else:
        fe_cols = _as_list(fe, "fe")
    dup = [v for v in xs + ctrls if (xs + ctrls).count(v) > 1 or v == y]
    if dup:
        raise EstimationError(f"column(s) {sorted(set(dup))} appear more than once among y, x and controls")
    spec = _Spec(
        y=y,
        xs=xs,
        ctrls=ctrls,
        unit=unit,
        time=time,
        fe_cols=fe_cols,
        model=model,
        clus_col=cluster if clustered else None,
        vcov=vcov,
        weights=weights,
        lags=int(lags),
        leads=int(leads),
        ld_span=ld_span,
        cr2_df=cr2_df,
    )
    used = [y, *xs, *ctrls, *fe_cols]
    if spec.clus_col is not None:
        used.append(spec.clus_col)
    if weights is not None:
        used.append(weights)
    if spec.needs_time:
        used += [unit, time]
    _check_columns(data, used)
    return spec


def _read_columns(data: pd.DataFrame, spec: _Spec):
    """Numeric columns, label codes and (if needed) unit codes / periods of the input rows.

    Returns ``(values, labels, ucode, tvals)``; checks weights and duplicate unit-periods.
    """
    values = {c: _numeric(data, c).to_numpy() for c in [spec.y, *spec.xs, *spec.ctrls]}
    if spec.weights is not None:
        w = _numeric(data, spec.weights).to_numpy()
        bad = ~np.isnan(w) & (w <= 0)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise EstimationError(
                f"weights column {spec.weights!r} must be positive; row {data.index[pos]!r} has {w[pos]!r}"
            )
        values[spec.weights] = w
    labels: dict[str, np.ndarray] = {}
    ucode = tvals = None
    if spec.needs_time:
        ucode = _label_codes(data[spec.unit])
        tvals = _integer_time(data, spec.time).to_numpy()
        tcode = _period_codes(tvals)
        ok = np.flatnonzero((ucode >= 0) & (tcode >= 0))
        key = ucode[ok] * (int(tcode.max()) + 1) + tcode[ok]
        if bool(np.all(key[1:] > key[:-1])):  # sorted and unique: no hashing needed
            dupl = np.zeros(key.size, dtype=bool)
        else:
            dupl = pd.Series(key).duplicated(keep="first").to_numpy()
        if dupl.any():
            pos = int(ok[dupl][0])
            raise EstimationError(
                f"duplicate ({spec.unit}, {spec.time}) = ({data[spec.unit].astype(object).iloc[pos]!r}, "
                f"{int(tvals[pos])}) in row {data.index[pos]!r}; differences, lags and leads need one row per unit "
                "and period"
            )
        labels[spec.time] = tcode
    for c in spec.label_cols:
        if c not in labels:
            labels[c] = _label_codes(data[c])
    if spec.model == "twfe" and not spec.needs_time and spec.unit in labels and spec.time in labels:
        _check_unique_unit_time(data, spec, labels[spec.unit], labels[spec.time])
    return values, labels, ucode, tvals


def _check_unique_unit_time(data: pd.DataFrame, spec: _Spec, ucode: np.ndarray, tcode: np.ndarray) -> None:
    """EstimationError naming the rows of the first duplicated (unit, period) pair.

    With unit and period fixed effects a second row for one unit and period is a second
    observation of the same cell: conflicting values move the estimate (and identical ones
    double its weight), so it is refused as for first differences.
    """
    ok = np.flatnonzero((ucode >= 0) & (tcode >= 0))
    if ok.size == 0:
        return
    key = ucode[ok] * (int(tcode.max()) + 1) + tcode[ok]
    dupl = pd.Series(key).duplicated(keep=False).to_numpy()
    if dupl.any():
        rows = ok[dupl]
        same = rows[key[dupl] == key[dupl][0]]
        u, t = (
            v.item() if hasattr(v, "item") else v
            for v in (data[spec.unit].iloc[same[0]], data[spec.time].iloc[same[0]])
        )
        raise EstimationError(
            f"duplicate ({spec.unit}, {spec.time}) = ({u!r}, {t!r}) in rows "
            f"{', '.join(repr(data.index[i]) for i in same[:5])}; the two-way fixed-effects model needs one "
            "row per unit and period (remove or aggregate the duplicates)"
        )


def _add_lags_leads(spec: _Spec, values: dict, ucode, tvals, n_input: int) -> tuple[list[str], dict[str, str]]:
    """Add ``<x>_lag<k>`` / ``<x>_lead<k>`` columns (calendar periods, within unit) to ``values``."""
    extra_x: list[str] = []
    labels: dict[str, str] = {}
    if not (spec.lags or spec.leads):
        return extra_x, labels
    keyed = np.flatnonzero((ucode >= 0) & ~np.isnan(tvals))
    for xv in spec.xs:
        for k, name, where in [(k, f"{xv}_lag{k}", "first") for k in range(1, spec.lags + 1)] + [
            (-k, f"{xv}_lead{k}", "last") for k in range(1, spec.leads + 1)
        ]:
            src = _period_lookup(ucode, tvals, keyed, k)
            col = np.full(n_input, np.nan)
            col[keyed] = np.where(src >= 0, values[xv][np.maximum(src, 0)], np.nan)
            values[name] = col
            extra_x.append(name)
            labels[name] = f"{name} unavailable ({where} periods, gap or missing {xv})"
    return extra_x, labels


def _complete_rows(spec, values, labels, ucode, tvals, regs, lag_labels) -> tuple[np.ndarray, dict[str, int]]:
    """Input positions with every needed value present, and the missing counts per column."""
    missing: list[tuple[str, np.ndarray]] = []
    if spec.needs_time:
        missing += [(f"missing {spec.unit}", ucode < 0), (f"missing {spec.time}", np.isnan(tvals))]
    for c in [spec.y, *regs] + ([spec.weights] if spec.weights else []):
        missing.append((lag_labels.get(c, f"missing {c}"), np.isnan(values[c])))
    for c in spec.label_cols:
        missing.append((f"missing {c}", labels[c] < 0))
    reasons: dict[str, int] = {}
    ok = np.ones(len(values[spec.y]), dtype=bool)
    for label, miss in missing:
        if miss.any():
            reasons[label] = int(miss.sum())
            ok &= ~miss
    return np.flatnonzero(ok), reasons


def _first_differences(spec, values, ucode, tvals, comp, diff_cols, reasons, n_input):
    """Estimation and base rows of first differences over consecutive periods (no merge)."""
    prev = _period_lookup(ucode, tvals, comp, 1)
    has = prev >= 0
    rows, base = comp[has], prev[has]
    used = np.zeros(n_input, dtype=bool)
    used[rows] = True
    used[base] = True
    isolated = int((~used[comp]).sum())
    if isolated:
        reasons["fd: complete row without a complete adjacent period (no difference possible)"] = isolated
    return rows, base


def _long_differences(spec, data, tvals, comp, reasons):
    """End and start rows of one long difference per unit (sorted by unit label, as before)."""
    usort = _label_codes_sorted(data[spec.unit])
    pool = pd.DataFrame({"_unit": usort[comp], "_time": tvals[comp], "_pos": comp})
    if spec.ld_span is not None:
        start, end = (int(v) for v in spec.ld_span)
        if not start < end:
            raise EstimationError(f"ld_span must be (start, end) with start < end, got {spec.ld_span!r}")
        in_span = pool["_time"].isin([start, end])
        n_out = int((~in_span).sum())
        if n_out:
            reasons[f"ld: period not an endpoint of ld_span {start}-{end}"] = n_out
        pool = pool.loc[in_span]
    pool = pool.sort_values(["_unit", "_time"], kind="mergesort")
    g = pool.groupby("_unit", sort=False)
    first = g.head(1)
    last = g.tail(1)
    multi = last["_unit"].map(g.size()) >= 2
    first = first.loc[first["_unit"].map(g.size()) >= 2].set_index("_unit")
    last = last.loc[multi.to_numpy()]
    n_single = int((~multi).sum())
    if n_single:
        reasons["ld: unit with fewer than 2 complete periods"] = n_single
    n_mid = len(pool) - len(last) * 2 - n_single
    if n_mid:
        reasons["ld: intermediate periods (not used by a long difference)"] = n_mid
    base = first.loc[last["_unit"].to_numpy(), "_pos"].to_numpy()
    return last["_pos"].to_numpy(), base


def _label_codes_sorted(s: pd.Series) -> np.ndarray:
    """Codes of a label column in sorted label order (``-1`` missing)."""
    codes, _ = pd.factorize(s, sort=True, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64)


def _build_sample(data: pd.DataFrame, spec: _Spec) -> _Sample:
    """Estimation sample of :func:`fit_panel`: complete rows, differences, singletons dropped.

    Every dropped row is counted in ``reasons`` (see the module docstring for the rules).
    """
    n_input = len(data)
    values, labels, ucode, tvals = _read_columns(data, spec)
    extra_x, lag_labels = _add_lags_leads(spec, values, ucode, tvals, n_input)
    regs = spec.xs + extra_x + spec.ctrls
    comp, reasons = _complete_rows(spec, values, labels, ucode, tvals, regs, lag_labels)
    diff_cols = [spec.y, *regs]
    if spec.model == "twfe":
        rows, base = comp, None
    elif spec.model == "fd":
        rows, base = _first_differences(spec, values, ucode, tvals, comp, diff_cols, reasons, n_input)
    else:
        rows, base = _long_differences(spec, data, tvals, comp, reasons)
    if rows.size == 0:
        raise EstimationError(f"no complete observations left to estimate (dropped: {reasons})")
    fe_codes = [_compact(labels[c][rows]) for c in spec.fe_cols]
    if fe_codes:
        keep = drop_singletons(fe_codes)
        n_single = int((~keep).sum())
        if n_single:
            reasons["singleton fixed-effect group (dropped as fixest/pyfixest)"] = n_single
            rows = rows[keep]
            base = base[keep] if base is not None else None
            fe_codes = [_compact(labels[c][rows]) for c in spec.fe_cols]
    if rows.size == 0:
        raise EstimationError(f"no complete observations left to estimate (dropped: {reasons})")
    est = {c: values[c][rows] for c in diff_cols + ([spec.weights] if spec.weights else [])}
    if base is not None:
        for c in diff_cols:
            est[c] -= values[c][base]
    return _Sample(
        rows=rows,
        base=base,
        values=est,
        regs=regs,
        extra_x=extra_x,
        fe_codes=fe_codes,
        cluster=_compact(labels[spec.clus_col][rows]) if spec.clus_col else None,
        reasons=reasons,
        n_input=n_input,
        time_values=tvals[rows] if tvals is not None else None,
        time_start=tvals[base] if spec.model == "ld" else None,
    )


# --------------------------------------------------------------------------------------------
# absorption and variance steps
# --------------------------------------------------------------------------------------------


@dataclass
class _VarianceInputs:
    """What a variance estimator needs after the fit (private; see :func:`_variance`).

    ``X`` and ``resid`` are absorbed and ``sqrt(w)``-scaled; ``cluster`` compact cluster codes
    (or ``None``), ``fe_codes`` the absorbed factors, ``weights`` the raw regression weights.
    """

    X: np.ndarray
    resid: np.ndarray
    cluster: np.ndarray | None
    fe_codes: tuple[np.ndarray, ...]
    weights: np.ndarray | None
    names: list[str]
    n_absorbed: int
    n_absorbed_ssc: int
    df_resid: int
    cluster_name: str | None = None

    @property
    def n_clusters(self) -> int | None:
        return None if self.cluster is None else int(self.cluster.max()) + 1


def _absorb_design(sample: _Sample, spec: _Spec) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Absorb the fixed effects from outcome and regressors; returns ``(yt, Xt, yraw, names, sw)``.

    ``yt``/``Xt`` are absorbed and multiplied by ``sqrt(w)`` (``sw``). Every column is put on the
    same scale before absorbing because :func:`absorb` stops relative to the largest entry.
    Raises EstimationError for absorbed or collinear regressors.
    """
    v = sample.values
    n = sample.rows.size
    names = list(sample.regs)
    cols = [v[spec.y]] + [v[c] for c in names]
    if not sample.fe_codes:
        cols.insert(1, np.ones(n))
        names = ["Intercept", *names]
    M = np.empty((n, len(cols)), order="F")
    for j, c in enumerate(cols):
        M[:, j] = c
    w = v[spec.weights] if spec.weights else None
    col_scale = np.abs(M).max(axis=0)
    col_scale[col_scale == 0] = 1.0
    M /= col_scale
    M = absorb(M, sample.fe_codes, w, overwrite=True)
    M *= col_scale
    sw = np.sqrt(w) if w is not None else None
    if sw is not None:
        M *= sw[:, None]
    yt, Xt = M[:, 0], M[:, 1:]
    Xraw = np.column_stack(cols[1:])
    _collinearity(Xt, Xraw * sw[:, None] if sw is not None else Xraw, names, bool(sample.fe_codes))
    return yt, Xt, v[spec.y], names, (sw if sw is not None else np.ones(n))


def _variance(inp: _VarianceInputs, vcov: str, cr2_df: str = "bm"):
    """Covariance, t df and the small-sample text of one variance type on a fitted design.

    Dispatches to the estimator registered under ``vcov`` in
    :data:`jamsostek_analysis.estimation.inference.VCOV_REGISTRY`. Returns
    ``(V, df_t, ssc_text, extra, df_params)``; ``df_params`` is a Series of per-coefficient df for
    CR2 with ``cr2_df="bm"``, else ``None``.
    """
    est = inference.get_vcov(vcov)(inp, cr2_df=cr2_df)
    df_params = None if est.df_params is None else pd.Series(est.df_params, index=list(inp.names), dtype=float)
    return est.V, est.df, est.text, est.extra, df_params


def _sample_frame(data: pd.DataFrame, spec: _Spec, sample: _Sample) -> pd.DataFrame:
    """The estimation sample as a data frame indexed by the input labels of the estimation rows."""
    rows = sample.rows
    out_cols: dict[str, Any] = {}
    if spec.needs_time:
        out_cols[spec.unit] = data[spec.unit].to_numpy()[rows]
        out_cols[spec.time] = sample.time_values.astype(np.int64)
        if spec.model == "ld":
            out_cols[spec.time + "_start"] = sample.time_start.astype(np.int64)
    for c in [spec.y, *sample.regs] + ([spec.weights] if spec.weights else []):
        out_cols[c] = sample.values[c]
    for c in spec.label_cols:
        if c not in out_cols:
            out_cols[c] = data[c].to_numpy()[rows]
    return pd.DataFrame(out_cols, index=pd.Index(data.index.to_numpy()[rows]), copy=False)


# --------------------------------------------------------------------------------------------
# fit_panel
# --------------------------------------------------------------------------------------------
def fit_panel(
    data: pd.DataFrame,
    y: str,
    x: str | Sequence[str],
    *,
    controls: Sequence[str] = (),
    unit: str = "province_code",
    time: str = "year",
    fe: Sequence[str] | None = None,
    model: str = "twfe",
    cluster: str | None | _UnitDefault = UNIT,
    vcov: str | None = None,
    weights: str | None = None,
    lags: int = 0,
    leads: int = 0,
    ld_span: tuple[int, int] | None = None,
    cr2_df: Literal["bm", "G-1"] = "bm",
    sample_filter: str | None = None,
) -> PanelResult:
    """Least-squares panel regression with absorbed fixed effects and few-cluster inference.

    Three steps: the estimation sample (:func:`_build_sample`: complete rows, differences over
    consecutive periods, singletons), the absorption of the fixed effects (:func:`_absorb_design`)
    and the variance (:func:`_variance`).

    Parameters
    ----------
    data
        Panel in long format, one row per unit and period.
    y
        Outcome column (e.g. ``'p0'``).
    x
        Regressor column(s) of interest; the first is the one the bootstrap tests by default.
    controls
        Further regressors.
    unit, time
        Unit (province code, read as str) and integer period columns.
    fe
        Fixed-effect columns to absorb. Default: ``(unit, time)`` for ``twfe``, ``(time,)`` for
        ``fd`` (time effects on the differenced equation) and none for ``ld``. ``[]`` gives an
        intercept-only model.
    model
        ``"twfe"``: levels with fixed effects. ``"fd"``: first differences within unit over
        consecutive periods (``t - 1`` must be present; gaps give missing differences).
        ``"ld"``: one long difference per unit between its first and last complete period
        (or exactly ``ld_span = (start, end)``); regressors are differenced too.
    cluster
        Cluster column; default: the unit column; ``None``: no clustering.
    vcov
        ``"CRV1"`` (default when clustered), ``"CR2"``, ``"iid"`` (default when not
        clustered) or ``"hetero"`` (HC1). See :mod:`jamsostek_analysis.estimation.inference` for the
        pinned small-sample conventions.
    weights
        Analytic (regression) weight column, e.g. population; weighted least squares. For
        ``fd`` the weight of the later period of each difference is used, for ``ld`` the weight
        of the end period.
    lags, leads
        Add ``x_{t-k}`` (``k = 1..lags``) and ``x_{t+k}`` (``k = 1..leads``) for every ``x``,
        built within unit over consecutive periods and named ``<x>_lag<k>`` / ``<x>_lead<k>``.
    ld_span
        ``(start, end)`` periods of the long difference (``model="ld"`` only).
    cr2_df
        Reference distribution of the CR2 t-tests and intervals (``vcov="CR2"`` only):
        ``"bm"`` (default) t with the Bell-McCaffrey / Imbens-Kolesar (2016) Satterthwaite df
        of each coefficient (:func:`jamsostek_analysis.estimation.inference.cr2_satterthwaite_df`), the
        recommended pairing for CR2 (Imbens and Kolesar 2016; Pustejovsky and Tipton 2018);
        ``"G-1"`` t with ``G - 1`` df as for CRV1. With coverage variation concentrated in a few
        provinces the BM df can be far below ``G - 1``.
    sample_filter
        Text describing how ``data`` was restricted before the call (e.g. ``"years 2022-2025,
        excluding Papua"``); recorded in :meth:`PanelResult.provenance`, not applied.

    Returns
    -------
    PanelResult

    Raises
    ------
    EstimationError
        Missing column (named), non-numeric values (column and first bad row), duplicate
        unit-period rows (for ``fd``/``ld``/lags), non-positive weights, regressors absorbed by
        the fixed effects or collinear (named), a single cluster, or fewer observations than
        parameters.
    """
    spec = _validate(data, y, x, controls, unit, time, fe, model, cluster, vcov, weights, lags, leads, ld_span, cr2_df)
    sample = _build_sample(data, spec)
    fe_codes, ccodes, n = sample.fe_codes, sample.cluster, sample.rows.size
    yt, Xt, yraw, names, sw = _absorb_design(sample, spec)
    k = Xt.shape[1]
    G = int(ccodes.max()) + 1 if ccodes is not None else None
    if G is not None and G < 2:
        raise EstimationError(
            f"only one cluster ({spec.clus_col!r} = {data[spec.clus_col].iloc[int(sample.rows[0])]!r}) in the "
            "estimation sample; cluster-robust inference needs at least 2 (use --cluster none for iid)"
        )
    A, A_ssc = ssc_absorbed_count(fe_codes, ccodes)
    if n <= k + A:
        raise EstimationError(
            f"fewer observations ({n}) than parameters ({k} coefficients + {A} absorbed fixed effects)"
        )
    beta, *_ = np.linalg.lstsq(Xt, yt, rcond=None)
    resid = yt - Xt @ beta
    df_resid = n - k - A
    w = sample.values[spec.weights] if spec.weights else None
    yc = yt if fe_codes else (yraw - np.average(yraw, weights=w)) * sw  # outcome net of FE / mean
    _check_residuals(yc, resid, y, bool(fe_codes), float(_norm(yraw * sw)))
    inputs = _VarianceInputs(
        X=Xt,
        resid=resid,
        cluster=ccodes,
        fe_codes=tuple(fe_codes),
        weights=w,
        names=names,
        n_absorbed=A,
        n_absorbed_ssc=A_ssc,
        df_resid=df_resid,
        cluster_name=spec.clus_col,
    )
    V, df_t, ssc_text, extra, df_params = _variance(inputs, spec.vcov, spec.cr2_df)
    se = np.sqrt(np.diag(V))
    if inference.get_vcov(spec.vcov).clustered:
        _check_cluster_se(se, Xt, resid, df_resid, names, G)
    tv = beta / se
    if df_params is not None:
        pv = np.array([inference.t_pvalues(t, d) for t, d in zip(tv, df_params.to_numpy())], dtype=float)
        df_params.index = pd.Index(names, name="term")
    else:
        pv = inference.t_pvalues(tv, df_t)
    idx = pd.Index(names, name="term")
    tss = float(yc @ yc)
    r2 = 1 - float(resid @ resid) / tss if tss > 0 else float("nan")
    design = PanelDesign(
        y_tilde=yt,
        X_tilde=Xt,
        cluster=ccodes,
        names=names,
        weights=w,
        fe_codes=tuple(fe_codes),
        n_absorbed=A,
        k_ssc=k + A_ssc,
    )
    used = np.zeros(sample.n_input, dtype=bool)
    used[sample.rows] = True
    if sample.base is not None:
        used[sample.base] = True
    sample_df = _sample_frame(data, spec, sample)
    clus_col = spec.clus_col
    return PanelResult(
        params=pd.Series(beta, index=idx),
        bse=pd.Series(se, index=idx),
        tvalues=pd.Series(tv, index=idx),
        pvalues=pd.Series(pv, index=idx),
        vcov=pd.DataFrame(V, index=idx, columns=idx),
        nobs=n,
        n_clusters=G,
        df_resid=df_resid,
        df_t=float(df_t),
        vcov_type=spec.vcov + (f" clustered by {clus_col}" if clus_col else ""),
        small_sample=ssc_text,
        model=model,
        y=y,
        x=spec.xs + sample.extra_x,
        controls=spec.ctrls,
        fe=spec.fe_cols,
        cluster=clus_col,
        weights=weights,
        n_dropped=int(sample.n_input - used.sum()),
        drop_reasons=sample.reasons,
        n_input=sample.n_input,
        sample=sample_df.index,
        design=design,
        data=sample_df,
        unit=unit if (spec.needs_time or unit in data.columns) else None,
        time=time if (spec.needs_time or time in data.columns) else None,
        lags=int(lags),
        leads=int(leads),
        r2_within=r2,
        extra=extra,
        df_params=df_params,
        _variance_inputs=inputs,
        sample_filter=sample_filter,
    )


# --------------------------------------------------------------------------------------------
# interval regression: moved to jamsostek_analysis.estimation.interval, re-exported here
# --------------------------------------------------------------------------------------------
def __getattr__(name: str) -> Any:
    """Compatibility: ``IntervalResult`` and ``interval_regression`` live in :mod:`.interval`."""
    if name in ("IntervalResult", "interval_regression"):
        from jamsostek_analysis.estimation import interval

        return getattr(interval, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
