# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Extreme poverty: the published fragments, a MODELLED province panel, and coverage
#
# **Question.** Is BPJS-TK coverage associated with *extreme* poverty across provinces?
#
# **What the data allow.** BPS publishes extreme poverty nationally (two incompatible series) but
# gives province values only in scattered statements: for March 2023 (US$1.90/day PPP 2011 series)
# exact values for 21 provinces and, for 13 others, only the statement that they lie *between 1 % and
# 5 %*. So:
#
# 1. the national series are shown as they are, each series on its own, never spliced;
# 2. the 2023 cross-section is analysed with an **interval regression** (exact values and bands);
# 3. P0, P1, P2 are compared with extreme poverty across the exact-value provinces;
# 4. a **MODELLED province x year panel** of extreme poverty (2015-2025) is built from the published
#    P0, P1 and P2 by urban/rural area, calibrated on the 21 exact province values only and validated
#    against every published figure it was not calibrated on (sections 5-7);
# 5. the coverage regressions of notebook 03 are run with the modelled outcome next to P2 (section 8),
#    with what the modelled outcome adds beyond P0-P2 (section 9) and its power (section 10).
#
# The modelled values are **MODELLED, not BPS statistics**: labelled so in every table and figure,
# each with an interval, never spliced with the published figures. All logic lives in
# `jamsostek_analysis.study.extreme`, `jamsostek_analysis.study.extreme_model` and
# `jamsostek_analysis.output.figures`; every number in the text is printed from the results.

# %% tags=["parameters"]
import pandas as pd

from jamsostek_analysis.study import extreme as X
from jamsostek_analysis.data.bundle import open_bundle
from jamsostek_analysis.output.figures import descriptive, save_figure
from jamsostek_analysis.output.figures.extreme import extreme_vs_proxies, national_extreme_series
from jamsostek_analysis.data.panel import build_province_panel
from jamsostek_analysis.data.sources.curated import read_curated
from jamsostek_analysis.output.tables import regression_table, write_table
import numpy as np

from jamsostek_analysis.estimation import power as P
from jamsostek_analysis.output.figures.extreme_model import extreme_trends_figure, extreme_validation_figure
from jamsostek_analysis.output.figures.maps import load_provinces
from jamsostek_analysis.study import analysis as A
from jamsostek_analysis.study import specs as S
from jamsostek_analysis.study import extreme_model as EM

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 30)
pd.set_option("display.max_colwidth", 80)

# The one round with a province cross-section (change only if the curated fragments gain another round)
XS_YEAR, XS_PERIOD, XS_SERIES = 2023, "March", "BPS 1.90 series"

bundle = open_bundle()
panel = build_province_panel(bundle, geography="34")
SOURCE_XS = (
    f"Sources: extreme poverty by province, {XS_PERIOD} {XS_YEAR} (BPS US$1.90/day PPP 2011 series): BPS / Kemenko PMK "
    f"statements, curated E01, E02, E04 (band 1-5 % inferred by elimination); P0, P1, P2: BPS Susenas {XS_PERIOD} {XS_YEAR} (B01)."
)

# %% [markdown]
# ## 1. The national series (two BPS series, never spliced)
#
# BPS used a US$1.90/day (PPP 2011) line for the 2024 elimination target, and in July 2025 published a
# new series at US$2.15/day (PPP 2017) with a spatial deflator. The two overlap in March 2024 and differ
# there, so they are different measures, not one series with a break. The TNP2K 2021 figures and World
# Bank figures in the same curated table use other lines again and are left out.

# %%
extreme_nat = descriptive.national_extreme_poverty(read_curated(bundle, "extreme_poverty_national"))
extreme_nat

# %%
print("\n".join(X.national_series_notes(extreme_nat)))

# %% [markdown]
# The same series drawn alone (it is also the first panel of `fig02_national_trends` in notebook 01;
# shown here, not saved again):

# %%
fig = national_extreme_series(
    extreme_nat,
    source="Sources: BPS / Kemenko PMK statements (curated E01-E17). Two series with different lines; not spliced.",
)

# %% [markdown]
# ## 2. The March 2023 province cross-section
#
# `extreme_poverty_cross_section` reads the curated fragments and gives each of the 34 provinces (2023
# boundaries: Papua and Papua Barat undivided, as in the statements) a lower and an upper bound:
# equal for a published value, 1 and 5 for the band, both missing where nothing is known. Two cases
# need care, and the file's `note` column flags both:
#
# * **Gorontalo** has a published value (2.44 %) *and* a band row. One source attributes the value to
#   Gorontalo, another writes "Gorontalo and NTT" ambiguously. The value lies inside the band, so it is
#   used as published; the conservative variant uses only the band.
# * **Banten** is in the band by elimination (November 2023 statement), but a July 2023 Kemenko PMK
#   statement listed it among provinces below 1 %. The conservative variant widens Banten to [0, 5],
#   the union of the two statements.

# %%
XS = dict(year=XS_YEAR, period=XS_PERIOD, series=XS_SERIES)
cs = X.extreme_poverty_cross_section(bundle, panel, **XS)
cons = X.extreme_poverty_cross_section(bundle, panel, conflicts="conservative", **XS)
print(f"Provinces: {len(cs)}; published value: {cs.attrs['n_exact']}; band only: {cs.attrs['n_bounded']}; "
      f"no information: {len(cs.attrs['no_information'])} {cs.attrs['no_information']}")
print(f"Conservative variant: published value {cons.attrs['n_exact']}, band only {cons.attrs['n_bounded']}")
print("Confidence grade of the rows used:", cs["confidence"].value_counts().to_dict())
cs.loc[cs["conflict"] != "", ["province_code", "province_name", "status", "lower", "upper", "source_id", "confidence", "conflict"]]

# %%
cs[["province_code", "province_name", "status", "lower", "upper", "source_id", "confidence", "coverage_rate", "p0",
    "p1", "p2"]].round(2)

# %% [markdown]
# Note the selection: the provinces with a published value are those BPS *listed* (below 1 %, and
# Papua/Papua Barat above 5 %) plus Gorontalo. The middle of the distribution is known only as a band,
# which is exactly why the interval regression below, and not a regression on the published values
# alone, is the right tool.
#
# ## 3. How P0, P1 and P2 track extreme poverty (`tab04_proxy_correlations`)
#
# Across the provinces with a published value: correlations (Pearson and Spearman) and the slope of
# extreme poverty on each index, with and without Papua and Papua Barat (whose high values could carry
# the correlations alone). P1 (poverty gap) and P2 (severity) weight each poor person by the distance
# below the line (P2 by its square), so they respond most to the people furthest below it, those whom
# the extreme line counts.

# %%
PAPUA = X.PAPUA_2023
prox = X.proxy_table(cs)  # all exact-value provinces, and the same without Papua and Papua Barat
tab04 = prox.assign(proxy=prox["proxy"].str.upper())
write_table(
    tab04.drop(columns=["pearson_p", "spearman_p"]),
    "tab04_proxy_correlations",
    caption=f"Extreme poverty ({XS_PERIOD} {XS_YEAR}, BPS US$1.90 series) and P0, P1, P2 across provinces with a published value",
    notes="Slope and intercept: OLS of the extreme-poverty rate (%) on the index. Provinces with a published value "
    f"only (the band-only provinces are excluded here). Sources: curated E01, E02, E04; BPS Susenas {XS_PERIOD} {XS_YEAR}.",
)
prox.round(3)

# %%
for s, g in prox.groupby("sample", sort=False):
    g = g.set_index("proxy")
    best = g["pearson_r"].idxmax()
    print(f"{s}: Pearson r with extreme poverty - P0 {g.loc['p0', 'pearson_r']:.3f}, P1 {g.loc['p1', 'pearson_r']:.3f}, "
          f"P2 {g.loc['p2', 'pearson_r']:.3f} (n = {int(g.loc['p0', 'n'])}); Spearman - P0 "
          f"{g.loc['p0', 'spearman_rho']:.3f}, P1 {g.loc['p1', 'spearman_rho']:.3f}, P2 {g.loc['p2', 'spearman_rho']:.3f}; "
          f"closest: {best.upper()}")

# %%
bc = X.band_consistency(cs, prox[prox["sample"] == "all exact-value provinces"])
print("Band-only provinces whose value predicted from the exact-value fit lies inside their own band: "
      + ", ".join(f"{r.proxy.upper()} {r.n_inside} of {r.n_predicted}" for r in bc.itertuples()))
bc.round(2)

# %% [markdown]
# The figure (`fig08_extreme_vs_proxies`): filled points are published values; purple bars are the
# provinces known only to lie in the band.

# %%
fig = extreme_vs_proxies(cs, source=SOURCE_XS)
save_figure(fig, "fig08_extreme_vs_proxies")

# %% [markdown]
# ## 4. Interval regression: extreme poverty and coverage, March 2023 (`tab03_extreme_poverty_intreg`)
#
# Model: extreme poverty of province *i* is `a + b · coverage_i + c · controls_i + e_i`, `e ~ N(0, σ²)`;
# the likelihood uses the density for published values and the probability of the band for the
# others (Stata's `intreg`). Coverage: active BPJS-TK participants (PU + BPU) per 100 employed, 2023
# (compiled source R2-D1, reference December 2023; employed August 2023). Robust (sandwich) standard
# errors, z-based; with 34 provinces the p-values are approximate.
#
# **Control.** Extreme poverty is part of headcount poverty (the extreme line is far below every
# provincial poverty line), so across provinces it rises with P0 almost mechanically, and coverage is
# lower where poverty is higher. With **P0 as a control**, the coverage coefficient asks whether
# provinces with more coverage have *less extreme poverty than their headcount poverty predicts*, i.e.
# fewer of their poor far below the line: the depth question of the study. Log GRDP per capita (income
# level) is the alternative, but it is missing for Papua and Papua Barat in 2023 (published after the
# split), which removes the two provinces with the highest extreme poverty; it is shown as a
# sensitivity column only.
#
# Columns: (1) no control; (2) P0 (main); (3) P0 with the conservative treatment of Banten and
# Gorontalo; (4) P0 without Papua and Papua Barat; (5) P0 and log GRDP per capita.

# %%
specs = {  # name: (cross-section, keyword arguments of extreme_poverty_regression)
    "(1) none": (cs, dict(controls=())),
    "(2) P0": (cs, dict(controls=("p0",))),
    "(3) P0, conservative": (cons, dict(controls=("p0",))),
    "(4) P0, excl. Papua": (cs, dict(controls=("p0",), exclude=PAPUA)),
    "(5) P0, log GRDP pc": (cs, dict(controls=("p0", "log_grdp_per_capita"))),
}
ir = {}
for name, (data, kw) in specs.items():
    print(name, end=": ")
    ir[name] = X.extreme_poverty_regression(data, "coverage_rate", **kw)
print(ir["(2) P0"].summary())

# %%
tab03 = regression_table(
    ir,
    params=["coverage_rate", "p0", "log_grdp_per_capita", "Intercept"],
    labels={"coverage_rate": "Coverage (per 100 employed)", "p0": "P0 (%)", "log_grdp_per_capita": "log GRDP per capita"},
    extra_rows={"sigma": {k: r.sigma for k, r in ir.items()}},
    stats=("nobs", "n_exact", "n_interval"),
    stat_labels={"n_exact": "Published values", "n_interval": "Band only (1-5 %)"},
)
tab03.attrs["notes"] = (
    "Normal interval regression (maximum likelihood); robust sandwich standard errors in parentheses, z-based; "
    f"*** p<0.01, ** p<0.05, * p<0.1. Outcome: extreme poverty, % of population, {XS_PERIOD} {XS_YEAR}, BPS US$1.90/day PPP 2011 "
    "series (curated E01, E02, E04); band-only provinces enter as 1-5 % (inferred by elimination). Conservative: "
    f"Banten [0, 5], Gorontalo [1, 5]. Coverage: active BPJS-TK PU + BPU per 100 employed, {XS_YEAR} (R2-D1). (5) drops "
    f"Papua and Papua Barat (GRDP {XS_YEAR} published after the split). Cross-section association, not an effect."
)
write_table(tab03, "tab03_extreme_poverty_intreg",
            caption=f"Extreme poverty and BPJS-TK coverage across 34 provinces, {XS_PERIOD} {XS_YEAR} (interval regression)")
tab03

# %%
coef = X.coefficient_table(ir, "coverage_rate")
coef.round(4)

# %%
main = coef.set_index("spec").loc["(2) P0"]
print(
    f"Main specification (P0 control): a province with 10 more active participants per 100 employed has "
    f"{10 * main['estimate']:+.3f} percentage points of extreme poverty at the same P0 (95% CI "
    f"{10 * main['ci_low']:+.3f} to {10 * main['ci_high']:+.3f}; p = {main['p']:.2f}; n = {int(main['n'])}: "
    f"{int(main['n_exact'])} published values, {int(main['n_interval'])} bands)."
)
print(
    f"Across specifications the coverage coefficient ranges from {coef['estimate'].min():+.4f} to "
    f"{coef['estimate'].max():+.4f} per point; smallest p-value {coef['p'].min():.2f}."
)
nat_2023 = X.national_rate(extreme_nat, cs.attrs["series"], cs.attrs["year"], cs.attrs["period"])
print(f"For scale: national extreme poverty in {cs.attrs['period']} {cs.attrs['year']} was {nat_2023:.2f} %; the "
      f"cross-province SD of coverage in {cs.attrs['year']} is {cs['coverage_rate'].std():.1f} points.")

# %% [markdown]
# ## 5. A MODELLED province x year panel of extreme poverty: the method
#
# The three published FGT indices at the BPS line *z* (P0, P1, P2) pin down the lower tail of the
# consumption distribution in each province, area (urban, rural) and round:
#
# * **Tail shape.** Among the poor, the normalised shortfall *g = (z - y)/z* has mean P1/P0 and mean
#   square P2/P0. A Beta distribution with these two moments reproduces P0, P1 and P2 exactly (every
#   cell is feasible, count below). The alternative is a lognormal of *y/z* fitted to P0 and P2; its
#   misfit of P1 is the over-identification check.
# * **Extreme line.** Rp 351,957.4 per capita per month in March 2023 (curated X01), indexed to every
#   round with the national CPI chained from Bank Indonesia's year-on-year rates across the 2012/2018/2022
#   base changes, relative to BPS's national poverty line of the round (*k_t*). Two spatial assumptions
#   are tested on the 21 exact values: the line proportional to each province's own poverty line
#   (*c k_t z*), or one rupiah line everywhere (*c L_t*).
# * **Level.** One factor *c* per distribution, calibrated (least squares on logs) on the 21 exact
#   March-2023 province values only. The published national series stays out of the calibration, so
#   every national figure below is an out-of-sample check.
# * **Urban + rural** are combined with the urban population share implied by P0 total, urban and rural;
#   where that share is not identified (the two P0 within 1 point, or a share outside [0, 1]) the total
#   cell is modelled directly.
# * **Interval** (nominal 90 %): the jackknife interval of *c* over the 21 calibration provinces, widened
#   to the envelope over the rounding of P1 and P2 (+/-0.005) and over Beta vs lognormal.
# * **US$2.15 PPP 2017 series** (BPS, July 2025): same tail model and proportional line, level
#   calibrated on the national March 2024 figure only (its one anchor); separate columns, never spliced.

# %%
LEVEL = 0.90
inputs = EM.load_model_inputs(bundle)
model = EM.fit_extreme_model(inputs, level=LEVEL)
chk = inputs.cpi_check
print(f"CPI chain (anchored on March and September 2023, 2018=100) against {len(chk)} ratios of published BPS CPI levels "
      f"(same base and month, {chk['year_from'].min()}-{chk['year'].max()}): largest discrepancy "
      f"{chk['discrepancy_pct'].abs().max():.3f} %")
ln = model.lines.set_index(["year", "period"])
print(f"Extreme line relative to the national poverty line: k = {ln.loc[(2015, 'March'), 'k']:.3f} (March 2015), "
      f"{ln.loc[(2023, 'March'), 'k']:.3f} (March 2023), {ln.loc[(2025, 'March'), 'k']:.3f} (March 2025): the line "
      f"drifts by {100 * (1 - ln.loc[(2025, 'March'), 'k'] / ln.loc[(2015, 'March'), 'k']):.0f} % against BPS's line over the decade")
cells = model.cells
rel = (cells["ln_misfit_p1"] / cells["p1"]).abs()
print(f"Beta fits feasible in {int(cells['beta_feasible'].sum())} of {len(cells)} cells; lognormal (P0, P2) misses P1 by a "
      f"median {cells['ln_misfit_p1'].abs().median():.3f} points ({rel.median():.1%} of P1; 90th percentile {rel.quantile(0.9):.1%})")
print("Province-round values:", model.province["combined_from"].value_counts().to_dict())
model.lines.round(4)

# %%
sp = model.spatial.set_index("spatial")
print(f"Spatial assumption (leave-one-out on the 21 exact values, Beta): proportional line mean |log error| "
      f"{sp.loc['proportional', 'mean_abs_log_error']:.3f}, MAE {sp.loc['proportional', 'mae_pp']:.3f} pp; one rupiah line "
      f"{sp.loc['rupiah', 'mean_abs_log_error']:.3f}, MAE {sp.loc['rupiah', 'mae_pp']:.3f} pp. Used: {model.spatial_choice}.")
model.calibration.round(4)

# %% [markdown]
# ## 6. Validation (`tab07_extreme_validation`, `fig11_extreme_validation`)
#
# Leave-one-out on the 21 exact values (each province predicted with the level calibrated on the
# other 20); the 13 band-only provinces against their 1-5 % band; the three exact March-2022 province
# values; and the national aggregate (weights: the Susenas population behind P0, S06) against every
# published national figure of the same series. Only the US$2.15 March 2024 figure was used for
# calibration (marked). The naive proxies (extreme poverty linear in P0, P1 or P2, fitted on the same 21
# values) are shown next to the model.

# %%
val = EM.validation_table(model)
tab07 = val.rename(columns={"beta": "MODELLED (Beta)", "beta_low": "low (90 %)", "beta_high": "high (90 %)",
                            "lognormal": "MODELLED (lognormal)", "proxy_p0": "linear in P0", "proxy_p1": "linear in P1",
                            "proxy_p2": "linear in P2"}).drop(columns="note")
tab07["in_sample"] = np.where(val["in_sample"], "calibration", "")
write_table(
    tab07, "tab07_extreme_validation", formats=("md", "tex", "csv"),
    caption="MODELLED extreme poverty (not a BPS statistic): validation against published figures",
    notes=f"MODELLED from BPS P0, P1, P2 by province and area (B01); US$1.90 level calibrated on the 21 exact March-2023 "
    f"province values only, US$2.15 level on the national March 2024 figure only. Interval: nominal {LEVEL:.0%} (jackknife "
    "of the level over the 21 provinces, widened over P1/P2 rounding and Beta vs lognormal). National aggregate: "
    "poverty-population weights (S06; September rounds use March weights). Proxies: OLS of the published 2023 values on "
    "P0, P1 or P2. Sources: curated E01-E17, X01; BPS B01, B02, S06; BI I01.",
    digits={c: 3 for c in tab07.columns if tab07[c].dtype.kind == "f"},
)
val.round(3)

# %%
v = val.set_index(["check", "statistic"])
loo_key = [c for c in val["check"].unique() if c.startswith("leave-one-out")][0]
band_key = [c for c in val["check"].unique() if c.startswith("13 band")][0]
m = {s: v.loc[(loo_key, s)] for s in ("MAE (pp)", "mean absolute log error", "correlation")}
print(f"Leave-one-out, 21 exact values: MAE {m['MAE (pp)']['beta']:.3f} pp (lognormal {m['MAE (pp)']['lognormal']:.3f}; "
      f"linear in P2 {m['MAE (pp)']['proxy_p2']:.3f}, P1 {m['MAE (pp)']['proxy_p1']:.3f}, P0 {m['MAE (pp)']['proxy_p0']:.3f}); "
      f"mean |log error| {m['mean absolute log error']['beta']:.3f}; correlation {m['correlation']['beta']:.3f}.")
b = v.loc[(band_key, "inside 1-5 %")]
print(f"Band-only provinces inside 1-5 %: {b['beta']:.0f} of {b['published']:.0f} (lognormal {b['lognormal']:.0f}; "
      f"linear in P2 {b['proxy_p2']:.0f})")
for r in val[val["check"].str.startswith("province value") | val["check"].str.startswith("national")].itertuples():
    err = 100 * (r.beta / r.published - 1)
    inside = r.beta_low <= r.published <= r.beta_high
    print(f"{r.check}, {r.statistic}: published {r.published:.2f}, MODELLED {r.beta:.2f} [{r.beta_low:.2f}, {r.beta_high:.2f}] "
          f"({err:+.0f} %; published value {'inside' if inside else 'OUTSIDE'} the interval)"
          + (" - calibration round" if r.in_sample else "")
          + (f"; linear-in-P2 proxy {r.proxy_p2:.2f}" if np.isfinite(r.proxy_p2) else ""))

# %%
loo = EM.leave_one_out(model)
bt = model.targets[model.targets["kind"] == "band"]
p23 = model.province[(model.province["year"] == 2023) & (model.province["period"] == "March")].set_index("province_code")
bands = bt.assign(predicted=bt["province_code"].map(p23["extreme_modelled"]))
nat_rows = val[val["check"].str.startswith("national")].assign(
    series=lambda d: np.where(d["check"].str.contains("2.15"), "US$2.15", "US$1.90"), label=lambda d: d["statistic"])
SOURCE_MODEL = ("MODELLED, not a BPS statistic: from BPS P0, P1, P2 by province and area (Susenas, B01), BI CPI (I01), extreme "
                "line X01; published values: curated E01-E17.")
fig = extreme_validation_figure(loo, bands, nat_rows, source=SOURCE_MODEL)
save_figure(fig, "fig11_extreme_validation")

# %% [markdown]
# ## 7. National trends 2015-2025 and maps (`fig12_extreme_trends`)
#
# Province values aggregated with poverty-population weights; March rounds as lines with their 90 %
# band, September 2022 and 2024 as points; the published figures on top. Shaded: the rounds in which
# each series was published. Outside them the definition is **extrapolated** (US$1.90 before 2021 and in
# 2025; US$2.15 before 2024).

# %%
trends = EM.national_trends(model)
published = inputs.national_published
published = published[published["primary"] & published["month_stated"]].assign(
    series=lambda d: np.where(d["series"].str.contains("2.15"), "US$2.15", "US$1.90"))
g38 = load_provinces(bundle, "38")
pv = model.province
maps = {
    "US$1.90, March 2024 (last published round)": (g38, pv[(pv["year"] == 2024) & (pv["period"] == "March")].set_index("province_code")["extreme_modelled"]),
    "US$2.15, March 2025": (g38, pv[(pv["year"] == 2025) & (pv["period"] == "March")].set_index("province_code")["extreme215_modelled"]),
}
spans = {"US$1.90": (2021.25, 2024.25), "US$2.15": (2024.25, 2025.25)}
fig = extreme_trends_figure(trends, published, maps, spans=spans, source=SOURCE_MODEL)
save_figure(fig, "fig12_extreme_trends")
trends.round(3)

# %%
t = trends.set_index(["year", "period"])
pub190 = published[published["series"] == "US$1.90"].set_index(["year", "period"])["value"]
print(f"MODELLED national extreme poverty (US$1.90): {t.loc[(2015, 'March'), 'extreme_modelled']:.2f} % in March 2015 "
      f"[{t.loc[(2015, 'March'), 'extreme_modelled_low']:.2f}, {t.loc[(2015, 'March'), 'extreme_modelled_high']:.2f}] (extrapolated), "
      f"{t.loc[(2021, 'March'), 'extreme_modelled']:.2f} % in March 2021, {t.loc[(2024, 'March'), 'extreme_modelled']:.2f} % in March 2024, "
      f"{t.loc[(2025, 'March'), 'extreme_modelled']:.2f} % in March 2025 (extrapolated). US$2.15: "
      f"{t.loc[(2024, 'March'), 'extreme215_modelled']:.2f} % (March 2024, calibration) to {t.loc[(2025, 'March'), 'extreme215_modelled']:.2f} % "
      f"[{t.loc[(2025, 'March'), 'extreme215_modelled_low']:.2f}, {t.loc[(2025, 'March'), 'extreme215_modelled_high']:.2f}] (March 2025).")
print(f"Fall March 2021 -> March 2024: MODELLED {100 * (1 - t.loc[(2024, 'March'), 'extreme_modelled'] / t.loc[(2021, 'March'), 'extreme_modelled']):.0f} %, "
      f"published {100 * (1 - pub190[(2024, 'March')] / pub190[(2021, 'March')]):.0f} % ({pub190[(2024, 'March')]:.2f} vs "
      f"{pub190[(2021, 'March')]:.2f}), linear-in-P2 proxy "
      f"{100 * (1 - t.loc[(2024, 'March'), 'proxy_p2'] / t.loc[(2021, 'March'), 'proxy_p2']):.0f} %.")

# %% [markdown]
# ## 8. Coverage and MODELLED extreme poverty, 2022-2025 (`tab08_extreme_estimates`)
#
# The specifications of notebook 03 (34 provinces, 2022-2025; two-way FE and first differences with
# year effects), on the log scale: log MODELLED extreme poverty (US$1.90, point values) and, next to it,
# log P2. CRV1 clustered by province, CR2 with Bell-McCaffrey df, and the wild cluster restricted
# bootstrap (the declared reference test; weights and seeds as in `specs.estimate`). The modelled
# outcome's own uncertainty (its interval) is not propagated into these standard errors.

# %%
SEED, B = 20240301, 9999
YEARS = S.coverage_years(panel)  # where coverage is observed
panel_m = EM.add_log_outcomes(EM.add_extreme_modelled(panel, model))
OUT = tuple(EM.LOG_OUTCOMES)
est = S.estimate(S.main_grid(OUT, ("twfe", "fd"), years=YEARS), panel_m, B=B, seed=SEED).table
tab08 = est[["outcome", "model", "estimate", "se", "pvalue", "cr2_se", "cr2_df", "cr2_pvalue", "boot_pvalue", "boot_ci_low",
             "boot_ci_high", "nobs", "n_clusters"]].copy()
tab08["outcome"] = tab08["outcome"].map({"log_extreme_modelled": "log extreme poverty (MODELLED, US$1.90)", "log_p2": "log P2"})
tab08["model"] = tab08["model"].map(A.MODEL_LABELS)
write_table(
    tab08, "tab08_extreme_estimates",
    caption=f"BPJS-TK coverage and log MODELLED extreme poverty vs log P2, 34 provinces, {YEARS[0]}-{YEARS[1]}",
    notes=f"Coefficient of coverage (active PU + BPU per 100 employed) on the log outcome; province and year effects (two-way FE) or "
    f"first differences with year effects. se/pvalue: CRV1 by province; cr2: Bell-McCaffrey; boot: wild cluster restricted "
    f"bootstrap, {est['boot_weights'].iloc[0]} weights, B = {B}, seed {SEED} (the reference test). Extreme poverty is MODELLED (not a BPS statistic); "
    "its model uncertainty is not propagated. Conditional associations, not effects.",
)
est[["spec", "estimate", "se", "pvalue", "cr2_pvalue", "cr2_df", "boot_pvalue", "boot_ci_low", "boot_ci_high", "nobs"]].round(4)

# %%
for r in est.itertuples():
    print(f"{r.spec}: {r.estimate:+.4f} log points per point of coverage ({100 * (np.exp(10 * r.estimate) - 1):+.1f} % for +10 points); "
          f"CRV1 p = {r.pvalue:.3f}, CR2 p = {r.cr2_pvalue:.3f} (df {r.cr2_df:.1f}), wild bootstrap p = {r.boot_pvalue:.3f}, "
          f"95 % bootstrap set {r.boot_conf_set.format('{:.4f}') if r.boot_conf_set is not None else f'[{r.boot_ci_low:.4f}, {r.boot_ci_high:.4f}]'}")
ratio = est.set_index("spec")
print(f"Ratio of the coefficients (extreme / P2), two-way FE: {ratio.loc['log_extreme_modelled_twfe', 'estimate'] / ratio.loc['log_p2_twfe', 'estimate']:.2f}; "
      f"first differences: {ratio.loc['log_extreme_modelled_fd', 'estimate'] / ratio.loc['log_p2_fd', 'estimate']:.2f}")

# %% [markdown]
# ## 9. What the MODELLED outcome adds beyond P0-P2
#
# The modelled values are computed from P0, P1 and P2 (by urban/rural area) and national quantities
# that year effects absorb. They carry **no information that is not already in P0-P2**; the regression
# below measures how close to a *linear* function of the three total indices they are.

# %%
info = EM.information_beyond_fgt(panel_m, YEARS)
for r in info.itertuples():
    print(f"{r.outcome} on {r.regressors}, {r.sample} (n = {r.n}): R^2 {r.r2:.3f}; within (province and year effects removed) "
          f"{r.r2_within:.3f}")
info.round(4)

# %% [markdown]
# ## 10. Power for the modelled outcome (MDE)
#
# Minimum detectable effect (power 0.80, two-sided 5 % CRV1 t-test, two-way FE) for log MODELLED extreme
# poverty and log P2, with the design estimated from the data (`estimation.power`).

# %%
sample_m = A.sample_years(panel_m, YEARS)
mde, _ = P.mde_table(sample_m, OUT, A.COVERAGE, n_sims=2000, seed=SEED, cr2_outcomes=())
mde.round(4)

# %%
for o, g in mde.groupby("outcome", sort=False):
    g = g.set_index("rho_variant")
    print(f"{o}: MDE {g['mde_simulated'].min():.4f}-{g['mde_simulated'].max():.4f} log points per point of coverage across the rho "
          f"variants ({g['mde_per_sd_x'].min():.3f}-{g['mde_per_sd_x'].max():.3f} per within-province SD of coverage); estimate "
          f"{g['beta_hat'].iloc[0]:+.4f}")

# %% [markdown]
# ## 11. Where the MODELLED values are unreliable
#
# * **The 2022 level.** The national aggregate falls below both published 2022 figures and the three
#   March 2022 province values, outside its interval (section 6), while 2021, 2023 and 2024 fit: the
#   CPI-indexed line or the 2022 figures follow a definition the model does not reproduce. Values for
#   2022 carry a flag.
# * **Extrapolation of the definition.** The US$1.90 series was published for March 2021 to March 2024;
#   2015-2020 and 2025 extrapolate it (flag). The US$2.15 series was published from March 2024.
# * **The new Papua provinces** (92, 95, 96, 97 from 2024) rest on small Susenas samples; their rows are
#   flagged and the 34-province panel aggregates them with poverty-population weights.
# * **Intervals** cover calibration, rounding and distribution choice only (nominal 90 %); the
#   validation errors show the model error beyond them. The US$2.15 interval has no calibration part
#   (one national anchor).

# %% [markdown]
# ## 12. What this can and cannot say
#
# * **There is no published province panel of extreme poverty**: one cross-section (March 2023) of
#   published values and bands (counts printed in section 2), plus a handful of province values for March
#   2022. The MODELLED panel (sections 5-10) is a function of P0-P2, not new data: its regressions say
#   how coverage relates to the depth of poverty measured at the extreme line, not more.
# * **A cross-section association is not an effect.** The coefficients above compare provinces with
#   different coverage at one point in time; they absorb everything else that differs between, say,
#   Kalimantan Timur and Nusa Tenggara Timur (industry structure, formal employment, geography,
#   attribution of participants to provinces). They are descriptive.
# * **P1 and P2 as proxies.** Among the provinces with a published value, P2 and P1 follow extreme
#   poverty more closely than P0 (table above; with and without Papua). They are complete for every
#   province and year, so they are the closest available measures of how many people are far below
#   the line. They are proxies, not extreme-poverty rates: P1 and P2 are measured against the BPS
#   national poverty line, not the US$1.90 line.
# * **The band is an inference**, made by elimination from a November 2023 list; one province (Banten)
#   has a contradicting statement, and one published value (Gorontalo) an ambiguous attribution. Column
#   (3) shows the results do not hinge on them.
