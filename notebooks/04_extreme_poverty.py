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
# # 04 · Extreme poverty: national series, the 2023 province cross-section, and P1/P2 as proxies
#
# **Question.** Is BPJS-TK coverage associated with *extreme* poverty across provinces, and can the
# poverty gap (P1) and severity (P2) indices stand in for extreme poverty in the province panel?
#
# **What the data allow.** BPS publishes extreme poverty nationally (two incompatible series) but
# gives province values only in scattered statements. For March 2023 (US$1.90/day PPP 2011 series) the
# curated file holds exact values for some provinces and, for the others, only the statement that they
# lie *between 1 % and 5 %* (inferred by elimination). So:
#
# 1. the national series are shown as they are, each series on its own, never spliced;
# 2. the 2023 cross-section is analysed with an **interval regression** that uses exact values where
#    they exist and only the band where that is all we know (nothing is imputed);
# 3. the relation of P0, P1 and P2 to extreme poverty across the exact-value provinces shows how well
#    the complete indices track it.
#
# All logic lives in `jamsostek_analysis.study.extreme` and `jamsostek_analysis.output.figures.extreme`; every
# number in the text is printed from the results.

# %%
import pandas as pd

from jamsostek_analysis.study import extreme as X
from jamsostek_analysis.data.bundle import open_bundle
from jamsostek_analysis.output.figures import descriptive, save_figure
from jamsostek_analysis.output.figures.extreme import extreme_vs_proxies, national_extreme_series
from jamsostek_analysis.data.panel import build_province_panel
from jamsostek_analysis.data.sources.curated import read_curated
from jamsostek_analysis.output.tables import regression_table, write_table

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
# ## 5. What this can and cannot say
#
# * **There is no province panel of extreme poverty**, so no within-province estimate of the effect of
#   coverage on extreme poverty is possible: one cross-section (March 2023) of published values and bands
#   (counts printed in section 2), plus a handful of province values for March 2022. The panel analysis
#   (notebook 03) therefore uses P0, P1 and P2, which are complete for 2022-2025.
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
