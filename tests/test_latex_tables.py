"""Every committed LaTeX table compiles with pdflatex in a minimal A4 article without an overfull box.

Needs ``pdflatex`` with ``texlive-latex-base`` and ``texlive-latex-recommended`` (Debian). Skipped where
pdflatex is missing, except under CI (``CI=true``), where a missing pdflatex is a failure: ``.ci/run``
installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from jamsostek_analysis.output.tablefit import text_width
from jamsostek_analysis.output.tables import render_latex

REPO = Path(__file__).resolve().parents[1]
TABLES = sorted((REPO / "figures" / "tables").glob("*.tex"))
PREAMBLE = r"""\documentclass[a4paper]{article}
\usepackage{booktabs,tabularx,array,caption,longtable,pdflscape}
\begin{document}
"""


def _pdflatex() -> str:
    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pdflatex is not installed (CI must install texlive-latex-base texlive-latex-recommended)")
        pytest.skip("pdflatex not installed (apt-get install texlive-latex-base texlive-latex-recommended)")
    return exe


def compile_tex(body: str, folder: Path) -> tuple[int, str]:
    """Compile ``body`` inside the minimal A4 article; returns (exit status, log text)."""
    exe = _pdflatex()
    (folder / "doc.tex").write_text(PREAMBLE + body + "\n\\end{document}\n", encoding="utf-8")
    res = subprocess.run(
        [exe, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    log = (folder / "doc.log").read_text(encoding="latin-1") if (folder / "doc.log").exists() else res.stdout
    return res.returncode, log


def problems(log: str) -> list[str]:
    """Overfull boxes, LaTeX errors and missing characters reported in a pdflatex log."""
    found = re.findall(r"^(Overfull \\[hv]box .*)$", log, re.M)
    found += re.findall(r"^(! .*)$", log, re.M)
    found += re.findall(r"^(Missing character: .*)$", log, re.M)
    return found


def test_there_are_tables():
    assert len(TABLES) >= 7, [p.name for p in TABLES]


@pytest.mark.parametrize("path", TABLES, ids=[p.stem for p in TABLES])
def test_committed_table_compiles_within_a4_text_width(path, tmp_path):
    status, log = compile_tex(path.read_text(encoding="utf-8"), tmp_path)
    assert problems(log) == [] and status == 0, f"{path.name}: {problems(log)[:5]}"


def test_the_check_catches_an_overfull_table(tmp_path):
    """The log parser is not vacuous: a plain 20-column tabular overflows and is reported."""
    wide = r"\begin{tabular}{" + "r" * 20 + "}" + " & ".join(["123456.789"] * 20) + r"\end{tabular}"
    status, log = compile_tex(wide, tmp_path)
    assert status == 0 and any(p.startswith("Overfull \\hbox") for p in problems(log))


def test_writer_fits_a_wide_table_it_has_never_seen(tmp_path):
    """A 16-column frame of long numbers and long text (no committed table is like it) still fits."""
    df = pd.DataFrame(
        {f"column_number_{k}": [123456.789 * (k + 1), -0.000123 * k, 42.0] for k in range(14)}
        | {"a_long_text_column": ["a rather long sentence that must wrap somewhere", "short", "x"] * 1}
    )
    df.insert(0, "label", ["first row label", "second", "third"])
    status, log = compile_tex(render_latex(df, caption="Wide", notes="A note below the table."), tmp_path)
    assert problems(log) == [] and status == 0


def test_width_model_matches_pdflatex(tmp_path):
    """The writer's width estimate is within 3% of what pdflatex measures (cmr10)."""
    texts = ["Bootstrap 95% CI", "[-0.033, 0.031]", "PU+BPU TWFE", "Coverage (per 100 employed)", "0.0059"]
    body = "\n".join(r"\setbox0\hbox{" + t.replace("%", r"\%") + r"}\typeout{W=\the\wd0}" for t in texts)
    _, log = compile_tex(body, tmp_path)
    measured = [float(w) for w in re.findall(r"^W=([\d.]+)pt", log, re.M)]
    assert len(measured) == len(texts)
    for t, m in zip(texts, measured, strict=True):
        assert text_width(t) == pytest.approx(m, rel=0.03), t
