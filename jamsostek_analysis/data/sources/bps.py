"""BPS web-table exports (``raw/bps/<topic>/*.csv`` and the Gini ``.xlsx`` files) -> tidy long tables.

Two layouts are recognised (:func:`read_bps_table` picks one from the header, else ParseError):

``stacked`` (the BPS "download table" export)
    row 1: the region header (``38 Provinsi``, ``Wilayah``, ``Nama Wilayah``,
    ``Provinsi/Kabupaten/Kota/Indonesia``, ``Provinsi di Indonesia``) and nothing else;
    row 2: ``,<title>``; then header rows whose first cell is empty: category rows (``Perkotaan``,
    ``Harga Berlaku``; merged cells are forward-filled), a year row (four-digit years) and a period
    row (``Semester 1 (Maret)``, ``Februari``, ``Tahunan`` ...). Data rows follow.
``flat`` (one header row)
    ``Provinsi,<indicator> - <period> (<unit>),...``; the title is the file name without the year
    (the file has no title row) and the year is the file name's year.

Output (one row per cell; see :data:`COLUMNS`)
    ``region_name`` (as printed), ``region_code`` (``'00'`` national, 2-digit province, 4-digit
    district, ``<NA>`` for a district name not in the BPS 2020 list), ``region_level``, ``year``,
    ``period`` (``'March'``, ``'September'``, ``'Annual'`` (*Tahunan*), ``'February'``, ``'August'``,
    ``'NA'`` when the table has none), ``category``, ``value`` (float; NaN for ``-``, ``–``,
    ``...``, empty), ``title``, ``unit``, ``source_file``; plus ``indicator`` (normalised title
    stem: the same table in different years or wordings gets the same id), ``parent_code`` (for
    district rows, the code of the province row the district is printed under; the schooling
    tables print the Papua districts under both the pre-split and the post-split provinces) and
    ``note`` (a footnote marker printed next to a value, e.g. ``'(*)'``; empty otherwise).

Category normalisation
    Area labels are unified: ``Kota``/``Perkotaan`` -> ``Perkotaan``, ``Desa``/``Perdesaan`` ->
    ``Perdesaan``, ``Kota+Desa``/``Perkotaan+Perdesaan``/``Jumlah`` -> ``Jumlah``. Tables without a
    category dimension (one indicator per region) get ``Jumlah``. Flat-table columns give the
    sub-indicator: ``Garis Kemiskinan``, ``Jumlah Penduduk Miskin (ribu)``, ``Persentase Penduduk
    Miskin``, ``TPT``, ``TPAK``, ``Jumlah Penduduk (ribu)``, ``Laju Pertumbuhan Penduduk per Tahun``,
    ``Persentase Penduduk``, ``Kepadatan Penduduk per km persegi``, ``Rasio Jenis Kelamin Penduduk``.
    The national *Menurut Daerah* tables print the areas as rows: they become ``INDONESIA`` rows
    with the area as category.

Numbers are kept as published (no rounding). Missing markers become NaN, never 0. A value with
both ``.`` and ``,`` uses the last one as the decimal mark; several ``.`` (or several ``,``) are
thousands separators; a single ``,`` is a decimal comma unless the file writes thousands with
commas elsewhere.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from jamsostek_analysis.errors import ParseError, RegionError
from jamsostek_analysis.data.sources._text import read_text_file

if TYPE_CHECKING:  # pragma: no cover
    from jamsostek_analysis.data.bundle import DataBundle
    from jamsostek_analysis.data.regions import RegionResolver

COLUMNS: list[str] = [
    "region_name",
    "region_code",
    "region_level",
    "year",
    "period",
    "category",
    "value",
    "title",
    "unit",
    "source_file",
    "indicator",
    "parent_code",
    "note",
]
"""Columns of :func:`read_bps_table` (``read_bps_topic`` adds ``origin``)."""

KEY_COLUMNS: list[str] = [
    "indicator",
    "region_level",
    "region_code",
    "region_name",
    "parent_code",
    "year",
    "period",
    "category",
]
"""Columns identifying one published cell (``region_name`` only matters where the code is <NA>)."""

MISSING_MARKERS = frozenset({"", "-", "\u2013", "\u2014", "...", "\u2026", "..", "NA", "N/A", "n.a.", "na"})

PERIODS: dict[str, str] = {
    "semester 1 (maret)": "March",
    "semester 2 (september)": "September",
    "semester 1 (march)": "March",
    "tahunan": "Annual",
    "maret": "March",
    "september": "September",
    "februari": "February",
    "agustus": "August",
    "march": "March",
    "february": "February",
    "august": "August",
    "annual": "Annual",
}
"""Printed period label (lower case) -> normalised period."""

AREAS: dict[str, str] = {
    "kota": "Perkotaan",
    "perkotaan": "Perkotaan",
    "desa": "Perdesaan",
    "perdesaan": "Perdesaan",
    "kota+desa": "Jumlah",
    "perkotaan+perdesaan": "Jumlah",
    "kota + desa": "Jumlah",
    "perkotaan + perdesaan": "Jumlah",
    "jumlah": "Jumlah",
    "total": "Jumlah",
}
"""Printed area label (lower case) -> normalised category."""

PRICE_LABEL = re.compile(r"^Harga (Berlaku|Konstan(?: \d{4})?)$")
"""Other category labels of the stacked header (GRDP tables: current / constant prices)."""

NO_PERIOD = "NA"
NO_CATEGORY = "Jumlah"

_YEAR = re.compile(r"^(19|20)\d{2}$")
_FILE_YEAR = re.compile(r",\s*((?:19|20)\d{2})(?:\s*\(\d+\))?\s*$")
_FOOTNOTE_START = re.compile(r"^\s*(catatan|sumber|source|keterangan|note|notes|<|\"?\d+\s*<|\d+\s*[A-Za-z])", re.I)
_MARKER = re.compile(r"^(?P<num>.*?)\s*(?P<mark>\(\*+\)|\*+|\([a-z]\)|<sup>.*?</sup>)$")
_PAREN = re.compile(r"\(([^()]*)\)")
_ACRONYM = re.compile(r"^[A-Z0-9]{1,6}$")
_DISTRICT_HINT = re.compile(r"kabupaten|kab/kota|nama wilayah", re.I)


@dataclass
class _Column:
    """One value column of a table."""

    index: int  # 0-based position in the row
    label: str  # for messages
    year: int
    period: str
    category: str
    unit: str


# ---------------------------------------------------------------------------------------------
# reading raw rows


def _read_rows(path: Path) -> list[list]:
    """Rows of a .csv (UTF-8 with or without BOM) or the first sheet of a .xlsx, as lists."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for bad files
            raise ParseError(f"{path.name}: cannot open workbook ({exc})") from exc
        try:
            ws = wb[wb.sheetnames[0]]
            rows = [[_clean_cell(v) for v in r] for r in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
        return rows
    text = read_text_file(path, line_word="row")
    text = text.replace("\u00a0", " ").replace("\ufeff", "")
    try:
        return [[c.strip() for c in r] for r in csv.reader(io.StringIO(text, newline=""), strict=True)]
    except csv.Error as exc:
        raise ParseError(f"{path.name}: malformed CSV ({exc})") from exc


def _clean_cell(v):
    """Workbook cell: None -> '', text stripped (no-break spaces to spaces), numbers kept."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v.replace("\u00a0", " ").replace("\ufeff", "").strip()
    return v


def _s(v) -> str:
    """Cell as text (cells are cleaned when read)."""
    return v if isinstance(v, str) else str(v)


def _is_blank(row: Sequence) -> bool:
    return all(v == "" for v in row)


def _file_year(path: Path) -> int | None:
    m = _FILE_YEAR.search(path.stem)
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------------------------
# header interpretation


def _unit_of(text: str) -> str:
    """Last parenthetical of ``text`` that is not an acronym such as (P0), (IPM), (TPT)."""
    units = [u.strip() for u in _PAREN.findall(text) if u.strip() and not _ACRONYM.match(u.strip())]
    return units[-1] if units else ""


def indicator_id(title: str) -> str:
    """Normalised table id from a title: stem before 'menurut', unit parentheses and 'dan' removed.

    Examples
    --------
    >>> indicator_id('Garis Kemiskinan (Rupiah/Kapita/Bulan) Menurut Provinsi dan Daerah')
    'garis kemiskinan'
    >>> indicator_id('Persentase Penduduk Miskin (P0) Menurut Kabupaten/Kota (Persen)')
    'persentase penduduk miskin p0'
    """
    t = unicodedata.normalize("NFKC", title).replace("\u00a0", " ")
    t = re.sub(r"\[.*?\]", " ", t)
    t = re.split(r"\bmenurut\b", t, flags=re.I)[0]
    t = _PAREN.sub(lambda m: " " + m.group(1) + " " if _ACRONYM.match(m.group(1).strip()) else " ", t)
    words = [w for w in re.sub(r"[^a-z0-9]+", " ", t.lower()).split() if w != "dan"]
    return " ".join(words)


def _period_of(label: str) -> str | None:
    return PERIODS.get(" ".join(label.lower().split()))


_PERIOD_LABELS = [k for k in PERIODS if " " in k or k.isalpha()]


def _known_category(label: str) -> bool:
    """True for an area label (:data:`AREAS`) or a price basis (:data:`PRICE_LABEL`)."""
    return " ".join(label.lower().split()) in AREAS or bool(PRICE_LABEL.match(" ".join(label.split())))


def _category_of(label: str) -> str:
    return AREAS.get(" ".join(label.lower().split()), label)


def _flat_column(label: str) -> tuple[str, str, str]:
    """(category, period, unit) of a flat-table header such as
    ``'Jumlah Penduduk Miskin - Maret (ribu) (Ribu)'`` -> ``('Jumlah Penduduk Miskin (ribu)', 'March', 'Ribu')``."""
    text = " ".join(label.split())
    parens = [p.strip() for p in _PAREN.findall(text)]
    base = _PAREN.sub(" ", text)
    period = NO_PERIOD
    m = re.match(r"^(.*?)\s+-\s+(\S.*?)\s*$", base)
    if m and _period_of(m.group(2)) is None:
        raise ParseError(
            f"unknown period label {m.group(2)!r} in header {label!r}; expected one of "
            f"{', '.join(sorted(set(_PERIOD_LABELS)))}"
        )
    if m:
        base, period = m.group(1), _period_of(m.group(2))
    base = " ".join(base.split())
    acronyms = [p for p in parens if _ACRONYM.match(p)]
    units = [p for p in parens if not _ACRONYM.match(p)]
    unit = units[-1] if units else ""
    if unit and re.search(r"\bper\s+km\s+persegi$", base, re.I):
        unit = f"per {unit}"  # 'Kepadatan Penduduk per km persegi (Km2)': people per km2
    if acronyms:
        category = acronyms[-1]
    elif unit.lower() in ("ribu", "ribu jiwa", "thousand"):
        category = f"{base} (ribu)"
    else:
        category = base
    return category, period, unit


# ---------------------------------------------------------------------------------------------
# values


_NUM = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")
_NUMERIC_TEXT = re.compile(r"^[+-]?\d[\d.,]*$")

#: number conventions of a file: decimal mark and thousands separator
CONVENTIONS: dict[str, tuple[str, str]] = {"point": (".", ","), "comma": (",", ".")}


def _strip_number(cell: str) -> str:
    """Text of a numeric cell without footnote marker, spaces and sign-irrelevant blanks."""
    m = _MARKER.match(cell)
    if m and m.group("num"):
        cell = m.group("num").strip()
    return cell.replace(" ", "").replace("\u202f", "")


def _evidence(body: str) -> str | None:
    """Which convention one numeric text proves: 'comma' (``1.234,5``, ``1.234.567``, ``12,5``),
    'point' (``1,234.5``, ``1,234,567``, ``12.5``) or None (no separator, or one separator followed
    by exactly three digits: ``6.643`` and ``6,643`` fit both)."""
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        return "comma" if body.rfind(",") > body.rfind(".") else "point"
    if dots > 1:
        return "comma"
    if commas > 1:
        return "point"
    if dots == 1:
        return None if len(body) - body.rfind(".") - 1 == 3 else "point"
    if commas == 1:
        return None if len(body) - body.rfind(",") - 1 == 3 else "comma"
    return None


def number_convention(cells: Sequence[tuple[str, str]], name: str) -> str | None:
    """Decide a file's number convention once, from all its text cells.

    Parameters
    ----------
    cells : sequence of (cell text, where)
        Every text value cell of the file with its position (``'row 5, column 3'``) for messages.
    name : str
        File name for messages.

    Returns
    -------
    str or None
        ``'point'`` (decimal point, comma thousands), ``'comma'`` (decimal comma, point
        thousands) or None when no cell decides it (every separator is a lone ``.`` or a lone
        ``,``; each is then read as the decimal mark).

    Raises
    ------
    ParseError
        If some cells prove one convention and others the other one (``5.482,5`` next to
        ``12.5``), or, with no proof either way, lone ``.`` and lone ``,`` both occur: the file
        mixes number formats and no reading is safe (the message names both cells).
    """
    first: dict[str, str] = {}
    lone: dict[str, str] = {}
    for text, where in cells:
        body = _strip_number(text).lstrip("+-")
        if not body or not _NUMERIC_TEXT.match(body) or not body[-1].isdigit():
            continue
        ev = _evidence(body)
        if ev is not None:
            first.setdefault(ev, f"{where} ({text!r})")
        elif "." in body or "," in body:
            lone.setdefault("." if "." in body else ",", f"{where} ({text!r})")
    if len(first) == 2:
        raise ParseError(
            f"{name}: mixed number formats: {first['comma']} uses a decimal comma but "
            f"{first['point']} a decimal point; expected one convention per file"
        )
    if first:
        return next(iter(first))
    if len(lone) == 2:
        raise ParseError(
            f"{name}: mixed number formats: {lone['.']} and {lone[',']} use different "
            "separators and no cell shows which is the decimal mark; expected one convention per file"
        )
    return None


def _to_float(cell, convention: str | None) -> tuple[float, str] | None:
    """(value, footnote marker) or None if ``cell`` is not a number or a missing marker.

    ``convention`` is the file's (see :func:`number_convention`); None reads a lone ``.`` or
    ``,`` as the decimal mark.
    """
    if isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float, np.integer, np.floating)):
        return float(cell), ""
    s = _s(cell)
    mark = ""
    if s in MISSING_MARKERS:
        return float("nan"), ""
    m = _MARKER.match(s)
    if m and m.group("num"):
        s, mark = m.group("num").strip(), m.group("mark")
        if s in MISSING_MARKERS:
            return float("nan"), mark
    if _NUM.match(s) and (convention != "comma" or "." not in s):
        return float(s), mark
    t = s.replace(" ", "").replace("\u202f", "")
    neg = t.startswith("-")
    body = t[1:] if neg or t.startswith("+") else t
    if not re.fullmatch(r"[\d.,]+", body) or not body[0].isdigit() or not body[-1].isdigit():
        return None
    if convention is None:
        if body.count(".") + body.count(",") != 1:
            return None
        num = body.replace(",", ".")
    else:
        dec, th = CONVENTIONS[convention]
        if body.count(dec) > 1:
            return None
        whole, _, frac = body.partition(dec)
        groups = whole.split(th)
        if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
            return None
        num = "".join(groups) + ("." + frac if frac else "")
    return (-float(num) if neg else float(num)), mark


# ---------------------------------------------------------------------------------------------
# layouts


def _parse_header(path: Path, rows: list[list]) -> tuple[str, str, list[_Column], int, str]:
    """(title, region header, value columns, index of first data row, layout)."""
    name = path.name
    if not rows:
        raise ParseError(f"{name}: empty file (no header row)")
    first = [_s(v) for v in rows[0]]
    if len(first) == 1 and ";" in first[0]:
        raise ParseError(
            f"{name}, row 1: expected comma-separated fields, found ';' separators "
            f"in {first[0][:60]!r} (wrong delimiter?)"
        )
    if len(first) < 2:
        raise ParseError(
            f"{name}, row 1: expected a region header and at least one value column, "
            f"found {len(first)} field(s): {first!r}"
        )
    file_year = _file_year(path)
    if first[0] and all(v == "" for v in first[1:]):
        return _parse_stacked(path, rows, file_year)
    if first[0] and all(v != "" for v in first[1:]):
        if file_year is None:
            raise ParseError(f"{name}, row 1: one-row header table but the file name has no ', YYYY' year")
        cols = []
        for j, lab in enumerate(first[1:], start=1):
            try:
                cat, per, unit = _flat_column(lab)
            except ParseError as exc:
                raise ParseError(f"{name}, row 1, column {j + 1}: {exc}") from None
            cols.append(_Column(j, lab, file_year, per, cat, unit))
        title = " ".join(_FILE_YEAR.sub("", path.stem).split())
        return title, first[0], cols, 1, "flat"
    raise ParseError(
        f"{name}, row 1: unknown layout: expected either a region header followed by empty "
        f"cells (BPS stacked export) or a complete one-row header, found {first!r}"
    )


def _parse_stacked(path: Path, rows: list[list], file_year: int | None) -> tuple[str, str, list[_Column], int, str]:
    name = path.name
    ncol = len(rows[0])
    region_header = _s(rows[0][0])
    if len(rows) < 2 or _s(rows[1][0]) != "" or _s(rows[1][1] if len(rows[1]) > 1 else "") == "":
        raise ParseError(f"{name}, row 2: expected the table title in column 2 after an empty first cell")
    title = " ".join(_s(rows[1][1]).split())
    header_rows: list[tuple[int, list[str]]] = []
    i = 2
    while i < len(rows) and _s(rows[i][0] if rows[i] else "") == "":
        if not _is_blank(rows[i]):  # blank rows (GRDP 2011: a header and no data) are skipped
            header_rows.append((i, [_s(v) for v in rows[i]]))
        i += 1
    years: list[int | None] = [None] * ncol
    periods: list[str] = [NO_PERIOD] * ncol
    cat_rows: list[list[str]] = []
    seen_year = seen_period = False
    for ri, cells in header_rows:
        if len(cells) > ncol and not _is_blank(cells[ncol:]):
            raise ParseError(f"{name}, row {ri + 1}: expected {ncol} fields, found {len(cells)}")
        cells = (cells + [""] * ncol)[:ncol]
        vals = [c for c in cells[1:] if c]
        if vals and all(_YEAR.match(c) for c in vals):
            if seen_year:
                raise ParseError(f"{name}, row {ri + 1}: second year row in the header")
            seen_year = True
            last = None
            for j in range(1, ncol):
                last = int(cells[j]) if cells[j] else last
                years[j] = last
        elif vals and all(_period_of(c) is not None for c in vals):
            if seen_period:
                raise ParseError(f"{name}, row {ri + 1}: second period row in the header")
            seen_period = True
            for j in range(1, ncol):
                if cells[j]:
                    periods[j] = _period_of(cells[j])
        elif vals and ri > 1:
            for j, c in enumerate(cells[1:], start=2):
                if c and not _known_category(c):
                    raise ParseError(
                        f"{name}, row {ri + 1}, column {j}: unknown header label {c!r}; expected a year, a period "
                        f"({', '.join(sorted(set(_PERIOD_LABELS)))}), an area ({', '.join(sorted(AREAS))}) or "
                        "'Harga Berlaku' / 'Harga Konstan <year>'"
                    )
            filled, last = [], ""
            for j in range(1, ncol):
                last = cells[j] or last
                filled.append(last)
            cat_rows.append([""] + filled)
        else:
            raise ParseError(f"{name}, row {ri + 1}: header row not understood: {cells!r}")
    cols = []
    for j in range(1, ncol):
        y = years[j] if seen_year else file_year
        if y is None:
            raise ParseError(f"{name}, column {j + 1}: no year in the header nor in the file name")
        if file_year is not None and y != file_year:
            raise ParseError(f"{name}, column {j + 1}: header year {y} differs from the file name year {file_year}")
        cat = " / ".join(_category_of(r[j]) for r in cat_rows if r[j]) or NO_CATEGORY
        label = " / ".join([*(r[j] for r in cat_rows), str(y), periods[j]])
        cols.append(_Column(j, label, y, periods[j], cat, _unit_of(title)))
    return title, region_header, cols, i, "stacked"


# ---------------------------------------------------------------------------------------------
# public


def read_bps_table(path: str | Path, resolver: RegionResolver | None = None) -> pd.DataFrame:
    """Parse one BPS web-table export into a tidy long table (one row per published cell).

    Parameters
    ----------
    path : str or Path
        A ``.csv`` or ``.xlsx`` export (see the module docstring for the layouts).
    resolver : RegionResolver, optional
        Name -> code resolver; :func:`jamsostek_analysis.data.regions.default_resolver` if None.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`, in file order (row by row, column by column). A file with a
        header but no data rows (GRDP 2011) gives an empty table with these columns.

    Raises
    ------
    ParseError
        Unknown layout, wrong delimiter, a row with fewer fields than the header (truncated file),
        a cell that is neither a number nor a missing marker, data after the footnotes, a header
        year different from the file name's year, or a duplicated cell; the message names the
        file, row (1-based line of the table) and column.
    RegionError
        A region name in a province table that is neither a province nor INDONESIA (message
        names the file and row). Unknown district names do not raise: code <NA>.
    """
    if resolver is None:
        from jamsostek_analysis.data.regions import default_resolver

        resolver = default_resolver()
    from jamsostek_analysis.data.regions import NATIONAL_CODE

    path = Path(path)
    name = path.name
    rows = _read_rows(path)
    while rows and _is_blank(rows[-1]):
        rows.pop()
    title, region_header, cols, start, _layout = _parse_header(path, rows)
    ncol = len(rows[0])
    unit_title = _unit_of(title)
    indicator = indicator_id(title)
    district_table = bool(_DISTRICT_HINT.search(region_header) or _DISTRICT_HINT.search(title))
    data_rows = rows[start:]
    area_rows = (
        bool(data_rows)
        and all(_s(r[0]).lower() in AREAS for r in data_rows if r and _s(r[0]) and not _is_blank(r[1:]))
        and any(_s(r[0]) for r in data_rows)
    )
    convention = number_convention(
        [
            (v, f"row {start + k + 1}, column {j + 1}")
            for k, r in enumerate(data_rows)
            for j, v in enumerate(r[1:ncol], start=1)
            if isinstance(v, str)
        ],
        name,
    )

    out: dict[str, list] = {c: [] for c in COLUMNS}
    out_rows: list[int] = []
    province_ctx: str | None = None
    footnotes_from: int | None = None
    footnotes: list[str] = []
    unresolved: list[str] = []
    for k, row in enumerate(data_rows):
        lineno = start + k + 1
        label = _s(row[0]) if row else ""
        values_blank = _is_blank(row[1:])
        if footnotes_from is not None:
            if not values_blank:
                raise ParseError(f"{name}, row {lineno}: data after the footnotes that start at row {footnotes_from}")
            if label:
                footnotes.append(label)
            continue
        if _is_blank(row):
            footnotes_from = lineno
            continue
        if len(row) < ncol:
            if values_blank and _FOOTNOTE_START.match(label) and not _is_region(resolver, label):
                footnotes_from = lineno
                footnotes.append(label)
                continue
            missing = cols[max(len(row) - 1, 0)]
            raise ParseError(
                f"{name}, row {lineno}: expected {ncol} fields, found {len(row)} (truncated row: "
                f"column {missing.index + 1} ({missing.label}) onward missing)"
            )
        if len(row) > ncol and not _is_blank(row[ncol:]):
            raise ParseError(f"{name}, row {lineno}: expected {ncol} fields, found {len(row)}")
        # region
        if area_rows:
            rname, code, level, parent = "INDONESIA", NATIONAL_CODE, "national", None
            row_category = _category_of(label)
        else:
            row_category = None
            rname, parent = label, None
            try:
                if district_table:
                    # province rows are printed in capitals, districts in title case (or 'KOTA ...')
                    code = resolver.province_or_none(label) if label == label.upper() else None
                    if code == NATIONAL_CODE:
                        level = "national"
                    elif code is not None:
                        level, province_ctx = "province", code
                    else:
                        level, parent = "district", province_ctx
                        code = resolver.district_code(label, province_ctx, file=name, row=lineno, record=False)
                        if code is None:
                            if values_blank and _FOOTNOTE_START.match(label):
                                footnotes_from = lineno
                                footnotes.append(label)
                                continue
                            resolver.district_code(label, province_ctx, record=True)  # record it
                            unresolved.append(label)
                else:
                    code, level = (
                        resolver.resolve(label, level="province", file=name, row=lineno)
                        if not resolver.is_national(label)
                        else (NATIONAL_CODE, "national")
                    )
            except RegionError as exc:
                if values_blank:
                    footnotes_from = lineno
                    footnotes.append(label)
                    continue
                raise RegionError(str(exc) if name in str(exc) else f"{name}, row {lineno}: {exc}") from None
        for col in cols:
            cell = row[col.index] if col.index < len(row) else ""
            parsed = _to_float(cell, convention)
            if parsed is None:
                raise ParseError(
                    f"{name}, row {lineno}, column {col.index + 1} ({col.label}): expected a number "
                    f"or a missing marker ('-', '...'), found {_s(cell)!r}"
                )
            value, mark = parsed
            out["region_name"].append(rname)
            out["region_code"].append(code)
            out["region_level"].append(level)
            out["year"].append(col.year)
            out["period"].append(col.period)
            cat = col.category
            if row_category is not None:
                cat = row_category if cat == NO_CATEGORY else f"{cat} / {row_category}"
            out["category"].append(cat)
            out["value"].append(value)
            out["title"].append(title)
            out["unit"].append(col.unit or unit_title)
            out["source_file"].append(name)
            out["indicator"].append(indicator)
            out["parent_code"].append(parent)
            out["note"].append(mark)
            out_rows.append(lineno)
    _check_duplicates(out, name, out_rows)
    df = _frame(out)
    df.attrs["footnotes"] = footnotes
    df.attrs["unresolved_districts"] = unresolved
    df.attrs["source_file"] = name
    return df


def _is_region(resolver: RegionResolver, label: str) -> bool:
    """True if ``label`` names a province or INDONESIA (a cut-off data row, not a footnote)."""
    try:
        return resolver.is_national(label) or resolver.province_or_none(label) is not None
    except RegionError:
        return False


def _frame(out: dict[str, list]) -> pd.DataFrame:
    data = {}
    for c in COLUMNS:
        v = out[c]
        if c in ("region_code", "parent_code"):
            data[c] = pd.array(v, dtype="string")
        elif c == "year":
            data[c] = np.asarray(v, dtype=np.int64)
        elif c == "value":
            data[c] = np.asarray(v, dtype=np.float64)
        else:
            data[c] = np.asarray(v, dtype=object)
    return pd.DataFrame(data, columns=COLUMNS)


def _key_frame(df: pd.DataFrame) -> pd.DataFrame:
    k = df[KEY_COLUMNS].copy()
    k["region_name"] = k["region_name"].where(k["region_code"].isna(), "")
    for c in ("region_code", "parent_code"):
        k[c] = k[c].fillna("")
    return k


def _check_duplicates(out: dict[str, list], name: str, rows: list[int]) -> None:
    """ParseError if one cell (region, year, period, category) is printed twice in a file."""
    seen: dict[tuple, int] = {}
    for i, key in enumerate(
        zip(out["region_level"], out["region_code"], out["parent_code"], out["year"], out["period"], out["category"])
    ):
        if key[1] is None:
            key = (*key, out["region_name"][i])
        if key in seen:
            raise ParseError(
                f"{name}, rows {rows[seen[key]]} and {rows[i]}: cell printed twice: region "
                f"{out['region_name'][i]!r} ({key[1]}), year {key[3]}, period {key[4]}, "
                f"category {key[5]!r}"
            )
        seen[key] = i


def bps_topics(bundle: DataBundle) -> list[str]:
    """Topic folders under ``raw/bps/`` (bundle and user additions), sorted."""
    names = set()
    for base in (bundle.root, *bundle.extra):
        d = Path(base) / "raw" / "bps"
        if d.is_dir():
            names.update(p.name for p in d.iterdir() if p.is_dir())
    return sorted(names)


def read_bps_topic(bundle: DataBundle, topic: str, resolver: RegionResolver | None = None) -> pd.DataFrame:
    """Concatenate every export of ``raw/bps/<topic>/`` (bundle files + user additions).

    Parameters
    ----------
    bundle : DataBundle
        Files are listed with ``bundle.files('raw/bps/<topic>')`` (a user file of the same name
        replaces the bundle's) and tagged with ``bundle.origin(path)`` in the ``origin`` column.
    topic : str
        Folder name, e.g. ``'poverty_province'``.
    resolver : RegionResolver, optional
        Defaults to ``RegionResolver.from_bundle(bundle)``.

    Returns
    -------
    DataFrame
        :data:`COLUMNS` + ``origin``, sorted by file then file order. A cell (indicator, region,
        year, period, category) published by a user-addition file replaces the bundle's cell.
        ``attrs['footnotes']`` and ``attrs['unresolved_districts']`` map each file name to its
        footnote lines and its district names without a BPS 2020 code; ``attrs['overrides']``
        lists every replaced cell as a dict with its old and new value, file and origin
        (keys :data:`OVERRIDE_COLUMNS`; empty list without user additions; ``pd.DataFrame(...)``
        makes it a table), ``attrs['replaced_files']``
        names bundle files replaced whole by a user file of the same name, and a
        ``BundleWarning`` reports both, so an override is never silent.

    Raises
    ------
    ParseError
        If two bundle files (or two files of the same user folder) publish the same cell with
        different values (message names both files); identical repeats are kept once (the first
        file's row).
    """
    if resolver is None:
        from jamsostek_analysis.data.regions import RegionResolver

        resolver = RegionResolver.from_bundle(bundle)
    files = [p for p in bundle.files(f"raw/bps/{topic}") if not p.name.startswith(".")]
    other = [p for p in files if p.suffix.lower() not in (".csv", ".xlsx")]
    if other:
        raise ParseError(
            f"{other[0]}: expected a BPS export (.csv or .xlsx) in raw/bps/{topic}/, "
            f"found {other[0].suffix or 'a file without extension'!r}"
        )
    frames = []
    footnotes: dict[str, list[str]] = {}
    unresolved: dict[str, list[str]] = {}
    for p in files:
        df = read_bps_table(p, resolver)
        if df.empty and bundle.origin(p) != "bundle":
            raise ParseError(
                f"{p}: header but no data rows; a user addition must publish at least one region "
                "(only the bundle's own, checksummed empty files are accepted)"
            )
        footnotes[p.name] = df.attrs.get("footnotes", [])
        unresolved[p.name] = df.attrs.get("unresolved_districts", [])
        df.attrs = {}
        df["origin"] = bundle.origin(p)
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=[*COLUMNS, "origin"])
    df, overrides = _merge_origins(pd.concat(frames, ignore_index=True), return_overrides=True)
    # a user file with the same name as a bundle file replaces that whole file (DataBundle.files)
    shadowed = [
        p.name
        for p in files
        if bundle.origin(p) != "bundle" and (Path(bundle.root) / "raw" / "bps" / topic / p.name).is_file()
    ]
    # records, not a DataFrame: pandas compares attrs when concatenating frames
    df.attrs = {
        "footnotes": footnotes,
        "unresolved_districts": unresolved,
        "overrides": overrides.to_dict("records"),
        "replaced_files": shadowed,
    }
    if shadowed or len(overrides):
        import warnings

        from jamsostek_analysis.data.bundle import BundleWarning

    if shadowed:
        warnings.warn(
            f"raw/bps/{topic}: bundle file(s) {', '.join(shadowed)} replaced by user additions of the same name "
            "(listed in .attrs['replaced_files']; their cells carry origin 'extra:...')",
            BundleWarning,
            stacklevel=2,
        )
    if len(overrides):
        changed = overrides[
            ~(
                (overrides["old_value"] == overrides["value"])
                | (overrides["old_value"].isna() & overrides["value"].isna())
            )
        ]
        files = sorted(set(overrides["source_file"]))
        warnings.warn(
            f"raw/bps/{topic}: {len(overrides)} bundle cell(s) replaced by user additions "
            f"({len(changed)} with a different value) from {', '.join(files)}; "
            "the replaced values are listed in .attrs['overrides']",
            BundleWarning,
            stacklevel=2,
        )
    return df


OVERRIDE_COLUMNS: list[str] = [
    "indicator",
    "region_name",
    "region_code",
    "year",
    "period",
    "category",
    "old_value",
    "old_source_file",
    "old_origin",
    "value",
    "source_file",
    "origin",
]
"""Columns of ``read_bps_topic(...).attrs['overrides']``: one row per bundle (or lower-precedence)
cell replaced by a user addition, with the replaced (``old_*``) and the winning value."""


def _merge_origins(df: pd.DataFrame, return_overrides: bool = False):
    """Resolve repeated cells: same origin -> must be identical; user additions beat the bundle.

    With ``return_overrides`` also return a frame (:data:`OVERRIDE_COLUMNS`) of the replaced cells.
    """
    empty = pd.DataFrame(columns=OVERRIDE_COLUMNS)
    if df.empty:
        return (df, empty) if return_overrides else df
    keys = _key_frame(df)
    kcols = list(keys.columns)
    keys["origin"] = df["origin"].to_numpy()
    keys["_rank"] = np.where(df["origin"].to_numpy() == "bundle", 0, 1)
    keys["_pos"] = np.arange(len(df))
    dup_same = keys.duplicated([*kcols, "origin"], keep=False)
    drop = np.zeros(len(df), dtype=bool)
    if dup_same.any():
        sub = keys[dup_same]
        for _, g in sub.groupby([*kcols, "origin"], sort=False, dropna=False):
            idx = g["_pos"].to_numpy()
            vals = df["value"].to_numpy()[idx]
            same = np.all((vals == vals[0]) | (np.isnan(vals) & np.isnan(vals[0])))
            if not same:
                files = df["source_file"].to_numpy()[idx]
                r = df.iloc[idx[0]]
                raise ParseError(
                    f"{files[0]} and {files[1]} ({g['origin'].iloc[0]}) both publish {r['indicator']!r}, region "
                    f"{r['region_name']!r} ({r['region_code']}), year {r['year']}, period {r['period']}, category "
                    f"{r['category']!r} with different values {vals[0]!r} and {vals[1]!r}"
                )
            drop[idx[1:]] = True
    keys = keys[~drop]
    # user additions override the bundle; among extras, the later (higher precedence) folder wins
    if keys["_rank"].any():
        order = keys.sort_values(["_rank", "_pos"], kind="stable")
        winners = order.drop_duplicates(kcols, keep="last")["_pos"].to_numpy()
        keep = np.zeros(len(df), dtype=bool)
        keep[winners] = True
        keep &= ~drop
        out = df[keep].reset_index(drop=True)
        if not return_overrides:
            return out
        losers = np.flatnonzero(~keep & ~drop)
        win = keys.loc[keys["_pos"].isin(winners), [*kcols, "_pos"]]
        lose = keys.loc[keys["_pos"].isin(losers), [*kcols, "_pos"]]
        pairs = lose.merge(win, on=kcols, suffixes=("_old", "_new"))
        old = df.iloc[pairs["_pos_old"].to_numpy()].reset_index(drop=True)
        new = df.iloc[pairs["_pos_new"].to_numpy()].reset_index(drop=True)
        ov = new[["indicator", "region_name", "region_code", "year", "period", "category"]].copy()
        ov["old_value"] = old["value"].to_numpy()
        ov["old_source_file"] = old["source_file"].to_numpy()
        ov["old_origin"] = old["origin"].to_numpy()
        for c in ("value", "source_file", "origin"):
            ov[c] = new[c].to_numpy()
        return out, ov[OVERRIDE_COLUMNS]
    out = df[~drop].reset_index(drop=True)
    return (out, empty) if return_overrides else out


def topic_indicators(bundle: DataBundle, topic: str) -> set[str]:
    """Indicator ids (:func:`indicator_id` of the titles) of the bundle's own exports in ``raw/bps/<topic>``."""
    folder = Path(bundle.root) / "raw" / "bps" / topic
    out = set()
    for p in sorted(folder.iterdir()) if folder.is_dir() else []:
        if p.suffix.lower() in (".csv", ".xlsx") and not p.name.startswith("."):
            rows = _read_rows(p)
            while rows and _is_blank(rows[-1]):
                rows.pop()
            out.add(indicator_id(_parse_header(p, rows)[0]))
    return out


def check_topic_title(path: str | Path, topic: str, bundle: DataBundle) -> pd.DataFrame:
    """Parse an export meant for ``raw/bps/<topic>`` and check that its title belongs to the topic.

    Parameters
    ----------
    path : str or Path
        The export to be added.
    topic : str
        BPS topic folder name (``'hdi_province'``).
    bundle : DataBundle
        The bundle whose exports in that folder define the topic's titles.

    Returns
    -------
    DataFrame
        The parsed table (:func:`read_bps_table`).

    Raises
    ------
    ParseError
        If the file does not parse, has no data rows, or its title's indicator (e.g.
        ``'persentase tenaga kerja formal'``) is not one of the topic's (names both).
    """
    from jamsostek_analysis.data.regions import RegionResolver, default_resolver
    from jamsostek_analysis.errors import BundleError

    path = Path(path)
    try:
        resolver = RegionResolver.from_bundle(bundle)
    except BundleError:  # a partial bundle without geo/: the shipped region lists
        resolver = default_resolver()
    df = read_bps_table(path, resolver)
    if df.empty:
        raise ParseError(f"{path.name}: header but no data rows; nothing to add")
    known = topic_indicators(bundle, topic)
    title = str(df["title"].iloc[0])
    if known and indicator_id(title) not in known:
        raise ParseError(
            f"{path.name}: table title {title!r} (indicator {indicator_id(title)!r}) does not belong to "
            f"topic raw/bps/{topic}, whose exports are: {', '.join(repr(k) for k in sorted(known))}"
        )
    return df
