"""Kemnaker Satu Data: active BPJS Ketenagakerjaan participants by province, December 2023 (S01).

The export ``raw/kemnaker/data_peserta_bpjstk.csv`` is ``;``-separated with one row per province
(34 provinces, pre-split Papua) and the columns ``provinsi; peserta_pu; peserta_bpu; peserta_jakon;
total_peserta``. Segments: PU = wage earners (*penerima upah*), BPU = non-wage / self-employed
(*bukan penerima upah*), Jakon = construction projects (*jasa konstruksi*). Active means that
contributions were paid for the period.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import pandas as pd

from jamsostek_analysis.errors import PanelError, ParseError

__all__ = ["KEMNAKER_RELPATH", "KEMNAKER_COLUMNS", "parse_kemnaker_participants", "read_kemnaker_participants"]

KEMNAKER_RELPATH = "raw/kemnaker/data_peserta_bpjstk.csv"
#: header of the export -> output column
KEMNAKER_COLUMNS: dict[str, str] = {
    "provinsi": "province_name",
    "peserta_pu": "bpjstk_pu",
    "peserta_bpu": "bpjstk_bpu",
    "peserta_jakon": "bpjstk_jakon",
    "total_peserta": "bpjstk_total",
}
SOURCE_ID = "S01"
REFERENCE_PERIOD = "2023-12"
REFERENCE_YEAR = 2023


def _number(text: str, where: str) -> float:
    """Parse one count cell (``'299722.0'``); ParseError naming ``where`` if not a finite number."""
    s = text.strip()
    try:
        x = float(s)
    except ValueError:
        raise ParseError(f"{where}: expected a number, found {text!r}") from None
    if not math.isfinite(x) or x < 0:
        raise ParseError(f"{where}: expected a non-negative finite count, found {text!r}")
    return x


def parse_kemnaker_participants(text: str, source_file: str = KEMNAKER_RELPATH) -> pd.DataFrame:
    """Parse the text of the Kemnaker participants export (no region codes yet).

    Parameters
    ----------
    text : str
        File content (a leading byte-order mark is ignored).
    source_file : str
        Name used in error messages and in the ``source_file`` column.

    Returns
    -------
    pandas.DataFrame
        Columns ``province_name, bpjstk_pu, bpjstk_bpu, bpjstk_jakon, bpjstk_total`` (float) in
        file order, plus ``line`` (1-based line number in the file).

    Raises
    ------
    ParseError
        Wrong delimiter or header, a row with the wrong number of fields, a non-numeric cell (names
        line and column), or a row where PU + BPU + Jakon != total.
    PanelError
        A province printed twice (duplicate province-year).
    """
    text = text.lstrip("\ufeff")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=True))
    except csv.Error as exc:
        raise ParseError(f"{source_file}: malformed CSV ({exc})") from exc
    if not rows:
        raise ParseError(f"{source_file}: empty file")
    header = [h.strip() for h in rows[0]]
    expected = list(KEMNAKER_COLUMNS)
    if header != expected:
        hint = ""
        if len(header) == 1 and ("," in rows[0][0] or "\t" in rows[0][0]):
            hint = " (the file is not ';'-separated)"
        raise ParseError(
            f"{source_file}: line 1: expected the ';'-separated header {';'.join(expected)}, found {rows[0]!r}{hint}"
        )
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(expected):
            raise ParseError(
                f"{source_file}: line {i}: expected {len(expected)} ';'-separated fields, found {len(row)}: {row!r}"
            )
        name = row[0].strip()
        if not name:
            raise ParseError(f"{source_file}: line {i}, column provinsi: empty province name")
        if name.casefold() in seen:
            raise PanelError(
                f"{source_file}: line {i}: duplicate province-year: province {name!r}, year {REFERENCE_YEAR} (first on line {seen[name.casefold()]})"
            )
        seen[name.casefold()] = i
        rec: dict[str, Any] = {"province_name": name, "line": i}
        for col, cell in zip(expected[1:], row[1:]):
            rec[KEMNAKER_COLUMNS[col]] = _number(cell, f"{source_file}: line {i} ({name}), column {col}")
        total = rec["bpjstk_pu"] + rec["bpjstk_bpu"] + rec["bpjstk_jakon"]
        if total != rec["bpjstk_total"]:
            raise ParseError(
                f"{source_file}: line {i} ({name}): peserta_pu + peserta_bpu + peserta_jakon = {total:.0f} "
                f"but total_peserta = {rec['bpjstk_total']:.0f}"
            )
        records.append(rec)
    if not records:
        raise ParseError(f"{source_file}: no data rows")
    return pd.DataFrame.from_records(records)


def read_kemnaker_participants(bundle: Any = None, resolver: Any = None) -> pd.DataFrame:
    """Active BPJS-TK participants by province and segment, December 2023 (source S01).

    Parameters
    ----------
    bundle : DataBundle, optional
        The data bundle (located with :meth:`DataBundle.locate` if None).
    resolver : RegionResolver, optional
        Name -> BPS code resolver (built from the bundle if None).

    Returns
    -------
    pandas.DataFrame
        One row per province (34, pre-split Papua) in file order with columns ``province_code``
        (str), ``province_name`` (as printed), ``year`` (2023), ``reference_period`` ('2023-12'),
        ``bpjstk_pu``, ``bpjstk_bpu``, ``bpjstk_jakon``, ``bpjstk_total`` (persons, float),
        ``source_id`` ('S01'), ``source_file``, ``origin``.

    Raises
    ------
    ParseError, PanelError
        See :func:`parse_kemnaker_participants`; RegionError for an unknown province name.
    """
    if bundle is None:
        from jamsostek_analysis.data.bundle import DataBundle

        bundle = DataBundle.locate()
    path = Path(bundle.path(KEMNAKER_RELPATH))
    from jamsostek_analysis.data.sources._text import read_text_file

    df = parse_kemnaker_participants(read_text_file(path), source_file=path.name)
    if resolver is None:
        from jamsostek_analysis.data.regions import RegionResolver

        resolver = RegionResolver.from_bundle(bundle)
    codes = [
        str(resolver.province_code(n, file=path.name, row=int(line)))
        for n, line in zip(df["province_name"], df["line"])
    ]
    dup = pd.Series(codes).duplicated(keep=False)
    if dup.any():
        names = df.loc[dup.to_numpy(), "province_name"].tolist()
        raise PanelError(
            f"{path.name}: duplicate province-year: province names {names} resolve to the same BPS code (year {REFERENCE_YEAR})"
        )
    df.insert(0, "province_code", codes)
    df.insert(2, "year", REFERENCE_YEAR)
    df.insert(3, "reference_period", REFERENCE_PERIOD)
    df = df.drop(columns="line")
    df["source_id"] = SOURCE_ID
    df["source_file"] = path.name
    df["origin"] = bundle.origin(path)
    return df.reset_index(drop=True)
