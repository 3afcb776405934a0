"""Figures of notebooks 04 (extreme poverty) and 06 (power and counterfactuals).

* :func:`extreme_vs_proxies` - province extreme poverty (March 2023) against P0, P1 and P2: exact
  values as filled points, provinces known only to lie in a band as vertical bars;
* :func:`national_extreme_series` - the national BPS extreme-poverty series in one panel (the
  drawing is :func:`jamsostek_analysis.output.figures.descriptive.national_trends`' own panel, reused);
* :func:`power_curve_plot` - simulated power of the main test against the true effect, with MDEs;
* :func:`counterfactual_plot` - national change in the number of poor people per coverage scenario
  with its interval, extrapolations marked.

Each builder takes tidy data and returns a Figure; artists carry ``gid`` labels so tests can check
what was drawn. Matplotlib is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from jamsostek_analysis.errors import FigureDataError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "PROXY_LABELS",
    "extreme_vs_proxies",
    "national_extreme_series",
    "power_curve_plot",
    "counterfactual_plot",
]

PROXY_LABELS = {
    "p0": "P0, headcount (% of population)",
    "p1": "P1, poverty gap index",
    "p2": "P2, poverty severity index",
}
EXACT_COLOR = "#0072B2"
BOUNDED_COLOR = "#6a3d9a"
EXTRAPOLATION_COLOR = "#D55E00"
SCENARIO_LABELS = {
    "best_quartile": "Every province at least at\nthe best-quartile coverage",
    "bpu_plus_10": "Informal (BPU) coverage\n+10 per 100 non-employees",
    "universal": "Universal coverage\n(100 per 100 employed)",
}


def _require(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise FigureDataError(
            f"{what}: table has no column(s) {', '.join(missing)}; it has {', '.join(map(str, df.columns))}"
        )


def _source(fig: Figure, source: str | None) -> None:
    if source:
        from jamsostek_analysis.output.figures.estimates import add_source

        add_source(fig, source)


# --------------------------------------------------------------------------------------------
# notebook 04


def extreme_vs_proxies(
    cross_section: pd.DataFrame,
    proxies: Sequence[str] = ("p0", "p1", "p2"),
    *,
    label: Sequence[str] | None = None,
    source: str | None = None,
    title: str | None = None,
) -> Figure:
    """Extreme poverty against P0, P1 and P2 across provinces (one panel per proxy).

    Parameters
    ----------
    cross_section : DataFrame
        :func:`jamsostek_analysis.study.extreme.extreme_poverty_cross_section` output (``status``,
        ``extreme``, ``lower``, ``upper``, ``conflict``, ``province_code``, ``province_name`` and the
        proxies).
    proxies : sequence of str
        x-axis columns, one panel each.
    label : sequence of str, optional
        Province codes to name on the plot; default: provinces with a ``conflict`` note and those
        with extreme poverty above 5 %.
    source, title : str, optional
        Source line and figure title.

    Returns
    -------
    Figure
        In each axes: one scatter (``gid='exact'``, one filled point per exact-value province) and
        one ``vlines`` collection (``gid='bounded'``, one segment ``lower``-``upper`` per bounded
        province). Provinces without information or without the proxy are not drawn (counted in
        the panel's note).
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from jamsostek_analysis.study.extreme import proxy_relationships
    from jamsostek_analysis.output.figures import house_style

    _require(
        cross_section,
        ["province_code", "province_name", "status", "extreme", "lower", "upper", *proxies],
        "extreme_vs_proxies",
    )
    cs = cross_section
    if label is None:
        flagged = (
            cs["conflict"].fillna("").astype(bool) if "conflict" in cs.columns else pd.Series(False, index=cs.index)
        )
        label = cs.loc[flagged | (cs["upper"] > 5), "province_code"].astype(str).tolist()
    label = [str(c) for c in label]
    exact = cs[cs["status"] == "exact"]
    bounded = cs[cs["status"] == "bounded"]
    rel = proxy_relationships(cs, proxies).set_index("proxy")
    with house_style():
        fig, axes = plt.subplots(1, len(proxies), figsize=(3.9 * len(proxies), 4.4), layout="constrained", sharey=True)
        axes = np.atleast_1d(axes)
        for ax, p in zip(axes, proxies):
            e = exact[exact[p].notna()]
            b = bounded[bounded[p].notna()]
            ax.vlines(b[p], b["lower"], b["upper"], colors=BOUNDED_COLOR, linewidth=2.2, alpha=0.55, gid="bounded")
            ax.scatter(
                e[p], e["extreme"], s=26, color=EXACT_COLOR, edgecolor="white", linewidth=0.5, zorder=3, gid="exact"
            )
            for _, r in cs[cs["province_code"].astype(str).isin(label) & cs[p].notna()].iterrows():
                yv = r["extreme"] if r["status"] == "exact" else r["upper"]
                if pd.isna(yv):
                    continue
                ax.annotate(
                    str(r["province_name"]).title(),
                    (r[p], yv),
                    xytext=(4, 3),
                    textcoords="offset points",
                    fontsize=7,
                    color="#333333",
                )
            ax.set_xlabel(PROXY_LABELS.get(p, p))
            ax.set_xlim(left=0)
            ax.set_ylim(bottom=0)
            rr = rel.loc[p]
            ax.text(
                0.03,
                0.97,
                f"exact-value provinces: n = {int(rr['n'])}\nPearson r = {rr['pearson_r']:.2f}, "
                f"Spearman = {rr['spearman_rho']:.2f}",
                transform=ax.transAxes,
                va="top",
                fontsize=7.5,
            )
            n_out = int(len(cs) - len(e) - len(b))
            if n_out:
                ax.text(0.97, 0.03, f"not drawn: {n_out}", transform=ax.transAxes, ha="right", fontsize=7)
        axes[0].set_ylabel("Extreme poverty (% of population)")
        handles = [
            Line2D([], [], marker="o", linestyle="none", color=EXACT_COLOR, label=f"published value ({len(exact)})"),
            Line2D(
                [],
                [],
                color=BOUNDED_COLOR,
                linewidth=2.2,
                alpha=0.55,
                label=f"known only to lie in\nthe band drawn ({len(bounded)})",
            ),
        ]
        axes[-1].legend(handles=handles, loc="lower right", fontsize=8, title="provinces", title_fontsize=8)
        attrs = cs.attrs
        fig.suptitle(
            title
            or (
                f"Extreme poverty and P0/P1/P2 across provinces, {attrs.get('period', 'March')} "
                f"{attrs.get('year', 2023)} ({attrs.get('series', 'BPS 1.90 series')})"
            ),
            x=0.01,
            ha="left",
            fontsize=11,
            fontweight="bold",
        )
        _source(fig, source)
    return fig


def national_extreme_series(extreme: pd.DataFrame, *, source: str | None = None) -> Figure:
    """National extreme poverty, the two BPS series as separate (never spliced) lines.

    Parameters
    ----------
    extreme : DataFrame
        :func:`jamsostek_analysis.output.figures.descriptive.national_extreme_poverty` output.
    source : str, optional
        Source line.

    Returns
    -------
    Figure
        One axes drawn by the same code as the first panel of
        :func:`jamsostek_analysis.output.figures.descriptive.national_trends` (lines ``gid='extreme:<series>'``).
    """
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures import house_style
    from jamsostek_analysis.output.figures.descriptive import _panel_extreme

    _require(extreme, ["series", "x", "value", "primary", "month_stated", "year"], "national_extreme_series")
    with house_style():
        fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
        _panel_extreme(ax, extreme)
        ax.set_xlim(float(np.floor(extreme["x"].min())) - 0.3, float(np.ceil(extreme["x"].max())) + 0.3)
        _source(fig, source)
    return fig


# --------------------------------------------------------------------------------------------
# notebook 06


def _mde_value(m: Any) -> float:
    if hasattr(m, "mde_simulated"):
        return float(m.mde_simulated)
    return float(m)


#: Height (axes fraction) of the strip that shows the estimate's interval in :func:`power_curve_plot`.
ESTIMATE_STRIP = 0.035


def power_curve_plot(
    curve_df: pd.DataFrame,
    mde: Any,
    *,
    label: str = "label",
    target_power: float = 0.8,
    estimate: tuple[float, float, float] | None = None,
    xlabel: str = "True effect: percentage points of P0 per 1 point of coverage",
    title: str = "Power of the two-way FE test (34 provinces, 2022-2025), simulated",
    source: str | None = None,
) -> Figure:
    """Simulated power against the true effect, one line per design variant, with the MDEs marked.

    Parameters
    ----------
    curve_df : DataFrame
        :func:`jamsostek_analysis.estimation.power.power_curve` output (``beta``, ``power``, ``mc_se``), with a
        column ``label`` naming the variant (e.g. the AR(1) rho used) when several are stacked.
    mde : float, MDEResult or mapping
        Minimum detectable effect(s) (``MDEResult.mde_simulated`` is used); a mapping
        ``{label: mde}`` when several variants are drawn.
    target_power : float
        Power the MDE refers to (dashed horizontal line).
    estimate : (beta, ci_low, ci_high), optional
        The estimate from the real data and its interval, drawn as a shaded band on the x axis.
    xlabel, title, source : str

    Returns
    -------
    Figure
        One line per variant (``gid='power:<label>'``) with a +/-1.96 MC-SE band, one vertical line
        per MDE (``gid='mde:<label>'``), the target power line (``gid='target'``), and the estimate
        band (``gid='estimate'``) if given.
    """
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures import PALETTE, house_style

    _require(curve_df, ["beta", "power", "mc_se"], "power_curve_plot")
    df = curve_df.copy()
    if label not in df.columns:
        df[label] = "design"
    labels = list(dict.fromkeys(df[label].astype(str)))
    if isinstance(mde, Mapping):
        mdes = {str(k): _mde_value(v) for k, v in mde.items()}
        unknown = sorted(set(mdes) - set(labels))
        if unknown:
            raise FigureDataError(
                f"power_curve_plot: mde given for unknown variant(s) {unknown}; variants are {labels}"
            )
    else:
        if len(labels) != 1:
            raise FigureDataError(
                f"power_curve_plot: {len(labels)} variants {labels} but a single mde; pass {{label: mde}}"
            )
        mdes = {labels[0]: _mde_value(mde)}
    with house_style():
        fig, ax = plt.subplots(figsize=(7.2, 4.4), layout="constrained")
        if estimate is not None:
            b, lo, hi = map(float, estimate)
            # a strip along the x axis (below power 0.035, where no power curve goes: power >= size > 0),
            # so the band never covers the curves or their Monte Carlo bands
            ax.axvspan(
                lo,
                hi,
                ymin=0.0,
                ymax=ESTIMATE_STRIP,
                color="#777777",
                alpha=0.55,
                lw=0,
                gid="estimate",
                label=f"estimate {b:.3f} and its 95% CI [{lo:.3f}, {hi:.3f}] (strip on the axis)",
            )
            ax.axvline(b, ymin=0.0, ymax=ESTIMATE_STRIP + 0.03, color="#333333", lw=1.4, gid="estimate_point")
        for i, lab in enumerate(labels):
            g = df[df[label].astype(str) == lab].sort_values("beta")
            col = PALETTE[i % len(PALETTE)]
            ax.fill_between(
                g["beta"],
                np.clip(g["power"] - 1.96 * g["mc_se"], 0, 1),
                np.clip(g["power"] + 1.96 * g["mc_se"], 0, 1),
                color=col,
                alpha=0.18,
                lw=0,
            )
            ax.plot(g["beta"], g["power"], color=col, lw=1.6, gid=f"power:{lab}", label=lab)
            if lab in mdes and np.isfinite(mdes[lab]):
                ax.axvline(mdes[lab], color=col, lw=1.0, ls=":", gid=f"mde:{lab}")
                ax.annotate(
                    f"simulated MDE {mdes[lab]:.3f}",
                    (mdes[lab], 0.14 + 0.08 * i),
                    xytext=(3, 0),
                    textcoords="offset points",
                    fontsize=7.5,
                    color=col,
                )
        ax.axhline(target_power, color="#333333", lw=0.8, ls="--", gid="target")
        ax.annotate(
            f"{target_power:.0%} power",
            (0, target_power),
            xycoords=("axes fraction", "data"),
            xytext=(3, 2),
            textcoords="offset points",
            va="bottom",
            fontsize=7.5,
        )
        alpha = curve_df.attrs.get("alpha")
        if alpha:
            ax.axhline(alpha, color="#999999", lw=0.7, ls=":", gid="alpha")
            ax.annotate(
                f"nominal size {alpha:.0%}\n(power at zero effect = actual size of the test)",
                (0, alpha),
                xycoords=("axes fraction", "data"),
                xytext=(3, 2),
                textcoords="offset points",
                ha="left",
                va="bottom",
                fontsize=7,
                color="#666666",
            )
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Probability of rejecting effect = 0")
        ax.set_title(title)
        ax.legend(fontsize=7.5, loc="center left")
        _source(fig, source)
    return fig


def counterfactual_plot(
    cf_df: pd.DataFrame,
    *,
    clipped: bool = True,
    scale: float = 1e3,
    unit_label: str = "thousand people",
    reference: tuple[float, str] | None = None,
    title: str = "Change in the number of poor people under coverage scenarios (model-based)",
    source: str | None = None,
) -> Figure:
    """National change in the number of poor people per scenario with its interval.

    Parameters
    ----------
    cf_df : DataFrame
        Rows of :func:`jamsostek_analysis.study.counterfactual.counterfactual_poverty` for several
        scenarios (concatenated); only ``level == 'national'`` rows are drawn (one per scenario).
    clipped : bool
        Use the predictions bounded at 0 % (``delta_poor_clipped*``, default) or the raw linear ones.
    scale, unit_label : float, str
        People are divided by ``scale`` and the axis says ``unit_label``.
    reference : (value, text), optional
        A vertical reference line in people (e.g. the number of extremely poor people, negative).
    title, source : str

    Returns
    -------
    Figure
        One errorbar container per scenario (container label ``'scenario:<name>'``; its marker line
        has ``gid='scenario:<name>'``, its interval ``gid='interval:<name>'``). The universal-coverage
        scenario (far outside the observed coverage) is drawn with a hollow marker, a dashed bar,
        an orange background and the word EXTRAPOLATION; scenarios where some provinces leave the
        observed coverage range are marked "partly outside observed coverage".
    """
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures import house_style

    suffix = "_clipped" if clipped else ""
    cols = [f"delta_poor{suffix}", f"delta_poor{suffix}_low", f"delta_poor{suffix}_high"]
    _require(cf_df, ["scenario", "level", "delta_x", "out_of_support", *cols], "counterfactual_plot")
    nat = cf_df[cf_df["level"] == "national"].reset_index(drop=True)
    if nat.empty:
        raise FigureDataError("counterfactual_plot: no row with level == 'national'")
    if nat["scenario"].duplicated().any():
        raise FigureDataError(
            f"counterfactual_plot: several national rows for scenario(s) {nat.loc[nat['scenario'].duplicated(), 'scenario'].tolist()}"
        )
    with house_style():
        fig, ax = plt.subplots(figsize=(8.0, 1.0 + 1.25 * len(nat)), layout="constrained")
        ypos = np.arange(len(nat))[::-1]
        for y, (_, r) in zip(ypos, nat.iterrows()):
            mid, lo, hi = (float(r[c]) / scale for c in cols)
            far = r["scenario"] == "universal"
            partial = bool(r["out_of_support"]) and not far
            color = EXTRAPOLATION_COLOR if far else "#0072B2"
            if far:
                ax.axhspan(y - 0.45, y + 0.45, color=EXTRAPOLATION_COLOR, alpha=0.08, lw=0)
            cont = ax.errorbar(
                mid,
                y,
                xerr=[[mid - lo], [hi - mid]],
                fmt="o",
                color=color,
                capsize=4,
                markerfacecolor="white" if far else color,
                markersize=7,
                elinewidth=1.6,
                label=f"scenario:{r['scenario']}",
            )
            cont[0].set_gid(f"scenario:{r['scenario']}")
            cont[2][0].set_gid(f"interval:{r['scenario']}")
            if far:
                cont[2][0].set_linestyle("--")
            tag = (
                "EXTRAPOLATION far beyond observed coverage"
                if far
                else ("partly outside observed coverage" if partial else "within observed coverage")
            )
            # left-aligned just right of the zero line, above the interval: the text never crosses x = 0
            ax.annotate(
                f"{mid:+,.0f} [{lo:+,.0f}, {hi:+,.0f}]\nmean coverage change {r['delta_x']:+.1f} pts;\n{tag}",
                (0.0, y),
                xytext=(6, 9),
                textcoords="offset points",
                ha="left",
                va="bottom",
                fontsize=7.5,
                color=color,
                fontweight="bold" if far else "normal",
                gid=f"label:{r['scenario']}",
            )
        ax.axvline(0, color="#333333", lw=0.8)
        if reference is not None:
            ax.axvline(reference[0] / scale, color="#009E73", lw=1.0, ls="-.", gid="reference")
            ax.annotate(
                reference[1],
                (reference[0] / scale, -0.85),
                xytext=(-4, 0),
                textcoords="offset points",
                fontsize=7.5,
                color="#009E73",
                va="bottom",
                ha="right",
            )
        ax.set_yticks(ypos)
        ax.set_yticklabels([SCENARIO_LABELS.get(s, s) for s in nat["scenario"]], fontsize=8.5)
        ax.set_ylim(-0.9 if reference is not None else -0.6, len(nat) - 0.1)
        ax.set_xlabel(f"Change in the number of people below the poverty line ({unit_label}; negative = fewer poor)")
        ax.grid(axis="y", visible=False)
        ax.set_title(title)
        _source(fig, source)
    return fig
