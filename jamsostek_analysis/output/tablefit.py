"""Fit a LaTeX table to the text width: a width model of Computer Modern and the layout rules.

The writer never guesses a width by trial in LaTeX; it estimates each cell's natural width from the
advance widths of Computer Modern Roman 10 pt (``cmr10``; the fonts of a default ``article``) and
picks the first layout that fits (:func:`choose_layout`): natural widths at decreasing font sizes
(headers of numeric columns stacked on up to three lines); text columns wrapped in ``tabularx`` ``X``
columns; the columns split into stacked panels that repeat the row labels; a landscape page
(``pdflscape``).

A safety margin (:data:`MARGIN`) absorbs the model's error; ``tests/test_latex_tables.py`` compiles
every committed table with ``pdflatex`` and fails on any overfull box.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: Text width of a default ``\\documentclass[a4paper]{article}`` (10 pt): 345 pt; landscape: the text height.
TEXT_WIDTH_PT = 345.0
LANDSCAPE_WIDTH_PT = 598.0
#: Fraction of the width the estimate may use (the model is approximate).
MARGIN = 0.96
#: Font sizes tried, largest first: (LaTeX command, size in pt, \\tabcolsep in pt).
SIZES: tuple[tuple[str, float, float], ...] = (
    ("", 10.0, 6.0),
    ("\\small", 9.0, 4.5),
    ("\\footnotesize", 8.0, 4.0),
    ("\\scriptsize", 7.0, 3.0),
)
MAX_HEADER_LINES = 3

# Advance widths of cmr10 in pt (at 10 pt), ASCII 32-126; characters not listed count as an 'M'-ish 8 pt.
_W = {
    " ": 3.33, "!": 2.78, '"': 5.0, "#": 8.33, "$": 5.0, "%": 8.33, "&": 7.78, "'": 2.78, "(": 3.89, ")": 3.89,
    "*": 5.0, "+": 7.78, ",": 2.78, "-": 3.33, ".": 2.78, "/": 5.0, ":": 2.78, ";": 2.78, "<": 7.78, "=": 7.78,
    ">": 7.78, "?": 4.72, "@": 7.78, "[": 2.78, "\\": 5.0, "]": 2.78, "^": 5.0, "_": 5.0, "`": 2.78, "{": 5.0,
    "|": 2.78, "}": 5.0, "~": 5.0,
    "a": 5.0, "b": 5.56, "c": 4.44, "d": 5.56, "e": 4.44, "f": 3.06, "g": 5.0, "h": 5.56, "i": 2.78, "j": 3.06,
    "k": 5.28, "l": 2.78, "m": 8.33, "n": 5.56, "o": 5.0, "p": 5.56, "q": 5.28, "r": 3.92, "s": 3.94, "t": 3.89,
    "u": 5.56, "v": 5.28, "w": 7.22, "x": 5.28, "y": 5.28, "z": 4.44,
    "A": 7.5, "B": 7.08, "C": 7.22, "D": 7.64, "E": 6.81, "F": 6.53, "G": 7.85, "H": 7.5, "I": 3.61, "J": 5.14,
    "K": 7.78, "L": 6.25, "M": 9.17, "N": 7.5, "O": 7.78, "P": 6.81, "Q": 7.78, "R": 7.36, "S": 5.56, "T": 7.22,
    "U": 7.5, "V": 7.5, "W": 10.28, "X": 7.5, "Y": 7.5, "Z": 6.11,
    "Δ": 8.33, "ρ": 5.17, "σ": 5.71, "β": 5.66, "α": 6.4, "×": 7.78, "²": 3.5, "−": 7.78, "–": 5.0, "—": 10.0,
    "≤": 7.78, "≥": 7.78, "±": 7.78, "…": 10.0, "é": 4.44, "á": 5.0, "ø": 5.0, "Ø": 7.78,
}  # fmt: skip
for _d in "0123456789":
    _W[_d] = 5.0


def text_width(text: str, size: float = 10.0) -> float:
    """Estimated natural width in pt of ``text`` set in Computer Modern Roman at ``size`` pt."""
    return sum(_W.get(ch, 8.0) for ch in text) * size / 10.0


def longest_word(text: str, size: float = 10.0) -> float:
    """Width of the widest word (what a wrapped column cannot go below)."""
    return max((text_width(w, size) for w in text.split()), default=0.0)


def stack_header(text: str, size: float = 10.0, max_lines: int = MAX_HEADER_LINES) -> list[str]:
    """Break a header into at most ``max_lines`` lines of words minimising the widest line."""
    words = text.split()
    if len(words) <= 1:
        return [text]
    best: tuple[float, list[str]] = (text_width(text, size), [text])
    n = len(words)

    def splits(start: int, lines_left: int) -> list[list[str]]:
        if lines_left == 1:
            return [[" ".join(words[start:])]]
        out = [[" ".join(words[start:])]]
        for cut in range(start + 1, n):
            for rest in splits(cut, lines_left - 1):
                out.append([" ".join(words[start:cut]), *rest])
        return out

    for option in splits(0, min(max_lines, n)):
        width = max(text_width(line, size) for line in option)
        if width < best[0] - 1e-9 or (abs(width - best[0]) < 1e-9 and len(option) < len(best[1])):
            best = (width, option)
    return best[1]


@dataclass(frozen=True)
class Layout:
    """How a table is set: font size, column kinds, orientation and column panels."""

    size_command: str
    size: float
    tabcolsep: float
    wrap: tuple[bool, ...]  # per column: wrapped text (tabularx X) or natural width
    landscape: bool
    panels: tuple[tuple[int, ...], ...]  # column positions of each panel (row-label columns repeated)
    stacked_headers: tuple[tuple[str, ...], ...]  # header lines per column
    estimated_width: float


def _column_widths(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool], size: float):
    natural, minimum, stacked = [], [], []
    for j, h in enumerate(headers):
        cells = [r[j] for r in rows]
        cell_w = max((text_width(c, size) for c in cells), default=0.0)
        lines = stack_header(h, size) if numeric[j] else [h]
        head_w = max(text_width(line, size) for line in lines)
        natural.append(max(cell_w, head_w))
        if numeric[j]:
            minimum.append(natural[-1])
        else:
            minimum.append(max([longest_word(c, size) for c in cells] + [longest_word(h, size)]))
        stacked.append(tuple(lines))
    return natural, minimum, stacked


def _fit_one(headers, rows, numeric, avail, sizes, landscape):
    ncol = len(headers)
    all_cols = tuple(range(ncol))
    for cmd, size, sep in sizes:
        natural, minimum, stacked = _column_widths(headers, rows, numeric, size)
        pad = 2 * sep * (ncol - 1)  # @{} at both ends
        total = sum(natural) + pad
        if total <= MARGIN * avail:
            return Layout(cmd, size, sep, (False,) * ncol, landscape, (all_cols,), tuple(stacked), total)
        wrap = tuple((not numeric[j]) and minimum[j] < natural[j] for j in all_cols)
        if any(wrap):
            fixed = sum(natural[j] for j in all_cols if not wrap[j])
            # tabularx gives every X column the same width: each must hold its longest word
            x_width = (MARGIN * avail - pad - fixed) / sum(wrap)
            if x_width >= max(minimum[j] for j in all_cols if wrap[j]):
                return Layout(cmd, size, sep, wrap, landscape, (all_cols,), tuple(stacked), MARGIN * avail)
    return None


def _split(headers, rows, numeric, label_columns, width, size_spec):
    cmd, size, sep = size_spec
    ncol = len(headers)
    natural, _, stacked = _column_widths(headers, rows, numeric, size)
    labels = tuple(range(min(label_columns, ncol - 1)))
    panels: list[tuple[int, ...]] = []
    current: list[int] = []
    for j in range(len(labels), ncol):
        cols = [*labels, *current, j]
        est = sum(natural[k] for k in cols) + 2 * sep * (len(cols) - 1)
        if current and est > MARGIN * width:
            panels.append((*labels, *current))
            current = []
        current.append(j)
    if current:
        panels.append((*labels, *current))
    widest = max(sum(natural[k] for k in p) + 2 * sep * (len(p) - 1) for p in panels)
    return Layout(cmd, size, sep, (False,) * ncol, False, tuple(panels), tuple(stacked), widest)


def choose_layout(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[bool],
    *,
    label_columns: int = 1,
    width: float = TEXT_WIDTH_PT,
    landscape_width: float = LANDSCAPE_WIDTH_PT,
) -> Layout:
    """The first layout whose estimated width fits, in this order of preference.

    1. Portrait at ``\\normalsize``, ``\\small``, ``\\footnotesize``: natural widths, else text columns
       wrapped (tabularx ``X``).
    2. For a table with one row-label column (a regression table): a landscape page at
       ``\\normalsize`` or ``\\small``; else columns split into at most four stacked panels
       (``\\small`` if at most three panels, else ``\\footnotesize``), each repeating the row labels;
       else landscape at ``\\footnotesize``. Tables with several label columns: landscape, then panels.
    3. ``\\scriptsize`` portrait, then landscape (a table whose every panel is too wide).

    Parameters
    ----------
    headers, rows
        Header texts and cell texts (as printed, before LaTeX escaping).
    numeric
        Per column: right-aligned number column (never wrapped).
    label_columns
        Leading columns repeated in every panel when the table is split.
    width, landscape_width
        Available widths in pt (portrait, landscape).
    """
    readable = SIZES[:3]
    portrait = _fit_one(headers, rows, numeric, width, readable, False)
    if portrait is not None:
        return portrait

    def split() -> Layout | None:
        if len(headers) - label_columns < 2:
            return None
        small = _split(headers, rows, numeric, label_columns, width, SIZES[1])
        candidate = small if len(small.panels) <= 3 else _split(headers, rows, numeric, label_columns, width, SIZES[2])
        return candidate if candidate.estimated_width <= MARGIN * width and len(candidate.panels) <= 4 else None

    def landscape_large() -> Layout | None:
        return _fit_one(headers, rows, numeric, landscape_width, SIZES[:2], True)

    def landscape() -> Layout | None:
        return _fit_one(headers, rows, numeric, landscape_width, readable, True)

    # one row-label column (a regression table): panels read better than a turned page in small print
    order = (landscape_large, split, landscape) if label_columns == 1 else (landscape, split)
    for attempt in order:
        layout = attempt()
        if layout is not None:
            return layout
    for landscape, avail in ((False, width), (True, landscape_width)):
        layout = _fit_one(headers, rows, numeric, avail, SIZES[3:], landscape)
        if layout is not None:
            return layout
    # nothing fits: the smallest landscape setting (the compile test reports the overflow)
    natural, _, stacked = _column_widths(headers, rows, numeric, SIZES[-1][1])
    cmd, size, sep = SIZES[-1]
    total = sum(natural) + 2 * sep * (len(headers) - 1)
    return Layout(cmd, size, sep, (False,) * len(headers), True, (tuple(range(len(headers))),), tuple(stacked), total)


def fits(layout: Layout, width: float = TEXT_WIDTH_PT) -> bool:
    """Whether the estimated width is within the portrait text width (landscape layouts: the landscape width)."""
    avail = LANDSCAPE_WIDTH_PT if layout.landscape else width
    return layout.estimated_width <= avail + 1e-9 and not math.isnan(layout.estimated_width)


__all__ = [
    "LANDSCAPE_WIDTH_PT",
    "Layout",
    "MARGIN",
    "SIZES",
    "TEXT_WIDTH_PT",
    "choose_layout",
    "stack_header",
    "text_width",
]
