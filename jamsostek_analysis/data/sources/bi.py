"""Bank Indonesia's monthly year-on-year CPI inflation export (``raw/bi/``) and a CPI index chained from it.

:func:`read_bi_inflation` turns ``raw/bi/inflation_yoy_monthly/Data Inflasi.xlsx`` (title rows,
then ``No``, ``Periode`` such as ``Maret 2019``, ``Data Inflasi`` such as ``2.48 %``) into one row
per month. :func:`chain_yoy_index` is generic: from year-on-year rates and one anchor level per
calendar month it chains levels backwards and forwards in steps of twelve months,
``I(y, m) = I(y - 1, m) * (1 + r(y, m) / 100)``. Year-on-year rates link the same calendar month
only, so every month needs its own anchor (e.g. March and September 2023 on the 2018=100 base).
BPS computes the year-on-year rates across its base changes (2012=100 to 2018=100 in January 2020,
to 2022=100 in January 2024), so the chain crosses them without a linking factor (bundle README).

:func:`cpi_chain_check` compares the chain with the published levels of
``curated/cpi_national_points.csv``: the ratio of two published levels of the same calendar month and
base against the chained ratio.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jamsostek_analysis.errors import ParseError

__all__ = [
    "BI_INFLATION_FILE",
    "MONTHS_ID",
    "read_bi_inflation",
    "parse_bi_inflation",
    "chain_yoy_index",
    "cpi_chain_check",
]

#: the BI export inside the bundle
BI_INFLATION_FILE = "raw/bi/inflation_yoy_monthly/Data Inflasi.xlsx"
#: Indonesian month names (as printed by BI) -> month number
MONTHS_ID: dict[str, int] = {
    "januari": 1, "februari": 2, "maret": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
    "agustus": 8, "september": 9, "oktober": 10, "november": 11, "desember": 12,
}  # fmt: skip
_PERIOD = re.compile(r"^\s*([A-Za-z]+)\s+(\d{4})\s*$")
_RATE = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*%?\s*$")
#: artefact of the export (bundle README): the first month is printed as '0 %'
_ARTEFACT = (2002, 12)


def parse_bi_inflation(rows: list[tuple[Any, ...]], source: str = BI_INFLATION_FILE) -> pd.DataFrame:
    """Parse the rows of the BI *Data Inflasi* sheet (values only) into a tidy monthly table.

    Parameters
    ----------
    rows : list of tuple
        The sheet's rows (``openpyxl`` ``iter_rows(values_only=True)``).
    source : str
        File name used in error messages.

    Returns
    -------
    DataFrame
        ``year, month, period`` (the text as printed), ``yoy`` (percent, float), ``row`` (1-based
        sheet row), sorted by ``year, month``. The December 2002 ``0 %`` row (an artefact of the
        export) is dropped and recorded in ``attrs['dropped']``.

    Raises
    ------
    ParseError
        No ``No / Periode / Data Inflasi`` header; a period that is not ``<Indonesian month> <year>``;
        a rate that is not a number with an optional ``%``; a month printed twice; a gap in the months.
    """
    header = None
    for i, r in enumerate(rows):
        cells = [str(c).strip().lower() if c is not None else "" for c in r]
        if "periode" in cells and "data inflasi" in cells:
            header = (i, cells.index("periode"), cells.index("data inflasi"))
            break
    if header is None:
        raise ParseError(f"{source}: expected a header row with 'Periode' and 'Data Inflasi'; none found")
    h, jp, jr = header
    out: list[dict[str, Any]] = []
    dropped: list[str] = []
    for i, r in enumerate(rows[h + 1 :], start=h + 2):
        period = r[jp] if jp < len(r) else None
        rate = r[jr] if jr < len(r) else None
        if (period is None or str(period).strip() == "") and (rate is None or str(rate).strip() == ""):
            continue
        m = _PERIOD.match(str(period or ""))
        if not m or m.group(1).lower() not in MONTHS_ID:
            raise ParseError(
                f"{source}: row {i}, column Periode: expected '<Indonesian month> <year>' (e.g. 'Maret 2019'), found {period!r}"
            )
        year, month = int(m.group(2)), MONTHS_ID[m.group(1).lower()]
        if isinstance(rate, (int, float)) and not isinstance(rate, bool):
            value = float(rate)
        else:
            mr = _RATE.match(str(rate or ""))
            if not mr:
                raise ParseError(
                    f"{source}: row {i}, column Data Inflasi: expected a rate such as '2.48 %', found {rate!r}"
                )
            value = float(mr.group(1).replace(",", "."))
        if (year, month) == _ARTEFACT and value == 0.0:
            dropped.append(f"row {i}: {str(period).strip()} {rate!r} (export artefact)")
            continue
        out.append({"year": year, "month": month, "period": str(period).strip(), "yoy": value, "row": i})
    if not out:
        raise ParseError(f"{source}: no data rows below the header (row {h + 1})")
    df = pd.DataFrame(out).sort_values(["year", "month"], kind="stable").reset_index(drop=True)
    dup = df.duplicated(["year", "month"], keep=False)
    if dup.any():
        rs = df.loc[dup, "row"].tolist()
        raise ParseError(f"{source}: rows {rs}: month {df.loc[dup, 'period'].iloc[0]!r} printed more than once")
    k = df["year"] * 12 + df["month"] - 1
    gap = np.flatnonzero(np.diff(k.to_numpy()) != 1)
    if gap.size:
        a = df.iloc[gap[0]]
        raise ParseError(f"{source}: row {a['row']}: months missing after {a['period']}; expected one row per month")
    df.attrs.update(source=source, dropped=dropped)
    return df


def read_bi_inflation(bundle: Any = None) -> pd.DataFrame:
    """Read ``raw/bi/inflation_yoy_monthly/Data Inflasi.xlsx`` (source I01) into a tidy monthly table.

    Parameters
    ----------
    bundle : DataBundle, optional
        The data bundle (located if None).

    Returns
    -------
    DataFrame
        See :func:`parse_bi_inflation` (January 2003 to May 2026 in the bundle's file).

    Raises
    ------
    ParseError
        The file is not a readable xlsx workbook, or its content is malformed.
    """
    import openpyxl

    if bundle is None:
        from jamsostek_analysis.data.bundle import DataBundle

        bundle = DataBundle.locate()
    path = Path(bundle.path(BI_INFLATION_FILE))
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken file
        raise ParseError(f"{path.name}: not a readable xlsx workbook ({type(exc).__name__}: {exc})") from exc
    try:
        ws = wb.worksheets[0]
        rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    return parse_bi_inflation(rows, source=path.name)


def chain_yoy_index(yoy: pd.DataFrame, anchors: Mapping[tuple[int, int], float]) -> pd.DataFrame:
    """Chain levels from year-on-year rates, one anchor level per calendar month.

    ``I(y, m) = I(y0, m) * prod_{s=y0+1..y} (1 + r(s, m)/100)`` forwards and
    ``I(y, m) = I(y0, m) / prod_{s=y+1..y0} (1 + r(s, m)/100)`` backwards, where ``(y0, m)`` is the
    anchor of calendar month ``m``. Generic: nothing here knows about CPI bases.

    Parameters
    ----------
    yoy : DataFrame
        Columns ``year, month, yoy`` (percent), one row per month.
    anchors : mapping
        ``{(year, month): level}``; at most one anchor per calendar month.

    Returns
    -------
    DataFrame
        ``year, month, level, anchor_year`` for every month of an anchored calendar month that the
        rates reach (a missing rate ends the chain in that direction), sorted by ``year, month``.

    Raises
    ------
    ParseError
        Two anchors for one calendar month, an anchor month absent from ``yoy``, or missing columns.
    """
    need = {"year", "month", "yoy"}
    if not need <= set(yoy.columns):
        raise ParseError(f"chain_yoy_index: yoy needs columns {sorted(need)}, found {list(yoy.columns)}")
    months = [m for (_, m) in anchors]
    if len(set(months)) != len(months):
        raise ParseError(f"chain_yoy_index: at most one anchor per calendar month, found {sorted(anchors)}")
    rate = {(int(y), int(m)): float(r) for y, m, r in zip(yoy["year"], yoy["month"], yoy["yoy"])}
    rows = []
    for (y0, m), level in anchors.items():
        if (int(y0), int(m)) not in rate:
            raise ParseError(f"chain_yoy_index: anchor {y0}-{m:02d} is not a month of the rate series")
        rows.append((int(y0), int(m), float(level), int(y0)))
        lv, y = float(level), int(y0)
        while (y + 1, m) in rate and np.isfinite(rate[(y + 1, m)]):  # forwards
            lv *= 1.0 + rate[(y + 1, m)] / 100.0
            y += 1
            rows.append((y, int(m), lv, int(y0)))
        lv, y = float(level), int(y0)
        while (y, m) in rate and (y - 1, m) in rate and np.isfinite(rate[(y, m)]):  # backwards
            lv /= 1.0 + rate[(y, m)] / 100.0
            y -= 1
            rows.append((y, int(m), lv, int(y0)))
    out = pd.DataFrame(rows, columns=["year", "month", "level", "anchor_year"])
    return out.sort_values(["year", "month"], kind="stable").reset_index(drop=True)


def cpi_chain_check(chain: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """Compare a chained index with published CPI levels of the same base and calendar month.

    For every published level (``curated/cpi_national_points.csv``) whose calendar month and base
    have an earlier published level, the published ratio (this level / the earliest level of that
    month and base) is compared with the chained ratio of the same two months.

    Parameters
    ----------
    chain : DataFrame
        :func:`chain_yoy_index` output (``year, month, level``).
    points : DataFrame
        The curated table (``year, period`` as an English month name, ``value``, ``series_vintage``
        = the base, ``source_id``).

    Returns
    -------
    DataFrame
        ``base, month, year_from, year, published_ratio, chained_ratio, discrepancy_pct``
        (100 * (chained / published - 1)), ``source_ids``.
    """
    names = {pd.Timestamp(2000, m, 1).strftime("%B"): m for m in range(1, 13)}
    p = points.copy()
    p["month"] = p["period"].map(names)
    bad = p["month"].isna()
    if bad.any():
        raise ParseError(
            f"cpi_national_points.csv: period {p.loc[bad, 'period'].iloc[0]!r} is not an English month name"
        )
    lv = {(int(y), int(m)): float(v) for y, m, v in zip(chain["year"], chain["month"], chain["level"])}
    rows = []
    for (base, m), g in p.groupby(["series_vintage", "month"], sort=True):
        g = g.sort_values("year")
        ref = g.iloc[0]
        for _, r in g.iloc[1:].iterrows():
            a, b = (int(ref["year"]), int(m)), (int(r["year"]), int(m))
            if a not in lv or b not in lv:
                continue
            pub = float(r["value"]) / float(ref["value"])
            ch = lv[b] / lv[a]
            rows.append(
                {
                    "base": base,
                    "month": int(m),
                    "year_from": a[0],
                    "year": b[0],
                    "published_ratio": pub,
                    "chained_ratio": ch,
                    "discrepancy_pct": 100.0 * (ch / pub - 1.0),
                    "source_ids": f"{ref['source_id']};{r['source_id']}",
                }
            )
    return pd.DataFrame(rows)
