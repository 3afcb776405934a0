"""Secondary compilations in ``raw/compiled/`` (not official exports; every row is flagged).

Only the province-year panel R2-D1 (``den_econ_annual_full_extract.csv``, a hand transcription of
11 columns plus 3 lag columns of den-econ/phk_dashboard ``annual_full.csv``) is read here: it is the
only source of BPJS-TK participants by province for 2022-2025 and of province counts of employed
persons and employees. Read ``raw/compiled/README.md`` before using it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jamsostek_analysis.errors import PanelError, ParseError
from jamsostek_analysis.geography import NEW_PAPUA, PAPUA_PARENTS

__all__ = [
    "COMPILED_PANEL_RELPATH",
    "COMPILED_PANEL_COLUMNS",
    "LAG_COLUMNS",
    "check_lags",
    "parse_compiled_panel",
    "read_compiled_panel",
]

COMPILED_PANEL_RELPATH = "raw/compiled/den_econ_annual_full_extract.csv"
COMPILED_PANEL_COLUMNS = [
    "province", "year", "formal_pct", "employed", "tpt", "employees_buruh", "agri_count", "agri_share",
    "ump_thousand", "bpjstk_pu", "bpjstk_bpu", "lag1_formal_pct", "lag1_bpjstk_pu", "lag1_bpjstk_bpu",
]  # fmt: skip
NUMERIC_COLUMNS = COMPILED_PANEL_COLUMNS[2:]
#: lag column -> column it must equal in the previous year
LAG_COLUMNS = {"lag1_formal_pct": "formal_pct", "lag1_bpjstk_pu": "bpjstk_pu", "lag1_bpjstk_bpu": "bpjstk_bpu"}
SOURCE_ID = "R2-D1"


def parse_compiled_panel(text_or_frame: str | pd.DataFrame, source_file: str = COMPILED_PANEL_RELPATH) -> pd.DataFrame:
    """Parse the R2-D1 transcription: exact header, numeric cells, one row per province-year.

    Parameters
    ----------
    text_or_frame : str or DataFrame
        Either the CSV text or a frame already read with ``dtype=str``.
    source_file : str
        Name used in error messages.

    Returns
    -------
    pandas.DataFrame
        The 14 columns, ``province`` as printed (str), ``year`` int, the rest float (NaN where empty),
        plus ``line`` (1-based line in the file).

    Raises
    ------
    ParseError
        Wrong header (or delimiter), a non-numeric cell (names line and column), a non-integer year.
    PanelError
        A duplicate province-year (names file, line, province and year).
    """
    if isinstance(text_or_frame, str):
        import io

        _check_field_counts(text_or_frame.lstrip("\ufeff"), source_file)
        try:
            raw = pd.read_csv(io.StringIO(text_or_frame.lstrip("\ufeff")), dtype=str, keep_default_na=False)
        except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ParseError(f"{source_file}: malformed CSV ({str(exc).strip()})") from exc
    else:
        raw = text_or_frame.astype(str)
    cols = [str(c).strip() for c in raw.columns]
    if cols != COMPILED_PANEL_COLUMNS:
        raise ParseError(
            f"{source_file}: line 1: expected the comma-separated header {','.join(COMPILED_PANEL_COLUMNS)}, found {cols}"
        )
    out = pd.DataFrame({"province": raw.iloc[:, 0].str.strip(), "line": np.arange(2, len(raw) + 2)})
    years = pd.to_numeric(raw["year"].str.strip(), errors="coerce")
    bad = years.isna() | (years != np.floor(years))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ParseError(
            f"{source_file}: line {i + 2}, column year: expected an integer year, found {raw['year'].iloc[i]!r}"
        )
    out["year"] = years.astype(int).to_numpy()
    for col in NUMERIC_COLUMNS:
        s = raw[col].str.strip()
        num = pd.to_numeric(s.where(s != "", None), errors="coerce")
        bad = num.isna() & (s != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ParseError(
                f"{source_file}: line {i + 2} ({out['province'].iloc[i]} {out['year'].iloc[i]}), column {col}: "
                f"expected a number or an empty cell, found {s.iloc[i]!r}"
            )
        out[col] = num.astype(float).to_numpy()
    key = out["province"].str.casefold() + "|" + out["year"].astype(str)
    dup = key.duplicated(keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero((key == key.iloc[i]).to_numpy())[0])
        raise PanelError(
            f"{source_file}: line {i + 2}: duplicate province-year: province {out['province'].iloc[i]}, "
            f"year {out['year'].iloc[i]} (first on line {first + 2})"
        )
    return out[["province", "year", *NUMERIC_COLUMNS, "line"]]


def _check_field_counts(text: str, source_file: str) -> None:
    """ParseError naming the first line whose number of fields differs from the header's."""
    import csv
    import io

    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise ParseError(f"{source_file}: malformed CSV ({exc})") from exc
    if not rows:
        raise ParseError(f"{source_file}: malformed CSV (empty file, expected the header line)")
    n = len(rows[0])
    for i, row in enumerate(rows[1:], start=2):
        if row and len(row) != n:
            raise ParseError(
                f"{source_file}: line {i}: malformed CSV: expected {n} comma-separated fields, found {len(row)}"
            )


def check_lags(df: pd.DataFrame, source_file: str = COMPILED_PANEL_RELPATH, key: str = "province") -> list[str]:
    """Check that every lag-1 cell equals the previous year's value of the same province.

    Parameters
    ----------
    df : DataFrame
        Output of :func:`parse_compiled_panel` (``key`` identifies the province).
    source_file : str
        Name used in the messages.
    key : str
        Province column.

    Returns
    -------
    list of str
        One message per mismatch (empty if all agree). Every non-empty lag cell is compared (306 in
        the bundle file); a non-empty lag cell without a previous-year value is a mismatch. Empty
        lag cells are not compared (first year 2022; the 2025 rows of the new Papua provinces
        leave ``lag1_formal_pct`` empty although 2024 has a value).
    """
    prev = df.set_index([df[key].str.casefold(), df["year"] + 1])
    problems: list[str] = []
    for lag, col in LAG_COLUMNS.items():
        for pos in range(len(df)):
            row = df.iloc[pos]
            idx = (str(row[key]).casefold(), int(row["year"]))
            lag_v = row[lag]
            prev_v = prev[col].get(idx, np.nan) if idx in prev.index else np.nan
            if pd.isna(lag_v):
                continue  # empty lag cell: nothing to compare (first year, new provinces)
            if pd.isna(prev_v) or float(lag_v) != float(prev_v):
                problems.append(
                    f"{source_file}: line {int(row['line'])} ({row[key]} {int(row['year'])}), column {lag}: "
                    f"{lag_v} but {col} in {int(row['year']) - 1} is {prev_v}"
                )
    return problems


def read_compiled_panel(bundle: Any = None, resolver: Any = None, *, check: bool = True) -> pd.DataFrame:
    """The compiled province-year panel R2-D1 (2022-2025), flagged as secondary.

    Parameters
    ----------
    bundle : DataBundle, optional
        The data bundle (located if None).
    resolver : RegionResolver, optional
        Name -> BPS code resolver (built from the bundle if None).
    check : bool
        Raise if any lag column disagrees with the previous year's value.

    Returns
    -------
    pandas.DataFrame
        One row per province-year (144 rows: 34 provinces 2022-2023, 38 in 2024-2025) sorted by
        year and province_code, columns ``province_code`` (str), ``province_name`` (as printed),
        ``year``, the 12 numeric columns of the file (float, NaN where empty; counts in persons,
        ``ump_thousand`` in thousand IDR, percentages as printed), ``bpjstk_presplit_papua`` (True
        for the 91/94 rows of a year in which the file has new Papua provinces (92/95/96/97) but
        no BPJS-TK values for them: those BPJS-TK cells follow the pre-split geography while the
        Sakernas columns of the same row are post-split), ``secondary`` (True), ``source_id``
        ('R2-D1'), ``source_file``, ``origin``.

    Raises
    ------
    ParseError
        Malformed file or (``check=True``) lag columns that disagree (all mismatches listed).
    PanelError
        Duplicate province-year (also two names resolving to one code).
    """
    if bundle is None:
        from jamsostek_analysis.data.bundle import DataBundle

        bundle = DataBundle.locate()
    path = Path(bundle.path(COMPILED_PANEL_RELPATH))
    from jamsostek_analysis.data.sources._text import read_text_file

    df = parse_compiled_panel(read_text_file(path), source_file=path.name)
    if check:
        problems = check_lags(df, source_file=path.name)
        if problems:
            raise ParseError(
                f"{path.name}: {len(problems)} lag cell(s) differ from the previous year's value:\n"
                + "\n".join(problems)
            )
    if resolver is None:
        from jamsostek_analysis.data.regions import RegionResolver

        resolver = RegionResolver.from_bundle(bundle)
    first_line = df.drop_duplicates("province").set_index("province")["line"]
    code_of = {n: str(resolver.province_code(n, file=path.name, row=int(line))) for n, line in first_line.items()}
    df.insert(0, "province_code", df["province"].map(code_of))
    df = df.rename(columns={"province": "province_name"})
    dup = df.duplicated(["province_code", "year"], keep=False)
    if dup.any():
        rows = df.loc[dup, ["province_name", "year", "line"]].to_dict("records")
        raise PanelError(
            f"{path.name}: duplicate province-year: rows {rows} resolve to the same province code and year"
        )
    presplit = pd.Series(False, index=df.index)
    for year, g in df.groupby("year"):
        new = g[g["province_code"].isin(NEW_PAPUA)]
        if len(new) and new[["bpjstk_pu", "bpjstk_bpu"]].isna().all().all():
            presplit |= (df["year"] == year) & df["province_code"].isin(PAPUA_PARENTS)
    df["bpjstk_presplit_papua"] = presplit.to_numpy()
    df = df.drop(columns="line")
    df["secondary"] = True
    df["source_id"] = SOURCE_ID
    df["source_file"] = path.name
    df["origin"] = bundle.origin(path)
    return df.sort_values(["year", "province_code"], kind="stable").reset_index(drop=True)
