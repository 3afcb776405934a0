"""Figures a reader reads right (issue 11 item 6): measured on the drawn artists, not by eye only."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jamsostek_analysis.output.figures import use_headless_backend

use_headless_backend()


def test_fig10_value_labels_clear_the_zero_line():
    from jamsostek_analysis.output.figures.extreme import counterfactual_plot

    cf = pd.DataFrame({
        "scenario": ["best_quartile", "bpu_plus_10", "universal"], "level": "national", "delta_x": [8.8, 6.1, 75.1],
        "out_of_support": [False, False, True], "delta_poor_clipped": [145e3, 100e3, 1240e3],
        "delta_poor_clipped_low": [-813e3, -561e3, -6939e3], "delta_poor_clipped_high": [772e3, 533e3, 6589e3],
    })  # fmt: skip
    fig = counterfactual_plot(cf, reference=(-2.4e6, "extreme poor"))
    fig.canvas.draw()
    ax = fig.axes[0]
    zero_px = ax.transData.transform((0.0, 0.0))[0]
    labels = [t for t in ax.texts if (t.get_gid() or "").startswith("label:")]
    assert len(labels) == 3
    renderer = fig.canvas.get_renderer()
    for t in labels:
        box = t.get_window_extent(renderer)
        assert box.x0 > zero_px + 2, (t.get_text(), box.x0, zero_px)  # the text starts right of x = 0
        assert box.x1 <= fig.bbox.x1, t.get_text()  # and stays inside the figure


def test_fig09_estimate_band_stays_below_every_curve():
    from jamsostek_analysis.output.figures.extreme import ESTIMATE_STRIP, power_curve_plot

    beta = np.linspace(0, 0.05, 11)
    curve = pd.DataFrame({"beta": np.tile(beta, 2), "power": np.r_[0.1 + 0.9 * beta / 0.05, 0.11 + 0.85 * beta / 0.05],
                          "mc_se": 0.01, "label": ["rho = 0"] * 11 + ["rho = 0.5"] * 11})  # fmt: skip
    fig = power_curve_plot(curve, {"rho = 0": 0.024, "rho = 0.5": 0.027}, estimate=(0.006, -0.033, 0.031))
    ax = fig.axes[0]
    band = next(p for p in ax.patches if p.get_gid() == "estimate")
    top = ax.transAxes.inverted().transform(ax.transData.transform((0, 0)))[1] + ESTIMATE_STRIP
    y_top_data = ax.transData.inverted().transform(ax.transAxes.transform((0, top)))[1]
    lowest_curve = min(float(np.min(np.clip(curve["power"] - 1.96 * curve["mc_se"], 0, 1))), 1.0)
    assert band.get_path().get_extents().height > 0
    assert y_top_data < lowest_curve  # the strip never reaches a curve or its MC band


def test_fig06_draws_the_cr2_intervals_of_the_table():
    from jamsostek_analysis.output.figures.estimates import coefficient_plot

    table = pd.DataFrame({
        "outcome": ["p0", "p0"], "model": ["twfe", "fd"], "estimate": [0.006, 0.012], "ci_low": [-0.02, -0.005],
        "ci_high": [0.031, 0.028], "cr2_ci_low": [-0.033, -0.015], "cr2_ci_high": [0.045, 0.039],
        "boot_ci_low": [-0.033, -0.013], "boot_ci_high": [0.031, 0.026],
    })  # fmt: skip
    fig = coefficient_plot(table, label="model", panel="outcome")
    ax = fig.axes[0]
    cr2 = next(c for c in ax.collections if c.get_gid() == "ci_cr2")
    segs = sorted((float(s[0][0]), float(s[1][0])) for s in cr2.get_segments())
    assert segs == sorted(zip(table["cr2_ci_low"], table["cr2_ci_high"], strict=True))
    left, right = ax.get_xlim()
    assert left < table["cr2_ci_low"].min() and right > table["cr2_ci_high"].max()  # inside the axes


def test_fig01_rows_have_human_labels():
    from jamsostek_analysis.output.figures.descriptive import availability_heatmap

    panel = pd.DataFrame({"province_code": ["11", "12"] * 2, "year": [2022, 2022, 2023, 2023],
                          "p0": [1.0, 2.0, 3.0, np.nan], "grdp_per_capita": 1.0, "bpjstk_bpu": 2.0})  # fmt: skip
    fig = availability_heatmap(panel, ["p0", "grdp_per_capita", "bpjstk_bpu"])
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["P0 headcount (%)", "GRDP per capita", "BPJS-TK non-wage workers (BPU)"]
    assert not any("_" in lab for lab in labels)
