"""Figures of the MODELLED extreme-poverty panel (issue 8): validation and national trends with maps.

Every figure says MODELLED in its title and source line. Builders take tidy tables from
:mod:`jamsostek_analysis.study.extreme_model` and return a Figure; artists carry ``gid`` labels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from jamsostek_analysis.errors import FigureDataError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["extreme_validation_figure", "extreme_trends_figure"]

MODEL_COLOR = "#0072B2"
MODEL215_COLOR = "#009E73"
PUBLISHED_COLOR = "#000000"
PROXY_COLOR = "#999999"
BAND_COLOR = "#6a3d9a"
_MONTH_X = {"March": 3 / 12, "September": 9 / 12}


def _require(df: pd.DataFrame, cols: list[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise FigureDataError(f"{what}: table has no column(s) {missing}")


def _source(fig: Any, text: str | None) -> None:
    if text:
        from jamsostek_analysis.output.figures import source_note

        source_note(fig, text)


def extreme_validation_figure(
    loo: pd.DataFrame, bands: pd.DataFrame, national: pd.DataFrame, *, source: str | None = None
) -> Figure:
    """Two panels: (a) leave-one-out predictions of the exact province values and the band-only
    provinces against their band; (b) national aggregates (with interval) against every published figure.

    Parameters
    ----------
    loo : DataFrame
        ``province_code, predicted, value`` (leave-one-out, exact values).
    bands : DataFrame
        ``province_code, predicted, lower, upper`` (band-only provinces, full-sample model).
    national : DataFrame
        Rows of the validation table for the national aggregates: ``series`` ('US$1.90'/'US$2.15'),
        ``label`` (round), ``published, beta, beta_low, beta_high, proxy_p2`` (NaN where none),
        ``in_sample``.
    """
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures import house_style

    _require(loo, ["province_code", "predicted", "value"], "extreme_validation_figure (loo)")
    _require(bands, ["province_code", "predicted", "lower", "upper"], "extreme_validation_figure (bands)")
    _require(
        national,
        ["series", "label", "published", "beta", "beta_low", "beta_high", "proxy_p2", "in_sample"],
        "extreme_validation_figure (national)",
    )
    with house_style():
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11.0, 4.8), layout="constrained")
    lo = min(loo["value"].min(), loo["predicted"].min(), bands["predicted"].min()) * 0.7
    hi = max(loo["value"].max(), loo["predicted"].max(), bands["upper"].max()) * 1.4
    ax1.plot([lo, hi], [lo, hi], color="0.6", lw=0.8, ls="--", gid="diagonal")
    ax1.scatter(
        loo["predicted"],
        loo["value"],
        color=MODEL_COLOR,
        s=22,
        zorder=3,
        gid="loo",
        label=f"published value ({len(loo)}): leave-one-out prediction",
    )
    for r in loo.itertuples():
        ax1.annotate(
            str(r.province_code), (r.predicted, r.value), fontsize=6, xytext=(3, 2), textcoords="offset points"
        )
    ax1.vlines(
        bands["predicted"],
        bands["lower"],
        bands["upper"],
        color=BAND_COLOR,
        lw=1.6,
        alpha=0.7,
        gid="bands",
        label=f"band only ({len(bands)}): stated 1-5 %",
    )
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlim(lo, hi)
    ax1.set_ylim(lo, hi)
    ax1.set_xlabel("MODELLED extreme poverty, % (US$1.90)")
    ax1.set_ylabel("published, % (March 2023)")
    ax1.set_title("(a) Provinces, March 2023 (log scales)")
    ax1.legend(loc="upper left", fontsize=7)

    nat = national.reset_index(drop=True)
    x = np.arange(len(nat))
    colors = np.where(nat["series"] == "US$2.15", MODEL215_COLOR, MODEL_COLOR)
    for i, r in nat.iterrows():
        ax2.vlines(i, r["beta_low"], r["beta_high"], color=colors[i], lw=2.2, alpha=0.6, gid=f"interval-{i}")
    ax2.scatter(x, nat["beta"], color=colors, s=30, zorder=3, gid="modelled", label="MODELLED (90 % interval)")
    ax2.scatter(
        x, nat["published"], marker="x", color=PUBLISHED_COLOR, s=40, zorder=4, gid="published", label="published (BPS)"
    )
    ax2.scatter(
        x, nat["proxy_p2"], marker="_", color=PROXY_COLOR, s=90, zorder=2, gid="proxy", label="linear-in-P2 proxy"
    )
    for i, r in nat.iterrows():
        if r["in_sample"]:
            ax2.annotate("calibration", (i, r["published"]), fontsize=6, xytext=(4, 6), textcoords="offset points")
    ax2.set_xticks(
        x, [f"{s}\n{lab}" for s, lab in zip(nat["series"], nat["label"])], fontsize=6.5, rotation=45, ha="right"
    )
    ax2.set_ylabel("national extreme poverty, %")
    ax2.set_ylim(0, None)
    ax2.set_title("(b) National aggregate vs every published figure")
    ax2.legend(loc="upper right", fontsize=7)
    fig.suptitle("MODELLED extreme poverty: validation (not a BPS statistic)", fontsize=11)
    _source(fig, source)
    return fig


def extreme_trends_figure(
    trends: pd.DataFrame,
    published: pd.DataFrame,
    maps: dict[str, tuple[Any, pd.Series]] | None = None,
    *,
    spans: dict[str, tuple[float, float]] | None = None,
    source: str | None = None,
) -> Figure:
    """National MODELLED trends of both series with intervals, published points on top, and maps.

    Parameters
    ----------
    trends : DataFrame
        ``year, period, extreme_modelled[_low|_high], extreme215_modelled[_low|_high]``.
    published : DataFrame
        ``series`` ('US$1.90'/'US$2.15'), ``year, period, value``.
    maps : dict, optional
        Title -> (GeoDataFrame, values by province code): one map panel each.
    spans : dict, optional
        Series -> (first, last) decimal year of its published span (outside: shaded as extrapolated).
    """
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures import house_style
    from jamsostek_analysis.output.figures.maps import choropleth, common_norm

    _require(
        trends,
        [
            "year",
            "period",
            "extreme_modelled",
            "extreme_modelled_low",
            "extreme_modelled_high",
            "extreme215_modelled",
            "extreme215_modelled_low",
            "extreme215_modelled_high",
        ],
        "extreme_trends_figure",
    )
    maps = maps or {}
    with house_style():
        rows = (len(maps) + 1) // 2
        fig = plt.figure(figsize=(10.0, 4.2 + 2.9 * rows), layout="constrained")
        gs = fig.add_gridspec(1 + rows, 2, height_ratios=[1.45] + [1.0] * rows)
        ax = fig.add_subplot(gs[0, :])
    t = trends.assign(x=trends["year"] + trends["period"].map(_MONTH_X)).sort_values("x")
    march = t[t["period"] == "March"]
    for pre, col, lab in (
        ("extreme", MODEL_COLOR, "US$1.90 (PPP 2011)"),
        ("extreme215", MODEL215_COLOR, "US$2.15 (PPP 2017)"),
    ):
        ax.fill_between(
            march["x"],
            march[f"{pre}_modelled_low"],
            march[f"{pre}_modelled_high"],
            color=col,
            alpha=0.18,
            lw=0,
            gid=f"band-{pre}",
        )
        ax.plot(
            march["x"],
            march[f"{pre}_modelled"],
            color=col,
            lw=1.6,
            marker="o",
            ms=3,
            gid=f"line-{pre}",
            label=f"MODELLED {lab}, March rounds (90 % interval)",
        )
        sep = t[t["period"] == "September"]
        ax.errorbar(
            sep["x"],
            sep[f"{pre}_modelled"],
            yerr=[
                sep[f"{pre}_modelled"] - sep[f"{pre}_modelled_low"],
                sep[f"{pre}_modelled_high"] - sep[f"{pre}_modelled"],
            ],
            fmt="s",
            ms=3,
            color=col,
            lw=0.8,
            alpha=0.8,
            gid=f"sep-{pre}",
        )
    for s, col, mk in (("US$1.90", MODEL_COLOR, "X"), ("US$2.15", MODEL215_COLOR, "P")):
        p = published[published["series"] == s]
        ax.scatter(
            p["year"] + p["period"].map(_MONTH_X),
            p["value"],
            marker=mk,
            s=55,
            color="black",
            edgecolor=col,
            zorder=5,
            gid=f"published-{s}",
            label=f"published BPS {s}",
        )
    for s, (a, b) in (spans or {}).items():
        ax.axvspan(a - 0.05, b + 0.05, color=MODEL_COLOR if s == "US$1.90" else MODEL215_COLOR, alpha=0.05, lw=0)
        ax.annotate(
            f"{s}\npublished",
            ((a + b) / 2, 0.62),
            xycoords=("data", "axes fraction"),
            ha="center",
            va="top",
            fontsize=6.5,
        )
    ax.set_ylim(0, None)
    ax.set_xlabel("year (March and September rounds)")
    ax.set_ylabel("% of population")
    ax.set_title("National extreme poverty, MODELLED from P0-P2 (poverty-population-weighted provinces), 2015-2025")
    ax.legend(fontsize=7, loc="upper right", ncol=2)
    if maps:
        norm = common_norm(*[v for _, v in maps.values()])
        for i, (title, (gdf, values)) in enumerate(maps.items()):
            axm = fig.add_subplot(gs[1 + i // 2, i % 2])
            last = i == len(maps) - 1
            choropleth(
                gdf,
                values,
                title=title,
                cmap="magma_r",
                legend_label="% (MODELLED)",
                ax=axm,
                norm=norm,
                source=source if last else None,
            )
    else:
        _source(fig, source)
    return fig
