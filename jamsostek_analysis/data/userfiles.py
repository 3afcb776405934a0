"""Files a user hands to the package that are not part of the data bundle (e.g. a panel CSV for ``estimate``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from jamsostek_analysis.errors import ParseError


def read_panel_csv(path: str | os.PathLike, *, text_columns: Sequence[str] = ()) -> pd.DataFrame:
    """Read a long panel (one row per unit and period) from a CSV file.

    Parameters
    ----------
    path
        The CSV file (header row, comma-separated).
    text_columns
        Columns read as text so that codes keep their form (``'011'`` stays distinct from ``'11'``).

    Raises
    ------
    ParseError
        The file does not exist or cannot be parsed as CSV (the message names the file).
    """
    src = Path(path)
    if not src.is_file():
        raise ParseError(f"data file {str(src)!r} not found; expected a panel CSV with a header row")
    try:
        return pd.read_csv(src, dtype={c: str for c in text_columns})
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise ParseError(f"could not read {str(src)!r} as CSV: {exc}") from exc
