"""Figures of estimates: coefficient plot, leave-one-province-out plot, scatter of changes.

Each builder takes a tidy table (from :mod:`jamsostek_analysis.study.analysis`) or the panel and returns a
:class:`matplotlib.figure.Figure`; saving is left to :func:`jamsostek_analysis.output.figures.save_figure`.
Artists carry a ``gid`` so that tests can check what was drawn:

* ``'estimates'``: the point estimates (one :class:`~matplotlib.collections.PathCollection` per axes);
* ``'ci_crv1'``: the CRV1 (t, G - 1 df) intervals (one :class:`~matplotlib.collections.LineCollection`);
* ``'ci_boot'``: the wild cluster bootstrap intervals (drawn only when the table has them);
* ``'zero'``: the zero line; ``'full_sample'``: the full-sample estimate (leave-one-out plot);
* ``'provinces'`` and ``'fit'``: the points and the fitted line of the scatter of changes.

Matplotlib is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from jamsostek_analysis.errors import FigureInputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["COEF_UNITS", "VARIABLE_LABELS", "add_source", "coefficient_plot", "leave_one_out_plot", "scatter_changes"]

#: Axis label of a coefficient, by outcome: the unit of "outcome per 1 point of coverage".
COEF_UNITS: dict[str, str] = {
    "p0": "percentage points of P0 per 1 point of coverage",
    "p1": "points of P1 (poverty gap index) per 1 point of coverage",
    "p2": "points of P2 (poverty severity index) per 1 point of coverage",
}

#: Labels (with units) of panel variables used on axes.
VARIABLE_LABELS: dict[str, str] = {
    "coverage_rate": "BPJS-TK coverage (active PU + BPU participants per 100 employed)",
    "coverage_pu_rate": "BPJS-TK wage-earner (PU) coverage (per 100 employed)",
    "coverage_bpu_rate": "BPJS-TK non-wage (BPU) coverage (per 100 employed)",
    "formal_share": "formal employment (% of employed)",
    "p0": "poverty headcount P0 (% of population)",
    "p1": "poverty gap index P1",
    "p2": "poverty severity index P2",
}

OUTCOME_TITLES = {"p0": "P0: headcount", "p1": "P1: poverty gap", "p2": "P2: poverty severity"}

CRV1_LABEL = "95% CI, CRV1 (t, G\u22121 df)"
BOOT_LABEL = "95% CI, wild cluster bootstrap (WCR, Webb)"
CR2_LABEL = "95% CI, CR2 (t, Bell-McCaffrey df)"


def _require(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise FigureInputError(
            f"{what}: table has no column(s) {', '.join(missing)}; it has {', '.join(map(str, df.columns))}"
        )


def add_source(fig: Figure, text: str, *, fontsize: float = 7.5) -> Any:
    """Source line under a constrained-layout figure, with room reserved so it overlaps nothing.

    Calls :func:`jamsostek_analysis.output.figures.source_note` and shrinks the constrained-layout area by the
    height of the (wrapped) note. Returns the ``Text``.
    """
    import math

    from jamsostek_analysis.output.figures import source_note

    width_in, height_in = fig.get_size_inches()
    chars_per_line = max(20, int(width_in * 72 / (fontsize * 0.55)))
    lines = sum(max(1, math.ceil(len(part) / chars_per_line)) for part in text.split("\n"))
    h = min(0.4, (lines * fontsize * 1.3 / 72 + 0.08) / height_in)
    note = source_note(fig, text, fontsize=fontsize)
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        try:
            engine.set(rect=(0, h, 1, 1 - h))
        except TypeError:  # pragma: no cover - layout engine without rect
            pass
    return note


def _legend_below(fig: Figure, ax: Any, handles: list, labels: list, *, offset_in: float = 0.55) -> Any:
    """Legend centred under ``ax``, ``offset_in`` inches below its bottom (clear of ticks and x label).

    Attached to the axes so that constrained layout reserves room for it.
    """
    from matplotlib.transforms import ScaledTranslation

    transform = ax.transAxes + ScaledTranslation(0, -offset_in, fig.dpi_scale_trans)
    return ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=transform, ncol=2)


def _finite(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=float)


def _boot_pieces(sub: pd.DataFrame, ypos: np.ndarray, blo: np.ndarray, bhi: np.ndarray, ok: np.ndarray):
    """Segments to draw for the bootstrap confidence sets: every piece of ``boot_conf_set`` if the
    column is there (a set can be a union of intervals), else the interval ``[boot_ci_low, boot_ci_high]``."""
    from jamsostek_analysis.estimation.confset import ConfidenceSet

    sets = sub["boot_conf_set"].tolist() if "boot_conf_set" in sub.columns else [None] * len(sub)
    ys, los, his = [], [], []
    for y, a, b, good, cs in zip(ypos, blo, bhi, ok, sets):
        if isinstance(cs, str):
            cs = ConfidenceSet.parse(cs)
        if isinstance(cs, ConfidenceSet):
            for lo, hi in cs.intervals:
                ys.append(y)
                los.append(lo)
                his.append(hi)
        elif good:
            ys.append(y)
            los.append(a)
            his.append(b)
    return np.asarray(ys, dtype=float), np.asarray(los, dtype=float), np.asarray(his, dtype=float)


def coefficient_plot(
    table: pd.DataFrame,
    *,
    label: str | None = None,
    panel: str | None = None,
    xlabels: Mapping[str, str] | None = None,
    xlabel: str | None = None,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    figsize: tuple[float, float] | None = None,
    source: str | None = None,
) -> Figure:
    """Point estimates with their CRV1 and (if present) wild-bootstrap 95 % intervals.

    Parameters
    ----------
    table
        One row per coefficient with ``estimate``, ``ci_low``, ``ci_high`` and optionally
        ``boot_ci_low``, ``boot_ci_high`` (e.g. :func:`jamsostek_analysis.study.analysis.with_bootstrap`),
        plus the row-label column.
    label
        Column naming each row (default ``'spec'`` if present, else ``'term'``); values are mapped
        through ``labels`` if given.
    panel
        Optional column splitting the rows into panels stacked vertically (e.g. ``'outcome'``, because P0,
        P1 and P2 have different scales); each panel gets its own x axis and unit label.
    xlabels
        x-axis label per panel value (default :data:`COEF_UNITS` for p0/p1/p2).
    xlabel
        x-axis label without a panel column; default: the unit of the table's single ``outcome`` if it has
        one (e.g. "percentage points of P0 per 1 point of coverage"), else a generic unit statement.
    title
        Figure title.
    source
        Source line printed under the figure (:func:`add_source`).

    Returns
    -------
    matplotlib.figure.Figure
        Rows are drawn top to bottom in table order. CR2 intervals (columns ``cr2_ci_low``,
        ``cr2_ci_high``, e.g. :func:`jamsostek_analysis.study.analysis.add_cr2`) are drawn in green just
        above the CRV1 interval (``gid='ci_cr2'``). Bootstrap confidence sets are drawn as thicker orange
        bars just below the blue CRV1 intervals, one bar per piece when the set (column ``boot_conf_set``)
        is a union of intervals; a bootstrap bound that is infinite is drawn to the axis edge and marked
        with an arrow.
    """
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures import PALETTE, house_style

    _require(table, ["estimate", "ci_low", "ci_high"], "coefficient_plot")
    if table.empty:
        raise FigureInputError("coefficient_plot: empty table")
    if label is None:
        label = "spec" if "spec" in table.columns else "term"
    _require(table, [label] + ([panel] if panel else []), "coefficient_plot")
    has_boot = {"boot_ci_low", "boot_ci_high"} <= set(table.columns)
    has_cr2 = {"cr2_ci_low", "cr2_ci_high"} <= set(table.columns)
    groups = list(dict.fromkeys(table[panel])) if panel else [None]
    xlabels = {**COEF_UNITS, **(xlabels or {})}
    labels = dict(labels or {})
    with house_style():
        counts = [int((table[panel] == g).sum()) if panel else len(table) for g in groups]
        size = figsize or (6.4, 1.0 + sum(0.75 + 0.32 * c for c in counts) + (0.5 if source else 0.0))
        fig, axes = plt.subplots(
            len(groups), 1, figsize=size, squeeze=False, layout="constrained", height_ratios=[0.6 + c for c in counts]
        )
        for ax, g in zip(axes[:, 0], groups):
            sub = table.loc[table[panel] == g] if panel else table
            ypos = np.arange(len(sub))[::-1].astype(float)
            est = _finite(sub["estimate"])
            lo, hi = _finite(sub["ci_low"]), _finite(sub["ci_high"])
            ax.axvline(0.0, color="#444444", linewidth=0.9, zorder=1, gid="zero")
            if has_boot:
                blo, bhi = _finite(sub["boot_ci_low"]), _finite(sub["boot_ci_high"])
                ok = ~(np.isnan(blo) | np.isnan(bhi))
                finite_all = np.concatenate([lo, hi, est, blo[np.isfinite(blo)], bhi[np.isfinite(bhi)]])
                span = np.nanmax(finite_all) - np.nanmin(finite_all)
                pad = 0.08 * span if span > 0 else 1.0
                left, right = np.nanmin(finite_all) - pad, np.nanmax(finite_all) + pad
                seg_y, seg_lo, seg_hi = _boot_pieces(sub, ypos - 0.18, blo, bhi, ok)
                ax.hlines(
                    seg_y,
                    np.where(np.isneginf(seg_lo), left, seg_lo),
                    np.where(np.isposinf(seg_hi), right, seg_hi),
                    color=PALETTE[1],
                    linewidth=2.2,
                    alpha=0.75,
                    label=BOOT_LABEL,
                    gid="ci_boot",
                    zorder=2,
                )
                for yy, a, b in zip(seg_y, seg_lo, seg_hi):
                    if np.isneginf(a):
                        ax.annotate(
                            "", (left, yy), (left + pad, yy), arrowprops={"arrowstyle": "->", "color": PALETTE[1]}
                        )
                    if np.isposinf(b):
                        ax.annotate(
                            "", (right, yy), (right - pad, yy), arrowprops={"arrowstyle": "->", "color": PALETTE[1]}
                        )
                ax.set_xlim(left, right)
            ax.hlines(ypos, lo, hi, color=PALETTE[0], linewidth=1.4, label=CRV1_LABEL, gid="ci_crv1", zorder=3)
            if has_cr2:
                # the CR2 intervals behind tab01's CR2 p-values, just above the CRV1 interval
                clo, chi = _finite(sub["cr2_ci_low"]), _finite(sub["cr2_ci_high"])
                ax.hlines(
                    ypos + 0.18, clo, chi, color=PALETTE[2], linewidth=1.4, label=CR2_LABEL, gid="ci_cr2", zorder=3
                )
                left, right = ax.get_xlim()
                pad = 0.04 * (max(right, np.nanmax(chi)) - min(left, np.nanmin(clo)))
                ax.set_xlim(min(left, np.nanmin(clo) - pad), max(right, np.nanmax(chi) + pad))
            ax.scatter(est, ypos, color=PALETTE[0], s=28, zorder=4, label="point estimate", gid="estimates")
            ax.set_yticks(ypos)
            ax.set_yticklabels([labels.get(str(v), str(v)) for v in sub[label]])
            ax.xaxis.set_major_locator(plt.MaxNLocator(7))
            ax.set_ylim(ypos.min() - 0.7, ypos.max() + 0.6)
            ax.grid(axis="y", visible=False)
            if panel:
                ax.set_title(labels.get(str(g), OUTCOME_TITLES.get(str(g), str(g))), loc="left")
                ax.set_xlabel(xlabels.get(str(g), "coefficient"), wrap=True)
            else:
                outcomes = list(dict.fromkeys(table["outcome"])) if "outcome" in table.columns else []
                default = (COEF_UNITS.get(str(outcomes[0])) if len(outcomes) == 1 else None) or (
                    "change in the outcome (its units) per 1 point of coverage"
                )
                ax.set_xlabel(xlabel or default)
        handles, leg_labels = axes[0][0].get_legend_handles_labels()
        _legend_below(fig, axes[-1, 0], handles[::-1], leg_labels[::-1])
        if title:
            fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
        if source:
            add_source(fig, source)
    return fig


def leave_one_out_plot(
    loo: pd.DataFrame,
    *,
    full_estimate: float | None = None,
    full_ci: tuple[float, float] | None = None,
    label: str | None = None,
    xlabel: str = COEF_UNITS["p0"],
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """Estimate and CRV1 95 % interval with each province left out, sorted by estimate.

    Parameters
    ----------
    loo
        :func:`jamsostek_analysis.study.analysis.leave_one_province_out` output (``dropped``, ``estimate``,
        ``ci_low``, ``ci_high``; ``province_name`` used as label if present).
    full_estimate, full_ci
        Full-sample estimate (vertical line, gid ``'full_sample'``) and interval (shaded band).
    """
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures import PALETTE, house_style

    _require(loo, ["dropped", "estimate", "ci_low", "ci_high"], "leave_one_out_plot")
    if loo.empty:
        raise FigureInputError("leave_one_out_plot: empty table")
    if label is None:
        label = "province_name" if "province_name" in loo.columns else "dropped"
    d = loo.sort_values(["estimate", "dropped"], kind="mergesort").reset_index(drop=True)
    ypos = np.arange(len(d)).astype(float)
    with house_style():
        fig, ax = plt.subplots(figsize=(6.4, 1.0 + 0.19 * len(d)), layout="constrained")
        if full_ci is not None:
            ax.axvspan(
                full_ci[0], full_ci[1], color=PALETTE[5], alpha=0.18, label="full sample 95% CI (CRV1)", gid="full_ci"
            )
        ax.axvline(0.0, color="#444444", linewidth=0.9, gid="zero")
        if full_estimate is not None:
            ax.axvline(
                full_estimate,
                color=PALETTE[1],
                linestyle="--",
                linewidth=1.1,
                label="full sample estimate",
                gid="full_sample",
            )
        ax.hlines(ypos, d["ci_low"], d["ci_high"], color=PALETTE[0], linewidth=1.1, label=CRV1_LABEL, gid="ci_crv1")
        ax.scatter(
            d["estimate"],
            ypos,
            color=PALETTE[0],
            s=16,
            zorder=3,
            label="estimate without the province",
            gid="estimates",
        )
        names = [f"{n} ({c})" if label != "dropped" else str(c) for n, c in zip(d[label], d["dropped"])]
        ax.set_yticks(ypos)
        ax.set_yticklabels([f"without {n}" for n in names], fontsize=7)
        ax.set_ylim(-0.8, len(d) - 0.2)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(xlabel)
        handles, leg_labels = ax.get_legend_handles_labels()
        _legend_below(fig, ax, handles, leg_labels)
        if title:
            ax.set_title(title)
        if source:
            add_source(fig, source)
    return fig


def scatter_changes(
    panel: pd.DataFrame,
    x: str = "coverage_rate",
    y: str = "p0",
    years: tuple[int, int] | None = None,
    *,
    unit: str = "province_code",
    time: str = "year",
    label: str = "province_name",
    n_label: int = 6,
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """Change of ``x`` against change of ``y`` between two years, one point per province.

    The ``n_label`` provinces farthest from the centre (sum of absolute z-scores of the two changes)
    are labelled. The dashed line is the unweighted least-squares fit of the changes (a long difference
    with a common intercept), drawn for orientation only; its slope is printed in the legend. Provinces
    missing either variable in either year are left out and counted in the legend. ``years`` default:
    the first and last year in which both ``x`` and ``y`` have a value (from the data).
    """
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures import PALETTE, house_style

    _require(panel, [unit, time, x, y], "scatter_changes")
    if years is None:
        both = panel.loc[panel[x].notna() & panel[y].notna(), time]
        if both.empty:
            raise FigureInputError(f"scatter_changes: no year in which both {x} and {y} have a value")
        years = (int(both.min()), int(both.max()))
    a, b = (int(v) for v in years)
    cols = [unit, x, y] + ([label] if label in panel.columns else [])
    start = panel.loc[panel[time] == a, cols].set_index(unit)
    end = panel.loc[panel[time] == b, cols].set_index(unit)
    if start.index.duplicated().any() or end.index.duplicated().any():
        raise FigureInputError(f"scatter_changes: duplicate {unit} within year {a} or {b}")
    codes = sorted(set(start.index) | set(end.index), key=str)
    d = pd.DataFrame(index=pd.Index(codes, name=unit))
    d["dx"] = end[x].reindex(codes) - start[x].reindex(codes)
    d["dy"] = end[y].reindex(codes) - start[y].reindex(codes)
    if label in panel.columns:
        d["name"] = end[label].reindex(codes).fillna(start[label].reindex(codes))
    else:
        d["name"] = d.index.astype(str)
    n_missing = int(d[["dx", "dy"]].isna().any(axis=1).sum())
    d = d.dropna(subset=["dx", "dy"])
    if len(d) < 2:
        raise FigureInputError(f"scatter_changes: fewer than 2 provinces with {x} and {y} in both {a} and {b}")
    z = (d[["dx", "dy"]] - d[["dx", "dy"]].mean()) / d[["dx", "dy"]].std(ddof=0).replace(0, 1)
    score = z.abs().sum(axis=1)
    to_label = score.sort_values(ascending=False, kind="mergesort").index[: int(n_label)]
    slope, intercept = np.polyfit(d["dx"].to_numpy(float), d["dy"].to_numpy(float), 1)
    xlab = VARIABLE_LABELS.get(x, x)
    ylab = VARIABLE_LABELS.get(y, y)
    with house_style():
        fig, ax = plt.subplots(figsize=(6.4, 4.6), layout="constrained")
        ax.axhline(0, color="#444444", linewidth=0.8)
        ax.axvline(0, color="#444444", linewidth=0.8)
        ax.scatter(
            d["dx"],
            d["dy"],
            s=22,
            color=PALETTE[0],
            alpha=0.85,
            gid="provinces",
            label=f"province (n = {len(d)}" + (f"; {n_missing} without data)" if n_missing else ")"),
        )
        xs = np.linspace(d["dx"].min(), d["dx"].max(), 50)
        ax.plot(
            xs,
            intercept + slope * xs,
            linestyle="--",
            color=PALETTE[1],
            linewidth=1.1,
            gid="fit",
            label=f"least-squares line, slope {slope:.3f}",
        )
        for code in to_label:
            ax.annotate(
                str(d.loc[code, "name"]),
                (d.loc[code, "dx"], d.loc[code, "dy"]),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=7.5,
                color="#333333",
            )
        ax.set_xlabel(f"change {a}\u2013{b} in {xlab}", wrap=True)
        ax.set_ylabel(f"change {a}\u2013{b} in {ylab}", wrap=True)
        ax.legend(loc="best")
        if title:
            ax.set_title(title)
        if source:
            add_source(fig, source)
    return fig
