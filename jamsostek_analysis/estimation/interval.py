"""Interval (censored normal) regression: outcomes known exactly, only as a bound, or only as an interval.

:func:`interval_regression` is a normal-likelihood regression (Stata ``intreg``) for outcomes such as
"extreme poverty between 1 % and 5 %"; it returns an :class:`IntervalResult`, which shares the
coefficient table and tidy columns of :class:`~jamsostek_analysis.estimation.results.CoefResult`
with :class:`~jamsostek_analysis.estimation.models.PanelResult`. Also importable from
:mod:`jamsostek_analysis.estimation.models` (compatibility).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from jamsostek_analysis.errors import EstimationError
from jamsostek_analysis.estimation.design import factorize
from jamsostek_analysis.estimation.models import _as_list, _check_columns, _collinearity, _finite_or_none, _numeric
from jamsostek_analysis.estimation.results import CoefResult

__all__ = ["IntervalResult", "interval_regression"]


@dataclass
class IntervalResult(CoefResult):
    """Maximum-likelihood interval (censored normal) regression of :func:`interval_regression`.

    ``params``/``bse``/``zvalues``/``pvalues`` cover the regression coefficients; ``sigma`` is
    the error standard deviation (estimated as ``log sigma``; ``sigma_se`` by the delta
    method). ``vcov`` is the covariance of ``(coefficients, log_sigma)``. ``tidy()`` has the
    columns of :data:`~jamsostek_analysis.estimation.results.TIDY_COLUMNS` (``statistic`` is z,
    ``df`` infinite) and a last row ``sigma``.
    """

    params: pd.Series
    bse: pd.Series
    zvalues: pd.Series
    pvalues: pd.Series
    sigma: float
    sigma_se: float
    log_sigma_se: float
    vcov: pd.DataFrame
    loglik: float
    nobs: int
    n_exact: int
    n_left: int
    n_right: int
    n_interval: int
    n_dropped: int
    drop_reasons: dict[str, int]
    cov_type: str
    converged: bool
    n_iter: int
    y_lower: str
    y_upper: str
    x: list[str]
    weights: str | None
    sample: pd.Index
    cluster: str | None = None
    n_clusters: int | None = None

    @property
    def vcov_type(self) -> str:
        """The covariance in words (same attribute name as :attr:`PanelResult.vcov_type`)."""
        return self.cov_type

    @property
    def vcov_name(self) -> str:
        """``'oim'``, ``'robust'`` or ``'cluster'`` (robust clustered)."""
        if self.cov_type.startswith("oim"):
            return "oim"
        return "cluster" if self.cluster else "robust"

    def _statistics(self) -> pd.Series:
        return self.zvalues

    def _df_vector(self) -> np.ndarray:
        return np.full(len(self.params), np.inf)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Normal (Wald) intervals for the coefficients; ``sigma`` via ``exp`` of the log-sigma interval."""
        from scipy import stats

        q = stats.norm.ppf(1 - alpha / 2)
        ci = pd.DataFrame({"ci_low": self.params - q * self.bse, "ci_high": self.params + q * self.bse})
        ls = math.log(self.sigma)
        ci.loc["sigma"] = [math.exp(ls - q * self.log_sigma_se), math.exp(ls + q * self.log_sigma_se)]
        return ci

    def _extra_tidy_rows(self, alpha: float) -> pd.DataFrame:
        ci = self.conf_int(alpha).loc["sigma"]
        return pd.DataFrame(
            [
                {
                    "term": "sigma",
                    "estimate": self.sigma,
                    "std_error": self.sigma_se,
                    "statistic": np.nan,
                    "p_value": np.nan,
                    "conf_low": ci["ci_low"],
                    "conf_high": ci["ci_high"],
                    "df": np.inf,
                    "vcov": self.vcov_name,
                }
            ]
        )

    def provenance(self) -> dict[str, Any]:
        """Sample, weights and covariance convention behind the numbers."""
        return {
            "estimator": "interval_regression",
            "n_obs": int(self.nobs),
            "n_clusters": None if self.n_clusters is None else int(self.n_clusters),
            "cluster": self.cluster,
            "weights": self.weights,
            "sample_filter": None,
            "n_dropped": int(self.n_dropped),
            "vcov": self.vcov_name,
            "vcov_convention": self.cov_type,
        }

    def summary(self, alpha: float = 0.05) -> str:
        """Readable summary with the censoring counts."""
        lines = [
            "Interval regression (normal likelihood, maximum likelihood)",
            f"Outcome bounds: lower={self.y_lower!r}, upper={self.y_upper!r}   weights: {self.weights or 'none'}",
            f"Observations: {self.nobs} (exact {self.n_exact}, left-censored {self.n_left}, right-censored "
            f"{self.n_right}, interval {self.n_interval}); dropped {self.n_dropped}"
            + (f" ({'; '.join(f'{k}: {v}' for k, v in self.drop_reasons.items())})" if self.n_dropped else ""),
            f"Log-likelihood: {self.loglik:.6f}   converged: {self.converged}   covariance: {self.cov_type}",
            "",
        ]
        tab = self.tidy(alpha)
        width = max(12, *(len(t) for t in tab["term"]))
        lines.append(f"{'term':<{width}} {'estimate':>12} {'std.error':>12} {'z':>8} {'p':>8}   CI")
        for r in tab.itertuples(index=False):
            lines.append(
                f"{r.term:<{width}} {r.estimate:>12.6g} {r.std_error:>12.6g} {r.statistic:>8.3f} {r.p_value:>8.4f}   "
                f"[{r.conf_low:.6g}, {r.conf_high:.6g}]"
            )
        return "\n".join(lines)

    def to_dict(self, alpha: float = 0.05) -> dict[str, Any]:
        """JSON-serialisable dictionary (coefficients keyed by term, tidy column names)."""
        tab = self.tidy(alpha)

        f = _finite_or_none

        return {
            "model": "interval_regression",
            "lower": self.y_lower,
            "upper": self.y_upper,
            "x": list(self.x),
            "weights": self.weights,
            "cov_type": self.cov_type,
            "loglik": f(self.loglik),
            "nobs": self.nobs,
            "n_exact": self.n_exact,
            "n_left": self.n_left,
            "n_right": self.n_right,
            "n_interval": self.n_interval,
            "n_dropped": self.n_dropped,
            "drop_reasons": dict(self.drop_reasons),
            "converged": bool(self.converged),
            "provenance": self.provenance(),
            "coefficients": {
                r.term: {
                    k: f(getattr(r, k))
                    for k in ("estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high")
                }
                for r in tab.itertuples(index=False)
            },
        }


_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _log_interval_prob(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(Phi(b) - Phi(a))`` for ``a < b`` (either may be infinite), numerically stable."""
    from scipy import special

    out = np.empty_like(a)
    upper_tail = a > 0
    # Phi(b) - Phi(a) = Phi(-a) - Phi(-b) in the upper tail
    la = np.where(upper_tail, special.log_ndtr(-a), special.log_ndtr(b))
    lb = np.where(upper_tail, special.log_ndtr(-b), special.log_ndtr(a))
    with np.errstate(divide="ignore"):
        out = la + np.log1p(-np.exp(lb - la))
    return out


def _phi_term(z: np.ndarray, logp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``phi(z)/P`` and ``z phi(z)/P`` with zeros at infinite ``z``."""
    fin = np.isfinite(z)
    zz = np.where(fin, z, 0.0)
    with np.errstate(over="ignore"):
        r = np.where(fin, np.exp(-0.5 * zz**2 - _LOG_SQRT_2PI - logp), 0.0)
    return r, r * zz


def _interval_loglik_parts(theta, X, y, lo, hi, exact):
    """Per-observation log-likelihood and its gradient w.r.t. (beta, log sigma)."""
    beta, ls = theta[:-1], theta[-1]
    s = math.exp(ls)
    mu = X @ beta
    n = len(mu)
    ll = np.empty(n)
    dmu = np.empty(n)
    dls = np.empty(n)
    e = exact
    z = (y[e] - mu[e]) / s
    ll[e] = -_LOG_SQRT_2PI - ls - 0.5 * z**2
    dmu[e] = z / s
    dls[e] = z**2 - 1
    c = ~exact
    a = (lo[c] - mu[c]) / s
    b = (hi[c] - mu[c]) / s
    logp = _log_interval_prob(a, b)
    ll[c] = logp
    ra, zra = _phi_term(a, logp)
    rb, zrb = _phi_term(b, logp)
    dmu[c] = (ra - rb) / s
    dls[c] = zra - zrb
    scores = np.column_stack([X * dmu[:, None], dls])
    return ll, scores


def interval_regression(
    data: pd.DataFrame,
    lower: str,
    upper: str,
    x: str | Sequence[str],
    *,
    controls: Sequence[str] = (),
    weights: str | None = None,
    cov_type: str | None = None,
    cluster: str | None = None,
    vcov: str | None = None,
) -> IntervalResult:
    """Normal-likelihood interval regression (Tobit-type; Stata ``intreg``).

    Model ``y* = X b + e``, ``e ~ N(0, sigma^2)``, with an intercept. Each observation is

    * exact: ``lower == upper`` (density term),
    * left-censored: ``lower`` missing or ``-inf`` (``y* <= upper``),
    * right-censored: ``upper`` missing or ``+inf`` (``y* >= lower``),
    * interval-censored: ``lower < upper`` both finite (``lower <= y* <= upper``).

    The log-likelihood is maximised over ``(b, log sigma)`` with scipy (BFGS with the analytic
    gradient, then Newton polishing). Standard errors: ``cov_type="oim"`` inverse of the
    observed information (Hessian by central differences of the analytic gradient);
    ``"robust"`` the sandwich ``H^-1 (sum s_i s_i') H^-1`` times ``n/(n-1)``, or with
    ``cluster`` the cluster sum of scores times ``G/(G-1)`` (Stata's conventions). Inference is
    z-based.

    Parameters
    ----------
    data
        Data frame.
    lower, upper
        Columns with the bounds of the outcome (equal for exact values).
    x, controls
        Regressors.
    weights
        Optional (analytic) weight column: the log-likelihood is ``sum w_i l_i`` with the weights
        normalised to mean 1 over the estimation sample, so that the ``"oim"`` standard errors do
        not depend on the units of the weights (population in persons or thousands); the
        ``"robust"`` ones never do.
    vcov
        ``"oim"`` (default) or ``"robust"`` (the package's one name for the variance choice, as in
        :func:`~jamsostek_analysis.estimation.models.fit_panel`).
    cov_type
        Former name of ``vcov`` (still accepted; an error if both are given and differ).
    cluster
        Cluster column for the robust covariance (implies ``vcov="robust"``).

    Raises
    ------
    EstimationError
        Missing or non-numeric columns, ``lower > upper`` (row named), no usable rows,
        collinear regressors, or non-convergence (e.g. all observations censored on one side).
    """
    from scipy import optimize, stats

    if vcov is not None and cov_type is not None and vcov != cov_type:
        raise EstimationError(f"vcov={vcov!r} and cov_type={cov_type!r} disagree; cov_type is the former name of vcov")
    cov_type = vcov if vcov is not None else (cov_type if cov_type is not None else "oim")
    xs = _as_list(x, "x") + _as_list(controls, "controls")
    if cov_type not in ("oim", "robust"):
        raise EstimationError(f"vcov must be 'oim' or 'robust', got {cov_type!r}")
    if cluster is not None:
        cov_type = "robust"
    cols = [lower, upper, *xs] + ([weights] if weights else []) + ([cluster] if cluster else [])
    _check_columns(data, cols)
    lo = _numeric(data, lower, allow_inf=True)
    hi = _numeric(data, upper, allow_inf=True)
    for col, v, wrong in ((lower, lo, np.inf), (upper, hi, -np.inf)):
        bad = (v == wrong).to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise EstimationError(
                f"column {col!r} has {wrong} in row {data.index[pos]!r}: a lower bound may be -inf (or missing) "
                "and an upper bound +inf (or missing), not the other way round"
            )
    Xdf = pd.DataFrame({c: _numeric(data, c).to_numpy() for c in xs}, index=data.index)
    w = _numeric(data, weights) if weights else None
    reasons: dict[str, int] = {}
    no_info = (lo.isna() | (lo == -np.inf)) & (hi.isna() | (hi == np.inf))
    if no_info.any():
        reasons["no finite bound"] = int(no_info.sum())
    for c in xs:
        if Xdf[c].isna().any():
            reasons[f"missing {c}"] = int(Xdf[c].isna().sum())
    ok = ~no_info & Xdf.notna().all(axis=1)
    if w is not None:
        if w.isna().any():
            reasons[f"missing {weights}"] = int(w.isna().sum())
        bad = w.notna() & (w <= 0)
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise EstimationError(
                f"weights column {weights!r} must be positive; row {data.index[pos]!r} has {w.iloc[pos]!r}"
            )
        ok &= w.notna()
    if cluster:
        cm = data[cluster].isna()
        if cm.any():
            reasons[f"missing {cluster}"] = int(cm.sum())
        ok &= ~cm
    both = lo.notna() & hi.notna() & np.isfinite(lo) & np.isfinite(hi)
    inverted = both & (lo > hi)
    if inverted.any():
        pos = int(np.flatnonzero(inverted.to_numpy())[0])
        raise EstimationError(
            f"lower bound {lower!r} exceeds upper bound {upper!r} in row {data.index[pos]!r} "
            f"({lo.iloc[pos]!r} > {hi.iloc[pos]!r})"
        )
    okm = ok.to_numpy()
    n = int(okm.sum())
    if n == 0:
        raise EstimationError(f"no usable observations for the interval regression (dropped: {reasons})")
    lov = lo.to_numpy()[okm].astype(float)
    hiv = hi.to_numpy()[okm].astype(float)
    lov = np.where(np.isnan(lov), -np.inf, lov)
    hiv = np.where(np.isnan(hiv), np.inf, hiv)
    exact = lov == hiv
    left = np.isneginf(lov) & ~exact
    right = np.isposinf(hiv) & ~exact
    interval = ~exact & ~left & ~right
    X = np.column_stack([np.ones(n), Xdf.to_numpy()[okm]])
    names = ["Intercept", *xs]
    _collinearity(X, X, names, False) if X.shape[1] > 1 else None
    if n <= X.shape[1] + 1:
        raise EstimationError(f"fewer observations ({n}) than parameters ({X.shape[1] + 1})")
    if not exact.any() and not interval.any() and (not left.any() or not right.any()):
        side = "left" if left.any() else "right"
        raise EstimationError(
            f"every observation is {side}-censored: the interval-regression likelihood is unbounded "
            "(no exact or interval-censored value)"
        )
    # analytic weights, normalised to mean 1 (Stata's aweight convention): the estimates do not
    # change, and the observed-information variance no longer shrinks with the units of the weights
    wv = np.ones(n) if w is None else w.to_numpy()[okm] / w.to_numpy()[okm].mean()
    yv = np.where(exact, lov, 0.0)

    # start: OLS on a point value (exact value, midpoint, or the finite bound)
    ystart = np.where(exact, lov, np.where(left, hiv, np.where(right, lov, (lov + hiv) / 2)))
    sw = np.sqrt(wv)
    b0, *_ = np.linalg.lstsq(X * sw[:, None], ystart * sw, rcond=None)
    r0 = ystart - X @ b0
    s0 = math.sqrt(max(np.average(r0**2, weights=wv), 1e-8))
    theta0 = np.append(b0, math.log(s0))

    def negll(th):
        ll, sc = _interval_loglik_parts(th, X, yv, lov, hiv, exact)
        return -float(wv @ ll), -(sc.T @ wv)

    opt = optimize.minimize(negll, theta0, jac=True, method="BFGS", options={"gtol": 1e-9, "maxiter": 2000})
    theta = opt.x
    n_iter = int(opt.nit)

    def hessian(th):
        p = len(th)
        H = np.empty((p, p))
        for j in range(p):
            h = 1e-5 * max(1.0, abs(th[j]))
            tp = th.copy()
            tm = th.copy()
            tp[j] += h
            tm[j] -= h
            H[:, j] = (negll(tp)[1] - negll(tm)[1]) / (2 * h)
        return (H + H.T) / 2

    # Newton polishing (the likelihood is smooth and concave in a neighbourhood of the optimum)
    for _ in range(20):
        g = negll(theta)[1]
        H = hessian(theta)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            break
        theta_new = theta - step
        if not np.isfinite(negll(theta_new)[0]) or negll(theta_new)[0] > negll(theta)[0] + 1e-12:
            break
        theta = theta_new
        n_iter += 1
        if np.max(np.abs(step)) < 1e-12:
            break
    f_opt, g = negll(theta)
    H = hessian(theta)
    scale = max(1.0, abs(f_opt))
    converged = bool(np.all(np.isfinite(theta)) and np.max(np.abs(g)) < 1e-5 * scale and theta[-1] > -30)
    if not converged:
        raise EstimationError(
            "interval regression did not converge (gradient "
            f"{np.max(np.abs(g)):.3g}); the likelihood may be unbounded, e.g. when every observation is "
            "censored on the same side, a regressor separates censored from exact values, or the regressors fit "
            "the exact values perfectly (sigma -> 0)"
        )
    eig = np.linalg.eigvalsh(H) if np.all(np.isfinite(H)) else np.array([np.nan])
    if not np.all(np.isfinite(eig)) or eig.min() <= 1e-8 * max(1.0, eig.max()):
        raise EstimationError(
            "interval regression: the observed information is singular or not positive definite at the "
            "optimum, so the parameters are not identified (e.g. every observation censored on the same "
            "side, or a regressor that only varies among censored observations)"
        )
    Hinv = np.linalg.inv(H)
    G_used: int | None = None
    if cov_type == "oim":
        V = Hinv
        ctext = "oim (inverse observed information)"
    else:
        _, sc = _interval_loglik_parts(theta, X, yv, lov, hiv, exact)
        sc = sc * wv[:, None]
        if cluster:
            codes = factorize(data[cluster].to_numpy()[okm])
            G = int(codes.max()) + 1
            if G < 2:
                raise EstimationError(f"only one cluster in {cluster!r}")
            G_used = G
            S = np.zeros((G, sc.shape[1]))
            np.add.at(S, codes, sc)
            factor = G / (G - 1)
            ctext = f"robust clustered by {cluster} (G={G}, factor G/(G-1))"
        else:
            S = sc
            factor = n / (n - 1)
            ctext = "robust sandwich (factor n/(n-1))"
        V = factor * Hinv @ (S.T @ S) @ Hinv
    se_all = np.sqrt(np.diag(V))
    k = X.shape[1]
    beta = theta[:k]
    se = se_all[:k]
    idx = pd.Index(names, name="term")
    zv = beta / se
    sigma = math.exp(theta[-1])
    return IntervalResult(
        params=pd.Series(beta, index=idx),
        bse=pd.Series(se, index=idx),
        zvalues=pd.Series(zv, index=idx),
        pvalues=pd.Series(2 * stats.norm.sf(np.abs(zv)), index=idx),
        sigma=sigma,
        sigma_se=sigma * float(se_all[-1]),
        log_sigma_se=float(se_all[-1]),
        vcov=pd.DataFrame(V, index=[*names, "log_sigma"], columns=[*names, "log_sigma"]),
        loglik=-f_opt,
        nobs=n,
        n_exact=int(exact.sum()),
        n_left=int(left.sum()),
        n_right=int(right.sum()),
        n_interval=int(interval.sum()),
        n_dropped=int(len(data) - n),
        drop_reasons=reasons,
        cov_type=ctext,
        converged=converged,
        n_iter=n_iter,
        y_lower=lower,
        y_upper=upper,
        x=xs,
        weights=weights,
        sample=data.index[okm],
        cluster=cluster,
        n_clusters=G_used,
    )
