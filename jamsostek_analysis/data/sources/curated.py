"""Hand-curated tables in ``curated/`` (facts quoted from public pages, one ``source_id`` per row).

Codes stay strings (``region_code`` '0' is the national row, ``province_code`` '61'), ``value``
is a float and ``year`` an integer; every other column is kept as text exactly as stored.
``sources.csv`` maps every source id to its address and licence.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from jamsostek_analysis.errors import ParseError

__all__ = ["read_curated", "read_sources", "list_curated", "SOURCES_COLUMNS"]

CURATED_DIR = "curated"
SOURCES_COLUMNS = [
    "source_id",
    "kind",
    "publisher_or_repo",
    "address",
    "path",
    "commit",
    "licence_or_terms",
    "what_it_is",
    "in_this_bundle",
]
#: tables that describe codes rather than quote statements carry no source_id column
REFERENCE_TABLES = {"region_codes_bps_province.csv"}
_CODE_COLUMN = re.compile(r"(^|_)code(_|$)")


def _bundle(bundle: Any) -> Any:
    if bundle is None:
        from jamsostek_analysis.data.bundle import DataBundle

        return DataBundle.locate()
    return bundle


def list_curated(bundle: Any = None) -> list[str]:
    """File names of the curated tables (``*.csv`` in ``curated/``, bundle and user additions)."""
    return [p.name for p in _bundle(bundle).files(CURATED_DIR, "*.csv")]


def _typed(raw: pd.DataFrame, source_file: str) -> pd.DataFrame:
    """Convert ``value`` to float (text kept in ``value_text``) and ``year`` to int, naming the row of a bad year."""
    df = raw.copy()
    if "value" in df.columns:
        # bands such as '1-5' are statements too: keep the text, value is NaN there
        df.insert(df.columns.get_loc("value") + 1, "value_text", df["value"])
        s = df["value"].fillna("").str.strip()
        df["value"] = pd.to_numeric(s.where(s != "", None), errors="coerce").astype(float)
    for col, kind in (("year", "integer year"),):
        if col not in df.columns:
            continue
        s = df[col].fillna("").str.strip()
        num = pd.to_numeric(s.where(s != "", None), errors="coerce")
        bad = (num.isna() & (s != "")) | ((col == "year") & num.notna() & (num % 1 != 0))
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise ParseError(f"{source_file}: line {i + 2}, column {col}: expected a {kind}, found {s.iloc[i]!r}")
        df[col] = num.astype("Int64") if col == "year" else num.astype(float)
    return df


def read_curated(bundle: Any = None, name: str = "") -> pd.DataFrame:
    """Read one curated table with codes as strings and its ``source_id`` kept.

    Parameters
    ----------
    bundle : DataBundle, optional
        The data bundle (located if None).
    name : str
        File name in ``curated/``, with or without ``.csv`` (e.g. ``'bps_labour_national'``).

    Returns
    -------
    pandas.DataFrame
        All columns as stored; ``value`` float (NaN where empty or not a single number, e.g. the
        band '1-5'), ``value_text`` (the cell as stored), ``year`` nullable Int64, every other column
        text (``*_code`` columns and ``source_id`` included), plus ``source_file``.

    Raises
    ------
    BundleError
        No such file. ParseError: no ``source_id`` column (reference tables such as
        ``region_codes_bps_province.csv`` excepted), an empty ``source_id`` cell, or a
        non-integer ``year`` cell (the message names line and column).
    """
    bundle = _bundle(bundle)
    if not name:
        raise ParseError("read_curated: expected a file name in curated/, e.g. 'bps_labour_national'")
    fname = name if name.endswith(".csv") else f"{name}.csv"
    path = Path(bundle.path(f"{CURATED_DIR}/{fname}"))
    import io

    from jamsostek_analysis.data.sources._text import read_text_file

    try:
        raw = pd.read_csv(io.StringIO(read_text_file(path)), dtype=str, keep_default_na=False, na_values=[])
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ParseError(f"{fname}: malformed CSV ({str(exc).strip()})") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    raw = raw.replace({"": pd.NA})
    if fname != "sources.csv" and fname not in REFERENCE_TABLES:
        if "source_id" not in raw.columns:
            raise ParseError(f"{fname}: expected a source_id column, found {list(raw.columns)}")
        empty = raw["source_id"].isna()
        if empty.any():
            i = int(empty.to_numpy().nonzero()[0][0])
            raise ParseError(f"{fname}: line {i + 2}, column source_id: empty; every curated row needs a source id")
    df = _typed(raw, fname)
    for col in df.columns:
        if _CODE_COLUMN.search(col) and col not in ("value", "year"):
            df[col] = df[col].str.strip()
    df["source_file"] = fname
    return df


def read_sources(bundle: Any = None) -> pd.DataFrame:
    """``curated/sources.csv``: one row per source id with address, licence and where it is used.

    Raises
    ------
    ParseError
        Columns differ from :data:`SOURCES_COLUMNS` or a source id is empty or repeated.
    """
    df = read_curated(bundle, "sources.csv").drop(columns="source_file")
    if list(df.columns) != SOURCES_COLUMNS:
        raise ParseError(f"sources.csv: expected columns {SOURCES_COLUMNS}, found {list(df.columns)}")
    ids = df["source_id"]
    if ids.isna().any():
        raise ParseError(f"sources.csv: line {int(ids.isna().to_numpy().nonzero()[0][0]) + 2}, column source_id: empty")
    dup = ids.duplicated()
    if dup.any():
        raise ParseError(f"sources.csv: source_id {ids[dup].iloc[0]!r} appears more than once")
    return df.reset_index(drop=True)
