"""Result base shared by the estimators: one coefficient table, one set of tidy column names.

:class:`CoefResult` is mixed into :class:`jamsostek_analysis.estimation.models.PanelResult` and
:class:`jamsostek_analysis.estimation.interval.IntervalResult`. A subclass supplies ``params``,
``bse``, ``pvalues``, ``conf_int(alpha)`` (columns ``ci_low``, ``ci_high``), the test statistics
(:meth:`CoefResult._statistics`), the reference degrees of freedom per coefficient
(:meth:`CoefResult._df_vector`, ``inf`` for z-based inference) and :attr:`CoefResult.vcov_name`.

Replication counts have one name per kind across the estimation package: ``B`` for bootstrap draws
(:func:`~jamsostek_analysis.estimation.wildboot.wild_cluster_bootstrap`,
:meth:`PanelResult.wildboot`), ``n_perm`` for permutations
(:func:`~jamsostek_analysis.estimation.randomization.randomization_inference`) and ``n_sims`` for
simulated data sets (:mod:`~jamsostek_analysis.estimation.power`); parameters, result attributes
and table columns use the same name.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["TIDY_COLUMNS", "CoefResult"]

#: Columns of :meth:`CoefResult.tidy` (``statistic`` is t or z, ``df`` is ``inf`` for z).
TIDY_COLUMNS = ("term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high", "df", "vcov")


class CoefResult:
    """Coefficient table and tidy output shared by the fitted-model results (mixin, no fields)."""

    params: pd.Series
    bse: pd.Series
    pvalues: pd.Series

    def _statistics(self) -> pd.Series:  # pragma: no cover - abstract
        raise NotImplementedError

    def _df_vector(self) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def vcov_name(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _extra_tidy_rows(self, alpha: float) -> pd.DataFrame | None:
        """Further rows of :meth:`tidy` after the coefficients (e.g. ``sigma``); none by default."""
        return None

    def coef_table(self, alpha: float = 0.05) -> pd.DataFrame:
        """The coefficients, indexed by term, with the :data:`TIDY_COLUMNS` other than ``term``."""
        ci = self.conf_int(alpha).reindex(self.params.index)
        return pd.DataFrame(
            {
                "estimate": self.params.to_numpy(dtype=float),
                "std_error": self.bse.to_numpy(dtype=float),
                "statistic": self._statistics().reindex(self.params.index).to_numpy(dtype=float),
                "p_value": self.pvalues.reindex(self.params.index).to_numpy(dtype=float),
                "conf_low": ci["ci_low"].to_numpy(dtype=float),
                "conf_high": ci["ci_high"].to_numpy(dtype=float),
                "df": np.asarray(self._df_vector(), dtype=float),
                "vcov": self.vcov_name,
            },
            index=pd.Index(self.params.index, name="term"),
        )

    def tidy(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row per coefficient (then any extra rows) with the columns :data:`TIDY_COLUMNS`."""
        out = self.coef_table(alpha).reset_index()
        extra = self._extra_tidy_rows(alpha)
        if extra is not None and len(extra):
            out = pd.concat([out, extra.reindex(columns=list(TIDY_COLUMNS))], ignore_index=True)
        return out.loc[:, list(TIDY_COLUMNS)]

    def provenance(self) -> dict[str, Any]:  # pragma: no cover - abstract
        """Sample, weights and variance convention behind the numbers (see subclasses)."""
        raise NotImplementedError
