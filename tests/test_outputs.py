"""Figures and tables: output location, byte-determinism, exact table formatting."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from jamsostek_analysis.output.figures import (
    OutputError,
    house_style,
    output_dir,
    save_figure,
    source_note,
)
from jamsostek_analysis.output.tables import (
    format_cell,
    format_number,
    regression_table,
    significance_stars,
    write_table,
)


@pytest.fixture
def out(tmp_path, monkeypatch):
    """Point every writer at a temporary output folder."""
    monkeypatch.setenv("JAMSOSTEK_OUTPUT_DIR", str(tmp_path / "outputs"))
    return tmp_path / "outputs"


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with house_style():
        fig, ax = plt.subplots(figsize=(4, 3))
        x = np.arange(2015, 2025)
        ax.plot(x, 10 - 0.3 * (x - 2015), marker="o", label="P0 (%)")
        ax.set_title("Poverty headcount")
        ax.legend()
        source_note(fig, "Source: BPS (test figure).")
    return fig


# --------------------------------------------------------------------------------------------
# output location


def test_output_dir_follows_env(out):
    assert output_dir("figures") == out.resolve()
    assert output_dir("tables") == (out / "tables").resolve()
    assert (out / "tables").is_dir()


def test_output_dir_default_is_repo_figures(monkeypatch):
    monkeypatch.delenv("JAMSOSTEK_OUTPUT_DIR", raising=False)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    assert str(output_dir("figures", create=False)) == os.path.join(os.path.realpath(repo), "figures")
    assert str(output_dir("tables", create=False)) == os.path.join(os.path.realpath(repo), "figures", "tables")


def test_output_dir_rejects_unknown_kind(out):
    with pytest.raises(OutputError, match="kind='maps'"):
        output_dir("maps")


# --------------------------------------------------------------------------------------------
# figures


def test_save_figure_is_byte_deterministic(out):
    import matplotlib.pyplot as plt

    fig = _figure()
    first = save_figure(fig, "det", formats=("png", "pdf", "svg"))
    assert [p.name for p in first] == ["det.png", "det.pdf", "det.svg"]
    assert all(p.parent == out.resolve() for p in first)
    bytes1 = [p.read_bytes() for p in first]
    mtimes = [p.stat().st_mtime_ns for p in first]

    # the same figure again: identical bytes, files not rewritten
    again = save_figure(fig, "det", formats=("png", "pdf", "svg"))
    assert [p.read_bytes() for p in again] == bytes1
    assert [p.stat().st_mtime_ns for p in again] == mtimes

    # a figure rebuilt from scratch: identical bytes too
    plt.close(fig)
    fig2 = _figure()
    rebuilt = save_figure(fig2, "det2", formats=("png", "pdf", "svg"))
    assert [p.read_bytes() for p in rebuilt] == bytes1
    plt.close(fig2)

    png, pdf, svg = bytes1
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and b"Software" not in png
    assert pdf.startswith(b"%PDF") and b"CreationDate" not in pdf and b"Producer" not in pdf
    assert b"<dc:date>" not in svg


def test_save_figure_in_subprocess_gives_same_bytes(out, tmp_path):
    """A separate interpreter (different hash seed) writes the same PNG and PDF bytes."""
    fig = _figure()
    here = {p.suffix: p.read_bytes() for p in save_figure(fig, "sub")}
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from test_outputs import _figure;"
        "from jamsostek_analysis.output.figures import save_figure; save_figure(_figure(), 'sub')"
    )
    env = dict(os.environ, JAMSOSTEK_OUTPUT_DIR=str(tmp_path / "other"), PYTHONHASHSEED="123", MPLBACKEND="Agg")
    subprocess.run([sys.executable, "-c", code, os.path.dirname(__file__)], check=True, env=env, timeout=120)
    there = {s: (tmp_path / "other" / f"sub{s}").read_bytes() for s in (".png", ".pdf")}
    assert there == here


def test_save_figure_rejects_bad_names_and_formats(out):
    fig = _figure()
    with pytest.raises(OutputError, match=r"'\.\./escape'"):
        save_figure(fig, "../escape")
    with pytest.raises(OutputError, match="'jpg' unknown"):
        save_figure(fig, "x", formats=("jpg",))
    paths = save_figure(fig, "maps/coverage", formats=("png",))
    assert paths == [(out / "maps" / "coverage.png").resolve()]


def test_house_style_is_scoped_and_source_note_added():
    import matplotlib
    import matplotlib.pyplot as plt

    before = matplotlib.rcParams["axes.spines.top"]
    with house_style(font__size=12):
        assert matplotlib.rcParams["axes.spines.top"] is False
        assert matplotlib.rcParams["axes.spines.right"] is False
        assert matplotlib.rcParams["font.size"] == 12
        fig, _ = plt.subplots()
    assert matplotlib.rcParams["axes.spines.top"] == before
    note = source_note(fig, "Source: BPS; BPJS Ketenagakerjaan.")
    assert note in fig.texts and note.get_text() == "Source: BPS; BPJS Ketenagakerjaan."
    with pytest.raises(OutputError):
        source_note(fig, "")
    plt.close(fig)


def test_importing_writers_does_not_import_heavy_libraries():
    code = (
        "import sys, jamsostek_analysis.output.figures, jamsostek_analysis.output.tables, jamsostek_analysis.pipeline.reproduce;"
        "heavy = [m for m in ('matplotlib', 'pandas', 'nbclient', 'jupytext', 'geopandas') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert res.stdout.strip() == ""


# --------------------------------------------------------------------------------------------
# tables


def test_write_table_exact_and_deterministic(out):
    df = pd.DataFrame(
        {
            "province": ["ACEH", "DKI JAKARTA", "Papua_Barat"],
            "p0": [15.3245, np.nan, -0.0004],
            "members": pd.array([1200, 35000, 7], dtype="int64"),
        }
    ).set_index("province")
    paths = write_table(df, "poverty", formats=("md", "tex", "csv"), float_format="{:.2f}", caption="P0 & members")
    assert [p.name for p in paths] == ["poverty.md", "poverty.tex", "poverty.csv"]
    assert all(p.parent == (out / "tables").resolve() for p in paths)
    md, tex, csv = (p.read_text(encoding="utf-8") for p in paths)
    assert md == (
        "**P0 & members**\n"
        "\n"
        "| Province    |    P0 |   members |\n"
        "|:------------|------:|----------:|\n"
        "| ACEH        | 15.32 |      1200 |\n"
        "| DKI JAKARTA |       |     35000 |\n"
        "| Papua_Barat |  0.00 |         7 |\n"
    )
    assert tex == (
        "% needs \\usepackage{booktabs,array,tabularx,pdflscape}; written by jamsostek_analysis.output.tables\n"
        "\\begin{table}[htbp]\n"
        "\\centering\n"
        "\\caption{P0 \\& members}\n"
        "\\label{tab:poverty}\n"
        "{\\begin{tabular}{@{}lrr@{}}\n"
        "\\toprule\n"
        "Province & P0 & members \\\\\n"
        "\\midrule\n"
        "ACEH & 15.32 & 1200 \\\\\n"
        "DKI JAKARTA &  & 35000 \\\\\n"
        "Papua\\_Barat & 0.00 & 7 \\\\\n"
        "\\bottomrule\n"
        "\\end{tabular}\n"
        "\\par}\n"
        "\\end{table}\n"
    )
    assert csv == "province,p0,members\nACEH,15.3245,1200\nDKI JAKARTA,,35000\nPapua_Barat,-0.0004,7\n"
    first = [p.read_bytes() for p in paths]
    again = write_table(df, "poverty", formats=("md", "tex", "csv"), float_format="{:.2f}", caption="P0 & members")
    assert [p.read_bytes() for p in again] == first


def test_write_table_rejects_unknown_format(out):
    with pytest.raises(OutputError, match="xlsx"):
        write_table(pd.DataFrame({"a": [1]}), "t", formats=("xlsx",))


def test_cell_formatting_rules():
    assert format_cell(np.nan) == "" and format_cell(None) == "" and format_cell(pd.NA) == ""
    assert format_cell(np.nan, na_rep="n.a.") == "n.a."
    assert format_cell(np.int64(34)) == "34"
    assert format_cell(2.0) == "2.000"  # floats stay floats (a column is one kind of number)
    assert format_number(-0.0004) == "0.000"  # no negative zero after rounding
    assert format_number(-0.0006) == "-0.001"
    assert format_cell("CR2") == "CR2"


def test_significance_stars_thresholds_are_strict():
    assert significance_stars(0.0099) == "***"
    assert significance_stars(0.01) == "**"
    assert significance_stars(0.0499) == "**"
    assert significance_stars(0.05) == "*"
    assert significance_stars(0.0999) == "*"
    assert significance_stars(0.10) == ""
    assert significance_stars(float("nan")) == ""


def _fake_result(params, bse, pvalues, nobs, n_clusters, vcov_type="CR2"):
    return SimpleNamespace(
        params=pd.Series(params),
        bse=pd.Series(bse),
        pvalues=pd.Series(pvalues),
        nobs=nobs,
        n_clusters=n_clusters,
        vcov_type=vcov_type,
    )


def test_regression_table_layout_exact(out):
    res = {
        "TWFE": _fake_result(
            {"coverage": -0.12345, "gdp_pc": 0.5, "const": 1.0},
            {"coverage": 0.04567, "gdp_pc": 0.25, "const": 0.1},
            {"coverage": 0.0081, "gdp_pc": 0.0731, "const": 0.0},
            nobs=340.0,
            n_clusters=34,
        ),
        "FD": _fake_result({"coverage": 0.0498}, {"coverage": 0.1}, {"coverage": 0.62}, nobs=306, n_clusters=34),
    }
    table = regression_table(
        res,
        params=["coverage", "gdp_pc"],
        labels={"coverage": "BPJS-TK coverage"},
        extra_rows={"Wild bootstrap p": {"TWFE": 0.0412, "FD": np.nan}},
    )
    assert list(table.columns) == ["TWFE", "FD"]
    assert list(table.index) == [
        "BPJS-TK coverage",
        "",
        "gdp_pc",
        "",
        "Wild bootstrap p",
        "Observations",
        "Clusters",
    ]
    assert table["TWFE"].tolist() == ["-0.123***", "(0.046)", "0.500*", "(0.250)", "0.041", "340", "34"]
    assert table["FD"].tolist() == ["0.050", "(0.100)", "", "", "", "306", "34"]
    assert table.attrs["notes"] == "Standard errors (CR2) in parentheses. * p<0.1, ** p<0.05, *** p<0.01."

    (md,) = write_table(table, "main", formats=("md",))
    assert md.read_text(encoding="utf-8") == (
        "|                  |      TWFE |      FD |\n"
        "|:-----------------|----------:|--------:|\n"
        "| BPJS-TK coverage | -0.123*** |   0.050 |\n"
        "|                  |   (0.046) | (0.100) |\n"
        "| GDP p.c.         |    0.500* |         |\n"
        "|                  |   (0.250) |         |\n"
        "| Wild bootstrap p |     0.041 |         |\n"
        "| Observations     |       340 |     306 |\n"
        "| Clusters         |        34 |      34 |\n"
        "\n"
        "Standard errors (CR2) in parentheses. * p<0.1, ** p<0.05, *** p<0.01.\n"
    )


def test_regression_table_errors_name_the_problem():
    res = {"(1)": _fake_result({"x": 1.0}, {"x": 0.5}, {"x": 0.2}, nobs=10, n_clusters=5)}
    with pytest.raises(OutputError, match="no attribute 'df_resid'"):
        regression_table(res, params=["x"], stats=("df_resid",))
    with pytest.raises(OutputError, match=r"unknown column\(s\) \['\(2\)'\]"):
        regression_table(res, params=["x"], extra_rows={"p": {"(2)": 0.1}})
    with pytest.raises(OutputError, match="no results"):
        regression_table({}, params=["x"])


def test_table_rounding_labels_and_intervals_in_print(out):
    """Automatic rounding per column, integral floats as integers, readable headers, merged intervals."""
    df = pd.DataFrame(
        {
            "spec": ["p0_twfe", "pu+bpu_fd"],
            "estimate": [0.00591, -0.01149],
            "ci_low": [-0.0197, -0.0277],
            "ci_high": [0.0314, 0.0046],
            "df": [33.0, 33.0],
            "delta_poor_thousand": [145.35, 1240.2],
            "boot_pvalue": [0.78551, 0.0449],
        }
    )
    (md,) = write_table(df, "auto", formats=("md",), notes="delta_poor_thousand: poor people; ci_low/ci_high: CRV1.")
    assert md.read_text(encoding="utf-8") == (
        "| Specification   |   Estimate |            95% CI |   df |   Δ poor (thousand) |   Bootstrap p-value |\n"
        "|:----------------|-----------:|------------------:|-----:|--------------------:|--------------------:|\n"
        "| P0 TWFE         |     0.0059 | [-0.0197, 0.0314] |   33 |                 145 |               0.786 |\n"
        "| PU+BPU FD       |    -0.0115 | [-0.0277, 0.0046] |   33 |                1240 |               0.045 |\n"
        "\n"
        "Δ poor (thousand): poor people; 95% CI/95% CI: CRV1.\n"
    )
