"""Power and minimum detectable effects of the two-way fixed-effects coverage regression.

Question answered: *with the real panel design* (the provinces and years actually observed and
the real within-province paths of BPJS-TK coverage), how large must the effect of one point of
coverage on poverty be before a TWFE regression with province-clustered CRV1 errors and a
``t(G - 1)`` test detects it with 80 % probability?

Data-generating process simulated (everything labelled *simulated*)::

    y_it = beta * x_it + a_i + l_t + e_it,      a_i ~ N(0, sigma_a^2),
    e_i  : Gaussian, stationary AR(1) in calendar years within unit,
           Var(e_it) = sigma_e^2,  Corr(e_it, e_is) = rho^|t - s|,

where ``x_it`` are the **real** coverage values (fixed across simulations), ``l_t`` the real
year effects estimated from the panel and the unit/year structure (including gaps and an
unbalanced design) is the real one. ``sigma_e`` is the *marginal* (stationary) standard
deviation of the error; the AR innovations have SD ``sigma_e * sqrt(1 - rho^2)``. Because
years may be missing inside a unit, ``e`` is generated at the observed calendar years
(``Corr = rho^gap``), not at consecutive positions.

Estimation of the design parameters (:func:`estimate_design_parameters`)
----------------------------------------------------------------------
Residuals ``u = M y`` of the TWFE regression of ``y`` on ``x`` (``M`` the residual maker of
``[unit dummies, year dummies, x]``) are used with *exact finite-sample moment conditions* for
this very design:

* ``E[u'u] = sigma_e^2 tr(M R(rho))`` and
  ``E[sum_{i,t} u_it u_i,t-1] = sigma_e^2 tr(A M R(rho) M)`` where ``R(rho)`` is the
  block-diagonal AR(1) correlation matrix and ``A`` the symmetric matrix that picks pairs of
  observations one calendar year apart (weight 1/2 each way).
* The **raw** estimate ``rho_raw`` is the pooled first-order autocorrelation of ``u``
  (``sum u_t u_{t-1} / n_pairs`` over ``u'u / N``). With short panels it is badly biased
  downward (Nickell 1981): demeaning within a unit of ``T`` years induces a correlation of
  about ``-1/(T-1)`` even when ``rho = 0`` (``-1/3`` with ``T = 4``).
* The **bias-corrected** estimate solves ``rho_raw = g(rho)`` with
  ``g(rho) = [tr(A M R M) / n_pairs] / [tr(M R) / N]``, the ratio of the expected moments:
  a Nickell/Solon-type correction that is exact in expectation of numerator and denominator
  for the actual (unbalanced, two-way) design; it is not exactly unbiased (ratio of
  expectations), and it is noisy when ``T`` is small. When ``rho_raw`` falls outside the
  range of ``g`` the estimate is set to the boundary (``rho_note`` says so). With two
  consecutive years only ``g`` is flat (``u_i1 = -u_i2``) and ``rho`` is not identified:
  ``rho`` is then NaN and must be supplied (``rho=`` argument or :meth:`DesignParameters.with_rho`).
* ``sigma_e^2 = u'u / tr(M R(rho))`` (unbiased given ``rho``).
* ``sigma_a^2``: the sample variance of the estimated unit effects minus its expected
  sampling-noise part ``sigma_e^2 [tr(C) - 1'C1/G] / (G - 1)``, with ``C`` the unit block of
  ``Cov(coef) = sigma_e^2 W Z'RZ W`` (floored at 0; ``sigma_a`` plays no role in the TWFE
  estimator, which absorbs ``a_i`` exactly, and only makes simulated levels realistic).
* ``sd_x_within``: the descriptive SD of ``x`` after absorbing unit and year effects,
  ``sqrt(sum x_tilde^2 / N)`` (``ddof = 0``), used to express effects per 1-SD within change.

Fast Monte Carlo (:func:`power_curve`, :func:`minimum_detectable_effect`)
-----------------------------------------------------------------------
``x`` is fixed, so ``x_tilde`` is absorbed once. Unit and year effects are removed exactly by
the within transform, hence ``b_hat - beta = x_tilde'e / x_tilde'x_tilde`` and the residuals
``u = e_tilde - (b_hat - beta) x_tilde`` do **not** depend on ``beta``. One matrix of ``S``
simulated error vectors is absorbed at once (:func:`jamsostek_analysis.estimation.design.absorb`), and
the CRV1 standard errors of all ``S`` draws are computed in matrix form with
:func:`jamsostek_analysis.estimation.inference.crv1_factor` (``G/(G-1) (N-1)/(N-K)``, ``K = 1 + T`` for
the two-way model clustered by unit, the fixest/pyfixest convention, ``K`` from
:func:`jamsostek_analysis.estimation.models.ssc_absorbed_count`) and ``t(G - 1)`` critical values, exactly
as :func:`jamsostek_analysis.estimation.models.fit_panel` (checked to 1e-8 in the tests). ``CR2``
(Bell-McCaffrey) is available too: its adjustment matrices depend on the design only, so it is
just as cheap; its t-test uses, like ``fit_panel(..., vcov="CR2")``, the Bell-McCaffrey
Satterthwaite df (:func:`jamsostek_analysis.estimation.inference.cr2_satterthwaite_df`), which depends
only on ``x`` and the design and is therefore one constant for all draws (``cr2_df="G-1"``
gives ``t(G - 1)`` instead). Singletons are dropped as in ``fit_panel``. The same draws serve every ``beta`` (common random numbers), so power curves
are smooth in ``beta`` and the simulated MDE is a well-defined root.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, sparse, stats

from jamsostek_analysis.estimation.design import absorb, drop_singletons, factorize
from jamsostek_analysis.errors import EstimationError
from jamsostek_analysis.estimation.inference import crv1_factor

__all__ = [
    "DesignParameters",
    "MDEResult",
    "estimate_design_parameters",
    "simulate_panel",
    "simulate_draws",
    "power_curve",
    "minimum_detectable_effect",
    "analytic_se",
    "RHO_VARIANTS",
    "mde_table",
    "power_curves",
    "power_grid",
    "simulate_wcr_sets",
    "wcr_label",
    "wcr_minimum_detectable_effect",
]

SIMULATED_NOTE = "SIMULATED data (power analysis), not observed values"


# --------------------------------------------------------------------------------------------
# design structure helpers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Structure:
    """Index structure of a (possibly unbalanced) panel sorted by unit then time."""

    unit_codes: np.ndarray  # (N,) int64 0..G-1
    time_codes: np.ndarray  # (N,) int64 0..T-1 (sorted years)
    years: np.ndarray  # (N,) calendar time as float (for AR gaps)
    pair_i: np.ndarray  # all within-unit ordered pairs (i, j), i != j, and the diagonal
    pair_j: np.ndarray
    pair_lag: np.ndarray  # |t_i - t_j| in calendar units
    prev_index: np.ndarray  # index of previous observation of the same unit, -1 if first
    gap: np.ndarray  # calendar gap to the previous observation (0 if first)

    @property
    def n(self) -> int:
        return self.unit_codes.shape[0]

    @property
    def n_units(self) -> int:
        return int(self.unit_codes.max()) + 1

    @property
    def n_periods(self) -> int:
        return int(self.time_codes.max()) + 1


def _structure(unit_codes: np.ndarray, time_codes: np.ndarray, years: np.ndarray) -> _Structure:
    n = unit_codes.shape[0]
    starts = np.flatnonzero(np.r_[True, unit_codes[1:] != unit_codes[:-1]])
    ends = np.r_[starts[1:], n]
    pi, pj = [], []
    for s, e in zip(starts, ends):
        idx = np.arange(s, e)
        a, b = np.meshgrid(idx, idx, indexing="ij")
        pi.append(a.ravel())
        pj.append(b.ravel())
    pair_i = np.concatenate(pi)
    pair_j = np.concatenate(pj)
    pair_lag = np.abs(years[pair_i] - years[pair_j])
    prev = np.arange(n) - 1
    prev[starts] = -1
    gap = np.where(prev >= 0, years - years[np.maximum(prev, 0)], 0.0)
    return _Structure(unit_codes, time_codes, years.astype(float), pair_i, pair_j, pair_lag, prev, gap)


def _corr_matrix(st: _Structure, rho: float) -> sparse.csr_matrix:
    """Block-diagonal AR(1) correlation ``R(rho)`` (``rho^|t-s|`` within unit)."""
    with np.errstate(invalid="ignore"):
        data = np.where(st.pair_lag == 0, 1.0, np.power(rho, st.pair_lag))
    return sparse.csr_matrix((data, (st.pair_i, st.pair_j)), shape=(st.n, st.n))


def _lag1_matrix(st: _Structure) -> tuple[sparse.csr_matrix, int]:
    """Symmetric pair selector ``A`` (1/2 on both sides of each pair one year apart), n_pairs."""
    sel = st.pair_lag == 1
    A = sparse.csr_matrix((np.full(sel.sum(), 0.5), (st.pair_i[sel], st.pair_j[sel])), shape=(st.n, st.n))
    return A, int(sel.sum() // 2)


def _full_design(st: _Structure, x: np.ndarray) -> sparse.csr_matrix:
    """Sparse ``Z = [unit dummies, year dummies except the first, x]`` (full column rank)."""
    n, G, T = st.n, st.n_units, st.n_periods
    rows = np.arange(n)
    Du = sparse.csr_matrix((np.ones(n), (rows, st.unit_codes)), shape=(n, G))
    keep = st.time_codes > 0
    Dt = sparse.csr_matrix((np.ones(keep.sum()), (rows[keep], st.time_codes[keep] - 1)), shape=(n, T - 1))
    return sparse.hstack([Du, Dt, sparse.csr_matrix(x.reshape(-1, 1))], format="csr")


def _dense(M) -> np.ndarray:
    return M.toarray() if sparse.issparse(M) else np.asarray(M)


# --------------------------------------------------------------------------------------------
# design parameters
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DesignParameters:
    """The real panel design plus the variance parameters of the simulated errors.

    Attributes
    ----------
    y, x, unit, time
        Column names the parameters were estimated from (``x`` is the regressor of interest).
    units, times
        Unit labels and years of the observations used (sorted by unit then year); the
        simulation reuses exactly this, possibly unbalanced, structure.
    x_values
        The real regressor values on those rows (the *real* x paths).
    sigma_a, sigma_e, rho
        SD of unit effects, marginal SD of the AR(1) error, AR(1) coefficient used to simulate.
    rho_raw, rho_corrected
        Pooled first-order autocorrelation of TWFE residuals and its bias-corrected value.
    rho_source
        ``'corrected'``, ``'raw'`` or ``'user'``: which value ``rho`` is.
    rho_note
        Diagnostics of the rho estimate (boundary, not identified, ...).
    time_effects
        Estimated year effects ``l_t`` (indexed by year; unit effects normalised to mean 0).
    beta_hat
        The TWFE coefficient of ``x`` in the real data (for reference only; not used).
    sd_x_within
        SD of ``x`` after absorbing unit and year effects (``ddof = 0``).
    n_dropped, dropped
        Rows of the input dropped because ``y`` or ``x`` was missing or the row was a
        singleton unit/year, and those rows (unit, time, reason in column ``missing``).
    residuals
        The TWFE residuals ``u`` used for the moments (kept to re-derive ``sigma_e`` when
        ``rho`` is changed).
    """

    y: str
    x: str
    unit: str
    time: str
    units: np.ndarray
    times: np.ndarray
    x_values: np.ndarray
    sigma_a: float
    sigma_e: float
    rho: float
    rho_raw: float
    rho_corrected: float
    rho_source: str
    rho_note: str
    time_effects: pd.Series
    beta_hat: float
    sd_x_within: float
    n_dropped: int
    dropped: pd.DataFrame = field(repr=False)
    residuals: np.ndarray = field(repr=False)

    @property
    def nobs(self) -> int:
        return int(self.units.shape[0])

    @property
    def n_units(self) -> int:
        return int(pd.unique(self.units).size)

    @property
    def n_periods(self) -> int:
        return int(pd.unique(self.times).size)

    def structure(self) -> _Structure:
        """Integer codes and AR(1) pair structure of the design (cached per call site)."""
        unit_codes = factorize(self.units)
        years = np.asarray(self.times, dtype=float)
        time_codes = np.searchsorted(np.unique(years), years).astype(np.int64)
        return _structure(unit_codes, time_codes, years)

    def with_rho(self, rho: float, *, rescale_sigma_e: bool = True) -> "DesignParameters":
        """A copy with a user-chosen ``rho``.

        With ``rescale_sigma_e`` (default) ``sigma_e`` is re-derived from the stored residuals as
        ``u'u / tr(M R(rho))``, so that the simulated residual variance still matches the data.
        """
        if not -1.0 < float(rho) < 1.0:
            raise EstimationError(f"rho must lie in (-1, 1), got {rho}")
        sigma_e = self.sigma_e
        if rescale_sigma_e:
            st = self.structure()
            mom = _Moments(st, self.x_values)
            sigma_e = float(np.sqrt(float(self.residuals @ self.residuals) / mom.trace_MR(float(rho))))
        return dataclasses.replace(self, rho=float(rho), sigma_e=sigma_e, rho_source="user")

    def summary(self) -> pd.Series:
        """One-row description (for tables and notebooks)."""
        return pd.Series(
            {
                "y": self.y,
                "x": self.x,
                "nobs": self.nobs,
                "n_units": self.n_units,
                "n_periods": self.n_periods,
                "years": f"{int(np.min(self.times))}-{int(np.max(self.times))}",
                "sigma_a": self.sigma_a,
                "sigma_e": self.sigma_e,
                "rho": self.rho,
                "rho_source": self.rho_source,
                "rho_raw": self.rho_raw,
                "rho_corrected": self.rho_corrected,
                "rho_note": self.rho_note,
                "sd_x_within": self.sd_x_within,
                "beta_hat_real_data": self.beta_hat,
                "n_dropped_missing": self.n_dropped,
            }
        )


class _Moments:
    """Exact moments of TWFE residuals under AR(1) errors for a fixed design.

    ``M = I - Z W Z'`` with ``Z`` the sparse ``[unit dummies, year dummies, x]`` and
    ``W = (Z'Z)^-1`` (dense, inverted once). ``Z'RZ`` and ``Z'AZ`` stay sparse (the unit-unit
    block is diagonal because ``R`` is block diagonal by unit), so each evaluation costs
    ``O(nnz * k)`` rather than ``O(k^3)``.
    """

    def __init__(self, st: _Structure, x: np.ndarray):
        self.st = st
        self.Z = _full_design(st, np.asarray(x, dtype=float)).tocsc()
        ZtZ = _dense(self.Z.T @ self.Z)
        # block inverse: the unit-unit block of Z'Z is diagonal (observations per unit)
        G = st.n_units
        d_inv = 1.0 / np.diag(ZtZ)[:G]
        B, C = ZtZ[:G, G:], ZtZ[G:, G:]
        E = d_inv[:, None] * B
        S = C - B.T @ E
        try:
            S_inv = np.linalg.inv(S)
            if not np.all(np.isfinite(S_inv)) or np.linalg.cond(S) > 1e12:
                raise np.linalg.LinAlgError
        except np.linalg.LinAlgError as exc:
            raise EstimationError(
                "the unit + year dummies and x are collinear (x has no within variation or the panel is not connected)"
            ) from exc
        W = np.empty_like(ZtZ)
        ES = E @ S_inv
        W[:G, :G] = ES @ E.T
        W[np.arange(G), np.arange(G)] += d_inv
        W[:G, G:] = -ES
        W[G:, :G] = -ES.T
        W[G:, G:] = S_inv
        self.W = W
        self.A, self.n_pairs = _lag1_matrix(st)
        ZtAZ = sparse.csr_matrix(self.Z.T @ (self.A @ self.Z))
        self.WA = np.asarray((ZtAZ @ self.W).T)  # W Z'AZ

    def _pieces(self, rho: float):
        R = _corr_matrix(self.st, rho)
        RZ = sparse.csc_matrix(R @ self.Z)
        ZtRZ = sparse.csr_matrix(self.Z.T @ RZ)
        return R, RZ, ZtRZ

    def _tr_W(self, S) -> float:
        """``tr(W S)`` for a sparse ``S``."""
        S = S.tocoo()
        return float(np.sum(self.W[S.col, S.row] * S.data))

    def trace_MR(self, rho: float) -> float:
        R, _, ZtRZ = self._pieces(rho)
        return float(R.diagonal().sum()) - self._tr_W(ZtRZ)

    def g(self, rho: float) -> tuple[float, float]:
        """(tr(A M R M), tr(M R)) at ``rho``."""
        R, RZ, ZtRZ = self._pieces(rho)
        trMR = float(R.diagonal().sum()) - self._tr_W(ZtRZ)
        trAR = float(self.A.multiply(R).sum())
        tr_APR = self._tr_W(sparse.csr_matrix(self.Z.T @ (self.A @ RZ)))
        WR = np.asarray((ZtRZ @ self.W).T)  # W Z'RZ
        tr_APRP = float(np.sum(WR * self.WA.T))
        return trAR - 2.0 * tr_APR + tr_APRP, trMR

    def ratio(self, rho: float) -> float:
        num, den = self.g(rho)
        return (num / self.n_pairs) / (den / self.st.n)

    def unit_noise(self, rho: float) -> tuple[float, float]:
        """``tr(C)`` and ``1'C1`` of ``C``, the unit block of ``W Z'RZ W`` (per unit sigma_e^2)."""
        _, _, ZtRZ = self._pieces(rho)
        G = self.st.n_units
        WR = np.asarray((ZtRZ @ self.W).T)  # W Z'RZ
        top = WR[:G, :]  # rows of the unit block of W Z'RZ
        tr_C = float(np.sum(top * self.W[:G, :]))  # W symmetric: C_ii = sum_k top_ik W_ik
        one_C_one = float(top.sum(axis=0) @ self.W[:, :G].sum(axis=1))
        return tr_C, one_C_one


def _prepare(panel: pd.DataFrame, y: str | None, x: str, unit: str, time: str):
    """Validate columns, drop (and record) rows with missing y/x, sort by unit then time."""
    if not isinstance(panel, pd.DataFrame):
        raise EstimationError(f"panel must be a pandas DataFrame, got {type(panel).__name__}")
    cols = [c for c in (unit, time, x, y) if c is not None]
    missing = [c for c in cols if c not in panel.columns]
    if missing:
        raise EstimationError(f"panel: column(s) {missing} not found; available: {list(panel.columns)}")
    df = panel[cols].copy()
    for c in [v for v in (x, y) if v is not None] + [time]:
        if not pd.api.types.is_numeric_dtype(df[c]):
            raise EstimationError(f"panel: column '{c}' must be numeric, got dtype {df[c].dtype}")
    if df[unit].isna().any() or df[time].isna().any():
        bad = df.index[df[unit].isna() | df[time].isna()][:5].tolist()
        raise EstimationError(f"panel: missing '{unit}' or '{time}' in rows {bad}")
    dup = df.duplicated([unit, time], keep=False)
    if dup.any():
        first = df.loc[dup, [unit, time]].head(3).to_dict("records")
        raise EstimationError(f"panel: duplicate ({unit}, {time}) rows, e.g. {first}")
    value_cols = [v for v in (y, x) if v is not None]
    miss = df[value_cols].isna().any(axis=1)
    dropped = df.loc[miss, [unit, time]].copy()
    dropped["missing"] = [",".join(c for c in value_cols if pd.isna(df.at[i, c])) for i in dropped.index]
    df = df.loc[~miss]
    # singletons (a unit or a year with one observation), iteratively, as fit_panel does
    codes = [factorize(df[unit].to_numpy()), factorize(df[time].to_numpy())] if len(df) else []
    keep = drop_singletons(codes) if codes else np.ones(len(df), dtype=bool)
    if not keep.all():
        sing = df.loc[~keep, [unit, time]].copy()
        sing["missing"] = "singleton fixed-effect group"
        dropped = pd.concat([dropped, sing])
        df = df.loc[keep]
    df = df.sort_values([unit, time], kind="mergesort").reset_index(drop=True)
    return df, dropped.reset_index(drop=True)


def estimate_design_parameters(
    panel: pd.DataFrame,
    y: str,
    x: str,
    *,
    unit: str = "province_code",
    time: str = "year",
    rho: str | float = "corrected",
) -> DesignParameters:
    """Estimate the design and error parameters of ``y`` on ``x`` with unit and year effects.

    Parameters
    ----------
    panel
        Long panel, one row per unit-year (e.g. :func:`jamsostek_analysis.data.panel.build_province_panel`).
        Rows with missing ``y`` or ``x`` and then (iteratively) singleton units or years are
        dropped, as :func:`jamsostek_analysis.estimation.models.fit_panel` does, and reported in
        ``dropped`` with the reason (a :class:`UserWarning` names how many).
    y, x
        Outcome and regressor columns (e.g. ``'p0'`` and ``'coverage_rate'``).
    unit, time
        Unit and (integer calendar) time columns.
    rho
        Which AR(1) coefficient to simulate with: ``'corrected'`` (default, the bias-corrected
        moment estimate; see the module docstring), ``'raw'`` (the pooled residual
        autocorrelation, biased downward in short panels) or a number in ``(-1, 1)``.

    Returns
    -------
    DesignParameters

    Raises
    ------
    EstimationError
        Missing/non-numeric columns, duplicate unit-years, fewer than 2 units, no within
        variation in ``x``, or ``rho='corrected'`` when ``rho`` is not identified.
    """
    df, dropped = _prepare(panel, y, x, unit, time)
    if len(dropped):
        warnings.warn(
            f"estimate_design_parameters: dropped {len(dropped)} rows with missing '{y}' or '{x}' or in "
            "singleton unit/year groups (listed with the reason in DesignParameters.dropped)",
            UserWarning,
            stacklevel=2,
        )
    units = df[unit].to_numpy()
    years = df[time].to_numpy(dtype=float)
    yv = df[y].to_numpy(dtype=float)
    xv = df[x].to_numpy(dtype=float)
    unit_codes = factorize(units)
    G = int(unit_codes.max()) + 1 if len(unit_codes) else 0
    if G < 2:
        raise EstimationError(f"panel: need at least 2 units in '{unit}' with non-missing '{y}' and '{x}', got {G}")
    uniq_years = np.unique(years)
    time_codes = np.searchsorted(uniq_years, years).astype(np.int64)
    st = _structure(unit_codes, time_codes, years)

    fe = [unit_codes, time_codes]
    xt = absorb(xv, fe)
    sxx = float(xt @ xt)
    if sxx <= 1e-12 * max(1.0, float(xv @ xv)):
        raise EstimationError(f"panel: column '{x}' has no variation within {unit} after removing year effects")
    mom = _Moments(st, xv)
    coef = mom.W @ _dense(mom.Z.T @ yv.reshape(-1, 1)).ravel()
    u = yv - mom.Z @ coef
    beta_hat = float(coef[-1])

    # raw pooled autocorrelation of residuals at a one-year lag
    uu = float(u @ u)
    notes = []
    if mom.n_pairs == 0:
        rho_raw = np.nan
        notes.append("no pairs of observations one year apart: rho not identified")
    else:
        rho_raw = float(u @ (mom.A @ u)) / mom.n_pairs / (uu / st.n)

    # bias-corrected: solve ratio(rho) = rho_raw
    rho_corr = np.nan
    if np.isfinite(rho_raw):
        lo, hi = -0.99, 0.99
        g_lo, g_hi = mom.ratio(lo), mom.ratio(hi)
        if abs(g_hi - g_lo) < 1e-6:
            notes.append("expected residual autocorrelation does not depend on rho (e.g. T = 2): rho not identified")
        elif rho_raw <= min(g_lo, g_hi):
            rho_corr = lo if g_lo < g_hi else hi
            notes.append(
                f"raw autocorrelation {rho_raw:.3f} below the attainable range: corrected rho set to {rho_corr}"
            )
        elif rho_raw >= max(g_lo, g_hi):
            rho_corr = hi if g_hi > g_lo else lo
            notes.append(
                f"raw autocorrelation {rho_raw:.3f} above the attainable range: corrected rho set to {rho_corr}"
            )
        else:
            rho_corr = float(optimize.brentq(lambda r: mom.ratio(r) - rho_raw, lo, hi, xtol=1e-10))

    if isinstance(rho, str):
        if rho not in ("corrected", "raw"):
            raise EstimationError(f"rho must be 'corrected', 'raw' or a number, got {rho!r}")
        rho_use = rho_corr if rho == "corrected" else rho_raw
        source = rho
        if not np.isfinite(rho_use):
            raise EstimationError(
                f"rho ('{rho}') could not be estimated: {'; '.join(notes) or 'not identified'}; pass rho=<number>"
            )
        rho_use = float(np.clip(rho_use, -0.99, 0.99))
    else:
        rho_use = float(rho)
        if not -1.0 < rho_use < 1.0:
            raise EstimationError(f"rho must lie in (-1, 1), got {rho}")
        source = "user"

    sigma_e2 = uu / mom.trace_MR(rho_use)

    # unit and year effects from the full dummy regression (unit effects normalised to mean 0)
    a_hat = coef[:G]
    l_hat = np.r_[0.0, coef[G:-1]] + a_hat.mean()
    a_hat = a_hat - a_hat.mean()
    tr_C, one_C_one = mom.unit_noise(rho_use)
    noise = sigma_e2 * (tr_C - one_C_one / G) / (G - 1)
    sigma_a2 = max(float(np.var(a_hat, ddof=1)) - noise, 0.0)
    if sigma_a2 == 0.0:
        notes.append("estimated unit-effect variance not above its sampling noise: sigma_a set to 0")

    return DesignParameters(
        y=y,
        x=x,
        unit=unit,
        time=time,
        units=units,
        times=df[time].to_numpy(),
        x_values=xv,
        sigma_a=float(np.sqrt(sigma_a2)),
        sigma_e=float(np.sqrt(sigma_e2)),
        rho=rho_use,
        rho_raw=float(rho_raw),
        rho_corrected=float(rho_corr),
        rho_source=source,
        rho_note="; ".join(notes),
        time_effects=pd.Series(l_hat, index=pd.Index(uniq_years.astype(df[time].dtype), name=time), name="l_t"),
        beta_hat=beta_hat,
        sd_x_within=float(np.sqrt(sxx / st.n)),
        n_dropped=int(len(dropped)),
        dropped=dropped,
        residuals=u,
    )


# --------------------------------------------------------------------------------------------
# simulation
# --------------------------------------------------------------------------------------------


def _ar1_errors(st: _Structure, rho: float, sigma_e: float, n_sims: int, rng: np.random.Generator) -> np.ndarray:
    """``(N, n_sims)`` stationary Gaussian AR(1) errors at the observed calendar years."""
    z = rng.standard_normal((st.n, n_sims))
    e = np.empty_like(z)
    first = st.prev_index < 0
    e[first] = sigma_e * z[first]
    # rows are sorted by unit then year: fill position by position
    pos = np.zeros(st.n, dtype=np.int64)
    for i in range(1, st.n):
        pos[i] = 0 if first[i] else pos[i - 1] + 1
    for p in range(1, int(pos.max(initial=0)) + 1):
        idx = np.flatnonzero(pos == p)
        phi = np.power(rho, st.gap[idx])[:, None]
        e[idx] = phi * e[st.prev_index[idx]] + sigma_e * np.sqrt(1.0 - phi**2) * z[idx]
    return e


def simulate_panel(params: DesignParameters, beta: float, *, seed: int | np.random.Generator) -> pd.DataFrame:
    """One simulated panel ``y = beta * x_real + a_i + l_t + e_it`` on the real design.

    Parameters
    ----------
    params
        From :func:`estimate_design_parameters` (real unit/year structure, real x paths,
        ``sigma_a``, ``sigma_e``, ``rho``, real year effects ``l_t``).
    beta
        True effect of one unit of ``x`` on ``y``.
    seed
        Seed or ``numpy.random.Generator`` (deterministic).

    Returns
    -------
    pandas.DataFrame
        Columns ``unit, time`` (the original names), ``x`` (real values), ``y`` (simulated, named
        ``params.y``), ``a_i``, ``l_t``, ``e_it`` (the simulated components) and ``simulated``
        (always True); ``attrs['simulated'] = True`` and ``attrs['note']`` say so. Gaussian ``y``
        can leave the range of the real outcome (e.g. negative P0).
    """
    rng = np.random.default_rng(seed)
    st = params.structure()
    a = rng.normal(0.0, params.sigma_a, size=st.n_units)[st.unit_codes]
    l_t = params.time_effects.reindex(pd.Index(params.times)).to_numpy(dtype=float)
    e = _ar1_errors(st, params.rho, params.sigma_e, 1, rng)[:, 0]
    y = beta * params.x_values + a + l_t + e
    out = pd.DataFrame(
        {
            params.unit: params.units,
            params.time: params.times,
            params.x: params.x_values,
            params.y: y,
            "a_i": a,
            "l_t": l_t,
            "e_it": e,
            "simulated": True,
        }
    )
    out.attrs["simulated"] = True
    out.attrs["note"] = (
        f"{SIMULATED_NOTE}; beta={beta}, sigma_a={params.sigma_a:.4g}, sigma_e={params.sigma_e:.4g}, rho={params.rho:.4g}"
    )
    return out


def _k_ssc(st: _Structure) -> int:
    """``K`` of the CRV1 factor for ``y ~ x | unit + year`` clustered by unit.

    Same rule as :func:`jamsostek_analysis.estimation.models.fit_panel` (via
    :func:`jamsostek_analysis.estimation.models.ssc_absorbed_count`): one slope, the year dummies not nested
    in the unit clusters and one for the unit factor, fully nested in the clusters
    (``K = 1 + T`` for a connected design).
    """
    from jamsostek_analysis.estimation.models import ssc_absorbed_count

    _, a_ssc = ssc_absorbed_count([st.unit_codes, st.time_codes], st.unit_codes)
    return 1 + a_ssc


@dataclass(frozen=True)
class _Draws:
    """Simulated sampling distribution: ``b_hat - beta`` and CRV1 SE for each draw."""

    dev: np.ndarray  # (S,) b_hat - beta (independent of beta)
    se: np.ndarray  # (S,) CRV1 or CR2 standard errors (independent of beta)
    df: float  # t df: G - 1 (CRV1; CR2 with cr2_df="G-1") or the Bell-McCaffrey df (CR2)
    se_analytic: float
    errors: np.ndarray | None = None  # (N, S) simulated errors if requested (for checks)


def analytic_se(params: DesignParameters) -> float:
    """Exact sampling SD of the TWFE slope under the simulated DGP.

    ``sd(b_hat) = sigma_e sqrt(x_tilde' R(rho) x_tilde) / x_tilde'x_tilde`` (``x_tilde`` the
    absorbed real x, ``R`` the block-diagonal AR(1) correlation).
    """
    st = params.structure()
    xt = absorb(params.x_values, [st.unit_codes, st.time_codes])
    R = _corr_matrix(st, params.rho)
    return float(params.sigma_e * np.sqrt(xt @ (R @ xt)) / (xt @ xt))


def simulate_draws(
    params: DesignParameters,
    *,
    n_sims: int = 500,
    seed: int = 0,
    inference: str = "CRV1",
    chunk: int = 2000,
    keep_errors: bool = False,
    cr2_df: str = "bm",
) -> _Draws:
    """Simulate ``n_sims`` error vectors and return ``b_hat - beta`` and their SEs (vectorised).

    ``inference``: ``'CRV1'`` (``G/(G-1) (N-1)/(N-K)`` factor) or ``'CR2'`` (Bell-McCaffrey,
    :func:`jamsostek_analysis.estimation.inference.vcov_cr2`; the adjustment matrices ``A_g`` depend on
    the design only, so the CR2 score of cluster ``g`` is ``(A_g x_g)' u_g``). The t df are
    ``G - 1`` for CRV1 and, for CR2, the Bell-McCaffrey Satterthwaite df of the design
    (``cr2_df="bm"``, default, a constant because ``x`` is fixed) or ``G - 1``
    (``cr2_df="G-1"``), as in :func:`jamsostek_analysis.estimation.models.fit_panel`.

    The error matrix is absorbed with :func:`jamsostek_analysis.estimation.design.absorb` in chunks of
    ``chunk`` columns. ``beta`` does not enter: the statistic for any ``beta`` is
    ``(beta + dev) / se``. ``keep_errors=True`` also returns the ``(N, n_sims)`` simulated
    errors (rows in the order of ``params.units``), so that any draw can be re-estimated with
    :func:`jamsostek_analysis.estimation.models.fit_panel` as ``y = beta * x + errors[:, s]``.
    """
    if n_sims < 2:
        raise EstimationError(f"n_sims must be at least 2, got {n_sims}")
    rng = np.random.default_rng(seed)
    _check_inference(inference)
    st = params.structure()
    fe = [st.unit_codes, st.time_codes]
    xt = absorb(params.x_values, fe)
    sxx = float(xt @ xt)
    G = st.n_units
    df_t: float = float(G - 1)
    if inference == "CRV1":
        factor = crv1_factor(st.n, _k_ssc(st), G)
        z = xt
    else:  # CR2: s_g = x_g' A_g u_g = (A_g x_g)' u_g with A_g fixed by the design
        from jamsostek_analysis.estimation.inference import _cr2_pieces

        factor = 1.0
        _, _, _, _, groups, adj = _cr2_pieces(xt.reshape(-1, 1), np.zeros(st.n), st.unit_codes, fe, None)
        z = np.zeros(st.n)
        for idx, A in zip(groups, adj):
            z[idx] = A @ xt[idx]
        if cr2_df == "bm":
            from jamsostek_analysis.estimation.inference import cr2_satterthwaite_df

            df_t = cr2_satterthwaite_df(xt.reshape(-1, 1), st.unit_codes, contrast=0, fe=fe)
        elif cr2_df != "G-1":
            raise EstimationError(f"cr2_df must be 'bm' or 'G-1', got {cr2_df!r}")
    # cluster-sum operator as a sparse (G x N) matrix
    Cg = sparse.csr_matrix((z, (st.unit_codes, np.arange(st.n))), shape=(G, st.n))
    devs, ses, errs = [], [], []
    done = 0
    while done < n_sims:
        m = min(chunk, n_sims - done)
        E = _ar1_errors(st, params.rho, params.sigma_e, m, rng)
        Et = absorb(E, fe)
        dev = (xt @ Et) / sxx
        U = Et - np.outer(xt, dev)
        scores = Cg @ U  # (G, m): sum_g x_tilde_g' u_g
        var = factor * np.sum(scores**2, axis=0) / sxx**2
        devs.append(dev)
        ses.append(np.sqrt(var))
        if keep_errors:
            errs.append(E)
        done += m
    return _Draws(
        np.concatenate(devs), np.concatenate(ses), df_t, analytic_se(params), np.hstack(errs) if keep_errors else None
    )


INFERENCE = ("CRV1", "CR2")


def _check_inference(inference: str) -> None:
    if inference not in INFERENCE:
        raise EstimationError(f"inference={inference!r} is not implemented in power.py; expected one of {INFERENCE}")


def power_curve(
    params: DesignParameters,
    betas,
    *,
    n_sims: int = 500,
    alpha: float = 0.05,
    seed: int = 0,
    inference: str = "CRV1",
    cr2_df: str = "bm",
) -> pd.DataFrame:
    """Simulated power of the two-sided cluster-robust t-test of ``beta = 0`` at each beta.

    Parameters
    ----------
    params
        Design parameters (real design, estimated or user-set error parameters).
    betas
        True effects (units of ``y`` per one unit of ``x``).
    n_sims
        Monte Carlo draws, shared by all ``betas`` (common random numbers).
    alpha
        Test size.
    seed
        Seed of the draws.
    inference
        ``'CRV1'`` (default, ``t(G-1)`` critical values) or ``'CR2'`` (Bell-McCaffrey df by
        default; ``cr2_df="G-1"`` for ``t(G-1)``), see :func:`simulate_draws`.

    Returns
    -------
    pandas.DataFrame
        ``beta, power, mc_se`` (binomial MC standard error ``sqrt(p(1-p)/n_sims)``),
        ``n_sims``; the row ``beta = 0`` is the simulated size. ``attrs`` record
        ``simulated=True``, ``alpha``, ``df``, ``inference``, the mean cluster-robust SE,
        the SD of the simulated estimates and the exact analytic SE.
    """
    _check_inference(inference)
    draws = simulate_draws(params, n_sims=n_sims, seed=seed, inference=inference, cr2_df=cr2_df)
    crit = stats.t.ppf(1.0 - alpha / 2.0, draws.df)
    b = np.atleast_1d(np.asarray(betas, dtype=float))
    rej = np.abs((b[:, None] + draws.dev[None, :]) / draws.se[None, :]) > crit
    p = rej.mean(axis=1)
    out = pd.DataFrame({"beta": b, "power": p, "mc_se": np.sqrt(p * (1 - p) / n_sims), "n_sims": n_sims})
    out.attrs.update(
        simulated=True,
        note=SIMULATED_NOTE,
        alpha=alpha,
        df=draws.df,
        inference=inference,
        mean_se=float(draws.se.mean()),
        sd_b_hat=float(draws.dev.std(ddof=1)),
        se_analytic=draws.se_analytic,
        seed=seed,
    )
    return out


# --------------------------------------------------------------------------------------------
# minimum detectable effect
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MDEResult:
    """Minimum detectable effect (two-sided test, positive direction; symmetric for negative).

    All ``mde_*`` are in units of ``y`` per one unit of ``x`` (per 1 point of coverage);
    ``*_per_sd`` multiply by ``sd_x_within`` (effect of a 1-SD within-province change in x).
    """

    power: float
    alpha: float
    df: float
    n_sims: int
    seed: int
    se_analytic: float
    se_simulated: float
    mean_se: float
    size_simulated: float
    mde_analytic: float
    mde_analytic_simse: float
    mde_analytic_mc_se: float
    mde_simulated: float
    mde_simulated_mc_se: float
    mde_simulated_ci: tuple[float, float]
    sd_x_within: float
    y: str
    x: str
    inference: str = "CRV1"

    @property
    def mde_analytic_per_sd(self) -> float:
        return self.mde_analytic * self.sd_x_within

    @property
    def mde_simulated_per_sd(self) -> float:
        return self.mde_simulated * self.sd_x_within

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: method, mde (per unit x), mde_per_sd_x, mc_se, se used."""
        rows = [
            ("analytic (exact SE)", self.mde_analytic, 0.0, self.se_analytic),
            ("analytic (simulated SD of b_hat)", self.mde_analytic_simse, self.mde_analytic_mc_se, self.se_simulated),
            (f"simulated {self.inference} t-test", self.mde_simulated, self.mde_simulated_mc_se, self.mean_se),
        ]
        df = pd.DataFrame(rows, columns=["method", "mde", "mc_se", "se"])
        df["mde_per_sd_x"] = df["mde"] * self.sd_x_within
        df["mc_se_per_sd_x"] = df["mc_se"] * self.sd_x_within
        df.attrs.update(
            simulated=True,
            power=self.power,
            alpha=self.alpha,
            df=self.df,
            y=self.y,
            x=self.x,
            sd_x_within=self.sd_x_within,
            inference=self.inference,
            size_simulated=self.size_simulated,
        )
        return df


def _empirical_mde(dev: np.ndarray, se: np.ndarray, crit: float, target: float) -> float:
    """Smallest beta >= 0 at which the share of draws with ``|beta+dev|/se > crit`` reaches target."""
    upper = np.sort(crit * se - dev)  # reject (upper tail) iff beta > upper_s
    lower = np.sort(-crit * se - dev)  # reject (lower tail) iff beta < lower_s
    S = dev.shape[0]
    cand = np.r_[0.0, upper[upper > 0]]
    n_up = np.searchsorted(upper, cand, side="right")  # upper_s <= beta (power just above beta)
    n_lo = S - np.searchsorted(lower, cand, side="right")  # lower_s > beta
    # both tails cannot reject at once for crit > 0, so counts add
    powers = (n_up + n_lo) / S
    ok = np.flatnonzero(powers >= target)
    if ok.size == 0:
        return np.inf
    k = ok[0]
    return float(cand[k])


def minimum_detectable_effect(
    params: DesignParameters,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    n_sims: int = 2000,
    seed: int = 0,
    n_boot: int = 400,
    inference: str = "CRV1",
    cr2_df: str = "bm",
) -> MDEResult:
    """Analytic and simulated minimum detectable effect of ``x`` on ``y``.

    * Analytic: ``MDE = (t_{1-alpha/2, df} + t_{power, df}) * SE`` (``df`` that of the test:
      ``G - 1``, or the Bell-McCaffrey df for CR2 with ``cr2_df="bm"``), with ``SE`` the exact
      sampling SD of ``b_hat`` under the DGP (:func:`analytic_se`) and, alternatively, the SD
      of the simulated ``b_hat`` (MC SE by the delta method, ``SE/sqrt(2(S-1))``).
    * Simulated: the smallest ``beta > 0`` whose simulated rejection rate of the ``inference``
      (CRV1 or CR2) t-test reaches ``power``, over ``n_sims`` draws shared by all beta (common random
      numbers; the statistic is ``(beta + dev_s)/se_s``, so the power curve is evaluated exactly
      at every jump). MC uncertainty: bootstrap over the draws (``n_boot`` resamples), SD and
      2.5/97.5 % percentiles.

    Differences between the two reflect (i) MC error, (ii) the noise and bias of the
    cluster-robust SE with few clusters (``size_simulated`` is the simulated rejection rate at
    ``beta = 0``; above ``alpha`` the test over-rejects and the simulated MDE is flattered) and
    (iii) the neglected lower tail in the analytic formula.
    """
    _check_inference(inference)
    if not 0 < power < 1 or not 0 < alpha < 1:
        raise EstimationError(f"power and alpha must lie in (0, 1), got power={power}, alpha={alpha}")
    draws = simulate_draws(params, n_sims=n_sims, seed=seed, inference=inference, cr2_df=cr2_df)
    df = draws.df
    crit = float(stats.t.ppf(1.0 - alpha / 2.0, df))
    mult = crit + float(stats.t.ppf(power, df))
    se_sim = float(draws.dev.std(ddof=1))
    mde_sim = _empirical_mde(draws.dev, draws.se, crit, power)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7919]))
    boots = np.empty(n_boot)
    for b in range(n_boot):
        idx = rng.integers(0, n_sims, n_sims)
        boots[b] = _empirical_mde(draws.dev[idx], draws.se[idx], crit, power)
    size = float(np.mean(np.abs(draws.dev / draws.se) > crit))
    return MDEResult(
        power=power,
        alpha=alpha,
        df=df,
        n_sims=n_sims,
        seed=seed,
        se_analytic=draws.se_analytic,
        se_simulated=se_sim,
        mean_se=float(draws.se.mean()),
        size_simulated=size,
        mde_analytic=mult * draws.se_analytic,
        mde_analytic_simse=mult * se_sim,
        mde_analytic_mc_se=mult * se_sim / np.sqrt(2.0 * (n_sims - 1)),
        mde_simulated=mde_sim,
        mde_simulated_mc_se=float(np.std(boots, ddof=1)),
        mde_simulated_ci=(float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))),
        sd_x_within=params.sd_x_within,
        y=params.y,
        x=params.x,
        inference=inference,
    )


# --------------------------------------------------------------------------------------------
# the wild cluster restricted bootstrap test (the study's reference test)
# --------------------------------------------------------------------------------------------


def wcr_label(B: int, weight_type: str = "webb") -> str:
    """Label of the bootstrap test in tables: ``'WCR bootstrap (Webb, B=399)'``."""
    return f"WCR bootstrap ({weight_type.capitalize()}, B={int(B)})"


def simulate_wcr_sets(
    params: DesignParameters,
    *,
    n_sims: int = 500,
    B: int = 399,
    alpha: float = 0.05,
    seed: int = 0,
    weight_type: str = "webb",
    return_errors: bool = False,
):
    """Bootstrap confidence sets of ``n_sims`` simulated null panels (``beta = 0``) on the real design.

    For each simulated error vector ``e_s`` (AR(1), as :func:`simulate_draws`) the two-way FE
    regression of ``e_s`` on the real ``x`` is tested with the wild cluster restricted bootstrap
    (:func:`jamsostek_analysis.estimation.wildboot.wild_cluster_bootstrap_arrays`, clustered by unit,
    year effects re-projected, ``B`` draws of ``weight_type`` weights, seed ``(seed, s)``) and its
    ``1 - alpha`` confidence set ``CS_s`` is computed exactly.

    Why this gives the power for *every* beta at once: for data ``y = beta x + e_s`` the WCR test of
    ``H0: beta = 0`` uses the restricted residuals ``beta x~ + e~_s`` and the t statistic
    ``(beta + b_s) / se_s``; these are exactly the restricted residuals and t statistic of the test of
    ``H0: beta = -beta`` on ``e_s`` (the cluster-robust SE does not change when ``beta x`` is added).
    With the same bootstrap weights the p-values are equal, so the test rejects at true effect
    ``beta`` iff ``-beta`` is outside ``CS_s`` (checked draw for draw in the tests).

    Returns
    -------
    (list of ConfidenceSet, numpy.ndarray[, numpy.ndarray, numpy.ndarray])
        The sets and the estimates ``b_s`` (``beta_hat - beta``) of the simulated panels; with
        ``return_errors`` also the absorbed errors ``(N, n_sims)`` and the absorbed ``x`` (for checks).
    """
    from jamsostek_analysis.estimation.wildboot import wild_cluster_bootstrap_arrays

    if n_sims < 2:
        raise EstimationError(f"n_sims must be at least 2, got {n_sims}")
    st = params.structure()
    fe = [st.unit_codes, st.time_codes]
    xt = absorb(params.x_values, fe)
    rng = np.random.default_rng(seed)
    Et = absorb(_ar1_errors(st, params.rho, params.sigma_e, n_sims, rng), fe)
    n_absorbed = _k_ssc(st) - 1
    sets, dev = [], np.empty(n_sims)
    for s in range(n_sims):
        res = wild_cluster_bootstrap_arrays(
            Et[:, s],
            xt[:, None],
            st.unit_codes,
            B=B,
            weight_type=weight_type,
            seed=np.random.default_rng(np.random.SeedSequence([seed, 104729, s])),
            alpha=alpha,
            fe=fe,
            n_absorbed=n_absorbed,
            full_enumeration=False,
        )
        sets.append(res.conf_set)
        dev[s] = res.estimate
    return (sets, dev, Et, xt) if return_errors else (sets, dev)


def _set_power(sets, betas: np.ndarray) -> np.ndarray:
    """Share of sets that exclude ``-beta`` for each beta (rejection rate at true effect beta)."""
    return np.array([np.mean([not cs.contains(-b) for cs in sets]) for b in betas])


def _set_rejections(sets) -> tuple[np.ndarray, np.ndarray]:
    """Candidate effects and the rejection matrix of the sets.

    The rejection rate ``mean_s[-beta not in CS_s]`` is a step function of ``beta`` that can only
    change at the negated bounds of the sets. Returns the sorted candidates ``c_0 = 0 < c_1 < ...``
    (those bounds that are positive) and ``rejected[s, j]``: whether set ``s`` excludes ``-beta`` on the
    segment ``(c_j, c_{j+1})`` (the last segment open to the right); exact, no grid.
    """
    bounds = np.array([-b for cs in sets for piece in cs.intervals for b in piece if np.isfinite(b)])
    cand = np.unique(np.r_[0.0, bounds[bounds > 0]])
    mids = np.r_[0.5 * (cand[:-1] + cand[1:]), cand[-1] + 1.0]
    lo = np.array([p[0] for cs in sets for p in cs.intervals])
    hi = np.array([p[1] for cs in sets for p in cs.intervals])
    owner = np.array([s for s, cs in enumerate(sets) for _ in cs.intervals], dtype=np.int64)
    covered = np.zeros((len(sets), mids.size), dtype=bool)
    if lo.size:
        inside = (lo[:, None] <= -mids[None, :]) & (-mids[None, :] <= hi[:, None])  # pieces x mids
        np.logical_or.at(covered, owner, inside)
    return cand, ~covered


def _mde_from_rejections(cand: np.ndarray, rejected: np.ndarray, target: float, idx: np.ndarray | None = None) -> float:
    """Smallest candidate from which the rejection rate (over rows ``idx``) reaches ``target``."""
    rate = (rejected if idx is None else rejected[idx]).mean(axis=0)
    ok = np.flatnonzero(rate >= target)
    return float(cand[ok[0]]) if ok.size else np.inf


def _set_mde(sets, target: float) -> float:
    """Smallest ``beta >= 0`` from which the rejection rate ``mean_s[-beta not in CS_s]`` reaches ``target``."""
    cand, rejected = _set_rejections(sets)
    return _mde_from_rejections(cand, rejected, target)


def wcr_minimum_detectable_effect(
    params: DesignParameters,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    n_sims: int = 500,
    B: int = 399,
    seed: int = 0,
    weight_type: str = "webb",
    n_boot: int = 400,
) -> MDEResult:
    """Simulated MDE of the wild cluster restricted bootstrap test (the study's reference test).

    Same DGP and design as :func:`minimum_detectable_effect`; the test is WCR with ``weight_type``
    weights and ``B`` draws (p-value ``<= alpha`` rejects). The power curve comes exactly from the
    confidence sets of :func:`simulate_wcr_sets` (no grid over beta; common random numbers for every
    beta). MC uncertainty: bootstrap over the simulated panels (``n_boot`` resamples). There is no
    analytic counterpart: ``mde_analytic`` is NaN. Cost: ``n_sims`` bootstraps of ``B`` draws (about
    2-5 ms each on the 34 x 4 design).
    """
    if not 0 < power < 1 or not 0 < alpha < 1:
        raise EstimationError(f"power and alpha must lie in (0, 1), got power={power}, alpha={alpha}")
    sets, dev = simulate_wcr_sets(params, n_sims=n_sims, B=B, alpha=alpha, seed=seed, weight_type=weight_type)
    cand, rejected = _set_rejections(sets)
    mde = _mde_from_rejections(cand, rejected, power)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7919]))
    boots = np.empty(n_boot)
    for b in range(n_boot):  # the candidates of all panels include those of any resample: still exact
        boots[b] = _mde_from_rejections(cand, rejected, power, rng.integers(0, n_sims, n_sims))
    se_sim = float(dev.std(ddof=1))
    return MDEResult(
        power=power,
        alpha=alpha,
        df=np.nan,
        n_sims=n_sims,
        seed=seed,
        se_analytic=analytic_se(params),
        se_simulated=se_sim,
        mean_se=np.nan,
        size_simulated=float(_set_power(sets, np.array([0.0]))[0]),
        mde_analytic=np.nan,
        mde_analytic_simse=np.nan,
        mde_analytic_mc_se=np.nan,
        mde_simulated=mde,
        mde_simulated_mc_se=float(np.std(boots, ddof=1)),
        mde_simulated_ci=(float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))),
        sd_x_within=params.sd_x_within,
        y=params.y,
        x=params.x,
        inference=wcr_label(B, weight_type),
    )


# --------------------------------------------------------------------------------------------
# tables over outcomes and rho variants (notebook 06)
# --------------------------------------------------------------------------------------------

#: Fixed error autocorrelations shown next to the bias-corrected estimate (rho is not identified
#: with four years; see :func:`estimate_design_parameters`).
RHO_VARIANTS = {"rho = 0": 0.0, "rho = 0.5": 0.5}


def mde_table(
    panel: pd.DataFrame,
    outcomes,
    x: str,
    *,
    variants: dict[str, float] | None = None,
    n_sims: int = 2000,
    seed: int = 0,
    cr2_outcomes=("p0",),
    wcr_outcomes=(),
    wcr_sims: int = 500,
    wcr_B: int = 399,
    unit: str = "province_code",
    time: str = "year",
) -> tuple[pd.DataFrame, dict]:
    """Minimum detectable effects for several outcomes and rho variants, CRV1 and (some outcomes) CR2.

    For each outcome the design parameters are estimated once (:func:`estimate_design_parameters`);
    the variants are the fixed values ``variants`` (default :data:`RHO_VARIANTS`, via
    :meth:`DesignParameters.with_rho`) and the bias-corrected estimate, labelled
    ``'rho corrected (<value>)'``. Every variant gets :func:`minimum_detectable_effect` with the
    CRV1 test; outcomes in ``cr2_outcomes`` also with the CR2 test (Bell-McCaffrey df), and outcomes in
    ``wcr_outcomes`` also with the wild cluster restricted bootstrap test (Webb weights, ``wcr_B`` draws,
    ``wcr_sims`` simulated panels; :func:`wcr_minimum_detectable_effect`, inference label
    :func:`wcr_label`; its df and analytic MDE are NaN). Same ``seed`` everywhere; ``n_sims`` for
    CRV1/CR2.

    Returns
    -------
    (pandas.DataFrame, dict)
        The table, one row per outcome x variant x inference, columns ``outcome`` (upper case),
        ``rho_variant``, ``inference``, ``df``, ``rho``, ``sigma_e``, ``se_analytic``, ``mde_analytic``,
        ``mde_simulated``, ``mde_simulated_mc_se``, ``size_simulated``, ``sd_x_within``,
        ``mde_per_sd_x``, ``beta_hat``; and ``{(outcome, variant): (DesignParameters, MDEResult
        of the CRV1 test)}`` for the power curves.
    """
    variants = RHO_VARIANTS if variants is None else variants
    rows, designs = [], {}
    for outcome in outcomes:
        base = estimate_design_parameters(panel, outcome, x, unit=unit, time=time)
        ds = {name: base.with_rho(r) for name, r in variants.items()}
        ds[f"rho corrected ({base.rho_corrected:.2f})"] = base
        for name, d in ds.items():
            tests = ("CRV1", "CR2") if outcome in tuple(cr2_outcomes) else ("CRV1",)
            if outcome in tuple(wcr_outcomes):
                tests = (*tests, "WCR")
            for inf in tests:
                if inf == "WCR":
                    m = wcr_minimum_detectable_effect(d, n_sims=wcr_sims, B=wcr_B, seed=seed)
                else:
                    m = minimum_detectable_effect(d, n_sims=n_sims, seed=seed, inference=inf)
                if inf == "CRV1":
                    designs[(outcome, name)] = (d, m)
                rows.append(
                    {
                        "outcome": outcome.upper(),
                        "rho_variant": name,
                        "inference": m.inference,
                        "df": m.df,
                        "rho": d.rho,
                        "sigma_e": d.sigma_e,
                        "se_analytic": m.se_analytic,
                        "mde_analytic": m.mde_analytic,
                        "mde_simulated": m.mde_simulated,
                        "mde_simulated_mc_se": m.mde_simulated_mc_se,
                        "size_simulated": m.size_simulated,
                        "sd_x_within": d.sd_x_within,
                        "mde_per_sd_x": m.mde_simulated_per_sd,
                        "beta_hat": d.beta_hat,
                    }
                )
    table = pd.DataFrame(rows)
    table.attrs.update(simulated=True, note=SIMULATED_NOTE, n_sims=n_sims, seed=seed)
    return table, designs


def power_grid(mdes, *, factor: float = 1.6, n: int = 33) -> np.ndarray:
    """``n`` equally spaced effects from 0 to ``factor * max(mdes)`` (rounded to 6 decimals)."""
    top = float(np.max(np.asarray(list(mdes), dtype=float)))
    if not np.isfinite(top) or top <= 0:
        raise EstimationError(f"power_grid: expected positive finite MDEs, got maximum {top}")
    return np.round(np.linspace(0.0, factor * top, int(n)), 6)


def power_curves(
    designs: dict, betas, *, n_sims: int = 500, seed: int = 0, inference: str = "CRV1", alpha: float = 0.05
) -> pd.DataFrame:
    """:func:`power_curve` for several designs, stacked with a ``label`` column.

    ``designs`` maps a label to :class:`DesignParameters` (or to ``(DesignParameters, ...)``
    tuples, as returned by :func:`mde_table`). ``attrs`` are those of the first curve.
    """
    curves = []
    for label, d in designs.items():
        params = d[0] if isinstance(d, tuple) else d
        c = power_curve(params, betas, n_sims=n_sims, seed=seed, inference=inference, alpha=alpha)
        curves.append(c.assign(label=label))
    if not curves:
        raise EstimationError("power_curves: no designs given")
    out = pd.concat(curves, ignore_index=True)
    out.attrs.update(curves[0].attrs)
    return out
