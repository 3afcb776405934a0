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
from collections.abc import Callable, Mapping, Sequence
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
    return str(value)


def format_frame(df: pd.DataFrame, float_format: FloatFormat = "{:.3f}", na_rep: str = "") -> pd.DataFrame:
    """Copy of ``df`` with every cell (and the index) as a formatted string; column labels flattened."""
    import pandas as pd

    out = pd.DataFrame(
        [[format_cell(v, float_format, na_rep) for v in row] for row in df.itertuples(index=False, name=None)],
        columns=[_label(c) for c in df.columns],
    )
    out.index = pd.Index([_label(i) for i in df.index], name=_label(df.index.name) if df.index.name is not None else None)
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
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "²": r"\textsuperscript{2}",
    "−": "-",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def latex_escape(text: str) -> str:
    """Escape LaTeX special characters in plain text."""
    return "".join(_TEX_ESCAPES.get(ch, ch) for ch in text)


def _numeric_like(text: str) -> bool:
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


def render_markdown(
    df: pd.DataFrame,
    *,
    float_format: FloatFormat = "{:.3f}",
    na_rep: str = "",
    index: bool | None = None,
    caption: str | None = None,
    notes: str | None = None,
) -> str:
    """GitHub-flavoured Markdown (pipe table); numeric columns right-aligned. Ends with a newline."""
    from tabulate import tabulate

    cells = format_frame(df, float_format, na_rep)
    headers = list(cells.columns)
    rows = cells.values.tolist()
    align = _alignments(cells)
    if _show_index(df, index):
        headers = [cells.index.name or ""] + headers
        rows = [[i, *r] for i, r in zip(cells.index, rows, strict=True)]
        align = ["left", *align]
    colalign = ["right" if a == "r" else "left" for a in align]
    body = tabulate(rows, headers=headers, tablefmt="pipe", colalign=colalign, disable_numparse=True)
    parts = []
    if caption:
        parts += [f"**{caption}**", ""]
    parts.append(body)
    if notes:
        parts += ["", notes]
    return "\n".join(parts) + "\n"


def render_latex(
    df: pd.DataFrame,
    *,
    float_format: FloatFormat = "{:.3f}",
    na_rep: str = "",
    index: bool | None = None,
    caption: str | None = None,
    notes: str | None = None,
    label: str | None = None,
) -> str:
    """A booktabs ``tabular`` (wrapped in a ``table`` float with caption/label if a caption is given)."""
    cells = format_frame(df, float_format, na_rep)
    align = _alignments(cells)
    headers = list(cells.columns)
    rows = cells.values.tolist()
    if _show_index(df, index):
        headers = [cells.index.name or ""] + headers
        rows = [[i, *r] for i, r in zip(cells.index, rows, strict=True)]
        align = ["l", *align]
    lines = [
        r"\begin{tabular}{" + "".join(align) + "}",
        r"\toprule",
        " & ".join(latex_escape(h) for h in headers) + r" \\",
        r"\midrule",
    ]
    lines += [" & ".join(latex_escape(str(v)) for v in row) + r" \\" for row in rows]
    lines.append(r"\bottomrule")
    lines.append(r"\end{tabular}")
    if notes:
        lines.append(r"\par\smallskip{\footnotesize " + latex_escape(notes) + "}")
    if caption:
        head = [r"\begin{table}[htbp]", r"\centering", r"\caption{" + latex_escape(caption) + "}"]
        if label:
            head.append(r"\label{" + label + "}")
        lines = head + lines + [r"\end{table}"]
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
    float_format: FloatFormat = "{:.3f}",
    caption: str | None = None,
    notes: str | None = None,
    na_rep: str = "",
    index: bool | None = None,
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
        Format of float cells, e.g. ``'{:.3f}'`` or ``'{:,.0f}'`` (ignored for csv).
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
    folder = output_dir("tables")
    paths = []
    for fmt in fmts:
        if fmt == "md":
            text = render_markdown(df, float_format=float_format, na_rep=na_rep, index=index, caption=caption, notes=notes)
        elif fmt == "tex":
            label = "tab:" + name.replace("/", ":")
            text = render_latex(
                df, float_format=float_format, na_rep=na_rep, index=index, caption=caption, notes=notes, label=label
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
            raise OutputError(f"regression_table: extra row {row_label!r} names unknown column(s) {unknown}; columns are {columns}")
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
    se_note = f"Standard errors ({', '.join(vcov_types)}) in parentheses." if vcov_types else "Standard errors in parentheses."
    star_note = ", ".join(f"{mark} p<{threshold:g}" for threshold, mark in sorted(stars, reverse=True))
    table.attrs["notes"] = f"{se_note} {star_note}." if star_note else se_note
    return table


__all__ = [
    "DEFAULT_STARS",
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
