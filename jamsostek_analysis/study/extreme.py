"""Extreme poverty across provinces: the March 2023 cross-section, its interval regression and
how the poverty gap (P1) and severity (P2) indices track it.

What exists (bundle README, "Not available"): no province panel of extreme poverty. For March 2023
(BPS US$1.90/day PPP 2011 series) the curated file ``curated/extreme_poverty_province_fragments.csv``
holds

* **exact values** (``indicator == 'extreme_poverty_rate'``): the 18 provinces BPS listed below 1 %
  (source E04/E05), Papua and Papua Barat (above 5 %, E01) and Gorontalo (2.44 %, E02, confidence
  ``medium``: one of two pages attributes the value ambiguously to "Gorontalo and NTT");
* a **band** (``indicator == 'extreme_poverty_band'``, value text ``'1-5'``, confidence
  ``derived``) for 14 provinces, inferred by elimination (34 provinces = 18 below 1 % + 2 above 5 %
  + the rest stated to lie between 1 % and 5 %). Gorontalo has both a band row and the exact value;
  the exact value lies inside the band and is used. The band rows' note records a conflict for
  **Banten**: Kemenko PMK (24 July 2023) listed Banten among the provinces below 1 %.

:func:`extreme_poverty_cross_section` turns this into one row per province of the 2023 34-province
set with ``lower``/``upper`` bounds (``lower == upper`` for exact values, ``1``/``5`` for the band,
both NaN where nothing is known) and merges the panel's 2023 coverage, P0-P2 and controls;
``conflicts='conservative'`` widens the conflicting cases (Banten to [0, 5]: the union of the two
statements; Gorontalo to its band [1, 5]) for a sensitivity check. Nothing is imputed.

:func:`extreme_poverty_regression` fits a normal interval regression (Stata ``intreg``) of the
bounds on coverage and controls. :func:`proxy_relationships` measures, among exact-value
provinces, how closely P0, P1 and P2 follow extreme poverty (the reason P1/P2 stand in for extreme
poverty in the panel analysis).

A cross-section association is not an effect: with one year there is no within-province variation,
so these results say which provinces have more extreme poverty at a given coverage level, not what
coverage does to extreme poverty.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from jamsostek_analysis.errors import EstimationError, PanelError, ParseError
from jamsostek_analysis.geography import PAPUA_PARENTS

_LOG = logging.getLogger(__name__)

__all__ = [
    "FRAGMENTS",
    "CROSS_SECTION_COLUMNS",
    "DEFAULT_CONTROLS",
    "extreme_poverty_cross_section",
    "extreme_poverty_regression",
    "proxy_relationships",
    "proxy_table",
    "band_consistency",
    "coefficient_table",
    "national_series_notes",
    "national_rate",
    "national_extreme_latest",
]

#: curated table with the province fragments (bundle ``curated/``)
FRAGMENTS = "extreme_poverty_province_fragments"
#: control of the main interval regression (see :func:`extreme_poverty_regression`)
DEFAULT_CONTROLS = ("p0",)
#: panel columns merged into the cross-section
PANEL_COLUMNS = (
    "province_name",
    "coverage_rate",
    "coverage_pu_rate",
    "coverage_bpu_rate",
    "bpjstk_source",
    "p0",
    "p1",
    "p2",
    "population",
    "formal_share",
    "grdp_per_capita",
    "tpt",
)
CROSS_SECTION_COLUMNS = [
    "province_code",
    "status",
    "extreme",
    "lower",
    "upper",
    "band_also",
    "conflict",
    "source_id",
    "confidence",
    *PANEL_COLUMNS,
    "log_grdp_per_capita",
]
CONFLICT_MODES = ("as-curated", "conservative")
#: the undivided Papua provinces of 2023 (Papua Barat, Papua): the two highest extreme-poverty rates
PAPUA_2023 = PAPUA_PARENTS
#: samples of :func:`proxy_table`: label -> province codes left out
PROXY_SAMPLES = {"all exact-value provinces": (), "excluding Papua, Papua Barat": PAPUA_2023}


def _round_rows(fragments: pd.DataFrame, year: int, period: str, series: str) -> pd.DataFrame:
    yr = pd.to_numeric(fragments["year"], errors="coerce")
    return fragments[
        (yr == int(year))
        & (fragments["period"].astype(str) == period)
        & (fragments["series_vintage"].astype(str) == series)
    ]


def _conflicts(rows: pd.DataFrame, names: dict[str, str]) -> tuple[dict[str, str], dict[str, tuple[float, float]]]:
    """Conflicts recorded in the ``note`` column of one round.

    A province is flagged when (a) some note of the round says ``conflict(s) for <name>`` (the
    band rows: "... listed Banten among provinces <1% - conflicts for Banten"), or (b) its own
    exact-value row's note calls the attribution ambiguous or conflicting (Gorontalo).

    Returns
    -------
    (dict, dict)
        Province code -> conflict text; province code -> the range the *other* statement gives,
        where the note states it as ``<N%`` (``(0, N)``).
    """
    text: dict[str, list[str]] = {}
    alt: dict[str, tuple[float, float]] = {}
    if "note" not in rows.columns:
        return {}, {}
    for _, r in rows.iterrows():
        note = r["note"] if isinstance(r["note"], str) else ""
        for m in re.finditer(r"conflicts? for ([A-Za-z .]+?)(?:[.;,]|$)", note):
            target = m.group(1).strip().upper()
            codes = [c for c, n in names.items() if str(n).upper() == target]
            if not codes:
                raise ParseError(
                    f"{FRAGMENTS}.csv: a note names a conflicting province {m.group(1)!r} that is not a province name"
                )
            below = re.search(r"<\s*(\d+(?:[.,]\d+)?)\s*%", note)
            for c in codes:
                msg = (
                    f"another statement puts {names[c].title()} in a different range (note of source {r['source_id']})"
                )
                if below:
                    msg = f"another statement puts {names[c].title()} below {below.group(1)} % (note of source {r['source_id']})"
                    alt[c] = (0.0, float(below.group(1).replace(",", ".")))
                text.setdefault(c, [])
                if msg not in text[c]:
                    text[c].append(msg)
        if r["indicator"] == "extreme_poverty_rate" and re.search(r"ambiguous|conflict", note, re.I):
            c = str(r["province_code"]).strip()
            text.setdefault(c, []).append(f"attribution of the exact value ambiguous ({r['source_id']}): {note}")
    return {c: "; ".join(v) for c, v in text.items()}, alt


def extreme_poverty_cross_section(
    bundle: Any,
    panel: pd.DataFrame,
    *,
    year: int = 2023,
    period: str = "March",
    series: str = "BPS 1.90 series",
    conflicts: str = "as-curated",
    fragments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per province (the panel's province set of ``year``) with extreme-poverty bounds.

    Parameters
    ----------
    bundle : DataBundle or None
        Data bundle to read ``curated/extreme_poverty_province_fragments.csv`` from (ignored when
        ``fragments`` is given; located when None).
    panel : DataFrame
        Province x year panel (``build_province_panel(geography='34')``); its ``year`` rows give the
        province set and the merged columns (:data:`PANEL_COLUMNS`).
    year, period, series : the extreme-poverty round and series vintage.
    conflicts : {'as-curated', 'conservative'}
        'as-curated': exact values where published (Gorontalo 2.44 included), the band elsewhere.
        'conservative': provinces flagged in ``conflict`` get the widest range consistent with all
        statements - a bounded province that another statement puts below 1 % gets ``[0, upper]``
        (Banten: [0, 5]); an exact value whose attribution is ambiguous is replaced by its band
        (Gorontalo: [1, 5]).
    fragments : DataFrame, optional
        The curated table as read by :func:`jamsostek_analysis.data.sources.curated.read_curated`.

    Returns
    -------
    DataFrame
        Columns :data:`CROSS_SECTION_COLUMNS`, sorted by ``province_code``: ``status`` ('exact',
        'bounded' or 'no information'), ``extreme`` (the exact value, NaN otherwise; percent),
        ``lower``/``upper`` (percent; equal for exact values; both NaN without information),
        ``band_also`` (a band row exists too), ``conflict`` (text, '' if none), ``source_id``,
        ``confidence`` (of the row used), the panel columns of ``year``, and
        ``log_grdp_per_capita`` (natural log of the panel's ``grdp_per_capita``, thousand IDR at
        constant 2010 prices; NaN where that is missing). ``attrs``: ``year``, ``period``,
        ``series``, ``conflicts``, ``n_exact``, ``n_bounded``, ``no_information`` (codes),
        ``not_in_panel`` (fragment codes outside the province set; none expected).

    Raises
    ------
    PanelError
        Panel without the needed columns, without rows for ``year``, or with duplicate provinces.
    ParseError
        Problems in the curated file (see :func:`jamsostek_analysis.data.extreme.extreme_poverty_categories`).
    """
    from jamsostek_analysis.data.extreme import extreme_poverty_categories

    if conflicts not in CONFLICT_MODES:
        raise PanelError(f"conflicts: expected one of {CONFLICT_MODES}, found {conflicts!r}")
    need = ["province_code", "year", *PANEL_COLUMNS]
    missing = [c for c in need if c not in panel.columns]
    if missing:
        raise PanelError(
            f"extreme_poverty_cross_section: panel has no column(s) {missing}; expected build_province_panel() output"
        )
    py = panel.loc[panel["year"] == int(year), need].copy()
    if py.empty:
        raise PanelError(f"extreme_poverty_cross_section: panel has no rows for year {year}")
    py["province_code"] = py["province_code"].astype(str)
    dup = py["province_code"].duplicated()
    if dup.any():
        raise PanelError(
            f"extreme_poverty_cross_section: panel year {year} has duplicate province_code {py.loc[dup, 'province_code'].tolist()}"
        )

    if fragments is None:
        from jamsostek_analysis.data.sources.curated import read_curated

        fragments = read_curated(bundle, FRAGMENTS)
    cats = extreme_poverty_categories(fragments, year=year, period=period, series=series)
    names = dict(zip(py["province_code"], py["province_name"]))
    conflict, alt_range = _conflicts(_round_rows(fragments, year, period, series), names)

    out = py.drop(columns="year").set_index("province_code")
    not_in_panel = sorted(set(cats.index) - set(out.index))
    cats = cats.reindex(out.index)
    out.insert(0, "status", np.where(cats["status"].isna(), "no information", cats["status"].astype(object)))
    exact = cats["status"].eq("exact").fillna(False).to_numpy(dtype=bool)
    out.insert(1, "extreme", np.where(exact, cats["value"], np.nan))
    lower = np.where(exact, cats["value"], cats["lower"]).astype(float)
    upper = np.where(exact, cats["value"], cats["upper"]).astype(float)
    out.insert(2, "lower", lower)
    out.insert(3, "upper", upper)
    out.insert(4, "band_also", cats["band_also"].fillna(False).astype(bool))
    out.insert(5, "conflict", [conflict.get(c, "") for c in out.index])
    out.insert(6, "source_id", cats["source_id"].astype(object).where(cats["source_id"].notna(), ""))
    out.insert(7, "confidence", cats["confidence"].astype(object).where(cats["confidence"].notna(), ""))
    out["log_grdp_per_capita"] = np.log(out["grdp_per_capita"].astype(float))
    out = out.reset_index()

    if conflicts == "conservative":
        bands = cats[cats["band_also"].fillna(False).astype(bool)]
        for i, r in out.iterrows():
            code = r["province_code"]
            if not r["conflict"]:
                continue
            if r["status"] == "bounded":
                if code not in alt_range:
                    raise ParseError(
                        f"{FRAGMENTS}.csv: province {code} has a conflicting statement without a stated range; "
                        "conflicts='conservative' cannot widen its band"
                    )
                # union of the band and the other statement's range
                out.loc[i, "lower"] = min(r["lower"], alt_range[code][0])
                out.loc[i, "upper"] = max(r["upper"], alt_range[code][1])
            elif r["status"] == "exact" and r["band_also"]:
                # ambiguous published value: keep only the band of that province
                out.loc[i, ["lower", "upper", "extreme"]] = [bands.loc[code, "lower"], bands.loc[code, "upper"], np.nan]
                band_row = fragments[
                    (fragments["province_code"].astype(str).str.strip() == code)
                    & (fragments["indicator"] == "extreme_poverty_band")
                    & (pd.to_numeric(fragments["year"], errors="coerce") == int(year))
                    & (fragments["period"].astype(str) == period)
                    & (fragments["series_vintage"].astype(str) == series)
                ].iloc[0]
                out.loc[i, ["status", "source_id", "confidence"]] = [
                    "bounded",
                    band_row["source_id"],
                    band_row["confidence"],
                ]

    out = out[CROSS_SECTION_COLUMNS].sort_values("province_code", kind="stable").reset_index(drop=True)
    out.attrs.update(
        year=int(year),
        period=period,
        series=series,
        conflicts=conflicts,
        n_exact=int((out["status"] == "exact").sum()),
        n_bounded=int((out["status"] == "bounded").sum()),
        no_information=out.loc[out["status"] == "no information", "province_code"].tolist(),
        not_in_panel=not_in_panel,
        source="curated/extreme_poverty_province_fragments.csv; panel columns: build_province_panel",
    )
    return out


def extreme_poverty_regression(
    cross_section: pd.DataFrame,
    x: str = "coverage_rate",
    controls: Sequence[str] = DEFAULT_CONTROLS,
    *,
    cov_type: str = "robust",
    exclude: Sequence[str] = (),
    verbose: bool = True,
):
    """Interval regression of province extreme poverty (bounds) on coverage and controls.

    Default control: ``p0``. Extreme poverty is a subset of headcount poverty (the US$1.90 line,
    Rp 351,957 per capita per month in March 2023, lies below every provincial BPS poverty line),
    so across provinces it rises with P0 almost mechanically. With P0 held fixed, the coverage
    coefficient measures whether provinces with more coverage have *less extreme poverty than
    their headcount poverty would predict*, i.e. fewer of their poor far below the line - the
    depth question the study cares about. Log GRDP per capita is the alternative control (income
    level), but it is missing for Papua and Papua Barat in 2023 (published after the split), which
    removes the two provinces with the highest extreme poverty; use it only as a sensitivity check.

    Parameters
    ----------
    cross_section : DataFrame
        :func:`extreme_poverty_cross_section` output.
    x : str
        Regressor (coverage per 100 employed).
    controls : sequence of str
        Control columns.
    cov_type : {'robust', 'oim'}
        Sandwich (default) or inverse-information covariance; z-based inference (34 observations:
        read p-values as approximate).
    exclude : sequence of str
        Province codes left out (e.g. ``('91', '94')``).
    verbose : bool
        Log (logger ``jamsostek_analysis.study.extreme``, level INFO) how many provinces are left out and
        why; the result records the same in ``drop_reasons`` (nothing is dropped silently). The library
        never prints: only the CLI does.

    Returns
    -------
    IntervalResult
        From :func:`jamsostek_analysis.estimation.models.interval_regression` (``n_exact``, ``n_interval``,
        ``drop_reasons``). Provinces without any information (both bounds NaN) are dropped there
        under ``'no finite bound'``.
    """
    from jamsostek_analysis.estimation.models import interval_regression

    need = ["province_code", "lower", "upper", x, *controls]
    missing = [c for c in need if c not in cross_section.columns]
    if missing:
        raise EstimationError(f"extreme_poverty_regression: cross_section has no column(s) {missing}")
    data = cross_section
    if exclude:
        keep = ~cross_section["province_code"].astype(str).isin([str(c) for c in exclude])
        data = cross_section.loc[keep]
    no_info = data["lower"].isna() & data["upper"].isna()
    miss_x = data[[x, *controls]].isna().any(axis=1) & ~no_info
    if verbose:
        parts = [f"{len(data)} provinces"]
        if exclude:
            parts.append(f"excluded by choice: {sorted(map(str, exclude))}")
        parts.append(
            f"without extreme-poverty information (dropped): {int(no_info.sum())}"
            + (f" {data.loc[no_info, 'province_code'].tolist()}" if no_info.any() else "")
        )
        if miss_x.any():
            parts.append(f"missing {x}/controls (dropped): {data.loc[miss_x, 'province_code'].tolist()}")
        _LOG.info("extreme_poverty_regression: %s", "; ".join(parts))
    return interval_regression(data, "lower", "upper", x, controls=tuple(controls), cov_type=cov_type)


def proxy_relationships(
    cross_section: pd.DataFrame,
    proxies: Sequence[str] = ("p0", "p1", "p2"),
    *,
    exclude: Sequence[str] = (),
) -> pd.DataFrame:
    """How P0, P1 and P2 track extreme poverty across the provinces with an exact value.

    For each proxy: ``n``, Pearson ``r`` (and its p-value), Spearman ``rho`` (and its p-value), the
    OLS ``slope`` and ``intercept`` of extreme poverty on the proxy (points of extreme poverty per
    point of the proxy) and its ``r_squared``. P1 (poverty gap) and P2 (severity) weight the poor by
    how far below the line they are, so they should follow the share of people below a much lower
    line (the extreme line) more closely than the headcount P0 does.

    Parameters
    ----------
    cross_section : DataFrame
        :func:`extreme_poverty_cross_section` output.
    proxies : sequence of str
        Proxy columns.
    exclude : sequence of str
        Province codes left out (e.g. Papua ``('91', '94')``, whose high values dominate).

    Returns
    -------
    DataFrame
        One row per proxy: ``proxy, n, pearson_r, pearson_p, spearman_rho, spearman_p, slope,
        intercept, r_squared`` (``attrs['subset']`` describes the sample).
    """
    need = ["province_code", "status", "extreme", *proxies]
    missing = [c for c in need if c not in cross_section.columns]
    if missing:
        raise EstimationError(f"proxy_relationships: cross_section has no column(s) {missing}")
    d = cross_section[cross_section["status"] == "exact"]
    if exclude:
        d = d[~d["province_code"].astype(str).isin([str(c) for c in exclude])]
    rows = []
    for p in proxies:
        m = d["extreme"].notna() & d[p].notna()
        y = d.loc[m, "extreme"].to_numpy(dtype=float)
        v = d.loc[m, p].to_numpy(dtype=float)
        if len(y) < 3:
            raise EstimationError(f"proxy_relationships: fewer than 3 exact-value provinces with {p!r}")
        pr = stats.pearsonr(v, y)
        sr = stats.spearmanr(v, y)
        lr = stats.linregress(v, y)
        rows.append(
            {
                "proxy": p,
                "n": int(len(y)),
                "pearson_r": float(pr.statistic),
                "pearson_p": float(pr.pvalue),
                "spearman_rho": float(sr.statistic),
                "spearman_p": float(sr.pvalue),
                "slope": float(lr.slope),
                "intercept": float(lr.intercept),
                "r_squared": float(lr.rvalue**2),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["subset"] = "exact-value provinces" + (f", excluding {sorted(map(str, exclude))}" if exclude else "")
    return out


def national_extreme_latest(curated: pd.DataFrame, series: str = "BPS 2.15 series (Jul 2025)") -> dict[str, Any]:
    """Latest national extreme-poverty rate and number of extremely poor people of one BPS series.

    Parameters
    ----------
    curated : DataFrame
        ``curated/extreme_poverty_national.csv`` as read by ``read_curated``.
    series : str
        ``series_vintage`` to use.

    Returns
    -------
    dict
        ``series, year, period, rate`` (percent), ``persons`` (NaN if no count was stated for that
        round), ``source_id`` (of the rate row). The latest round is the largest (year, March <
        September) with a rate; when a round has two rate statements the one with the higher
        ``confidence`` wins (as in :func:`jamsostek_analysis.data.extreme.national_extreme_poverty`).

    Raises
    ------
    ParseError
        No rate for ``series``.
    """
    from jamsostek_analysis.data.extreme import national_extreme_poverty

    rates = national_extreme_poverty(curated, series=(series,))
    rates = rates[rates["primary"] & rates["month_stated"]]
    if rates.empty:
        raise ParseError(f"extreme_poverty_national.csv: no national extreme_poverty_rate for series {series!r}")
    last = rates.sort_values("x", kind="stable").iloc[-1]
    yr = pd.to_numeric(curated["year"], errors="coerce")
    persons = curated[
        (curated["level"] == "national")
        & (curated["indicator"] == "extreme_poor_persons")
        & (curated["series_vintage"] == series)
        & (yr == int(last["year"]))
        & (curated["period"] == last["period"])
    ]["value"]
    return {
        "series": series,
        "year": int(last["year"]),
        "period": str(last["period"]),
        "rate": float(last["value"]),
        "persons": float(persons.iloc[0]) if len(persons) else float("nan"),
        "source_id": str(last["source_id"]),
    }


def proxy_table(
    cross_section: pd.DataFrame,
    proxies: Sequence[str] = ("p0", "p1", "p2"),
    *,
    samples: dict[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """:func:`proxy_relationships` for several samples, stacked (the rows of ``tab04``).

    Parameters
    ----------
    cross_section : DataFrame
        :func:`extreme_poverty_cross_section` output.
    proxies : sequence of str
        Proxy columns.
    samples : dict, optional
        Sample label -> province codes left out; default :data:`PROXY_SAMPLES` (all exact-value
        provinces, and the same without Papua and Papua Barat).

    Returns
    -------
    DataFrame
        ``sample, proxy, n, pearson_r, spearman_rho, slope, intercept, r_squared, pearson_p,
        spearman_p``, samples in the order given.
    """
    samples = PROXY_SAMPLES if samples is None else samples
    parts = [
        proxy_relationships(cross_section, proxies, exclude=tuple(ex)).assign(sample=label)
        for label, ex in samples.items()
    ]
    cols = [
        "sample",
        "proxy",
        "n",
        "pearson_r",
        "spearman_rho",
        "slope",
        "intercept",
        "r_squared",
        "pearson_p",
        "spearman_p",
    ]
    return pd.concat(parts, ignore_index=True)[cols]


def band_consistency(cross_section: pd.DataFrame, fits: pd.DataFrame) -> pd.DataFrame:
    """Do the band-only provinces' values predicted from the exact-value fit fall inside their band?

    For each proxy, the OLS line of extreme poverty on the proxy fitted on the exact-value provinces
    (``fits``: rows of :func:`proxy_relationships`, columns ``proxy, slope, intercept``) predicts
    extreme poverty for each ``status == 'bounded'`` province; the prediction is compared with that
    province's own ``[lower, upper]`` (bounds inclusive). An out-of-sample plausibility check of the
    proxy, not an estimate: nothing is imputed into the cross-section.

    Parameters
    ----------
    cross_section : DataFrame
        :func:`extreme_poverty_cross_section` output (``status, lower, upper`` and the proxies).
    fits : DataFrame
        One row per proxy with ``proxy, slope, intercept`` (one sample only).

    Returns
    -------
    DataFrame
        One row per proxy: ``proxy, n_bounded, n_predicted`` (proxy not missing), ``n_inside``,
        ``predicted_min, predicted_max``.

    Raises
    ------
    EstimationError
        A column is missing or ``fits`` has a proxy twice.
    """
    need = ["status", "lower", "upper", *fits.get("proxy", pd.Series(dtype=str)).tolist()]
    missing = [c for c in need if c not in cross_section.columns]
    if missing or not {"proxy", "slope", "intercept"} <= set(fits.columns):
        raise EstimationError(f"band_consistency: missing column(s) {missing or ['proxy/slope/intercept in fits']}")
    if fits["proxy"].duplicated().any():
        raise EstimationError("band_consistency: fits must hold one row per proxy (select one sample first)")
    b = cross_section[cross_section["status"] == "bounded"]
    rows = []
    for f in fits.itertuples():
        pred = f.intercept + f.slope * b[f.proxy].astype(float)
        ok = pred.notna()
        inside = ok & (pred >= b["lower"]) & (pred <= b["upper"])
        rows.append(
            {
                "proxy": f.proxy,
                "n_bounded": int(len(b)),
                "n_predicted": int(ok.sum()),
                "n_inside": int(inside.sum()),
                "predicted_min": float(pred.min()) if ok.any() else float("nan"),
                "predicted_max": float(pred.max()) if ok.any() else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def coefficient_table(results: dict[str, Any], param: str = "coverage_rate", alpha: float = 0.05) -> pd.DataFrame:
    """One coefficient across several interval regressions, one row per specification.

    Parameters
    ----------
    results : dict
        Specification label -> :class:`~jamsostek_analysis.estimation.models.IntervalResult`.
    param : str
        Coefficient to report.
    alpha : float
        Level of the (z-based) confidence interval.

    Returns
    -------
    DataFrame
        ``spec, estimate, se, ci_low, ci_high, p, n, n_exact, n_interval`` in the order of ``results``.
    """
    rows = []
    for name, r in results.items():
        if param not in r.params.index:
            raise EstimationError(f"coefficient_table: specification {name!r} has no coefficient {param!r}")
        ci = r.conf_int(alpha).loc[param]
        rows.append(
            {
                "spec": name,
                "estimate": float(r.params[param]),
                "se": float(r.bse[param]),
                "ci_low": float(ci["ci_low"]),
                "ci_high": float(ci["ci_high"]),
                "p": float(r.pvalues[param]),
                "n": int(r.nobs),
                "n_exact": int(r.n_exact),
                "n_interval": int(r.n_interval),
            }
        )
    return pd.DataFrame(rows)


def national_rate(national: pd.DataFrame, series: str, year: int, period: str) -> float:
    """The primary national extreme-poverty rate of one series and round (NaN if none).

    ``national``: :func:`jamsostek_analysis.data.extreme.national_extreme_poverty` output.
    """
    v = national[
        (national["series"] == series)
        & (national["year"] == year)
        & (national["period"] == period)
        & national["primary"]
    ]["value"]
    return float(v.iloc[0]) if len(v) else float("nan")


def national_series_notes(national: pd.DataFrame) -> list[str]:
    """Plain-language lines on the national extreme-poverty series: rounds, overlaps, conflicts.

    Parameters
    ----------
    national : DataFrame
        :func:`jamsostek_analysis.data.extreme.national_extreme_poverty` output (``series, year,
        period, month_stated, value, primary, source_id, confidence``).

    Returns
    -------
    list of str
        One line per series (its rounds), one per round reported by more than one series (their
        values side by side: the series are not one series with a break) and one per lower-confidence
        statement kept apart.
    """
    out = []
    prim = national[national["primary"]]
    for series, g in prim.groupby("series", sort=True):
        rounds = ", ".join(
            f"{r.period} {r.year}" if r.month_stated else f"{r.year} (month not stated)" for r in g.itertuples()
        )
        out.append(f"{series}: {len(g)} rounds - {rounds}")
    overlap = prim.groupby(["year", "period"])["series"].nunique()
    for y, per in overlap[overlap > 1].index:
        v = prim[(prim["year"] == y) & (prim["period"] == per)]
        out.append(f"Both series report {per} {y}: " + "; ".join(f"{r.series} {r.value:.2f} %" for r in v.itertuples()))
    for r in national[~national["primary"]].itertuples():
        out.append(
            f"Conflicting lower-confidence statement kept apart: {r.series}, {r.period} {r.year}: "
            f"{r.value:.2f} % ({r.source_id}, {r.confidence})"
        )
    return out
