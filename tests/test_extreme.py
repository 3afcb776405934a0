"""Extreme poverty cross-section, interval regression, proxy correlations and the notebook 04/06 figures.

Expected values are parsed here, independently of the library, from the real curated file with the
``csv`` module, and checked against literal numbers read off the file.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from scipy import stats

FRAG = "curated/extreme_poverty_province_fragments.csv"
SERIES = "BPS 1.90 series"


@pytest.fixture(scope="module")
def rows(data_dir):
    """March 2023 BPS 1.90 rows of the curated fragments, parsed with csv (no library code)."""
    with open(data_dir / FRAG, newline="", encoding="utf-8") as fh:
        out = [
            r
            for r in csv.DictReader(fh)
            if r["year"] == "2023" and r["period"] == "March" and r["series_vintage"] == SERIES
        ]
    assert out, "no March 2023 rows in the curated file"
    return out


@pytest.fixture(scope="module")
def panel(bundle):
    from jamsostek_analysis.data.panel import build_province_panel

    return build_province_panel(bundle, geography="34", first_year=2023, last_year=2023)


@pytest.fixture(scope="module")
def cs(bundle, panel):
    from jamsostek_analysis.study.extreme import extreme_poverty_cross_section

    return extreme_poverty_cross_section(bundle, panel)


def _by_code(df):
    return df.set_index("province_code")


def test_bounds_equal_curated_values(cs, rows):
    exact = {r["province_code"]: float(r["value"]) for r in rows if r["indicator"] == "extreme_poverty_rate"}
    band = {
        r["province_code"]: tuple(float(v) for v in r["value"].split("-"))
        for r in rows
        if r["indicator"] == "extreme_poverty_band"
    }
    # literal values as printed in the file
    assert (
        exact["61"] == 0.99
        and exact["64"] == 0.10
        and exact["94"] == 7.67
        and exact["91"] == 6.43
        and exact["75"] == 2.44
    )
    assert band["11"] == (1.0, 5.0) and band["36"] == (1.0, 5.0) and band["53"] == (1.0, 5.0)
    d = _by_code(cs)
    for code in ("61", "64", "94", "91", "31", "51"):
        assert d.loc[code, "status"] == "exact"
        assert d.loc[code, "lower"] == exact[code] == d.loc[code, "upper"] == d.loc[code, "extreme"]
    for code in ("11", "36", "53", "81"):
        assert d.loc[code, "status"] == "bounded"
        assert (d.loc[code, "lower"], d.loc[code, "upper"]) == band[code]
        assert np.isnan(d.loc[code, "extreme"])
        assert d.loc[code, "confidence"] == "derived"
    # Gorontalo: published value and a band; the value (inside the band) is used, the band is recorded
    assert d.loc["75", "status"] == "exact" and d.loc["75", "lower"] == 2.44 and d.loc["75", "band_also"]
    assert d.loc["75", "source_id"] == "E02" and d.loc["61", "source_id"] == "E04" and d.loc["11", "source_id"] == "E01"


def test_counts_match_independent_count(cs, rows):
    exact_codes = {r["province_code"] for r in rows if r["indicator"] == "extreme_poverty_rate"}
    band_codes = {r["province_code"] for r in rows if r["indicator"] == "extreme_poverty_band"}
    n_exact = len(exact_codes)
    n_bounded = len(band_codes - exact_codes)
    assert (n_exact, n_bounded) == (21, 13)  # README: 21 values, 14 band rows (Gorontalo has both)
    assert (cs["status"] == "exact").sum() == n_exact == cs.attrs["n_exact"]
    assert (cs["status"] == "bounded").sum() == n_bounded == cs.attrs["n_bounded"]
    assert len(cs) == 34 and cs["province_code"].is_unique and cs.attrs["no_information"] == []
    assert not set(cs["province_code"]) & {"92", "95", "96", "97"}


def test_conflicts_flagged_and_conservative_variant(bundle, panel, cs):
    from jamsostek_analysis.errors import PanelError
    from jamsostek_analysis.study.extreme import extreme_poverty_cross_section

    d = _by_code(cs)
    assert sorted(cs.loc[cs["conflict"] != "", "province_code"]) == ["36", "75"]
    assert "below 1 %" in d.loc["36", "conflict"] and "ambiguous" in d.loc["75", "conflict"]
    with pytest.raises(PanelError):
        extreme_poverty_cross_section(bundle, panel, conflicts="drop")
    cons = _by_code(extreme_poverty_cross_section(bundle, panel, conflicts="conservative"))
    assert (cons.loc["36", "lower"], cons.loc["36", "upper"]) == (0.0, 5.0)
    assert cons.loc["75", "status"] == "bounded" and (cons.loc["75", "lower"], cons.loc["75", "upper"]) == (1.0, 5.0)
    assert np.isnan(cons.loc["75", "extreme"])
    other = [c for c in d.index if c not in ("36", "75")]
    pd.testing.assert_frame_equal(cons.loc[other, ["lower", "upper"]], d.loc[other, ["lower", "upper"]])


def test_panel_columns_merged(cs, panel):
    p = panel[panel["year"] == 2023].set_index("province_code")
    d = _by_code(cs)
    for col in ("coverage_rate", "p0", "p1", "p2"):
        pd.testing.assert_series_equal(d[col], p.loc[d.index, col], check_names=False)
    assert np.allclose(d["log_grdp_per_capita"].dropna(), np.log(p.loc[d.index, "grdp_per_capita"].dropna()))


def test_missing_province_is_nan_and_dropped_with_count(bundle, panel, caplog):
    from jamsostek_analysis.study.extreme import extreme_poverty_cross_section, extreme_poverty_regression
    from jamsostek_analysis.data.sources.curated import read_curated

    frag = read_curated(bundle, "extreme_poverty_province_fragments")
    frag = frag[~((frag["province_code"] == "11") & (frag["year"] == 2023))]
    cs2 = extreme_poverty_cross_section(None, panel, fragments=frag)
    d = _by_code(cs2)
    assert d.loc["11", "status"] == "no information"
    assert np.isnan(d.loc["11", "lower"]) and np.isnan(d.loc["11", "upper"])
    assert cs2.attrs["no_information"] == ["11"]
    with caplog.at_level("INFO", logger="jamsostek_analysis.study.extreme"):
        res = extreme_poverty_regression(cs2)
    assert res.nobs == 33 and res.drop_reasons == {"no finite bound": 1}
    assert "without extreme-poverty information (dropped): 1 ['11']" in caplog.text


def test_interval_regression_on_real_cross_section(cs):
    from jamsostek_analysis.study.extreme import extreme_poverty_regression

    res = extreme_poverty_regression(cs, "coverage_rate", ("p0",), verbose=False)
    assert res.converged and res.nobs == 34
    assert res.n_exact == (cs["status"] == "exact").sum() and res.n_interval == (cs["status"] == "bounded").sum()
    assert np.all(np.isfinite(res.params)) and np.all(np.isfinite(res.bse)) and np.isfinite(res.sigma)
    assert list(res.params.index) == ["Intercept", "coverage_rate", "p0"]
    # extreme poverty rises with P0 across provinces (mechanical: the extreme poor are poor)
    assert res.params["p0"] > 0 and res.pvalues["p0"] < 0.01
    # excluding provinces and GRDP control (missing for 91/94 in 2023) both drop two rows
    r2 = extreme_poverty_regression(cs, controls=("p0", "log_grdp_per_capita"), verbose=False)
    r3 = extreme_poverty_regression(cs, exclude=("91", "94"), verbose=False)
    assert r2.nobs == r3.nobs == 32 and r2.drop_reasons == {"missing log_grdp_per_capita": 2}


def test_proxy_correlations_match_scipy_and_pandas(cs):
    from jamsostek_analysis.study.extreme import proxy_relationships

    out = proxy_relationships(cs).set_index("proxy")
    ex = cs[cs["status"] == "exact"]
    for p in ("p0", "p1", "p2"):
        assert out.loc[p, "n"] == len(ex) == 21
        assert out.loc[p, "pearson_r"] == pytest.approx(ex["extreme"].corr(ex[p]), abs=1e-12)
        assert out.loc[p, "spearman_rho"] == pytest.approx(ex["extreme"].corr(ex[p], method="spearman"), abs=1e-12)
        slope, intercept = np.polyfit(ex[p], ex["extreme"], 1)
        assert out.loc[p, "slope"] == pytest.approx(slope, rel=1e-9)
        assert out.loc[p, "intercept"] == pytest.approx(intercept, rel=1e-9)
        assert out.loc[p, "pearson_p"] == pytest.approx(stats.pearsonr(ex[p], ex["extreme"]).pvalue, rel=1e-9)
    sub = proxy_relationships(cs, exclude=("91", "94")).set_index("proxy")
    ex2 = ex[~ex["province_code"].isin(["91", "94"])]
    assert sub.loc["p1", "n"] == 19
    assert sub.loc["p1", "pearson_r"] == pytest.approx(ex2["extreme"].corr(ex2["p1"]), abs=1e-12)


def test_proxy_table_stacks_samples(cs):
    from jamsostek_analysis.study.extreme import proxy_table

    t = proxy_table(cs)
    assert t["sample"].tolist() == ["all exact-value provinces"] * 3 + ["excluding Papua, Papua Barat"] * 3
    ex = cs[(cs["status"] == "exact") & ~cs["province_code"].isin(["91", "94"])]
    row = t[(t["sample"] == "excluding Papua, Papua Barat") & (t["proxy"] == "p2")].iloc[0]
    assert row["n"] == len(ex) == 19
    assert row["pearson_r"] == pytest.approx(np.corrcoef(ex["p2"], ex["extreme"])[0, 1], abs=1e-12)


def test_band_consistency_counts_by_hand():
    from jamsostek_analysis.errors import EstimationError
    from jamsostek_analysis.study.extreme import band_consistency

    cs = pd.DataFrame(
        {
            "status": ["bounded"] * 4 + ["exact"],
            "lower": [1.0, 1, 1, 1, 0.5],
            "upper": [5.0, 5, 5, 5, 0.5],
            "p0": [1.0, 2.0, 10.0, np.nan, 1.0],
        }
    )
    fits = pd.DataFrame({"proxy": ["p0"], "slope": [0.5], "intercept": [0.0]})
    out = band_consistency(cs, fits).iloc[0]
    # predictions 0.5 (below), 1.0 (on the bound: inside), 5.0 (on the bound: inside), NaN (not predicted)
    assert (out["n_bounded"], out["n_predicted"], out["n_inside"]) == (4, 3, 2)
    assert (out["predicted_min"], out["predicted_max"]) == (0.5, 5.0)
    with pytest.raises(EstimationError, match="one row per proxy"):
        band_consistency(cs, pd.concat([fits, fits]))


def test_coefficient_table_equals_results(cs):
    from jamsostek_analysis.study.extreme import coefficient_table, extreme_poverty_regression

    ir = {
        "none": extreme_poverty_regression(cs, controls=(), verbose=False),
        "P0": extreme_poverty_regression(cs, controls=("p0",), verbose=False),
    }
    t = coefficient_table(ir).set_index("spec")
    assert list(t.index) == ["none", "P0"]
    for k, r in ir.items():
        assert t.loc[k, "estimate"] == r.params["coverage_rate"] and t.loc[k, "se"] == r.bse["coverage_rate"]
        assert t.loc[k, "ci_low"] == pytest.approx(
            r.params["coverage_rate"] - stats.norm.ppf(0.975) * r.bse["coverage_rate"], rel=1e-9
        )
        assert (t.loc[k, "n"], t.loc[k, "n_exact"], t.loc[k, "n_interval"]) == (34, 21, 13)


def test_national_series_notes_and_rate(data_dir):
    from jamsostek_analysis.study.extreme import national_rate, national_series_notes
    from jamsostek_analysis.output.figures.descriptive import national_extreme_poverty
    from jamsostek_analysis.data.sources.curated import read_curated

    nat = national_extreme_poverty(read_curated(None, "extreme_poverty_national"))
    notes = national_series_notes(nat)
    # both series were published for March 2024 with different values (curated E14, E16)
    assert "Both series report March 2024: BPS 1.90 series 0.83 %; BPS 2.15 series (Jul 2025) 1.26 %" in notes
    assert any(n.startswith("Conflicting lower-confidence statement") and "1.72 %" in n for n in notes)
    assert national_rate(nat, "BPS 1.90 series", 2023, "March") == 1.12
    assert np.isnan(national_rate(nat, "BPS 1.90 series", 2025, "March"))


def test_national_extreme_latest(data_dir):
    from jamsostek_analysis.study.extreme import national_extreme_latest
    from jamsostek_analysis.data.sources.curated import read_curated

    got = national_extreme_latest(read_curated(None, "extreme_poverty_national"))
    with open(data_dir / "curated/extreme_poverty_national.csv", newline="", encoding="utf-8") as fh:
        r = [
            x
            for x in csv.DictReader(fh)
            if x["series_vintage"] == "BPS 2.15 series (Jul 2025)" and x["year"] == "2025" and x["period"] == "March"
        ]
    rate = next(float(x["value"]) for x in r if x["indicator"] == "extreme_poverty_rate")
    persons = next(float(x["value"]) for x in r if x["indicator"] == "extreme_poor_persons")
    assert (
        (got["year"], got["period"], got["rate"], got["persons"])
        == (2025, "March", rate, persons)
        == (2025, "March", 0.85, 2380000.0)
    )


# --------------------------------------------------------------------------------------------
# figures


def _gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def test_extreme_vs_proxies_draws_points_and_bars(cs):
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures.extreme import extreme_vs_proxies

    fig = extreme_vs_proxies(cs)
    try:
        assert len(fig.axes) == 3
        n_exact, n_bounded = int((cs["status"] == "exact").sum()), int((cs["status"] == "bounded").sum())
        for ax, p in zip(fig.axes, ("p0", "p1", "p2")):
            (pts,) = _gid(ax, "exact")
            (bars,) = _gid(ax, "bounded")
            off = pts.get_offsets()
            assert off.shape == (n_exact, 2)
            ex = cs[cs["status"] == "exact"]
            assert np.allclose(np.sort(off[:, 0]), np.sort(ex[p])) and np.allclose(
                np.sort(off[:, 1]), np.sort(ex["extreme"])
            )
            segs = bars.get_segments()
            assert len(segs) == n_bounded
            assert all(s[0][1] == 1.0 and s[1][1] == 5.0 for s in segs)
    finally:
        plt.close(fig)


def test_power_curve_plot_lines():
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures.extreme import FigureDataError, power_curve_plot

    betas = np.linspace(0, 0.05, 6)
    df = pd.concat(
        [
            pd.DataFrame({"beta": betas, "power": np.linspace(0.05, 1, 6), "mc_se": 0.01, "label": lab})
            for lab in ("rho = 0", "rho = 0.5")
        ],
        ignore_index=True,
    )
    fig = power_curve_plot(df, {"rho = 0": 0.02, "rho = 0.5": 0.03}, estimate=(0.005, -0.03, 0.03))
    try:
        ax = fig.axes[0]
        lines = {ln.get_gid(): ln for ln in ax.get_lines() if ln.get_gid()}
        assert {"power:rho = 0", "power:rho = 0.5", "mde:rho = 0", "mde:rho = 0.5", "target"} <= set(lines)
        assert np.allclose(lines["power:rho = 0"].get_xdata(), betas)
        assert lines["mde:rho = 0.5"].get_xdata()[0] == 0.03
        assert lines["target"].get_ydata()[0] == 0.8
        assert len(_gid(ax, "estimate")) == 1
    finally:
        plt.close(fig)
    with pytest.raises(FigureDataError):
        power_curve_plot(df, 0.02)  # two variants, one MDE


def test_counterfactual_plot_marks_extrapolation():
    import matplotlib.pyplot as plt

    from jamsostek_analysis.output.figures.extreme import counterfactual_plot

    nat = pd.DataFrame(
        {
            "level": "national",
            "scenario": ["best_quartile", "bpu_plus_10", "universal"],
            "delta_x": [9.0, 6.1, 75.3],
            "out_of_support": [False, True, True],
            "delta_poor_clipped": [125e3, 85e3, 1.05e6],
            "delta_poor_clipped_low": [-883e3, -600e3, -7.4e6],
            "delta_poor_clipped_high": [779e3, 530e3, 6.5e6],
        }
    )
    prov = nat.assign(level="province")  # province rows are ignored
    fig = counterfactual_plot(pd.concat([prov, nat], ignore_index=True), reference=(-2.38e6, "extreme poor"))
    try:
        ax = fig.axes[0]
        assert [c.get_label() for c in ax.containers] == [f"scenario:{s}" for s in nat["scenario"]]
        marks = {ln.get_gid(): ln for ln in ax.get_lines() if ln.get_gid()}
        assert marks["scenario:universal"].get_markerfacecolor() == "white"
        assert marks["scenario:best_quartile"].get_xdata()[0] == pytest.approx(125.0)
        (bar,) = _gid(ax, "interval:universal")
        (seg,) = bar.get_segments()
        assert seg[0][0] == pytest.approx(-7400.0) and seg[1][0] == pytest.approx(6500.0)
        texts = [t.get_text() for t in ax.texts]
        assert sum("EXTRAPOLATION" in t for t in texts) == 1
        assert sum("partly outside observed coverage" in t for t in texts) == 1
        assert len(_gid(ax, "reference")) == 1
    finally:
        plt.close(fig)
