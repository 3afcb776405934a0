"""Tables: stable Markdown / LaTeX / CSV writers and the classic regression table.

:func:`write_table` writes ``<output_dir('tables')>/<name>.<fmt>`` (``$JAMSOSTEK_OUTPUT_DIR/tables``
or ``<repo>/figures/tables``; see :func:`jamsostek_analysis.output.figures.output_dir`). Output is
deterministic: numbers are formatted once by ``float_format``, missing values print as ``na_rep``
(blank by default, never 0), there are no timestamps, and an unchanged file is not rewritten.

:func:`regression_table` turns fitted results (anything with ``params``, ``bse``, ``pvalues`` as
``pandas.Series`` and ``nobs``, ``n_clusters``, ``vcov_type`` attributes, e.g.
:class:`jamsostek_analysis.estimation.models.PanelResult`) into the usual layout: the coefficient with stars on
one row, its standard error in parentheses on the next, then extra rows (e.g. wild bootstrap
p-values) and statistics (observations, clusters).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jamsostek_analysis.output.figures import OutputError, check_name, output_dir, write_bytes_if_changed

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

TABLE_FORMATS = ("md", "tex", "csv")
DEFAULT_STARS: tuple[tuple[float, str], ...] = ((0.01, "***"), (0.05, "**"), (0.10, "*"))
STAT_LABELS: dict[str, str] = {
    "nobs": "Observations",
    "n_clusters": "Clusters",
    "df_resid": "Residual df",
    "vcov_type": "Standard errors",
    "small_sample": "Small-sample correction",
    "rsquared": "R²",
    "rsquared_within": "Within R²",
}

FloatFormat = str | Callable[[float], str]


# --------------------------------------------------------------------------------------------
# cell formatting


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(value, float) and math.isnan(value)


def format_number(value: float, float_format: FloatFormat = "{:.3f}") -> str:
    """Format one float; a negative zero after rounding prints unsigned (``-0.0001`` -> ``0.000``)."""
    text = float_format(value) if callable(float_format) else float_format.format(value)
    stripped = text.lstrip("-")
    if text.startswith("-") and stripped.strip("0.,") == "" and any(c.isdigit() for c in stripped):
        return stripped
    return text


def format_cell(value: Any, float_format: FloatFormat = "{:.3f}", na_rep: str = "") -> str:
    """Format one table cell: missing -> ``na_rep``; bool -> as is; integers exact; floats by ``float_format``.

    A :class:`~jamsostek_analysis.estimation.confset.ConfidenceSet` prints as its union of intervals,
    ``"[-0.084, -0.003] U [0.010, 0.049]"``, every bound with ``float_format``.

    Integral floats are formatted like other floats (a column is one kind of number); integers
    (``int``, ``numpy.integer``) print without decimals.
    """
    if _is_missing(value):
        return na_rep
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return format_number(float(value), float_format)
    from jamsostek_analysis.estimation.confset import ConfidenceSet

    if isinstance(value, ConfidenceSet):  # union of intervals: "[a, b] U [c, d]", each bound formatted
        return value.format(lambda v: format_number(v, float_format))
    return str(value)


def format_frame(df: pd.DataFrame, float_format: FloatFormat = "{:.3f}", na_rep: str = "") -> pd.DataFrame:
    """Copy of ``df`` with every cell (and the index) as a formatted string; column labels flattened."""
    import pandas as pd

    out = pd.DataFrame(
        [[format_cell(v, float_format, na_rep) for v in row] for row in df.itertuples(index=False, name=None)],
        columns=[_label(c) for c in df.columns],
    )
    out.index = pd.Index(
        [_label(i) for i in df.index], name=_label(df.index.name) if df.index.name is not None else None
    )
    return out


def _label(label: Any) -> str:
    if isinstance(label, tuple):
        return " ".join(str(x) for x in label if not _is_missing(x) and str(x) != "")
    return "" if _is_missing(label) else str(label)


def _show_index(df: pd.DataFrame, index: bool | None) -> bool:
    if index is not None:
        return index
    import pandas as pd

    default = isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1
    return not default or df.index.name is not None


# --------------------------------------------------------------------------------------------
# renderers (pure: DataFrame -> text)

_TEX_ESCAPES = {
    "\\": r"$\backslash$",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\~{}",
    "^": r"\^{}",
    "²": r"\textsuperscript{2}",
    "−": "-",
    "<": r"$<$",
    ">": r"$>$",
    "|": r"$|$",
    "Δ": r"$\Delta$",
    "ρ": r"$\rho$",
    "σ": r"$\sigma$",
    "β": r"$\beta$",
    "α": r"$\alpha$",
    "×": r"$\times$",
    "≤": r"$\leq$",
    "≥": r"$\geq$",
    "±": r"$\pm$",
    "–": "--",
    "—": "---",
    "…": r"\ldots{}",
    "é": r"\'e",
    "á": r"\'a",
    "ø": r"\o{}",
    "Ø": r"\O{}",
    "[": "{[}",  # a cell starting with '[' after '\\' would be read as its optional argument
    "]": "{]}",
}


def latex_escape(text: str) -> str:
    """Escape LaTeX special characters in plain text."""
    return "".join(_TEX_ESCAPES.get(ch, ch) for ch in text)


_INTERVAL = re.compile(
    r"^\[\s*-?[\d.,]+\s*,\s*-?[\d.,]+\s*\]$|^\[\s*(unbounded|-inf|inf|-?[\d.,]+)\s*,\s*(unbounded|inf|-?[\d.,]+)\s*\]$"
)


def _numeric_like(text: str) -> bool:
    """A number as printed (signs, stars, parentheses, % and thousands separators allowed) or an interval."""
    if _INTERVAL.match(text.strip()):
        return True
    t = text.strip().strip("()*").replace(",", "").replace("%", "")
    if not t:
        return True
    try:
        float(t)
    except ValueError:
        return False
    return True


def _alignments(cells: pd.DataFrame) -> list[str]:
    return ["r" if all(_numeric_like(v) for v in cells[c]) else "l" for c in cells.columns]


# --------------------------------------------------------------------------------------------
# preparing a table for print: labels, rounding, merged intervals

AUTO = "auto"


def auto_decimals(values: Sequence[float], significant: int = 3, max_decimals: int = 4) -> int:
    """Decimals that show the largest absolute value of a column with ``significant`` digits.

    ``0.0314`` -> 4, ``0.786`` -> 3, ``21.3`` -> 1, ``145.35`` -> 0; integral columns -> 0; at most
    ``max_decimals``.
    """
    finite = [abs(float(v)) for v in values if not _is_missing(v) and math.isfinite(float(v))]
    if not finite or all(float(v).is_integer() for v in finite):
        return 0
    largest = max(finite)
    if largest == 0:
        return 0
    return int(min(max(significant - 1 - math.floor(math.log10(largest)), 0), max_decimals))


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _numeric_column(values: Sequence[Any]) -> bool:
    present = [v for v in values if not _is_missing(v)]
    return bool(present) and all(_is_number(v) for v in present)


def _column_format(values: Sequence[Any], float_format: FloatFormat, decimals: int | None) -> FloatFormat:
    if decimals is not None:
        return "{:,.%df}" % decimals if _thousands(values) else "{:.%df}" % decimals
    if float_format != AUTO:
        return float_format
    d = auto_decimals(values)
    return ("{:,.%df}" if _thousands(values) else "{:.%df}") % d


def _thousands(values: Sequence[Any]) -> bool:
    """Thousands separators for columns of large numbers (10,000 and more), never for years."""
    finite = [abs(float(v)) for v in values if not _is_missing(v) and math.isfinite(float(v))]
    return bool(finite) and max(finite) >= 10_000


def _format_column(values: Sequence[Any], fmt: FloatFormat, na_rep: str, integral: bool) -> list[str]:
    out = []
    for v in values:
        if integral and not _is_missing(v) and _is_number(v) and math.isfinite(float(v)):
            out.append(format_number(float(v), fmt) if not float(v).is_integer() else _int_text(v, fmt))
        else:
            out.append(format_cell(v, fmt, na_rep))
    return out


def _int_text(v: Any, fmt: FloatFormat) -> str:
    n = int(round(float(v)))
    return f"{n:,}" if isinstance(fmt, str) and "," in fmt else str(n)


def _interval_pairs(columns: Sequence[str]) -> dict[str, str]:
    """``{low_column: stem}`` for every ``<stem>_low`` with a ``<stem>_high`` right after it."""
    pairs = {}
    for a, b in zip(columns, columns[1:], strict=False):
        if a.endswith("_low") and b == a[: -len("_low")] + "_high":
            pairs[a] = a[: -len("_low")]
    return pairs


@dataclass
class PreparedTable:
    """A table as printed: header texts, cell texts, number columns, leading label columns."""

    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    label_columns: int


def prepare_table(
    df: pd.DataFrame,
    *,
    float_format: FloatFormat = AUTO,
    na_rep: str = "",
    index: bool | None = None,
    labels: Mapping[str, str] | None = None,
    digits: Mapping[str, int] | None = None,
) -> PreparedTable:
    """Cells and headers of ``df`` as they are printed in Markdown and LaTeX.

    * the index (if shown) becomes the leading label column(s);
    * ``<stem>_low``/``<stem>_high`` numeric column pairs become one ``[low, high]`` column;
    * numbers: ``float_format='auto'`` rounds each column to three significant digits of its
      largest value (at most 4 decimals), integral columns print as integers, values of 10,000 and
      more with thousands separators; ``digits`` fixes the decimals of named columns;
    * headers: :func:`jamsostek_analysis.output.labels.column_label` (``labels`` first), so no
      snake_case; identifier-like text cells (``'p0_twfe'``) through
      :func:`jamsostek_analysis.output.labels.value_label`.
    """
    from jamsostek_analysis.output.labels import column_label, interval_label, value_label

    digits = dict(digits or {})
    show_index = _show_index(df, index)
    frame = df.copy()
    frame.columns = [_label(c) for c in frame.columns]
    n_labels = 0
    if show_index:
        names = [_label(n) if n is not None else "" for n in frame.index.names]
        frame = frame.reset_index(names=[n if n else f"__index{i}" for i, n in enumerate(names)])
        n_labels = len(names)
    columns = list(frame.columns)
    pairs = _interval_pairs(columns)
    highs = {f"{stem}_high" for stem in pairs.values()}
    headers: list[str] = []
    cols_text: list[list[str]] = []
    numeric: list[bool] = []
    for pos, col in enumerate(columns):
        if col in highs:
            continue
        values = frame[col].tolist()
        header = "" if col.startswith("__index") else column_label(col, labels)
        if col in pairs and _numeric_column(values) and _numeric_column(frame[f"{pairs[col]}_high"].tolist()):
            high = frame[f"{pairs[col]}_high"].tolist()
            fmt = _column_format(values + high, float_format, digits.get(pairs[col]))
            lo = _format_column(values, fmt, "", False)
            hi = _format_column(high, fmt, "", False)
            text = [f"[{a}, {b}]" if a and b else na_rep for a, b in zip(lo, hi, strict=True)]
            headers.append(interval_label(pairs[col], labels))
            cols_text.append(text)
            numeric.append(True)
            continue
        if _numeric_column(values):
            fmt = _column_format(values, float_format, digits.get(col))
            integral = (
                float_format == AUTO
                and col not in digits
                and all(float(v).is_integer() for v in values if not _is_missing(v) and math.isfinite(float(v)))
            )
            cols_text.append(_format_column(values, fmt, na_rep, integral))
            numeric.append(True)
        else:
            text = [
                na_rep
                if _is_missing(v)
                else value_label(str(v), labels)
                if isinstance(v, str)
                else format_cell(v, float_format if float_format != AUTO else "{:.3f}", na_rep)
                for v in values
            ]
            cols_text.append(text)
            numeric.append(pos >= n_labels and all(_numeric_like(t) for t in text))
        headers.append(header)
    rows = [list(r) for r in zip(*cols_text, strict=True)] if cols_text else []
    if not show_index:
        lead = 0
        for flag in numeric:
            if flag or lead >= 2:
                break
            lead += 1
        n_labels = max(lead, 1)
    return PreparedTable(headers, rows, numeric, n_labels)


def relabel_notes(notes: str, df: pd.DataFrame, labels: Mapping[str, str] | None = None) -> str:
    """Replace the snake_case column names of ``df`` that a note mentions by their printed headers."""
    from jamsostek_analysis.output.labels import column_label, interval_label

    names = {_label(c) for c in df.columns if "_" in _label(c)}
    pairs = _interval_pairs([_label(c) for c in df.columns])
    words = {n: column_label(n, labels) for n in names}
    words.update({low: interval_label(stem, labels) for low, stem in pairs.items()})
    words.update({f"{stem}_high": interval_label(stem, labels) for stem in pairs.values()})
    if not words:
        return notes
    pattern = re.compile(r"(?<![\w])(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")(?![\w])")
    return pattern.sub(lambda m: words[m.group(1)], notes)


def render_markdown(
    df: pd.DataFrame,
    *,
    float_format: FloatFormat = AUTO,
    na_rep: str = "",
    index: bool | None = None,
    caption: str | None = None,
    notes: str | None = None,
    labels: Mapping[str, str] | None = None,
    digits: Mapping[str, int] | None = None,
) -> str:
    """GitHub-flavoured Markdown (pipe table); numeric columns right-aligned. Ends with a newline."""
    from tabulate import tabulate

    t = prepare_table(df, float_format=float_format, na_rep=na_rep, index=index, labels=labels, digits=digits)
    colalign = ["right" if n else "left" for n in t.numeric]
    body = tabulate(t.rows, headers=t.headers, tablefmt="pipe", colalign=colalign, disable_numparse=True)
    parts = []
    if caption:
        parts += [f"**{caption}**", ""]
    parts.append(body)
    if notes:
        parts += ["", notes]
    return "\n".join(parts) + "\n"


def _header_cell(lines: Sequence[str], numeric: bool) -> str:
    if len(lines) == 1:
        return latex_escape(lines[0])
    align = "r" if numeric else "l"
    return r"\begin{tabular}[b]{@{}" + align + "@{}}" + r"\\".join(latex_escape(x) for x in lines) + r"\end{tabular}"


def _tabular(t: PreparedTable, layout: Any, cols: Sequence[int]) -> list[str]:
    wrap = any(layout.wrap[j] for j in cols)
    spec = "".join(
        ">{\\raggedright\\arraybackslash}X" if layout.wrap[j] else ("r" if t.numeric[j] else "l") for j in cols
    )
    begin = (r"\begin{tabularx}{\linewidth}{@{}" + spec + "@{}}") if wrap else (r"\begin{tabular}{@{}" + spec + "@{}}")
    header = [_header_cell(layout.stacked_headers[j] if t.numeric[j] else (t.headers[j],), t.numeric[j]) for j in cols]
    lines = [begin, r"\toprule", " & ".join(header) + r" \\", r"\midrule"]
    lines += [" & ".join(latex_escape(row[j]) for j in cols) + r" \\" for row in t.rows]
    lines += [r"\bottomrule", r"\end{tabularx}" if wrap else r"\end{tabular}"]
    return lines


def render_latex(
    df: pd.DataFrame,
    *,
    float_format: FloatFormat = AUTO,
    na_rep: str = "",
    index: bool | None = None,
    caption: str | None = None,
    notes: str | None = None,
    label: str | None = None,
    labels: Mapping[str, str] | None = None,
    digits: Mapping[str, int] | None = None,
) -> str:
    """A booktabs table that fits an A4 text width (see :mod:`jamsostek_analysis.output.tablefit`).

    Font size, wrapped text columns (``tabularx``), a landscape page (``pdflscape``) or column
    panels are chosen automatically; notes are set under the table. Needs ``booktabs``, ``array``,
    ``tabularx`` and ``pdflscape`` in the preamble (listed in the file's first line).
    """
    from jamsostek_analysis.output.tablefit import choose_layout

    t = prepare_table(df, float_format=float_format, na_rep=na_rep, index=index, labels=labels, digits=digits)
    layout = choose_layout(t.headers, t.rows, t.numeric, label_columns=t.label_columns)
    body: list[str] = []
    if layout.size_command:
        body.append(layout.size_command)
    if layout.tabcolsep != 6.0:
        body.append(r"\setlength{\tabcolsep}{" + f"{layout.tabcolsep:g}" + "pt}")
    for k, cols in enumerate(layout.panels):
        if k:
            body.append(r"\par\medskip")
        body += _tabular(t, layout, cols)
    lines = [r"% needs \usepackage{booktabs,array,tabularx,pdflscape}; written by jamsostek_analysis.output.tables"]
    lines += [r"\begin{landscape}"] if layout.landscape else []
    lines += [r"\begin{table}[htbp]", r"\centering"]
    if caption:
        lines.append(r"\caption{" + latex_escape(caption) + "}")
        if label:
            lines.append(r"\label{" + label + "}")
    lines += ["{" + body[0]] + body[1:] + ["\\par}"] if body else []
    if notes:
        lines.append(r"\par\smallskip{\footnotesize\raggedright " + latex_escape(notes) + r"\par}")
    lines.append(r"\end{table}")
    lines += [r"\end{landscape}"] if layout.landscape else []
    return "\n".join(lines) + "\n"


def render_csv(df: pd.DataFrame, *, index: bool | None = None) -> str:
    """CSV with full precision (machine-readable companion of the formatted table), LF line endings."""
    return df.to_csv(index=_show_index(df, index), lineterminator="\n")


# --------------------------------------------------------------------------------------------
# writer


def write_table(
    df: pd.DataFrame,
    name: str,
    *,
    formats: Sequence[str] = ("md", "tex"),
    float_format: FloatFormat = AUTO,
    caption: str | None = None,
    notes: str | None = None,
    na_rep: str = "",
    index: bool | None = None,
    labels: Mapping[str, str] | None = None,
    digits: Mapping[str, int] | None = None,
) -> list[Path]:
    """Write ``df`` as ``<output_dir('tables')>/<name>.<fmt>`` for each format.

    Parameters
    ----------
    df : pandas.DataFrame
        The table; the index is shown unless it is a default ``RangeIndex`` without a name.
    name : str
        File name without extension (sub-folders allowed).
    formats : sequence of {'md', 'tex', 'csv'}
        ``md``: Markdown pipe table; ``tex``: booktabs LaTeX; ``csv``: unformatted full-precision values.
    float_format : str or callable
        ``'auto'`` (default): each number column rounded to three significant digits of its largest
        value, integral columns as integers (see :func:`prepare_table`); or one format for every
        float cell, e.g. ``'{:.3f}'`` (ignored for csv).
    caption : str, optional
        Caption (bold line above the Markdown table; ``\\caption`` in a LaTeX ``table`` float,
        labelled ``tab:<name>``).
    notes : str, optional
        Note printed under the table; default ``df.attrs['notes']`` if present (as set by
        :func:`regression_table`).
    na_rep : str
        Text of missing cells (blank by default; missing is never shown as 0).
    index : bool, optional
        Force showing (True) or hiding (False) the index.
    labels : mapping, optional
        Display names of columns and identifier-like cell values, on top of
        :data:`jamsostek_analysis.output.labels.COLUMN_LABELS` (key ``'<stem>_interval'`` names a merged
        ``<stem>_low``/``<stem>_high`` pair).
    digits : mapping, optional
        Decimals of named number columns (overrides the automatic rounding).

    Returns
    -------
    list of pathlib.Path
        The written (or already identical) files, in ``formats`` order.

    Raises
    ------
    OutputError
        On an unsafe name or unknown format.
    """
    check_name(name)
    fmts = list(formats)
    unknown = [f for f in fmts if f not in TABLE_FORMATS]
    if unknown or not fmts:
        raise OutputError(f"write_table({name!r}): formats {fmts!r}; expected some of {', '.join(TABLE_FORMATS)}")
    if notes is None:
        notes = df.attrs.get("notes")
    if notes:
        notes = relabel_notes(notes, df, labels)
    folder = output_dir("tables")
    paths = []
    for fmt in fmts:
        if fmt == "md":
            text = render_markdown(
                df,
                float_format=float_format,
                na_rep=na_rep,
                index=index,
                caption=caption,
                notes=notes,
                labels=labels,
                digits=digits,
            )
        elif fmt == "tex":
            label = "tab:" + name.replace("/", ":")
            text = render_latex(
                df,
                float_format=float_format,
                na_rep=na_rep,
                index=index,
                caption=caption,
                notes=notes,
                label=label,
                labels=labels,
                digits=digits,
            )
        else:
            text = render_csv(df, index=index)
        paths.append(write_bytes_if_changed(folder / f"{name}.{fmt}", text.encode("utf-8")))
    return paths


# --------------------------------------------------------------------------------------------
# regression table


def significance_stars(pvalue: float, stars: Sequence[tuple[float, str]] = DEFAULT_STARS) -> str:
    """Stars for ``pvalue``: the mark of the smallest threshold it is below (strictly); '' if NaN."""
    if _is_missing(pvalue):
        return ""
    for threshold, mark in sorted(stars):
        if pvalue < threshold:
            return mark
    return ""


def _get(obj: Any, attr: str, key: str) -> Any:
    series = getattr(obj, attr, None)
    if series is None:
        raise OutputError(f"regression_table: result {type(obj).__name__} has no .{attr}")
    try:
        return series[key] if key in series.index else None
    except AttributeError:
        return series.get(key)


def regression_table(
    results: Mapping[str, Any],
    *,
    params: Sequence[str],
    stats: Sequence[str] = ("nobs", "n_clusters"),
    labels: Mapping[str, str] | None = None,
    extra_rows: Mapping[str, Mapping[str, Any]] | None = None,
    digits: int = 3,
    stars: Sequence[tuple[float, str]] = DEFAULT_STARS,
    stat_labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Classic regression table: one column per model, coefficient (with stars) over (SE).

    Parameters
    ----------
    results : mapping of str to result
        Column title -> fitted result with ``params``, ``bse``, ``pvalues`` (``pandas.Series``
        indexed by term) and the attributes named in ``stats``. Column order is the mapping's order.
    params : sequence of str
        Terms to show, in this order. A term absent from a model leaves its cells blank.
    stats : sequence of str
        Result attributes shown at the bottom (``nobs``, ``n_clusters``, ``df_resid``,
        ``vcov_type``, ...); integers print exactly, floats with ``digits`` decimals, strings as is.
    labels : mapping, optional
        Display name of terms (default: the term).
    extra_rows : mapping of str to mapping, optional
        Rows inserted between coefficients and statistics, e.g.
        ``{'Wild bootstrap p': {'(1)': 0.043, '(2)': 0.12}}``; numbers printed with ``digits``.
    digits : int
        Decimals of coefficients, standard errors and extra-row numbers.
    stars : sequence of (threshold, mark)
        Significance marks from the results' ``pvalues`` (default 0.01 ***, 0.05 **, 0.10 *).
    stat_labels : mapping, optional
        Display names of ``stats`` (default :data:`STAT_LABELS`).

    Returns
    -------
    pandas.DataFrame
        All cells are strings; the index holds the row labels (the standard-error row of a term has
        an empty label). ``.attrs['notes']`` explains SEs and stars (used by :func:`write_table`).

    Raises
    ------
    OutputError
        If a result lacks ``params``/``bse``/``pvalues`` or a requested statistic, or no model is given.
    """
    import pandas as pd

    if not results:
        raise OutputError("regression_table: no results given")
    labels = dict(labels or {})
    slabels = {**STAT_LABELS, **(stat_labels or {})}
    fmt = "{:." + str(int(digits)) + "f}"
    columns = list(results)
    index: list[str] = []
    body: list[list[str]] = []

    for term in params:
        coef_row, se_row = [], []
        for col in columns:
            res = results[col]
            coef, se, p = _get(res, "params", term), _get(res, "bse", term), _get(res, "pvalues", term)
            if _is_missing(coef):
                coef_row.append("")
                se_row.append("")
                continue
            coef_row.append(format_number(float(coef), fmt) + significance_stars(p, stars))
            se_row.append("" if _is_missing(se) else "(" + format_number(float(se), fmt) + ")")
        index += [labels.get(term, term), ""]
        body += [coef_row, se_row]

    for row_label, values in (extra_rows or {}).items():
        unknown = [c for c in values if c not in columns]
        if unknown:
            raise OutputError(
                f"regression_table: extra row {row_label!r} names unknown column(s) {unknown}; columns are {columns}"
            )
        index.append(row_label)
        body.append([format_cell(values.get(col), fmt) for col in columns])

    for stat in stats:
        row = []
        for col in columns:
            res = results[col]
            if not hasattr(res, stat):
                raise OutputError(f"regression_table: result {col!r} ({type(res).__name__}) has no attribute {stat!r}")
            value = getattr(res, stat)
            if isinstance(value, float) and value.is_integer() and stat in ("nobs", "n_clusters", "df_resid"):
                value = int(value)
            row.append(format_cell(value, fmt))
        index.append(slabels.get(stat, stat))
        body.append(row)

    table = pd.DataFrame(body, index=pd.Index(index, name=""), columns=columns, dtype=object)
    vcov_types = sorted({str(getattr(r, "vcov_type")) for r in results.values() if getattr(r, "vcov_type", None)})
    se_note = (
        f"Standard errors ({', '.join(vcov_types)}) in parentheses."
        if vcov_types
        else "Standard errors in parentheses."
    )
    star_note = ", ".join(f"{mark} p<{threshold:g}" for threshold, mark in sorted(stars, reverse=True))
    table.attrs["notes"] = f"{se_note} {star_note}." if star_note else se_note
    return table


__all__ = [
    "AUTO",
    "DEFAULT_STARS",
    "PreparedTable",
    "auto_decimals",
    "prepare_table",
    "STAT_LABELS",
    "TABLE_FORMATS",
    "format_cell",
    "format_frame",
    "format_number",
    "latex_escape",
    "regression_table",
    "render_csv",
    "render_latex",
    "render_markdown",
    "significance_stars",
    "write_table",
]
