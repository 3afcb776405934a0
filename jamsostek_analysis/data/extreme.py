"""Extreme-poverty statements in the curated tables: province bands and exact values, national series.

The data side of extreme poverty (no estimation, no drawing): :func:`extreme_poverty_categories` sorts the
province fragments of one round into exact values and bounds (parsing bands such as ``'1-5'``);
:func:`national_extreme_poverty` gives the national rates of the BPS series, one primary statement per
round. The study layer (:mod:`jamsostek_analysis.study.extreme`) and the figures use them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from jamsostek_analysis.errors import PanelError, ParseError

__all__ = [
    "BPS_EXTREME_SERIES",
    "CONFIDENCE_RANK",
    "MONTH_X",
    "extreme_poverty_categories",
    "national_extreme_poverty",
]

#: the two BPS extreme-poverty series (never spliced); labels for the legend
BPS_EXTREME_SERIES = {
    "BPS 1.90 series": "BPS, US$1.90/day PPP 2011 (2021\u2013Mar 2024 series)",
    "BPS 2.15 series (Jul 2025)": "BPS, US$2.15/day PPP 2017 (series published Jul 2025)",
}
#: ordering of the curated ``confidence`` grades (higher wins when one period has two statements)
CONFIDENCE_RANK = {
    "high": 5,
    "high (for this vintage)": 5,
    "medium-high": 4,
    "medium": 3,
    "low-medium": 2,
    "low": 1,
    "derived": 0,
}
#: mid-month position on a decimal-year axis
MONTH_X = {"March": 2.5 / 12, "September": 8.5 / 12, "February": 1.5 / 12, "August": 7.5 / 12}
_MONTH_X = MONTH_X


def _require(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise PanelError(f"{what}: expected columns {list(cols)}, missing {missing}")


_BAND = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*[-\u2013]\s*(\d+(?:[.,]\d+)?)\s*$")


def _parse_band(text: str, where: str) -> tuple[float, float]:
    m = _BAND.match(str(text))
    if not m:
        raise ParseError(f"{where}: expected a band such as '1-5', found {text!r}")
    lo, hi = (float(g.replace(",", ".")) for g in m.groups())
    if not lo < hi:
        raise ParseError(f"{where}: band {text!r} has lower bound >= upper bound")
    return lo, hi


def extreme_poverty_categories(
    fragments: pd.DataFrame,
    *,
    year: int = 2023,
    period: str = "March",
    series: str = "BPS 1.90 series",
) -> pd.DataFrame:
    """Sort the province extreme-poverty fragments of one round into exact values and bounds.

    Rows with ``indicator == 'extreme_poverty_rate'`` are exact values; rows with
    ``indicator == 'extreme_poverty_band'`` carry a range ``'lo-hi'`` (percent) in the value cell
    (``value_text`` from :func:`~jamsostek_analysis.data.sources.curated.read_curated`, or ``value``
    as text). A province with both keeps its exact value when it lies inside the band (Gorontalo,
    March 2023: 2.44 and the derived band 1-5) and ``band_also`` records the band.

    Parameters
    ----------
    fragments : DataFrame
        ``curated/extreme_poverty_province_fragments.csv`` (columns ``province_code``, ``year``,
        ``period``, ``indicator``, ``value`` or ``value_text``, ``series_vintage``, ``source_id``,
        ``confidence``).
    year, period, series : selection of the round and the series vintage.

    Returns
    -------
    DataFrame
        Indexed by ``province_code`` (str), sorted; columns ``status`` ('exact' or 'bounded'),
        ``value`` (exact value, NaN when bounded), ``lower``, ``upper`` (band, NaN when none),
        ``band_also`` (bool), ``source_id``, ``confidence``. Provinces without a row are absent.

    Raises
    ------
    ParseError
        Missing columns, an unparseable band, two exact values (or two bands) for one province,
        or an exact value outside that province's band.
    """
    where = "extreme_poverty_province_fragments"
    need = {"province_code", "year", "period", "indicator", "series_vintage", "source_id"}
    missing = need - set(fragments.columns)
    if missing or not ({"value", "value_text"} & set(fragments.columns)):
        raise ParseError(
            f"{where}: expected columns {sorted(need | {'value'})}, missing {sorted(missing) or ['value']}"
        )
    text_col = "value_text" if "value_text" in fragments.columns else "value"
    yr = pd.to_numeric(fragments["year"], errors="coerce")
    sel = fragments[
        (yr == int(year))
        & (fragments["period"].astype(str) == period)
        & (fragments["series_vintage"].astype(str) == series)
    ]
    exact: dict[str, dict[str, Any]] = {}
    bands: dict[str, dict[str, Any]] = {}
    for i, row in sel.iterrows():
        code = str(row["province_code"]).strip()
        conf = row["confidence"] if "confidence" in sel.columns else pd.NA
        rowwhere = f"{where}: row {i} (province {code})"
        if row["indicator"] == "extreme_poverty_rate":
            if code in exact:
                raise ParseError(f"{rowwhere}: a second exact value for {period} {year}; resolve the conflict first")
            try:
                val = float(str(row[text_col]).replace(",", "."))
            except ValueError as exc:
                raise ParseError(
                    f"{rowwhere}: expected a number in column {text_col}, found {row[text_col]!r}"
                ) from exc
            exact[code] = {"value": val, "source_id": row["source_id"], "confidence": conf}
        elif row["indicator"] == "extreme_poverty_band":
            if code in bands:
                raise ParseError(f"{rowwhere}: a second band for {period} {year}")
            lo, hi = _parse_band(row[text_col], f"{rowwhere}, column {text_col}")
            bands[code] = {"lower": lo, "upper": hi, "source_id": row["source_id"], "confidence": conf}
    records = []
    for code in sorted(set(exact) | set(bands)):
        b = bands.get(code)
        if code in exact:
            e = exact[code]
            if b is not None and not (b["lower"] <= e["value"] <= b["upper"]):
                raise ParseError(
                    f"{where}: province {code}: exact value {e['value']} lies outside its band {b['lower']}-{b['upper']}"
                )
            records.append(
                {
                    "province_code": code,
                    "status": "exact",
                    "value": e["value"],
                    "lower": b["lower"] if b else np.nan,
                    "upper": b["upper"] if b else np.nan,
                    "band_also": b is not None,
                    "source_id": e["source_id"],
                    "confidence": e["confidence"],
                }
            )
        else:
            records.append(
                {
                    "province_code": code,
                    "status": "bounded",
                    "value": np.nan,
                    "lower": b["lower"],
                    "upper": b["upper"],
                    "band_also": True,
                    "source_id": b["source_id"],
                    "confidence": b["confidence"],
                }
            )
    out = pd.DataFrame.from_records(
        records, columns=["province_code", "status", "value", "lower", "upper", "band_also", "source_id", "confidence"]
    )
    return out.set_index("province_code")


def national_extreme_poverty(curated: pd.DataFrame, series: Sequence[str] = tuple(BPS_EXTREME_SERIES)) -> pd.DataFrame:
    """National extreme-poverty rates of the BPS series, tidy, one primary value per round.

    The TNP2K 2021 series and World Bank figures in the same curated table are excluded (other
    definitions, much higher levels). When one series has two statements for the same round
    (September 2022: 1.74 and 1.72), the one with the higher ``confidence`` grade is primary and
    the other is kept with ``primary=False`` (shown as a separate marker, never averaged).

    Parameters
    ----------
    curated : DataFrame
        ``curated/extreme_poverty_national.csv`` as read by ``read_curated``.
    series : sequence of str
        ``series_vintage`` values to keep.

    Returns
    -------
    DataFrame
        Columns ``series``, ``year`` (int), ``period`` ('March', 'September', 'unspecified'),
        ``month_stated`` (bool), ``x`` (decimal year: mid-month, mid-year when unstated),
        ``value`` (percent), ``primary`` (bool), ``source_id``, ``confidence``; sorted by series, x.

    Raises
    ------
    ParseError
        Two statements of equal confidence for one round, or a non-numeric value.
    """
    _require(
        curated,
        ["level", "indicator", "series_vintage", "year", "period", "value", "source_id", "confidence"],
        "national_extreme_poverty",
    )
    sel = curated[
        (curated["level"] == "national")
        & (curated["indicator"] == "extreme_poverty_rate")
        & curated["series_vintage"].isin(list(series))
    ].copy()
    if sel["value"].isna().any():
        raise ParseError("extreme_poverty_national.csv: a national extreme_poverty_rate row has no numeric value")
    sel["year"] = sel["year"].astype(int)
    sel["month_stated"] = sel["period"].isin(list(_MONTH_X))
    sel["x"] = sel["year"] + sel["period"].map(_MONTH_X).fillna(0.5)
    sel["rank"] = sel["confidence"].map(CONFIDENCE_RANK)
    if sel["rank"].isna().any():
        bad = sel.loc[sel["rank"].isna(), "confidence"].iloc[0]
        raise ParseError(
            f"extreme_poverty_national.csv: unknown confidence grade {bad!r}; expected one of {list(CONFIDENCE_RANK)}"
        )
    sel = sel.sort_values(["series_vintage", "x", "rank"], ascending=[True, True, False], kind="stable")
    sel["primary"] = ~sel.duplicated(["series_vintage", "year", "period"])
    for _, grp in sel.groupby(["series_vintage", "year", "period"]):
        if len(grp) > 1 and grp["rank"].iloc[0] == grp["rank"].iloc[1]:
            r = grp.iloc[0]
            raise ParseError(
                f"extreme_poverty_national.csv: {r['series_vintage']} {r['period']} {r['year']} has two statements of equal "
                f"confidence ({list(grp['value'])}); cannot choose"
            )
    out = sel.rename(columns={"series_vintage": "series"})[
        ["series", "year", "period", "month_stated", "x", "value", "primary", "source_id", "confidence"]
    ]
    return out.reset_index(drop=True)
