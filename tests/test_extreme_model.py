"""The MODELLED extreme-poverty panel (issue 8): distribution fits recover known parameters, the
calibration does what it says, the intervals are ordered, and the validation is computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from jamsostek_analysis.study.fgt_distributions import (
    beta_from_fgt,
    beta_share_below,
    beta_shortfall_pdf,
    fgt_by_quadrature,
    lognormal_fgt,
    lognormal_from_fgt,
    lognormal_share_below,
)


# ---------------------------------------------------------------------------------------------
# distributions: simulate -> FGT by numerical integration -> fit -> same share below a lower line


@pytest.mark.parametrize("p0, a, b", [(12.3, 1.3, 4.2), (26.0, 1.52, 4.8), (0.9, 0.8, 7.0), (4.5, 2.5, 2.5)])
def test_beta_recovers_known_distribution(p0, a, b):
    P = fgt_by_quadrature(beta_shortfall_pdf(p0, a, b))
    ah, bh, ok = beta_from_fgt(*P)
    assert ok and ah == pytest.approx(a, rel=1e-8) and bh == pytest.approx(b, rel=1e-8)
    for r in (0.4, 0.64, 0.8):
        truth = p0 * stats.beta.sf(1 - r, a, b)
        assert abs(beta_share_below(P[0], ah, bh, r) - truth) < 1e-6


@pytest.mark.parametrize("mu, sigma", [(-0.5, 0.6), (0.5, 0.4), (0.9, 0.55), (1.4, 0.3)])
@pytest.mark.parametrize("fit", [("p0", "p2"), ("p0", "p1")])
def test_lognormal_recovers_known_distribution(mu, sigma, fit):
    P = fgt_by_quadrature(lambda x: stats.lognorm.pdf(x, sigma, scale=np.exp(mu)))
    np.testing.assert_allclose(lognormal_fgt(mu, sigma), P, rtol=1e-9, atol=1e-12)  # closed form vs quadrature
    m, s, misfit = lognormal_from_fgt(*P, fit=fit)
    assert abs(misfit) < 1e-8  # a true lognormal has no over-identification misfit
    for r in (0.4, 0.64):
        assert abs(lognormal_share_below(m, s, r) - 100 * stats.lognorm.cdf(r, sigma, scale=np.exp(mu))) < 1e-6


def test_lognormal_misfit_detects_a_non_lognormal_tail():
    P = fgt_by_quadrature(beta_shortfall_pdf(20.0, 0.6, 4.0))
    _, _, misfit = lognormal_from_fgt(*P)
    assert abs(misfit) > 0.05


def test_infeasible_moments_are_flagged():
    # P2 * P0 < P1^2 is impossible (variance < 0); P2 >= P1 too
    a, b, ok = beta_from_fgt(np.array([10.0, 10.0, 10.0]), np.array([2.0, 2.0, 2.0]), np.array([0.39, 2.5, 0.5]))
    assert ok.tolist() == [False, False, True]
    assert np.isnan(a[:2]).all() and np.isfinite(a[2])


# ---------------------------------------------------------------------------------------------
# model on the bundle


@pytest.fixture(scope="module")
def model(bundle):
    from jamsostek_analysis.study.extreme_model import fit_extreme_model, load_model_inputs

    return fit_extreme_model(load_model_inputs(bundle))


def test_cells_parsed_exactly(model):
    c = model.cells.set_index(["province_code", "year", "period", "area"])
    # B01 March 2023, Papua (94): values of the published table
    assert c.loc[("94", 2023, "March", "rural"), ["p0", "p1", "p2"]].tolist() == [34.49, 8.48, 2.95]
    assert c.loc[("94", 2023, "March", "total"), ["p0", "p1", "p2"]].tolist() == [26.03, 6.25, 2.15]
    assert ("31", 2023, "March", "rural") not in c.index  # DKI Jakarta has no rural area
    # every Beta fit reproduces P1/P0 and P2/P0 exactly
    ok = model.cells["beta_feasible"]
    a, b = model.cells.loc[ok, "beta_a"], model.cells.loc[ok, "beta_b"]
    m1 = a / (a + b)
    m2 = a * (a + 1) / ((a + b) * (a + b + 1))
    cc = model.cells[ok]
    np.testing.assert_allclose(m1 * cc["p0"], cc["p1"], rtol=1e-10)
    np.testing.assert_allclose(m2 * cc["p0"], cc["p2"], rtol=1e-10)


def test_weights_reproduce_the_national_headcount(model, bundle):
    """Poverty-population weights aggregate the province P0 to the published national P0 (B02)."""
    from jamsostek_analysis.data.sources.bps import read_bps_topic
    from jamsostek_analysis.study.extreme_model import national_aggregate

    tot = model.cells[model.cells["area"] == "total"][["province_code", "year", "period", "p0"]]
    agg = national_aggregate(tot, model.inputs.weights, ["p0"])
    nat = read_bps_topic(bundle, "poverty_national")
    nat = nat[(nat["indicator"] == "persentase penduduk miskin p0") & (nat["category"] == "Jumlah")]
    m = agg.merge(nat[["year", "period", "value"]], on=["year", "period"])
    march = m[m["period"] == "March"]
    assert len(march) == 11
    assert (march["p0"] - march["value"]).abs().max() < 0.02  # rounding of the published numbers


def test_extreme_line_indexed_with_cpi(model):
    ln = model.lines.set_index(["year", "period"])
    assert ln.loc[(2023, "March"), "line_rupiah"] == pytest.approx(351957.4)
    assert ln.loc[(2023, "March"), "k"] == pytest.approx(351957.4 / 550458.0)
    # the line is fixed in real terms, so it falls relative to BPS's poverty line: by about a quarter 2015-2025
    drift = ln.loc[(2025, "March"), "k"] / ln.loc[(2015, "March"), "k"]
    assert 0.70 < drift < 0.76


def test_calibration_and_spatial_test(model):
    from jamsostek_analysis.study.extreme_model import SERIES_190, SERIES_215

    cal = model.calibration.set_index(["series", "distribution"])
    # the level minimises the squared log error on the 21 exact values: a small change raises it
    assert int(cal.loc[(SERIES_190, "beta"), "n"]) == 21
    assert model.targets["kind"].value_counts().to_dict() == {"exact": 21, "band": 13}
    assert model.spatial_choice == "proportional"
    sp = model.spatial.set_index("spatial")
    assert sp.loc["proportional", "mean_abs_log_error"] < sp.loc["rupiah", "mean_abs_log_error"]
    c = cal.loc[(SERIES_190, "beta")]
    assert c["c_low"] < c["c"] < c["c_high"]
    # US$2.15: calibrated on March 2024 only -> the national aggregate equals 1.26 there
    from jamsostek_analysis.study.extreme_model import national_trends

    nt = national_trends(model).set_index(["year", "period"])
    assert nt.loc[(2024, "March"), "extreme215_modelled"] == pytest.approx(1.26, abs=1e-8)
    assert np.isnan(cal.loc[(SERIES_215, "beta"), "se_log_c"])


def test_intervals_ordered_and_flags(model):
    p = model.province
    for pre in ("extreme", "extreme215"):
        ok = p[f"{pre}_modelled"].notna()
        assert ok.all()
        assert (p.loc[ok, f"{pre}_modelled_low"] <= p.loc[ok, f"{pre}_modelled"] + 1e-12).all()
        assert (p.loc[ok, f"{pre}_modelled"] <= p.loc[ok, f"{pre}_modelled_high"] + 1e-12).all()
    assert p["flag"].str.startswith("MODELLED").all()
    f25 = p[(p["year"] == 2025)]["flag"]
    assert f25.str.contains("US\\$1.90 definition extrapolated").all()
    assert p[p["province_code"] == "95"]["flag"].str.contains("new Papua").all()
    # extreme poverty never exceeds the headcount
    tot = model.cells[model.cells["area"] == "total"].merge(p, on=["province_code", "year", "period"])
    assert (tot["extreme_modelled_high"] < tot["p0"]).all()


def test_leave_one_out_by_hand(model):
    """The leave-one-out prediction of one province equals a refit without it."""
    from jamsostek_analysis.study.extreme_model import fit_extreme_model, leave_one_out

    loo = leave_one_out(model).set_index("province_code")
    inp = model.inputs
    frag = inp.fragments
    drop = (frag["province_code"] == "64") & (frag["year"] == 2023) & (frag["indicator"] == "extreme_poverty_rate")
    import dataclasses

    m2 = fit_extreme_model(dataclasses.replace(inp, fragments=frag[~drop]), spatial="proportional")
    c2 = m2.calibration.set_index(["series", "distribution"]).loc[("BPS 1.90 series", "beta"), "c"]
    assert loo.loc["64", "c"] == pytest.approx(c2, rel=1e-6)
    v = m2.province.set_index(["province_code", "year", "period"]).loc[("64", 2023, "March"), "extreme_modelled"]
    assert loo.loc["64", "predicted"] == pytest.approx(v, rel=1e-6)


def test_validation_table(model):
    from jamsostek_analysis.study.extreme_model import validation_table

    v = validation_table(model)
    loo = v[v["check"].str.startswith("leave-one-out")].set_index("statistic")
    assert loo.loc["MAE (pp)", "beta"] < loo.loc["MAE (pp)", "proxy_p0"]
    nat = v[v["check"].str.startswith("national aggregate")]
    assert set(nat["statistic"]) >= {
        "March 2021",
        "March 2022",
        "September 2022",
        "March 2023",
        "March 2024",
        "September 2024",
        "March 2025",
    }
    # the only in-sample national figure is the US$2.15 anchor
    ins = nat[nat["in_sample"]]
    assert ins["statistic"].tolist() == ["March 2024"] and ins["check"].str.contains("2.15").all()
    assert v["published"].notna().sum() >= 11


def test_add_extreme_modelled_to_panel(model, bundle):
    from jamsostek_analysis.data.panel import build_province_panel
    from jamsostek_analysis.study.extreme_model import MODELLED_COLUMNS, add_extreme_modelled

    pan = build_province_panel(bundle, geography="34", first_year=2014, last_year=2025)
    out = add_extreme_modelled(pan, model)
    assert len(out) == len(pan) and set(MODELLED_COLUMNS) <= set(out.columns)
    assert out.loc[out["year"] == 2014, "extreme_modelled"].isna().all()
    assert out.loc[out["year"] >= 2015, "extreme_modelled"].notna().all()
    r = out[(out["year"] == 2023) & (out["province_code"] == "94")].iloc[0]
    m = model.province[
        (model.province["year"] == 2023)
        & (model.province["province_code"] == "94")
        & (model.province["period"] == "March")
    ].iloc[0]
    assert (
        r["extreme_modelled"] == m["extreme_modelled"]
        and r["extreme215_modelled_rural_high"] == m["extreme215_modelled_rural_high"]
    )
    # aggregated Papua (94 = 94+95+96+97 in 2024): poverty-population-weighted mean of the parts
    a = out[(out["year"] == 2024) & (out["province_code"] == "94")].iloc[0]
    parts = model.province[
        (model.province["year"] == 2024)
        & (model.province["period"] == "March")
        & model.province["province_code"].isin(["94", "95", "96", "97"])
    ]
    w = model.inputs.weights.merge(
        parts[["province_code", "year", "period", "extreme_modelled"]], on=["province_code", "year", "period"]
    )
    assert a["extreme_modelled"] == pytest.approx((w["extreme_modelled"] * w["weight"]).sum() / w["weight"].sum())
    assert np.isnan(a["extreme_modelled_urban"]) and "aggregate of 94+95+96+97" in a["extreme_modelled_flag"]


def test_panel_cli_writes_modelled_columns_and_dictionary(tmp_path, bundle, capsys):
    from jamsostek_analysis.cli import main
    from jamsostek_analysis.data.columns import MODELLED_COLUMNS, PANEL_COLUMNS

    out, dd = tmp_path / "panel.csv", tmp_path / "dict.csv"
    assert (
        main(["panel", "--data-dir", str(bundle.root), "--out", str(out), "--geography", "34", "--dictionary", str(dd)])
        == 0
    )
    back = pd.read_csv(out, dtype={"province_code": str}, keep_default_na=False, na_values=[""])
    assert back.columns.tolist() == PANEL_COLUMNS + MODELLED_COLUMNS
    d = pd.read_csv(dd)
    assert d["column"].tolist() == PANEL_COLUMNS + MODELLED_COLUMNS
    m = d[d["column"].isin(MODELLED_COLUMNS[:-1])]
    assert m["definition"].str.startswith("MODELLED (not a BPS statistic)").all()
    yrs = back.loc[back["extreme_modelled"].notna(), "year"]
    assert (yrs.min(), yrs.max()) == (2015, 2025)
    assert back.loc[back["year"] >= 2015, "extreme_modelled_flag"].str.startswith("MODELLED").all()


def test_figures_draw_what_they_are_given(model):
    import matplotlib

    matplotlib.use("Agg")
    from jamsostek_analysis.errors import FigureDataError
    from jamsostek_analysis.output.figures.extreme_model import extreme_trends_figure, extreme_validation_figure
    from jamsostek_analysis.study.extreme_model import leave_one_out, national_trends, validation_table

    val = validation_table(model)
    nat = val[val["check"].str.startswith("national")].assign(
        series=lambda d: np.where(d["check"].str.contains("2.15"), "US$2.15", "US$1.90"), label=lambda d: d["statistic"]
    )
    loo = leave_one_out(model)
    bands = model.targets[model.targets["kind"] == "band"].assign(predicted=2.0)
    fig = extreme_validation_figure(loo, bands, nat)
    ax1, ax2 = fig.axes[:2]
    pts = [c for c in ax1.collections if c.get_gid() == "loo"][0].get_offsets()
    np.testing.assert_allclose(np.asarray(pts)[:, 1], loo["value"].to_numpy())
    pub = [c for c in ax2.collections if c.get_gid() == "published"][0].get_offsets()
    np.testing.assert_allclose(np.asarray(pub)[:, 1], nat["published"].to_numpy())
    assert "MODELLED" in fig._suptitle.get_text()
    with pytest.raises(FigureDataError):
        extreme_validation_figure(loo.drop(columns="predicted"), bands, nat)
    tr = national_trends(model)
    published = pd.DataFrame({"series": ["US$1.90"], "year": [2023], "period": ["March"], "value": [1.12]})
    fig = extreme_trends_figure(tr, published)
    line = [ln for ln in fig.axes[0].lines if ln.get_gid() == "line-extreme"][0]
    march = tr[tr["period"] == "March"].sort_values("year")
    np.testing.assert_allclose(line.get_ydata(), march["extreme_modelled"].to_numpy())
    assert "MODELLED" in fig.axes[0].get_title()


def test_information_beyond_fgt_is_exact_for_a_linear_function(model, bundle):
    from jamsostek_analysis.data.panel import build_province_panel
    from jamsostek_analysis.study.extreme_model import add_extreme_modelled, add_log_outcomes, information_beyond_fgt

    pan = add_log_outcomes(
        add_extreme_modelled(build_province_panel(bundle, geography="34", first_year=2022, last_year=2025), model)
    )
    info = information_beyond_fgt(pan, (2022, 2025)).set_index("outcome")
    assert 0.5 < info.loc["extreme_modelled", "r2"] < 1.0
    # an outcome that IS a linear function of P0-P2 gives R^2 = 1 (the check can detect 'no new information')
    fake = pan.assign(extreme_modelled=0.3 + 0.1 * pan["p0"] - 0.2 * pan["p1"] + 2.0 * pan["p2"])
    fake = add_log_outcomes(fake)
    assert information_beyond_fgt(fake, (2022, 2025)).set_index("outcome").loc[
        "extreme_modelled", "r2_within"
    ] == pytest.approx(1.0, abs=1e-9)
