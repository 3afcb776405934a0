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
# # 05 · Robustness of the coverage–poverty estimates
#
# Notebook 03 estimates how the poverty headcount P0 moves with BPJS-TK coverage (active PU + BPU
# participants per 100 employed) across 34 provinces, 2022–2025. Here the main two-way FE and
# first-difference models for P0 are re-run under changes that could matter:
#
# 1. **Which workers**: wage-earner (PU) against non-wage (BPU) coverage;
# 2. **A longer panel**: the formal-employment share (Sakernas August, 2015–2025) as a proxy of the
#    population the PU scheme is meant to cover;
# 3. **One province at a time**: leave-one-province-out estimates (`fig07_leave_one_out`);
# 4. **Placebo**: future coverage should not "predict" current poverty;
# 5. **Weights**: population-weighted estimates (the average person rather than the average province);
# 6. **Controls**: unemployment, schooling and log GRDP per capita;
# 7. **Geography**: the harmonised 34-province panel against the panel as published, and both without
#    the Papua provinces;
# 8. **Randomization inference**: permuting whole coverage paths across provinces.
#
# Every check is one function of `jamsostek_analysis.study.analysis`; all rows are collected in
# `tab02_robustness` with CRV1 and wild-bootstrap (Webb, B = 9,999) inference. Numbers in the text are
# printed from the results.

# %%
import pandas as pd

from jamsostek_analysis.study import analysis as A
from jamsostek_analysis.output.figures import save_figure
from jamsostek_analysis.output.figures.estimates import leave_one_out_plot
from jamsostek_analysis.data.panel import build_province_panel
from jamsostek_analysis.output.tables import write_table

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 30)
# Parameters. The sample years are A.MAIN_YEARS (the years with BPJS-TK data by province), the default of
# every check below; the formal-share panel has its own, longer window.
FORMAL_YEARS = (2015, 2025)
SEED = 20240301
B = 9999
N_PERM = 2000
SOURCE = (
    "Source: BPS - Statistics Indonesia (Susenas March: P0; Sakernas August: employed). BPJS-TK active "
    "participants (PU + BPU) by province: compiled panel R2-D1 (secondary). 34-province geography."
)
COLS = ["check", "spec", "term", "estimate", "se", "ci_low", "ci_high", "pvalue", "boot_pvalue", "boot_conf_set",
        "nobs", "n_clusters"]

panel = build_province_panel(geography="34")
published = build_province_panel(geography="as-published", first_year=A.MAIN_YEARS[0])
main = A.main_specifications(panel, outcomes=("p0",))
main_row = A.results_table(main).set_index("spec").loc["p0_twfe"]
print(f"Reference (notebook 03): P0 two-way FE {main_row['estimate']:+.4f} pp per point of coverage, "
      f"CRV1 95% CI {main_row['ci_low']:+.4f} to {main_row['ci_high']:+.4f}")

# %% [markdown]
# ## 1. Wage-earner (PU) and non-wage (BPU) coverage
#
# PU coverage is measured per 100 employees (buruh/karyawan/pegawai), BPU coverage per 100 other employed
# persons. The joint model (`pu+bpu`) includes both; its row reports the PU coefficient and the BPU one
# is shown below.

# %%
pu = A.pu_vs_bpu(panel)
A.results_table(pu, A.PU_BPU_PARAMS).round(4)

# %%
pd.concat({k: v.tidy() for k, v in pu.items() if k.startswith("pu+bpu")}).round(4)

# %% [markdown]
# ## 2. Formal-employment share, 2015–2025
#
# BPJS-TK figures by province exist only for 2022–2025. The formal share (employers with permanent
# workers plus employees, % of employed) is available for 2015–2025 and is the pool that PU coverage is
# mandated for; it is a proxy, not coverage itself.

# %%
formal = A.formal_share_long_panel(panel, years=FORMAL_YEARS)
A.results_table(formal, "formal_share").round(4)

# %% [markdown]
# ## 3. Leave one province out (`fig07_leave_one_out`)

# %%
loo = A.leave_one_province_out(panel, "p0", A.COVERAGE, model="twfe")
ext = loo.loc[[loo["estimate"].idxmin(), loo["estimate"].idxmax()]]
print(f"Leaving out one province at a time, the two-way FE estimate ranges from {loo['estimate'].min():+.4f} "
      f"(without {ext.iloc[0]['province_name']}) to {loo['estimate'].max():+.4f} (without {ext.iloc[1]['province_name']}); "
      f"full sample {main_row['estimate']:+.4f}. Intervals excluding zero: "
      f"{int(((loo['ci_low'] > 0) | (loo['ci_high'] < 0)).sum())} of {len(loo)}.")
fig = leave_one_out_plot(
    loo,
    full_estimate=main_row["estimate"],
    full_ci=(main_row["ci_low"], main_row["ci_high"]),
    title="P0 on coverage, two-way FE, leaving out one province",
    source=SOURCE,
)
save_figure(fig, "fig07_leave_one_out")

# %% [markdown]
# ## 4. Placebo: future coverage
#
# If coverage changes followed poverty changes (or both followed a common province trend), next year's
# coverage would be associated with this year's poverty. The models add coverage in `t + 1` (only
# 2022–2024 have it inside the window; `fit_panel` drops and counts the 2025 rows).

# %%
placebo = A.placebo_leads(panel, "p0", A.COVERAGE, leads=1, model="twfe")
print(placebo["with_current"].summary())
A.results_table(placebo, "coverage_rate_lead1").round(4)

# %% [markdown]
# ## 5. Population weights, 6. controls

# %%
weighted = A.population_weighted(panel)
controls = A.with_controls(panel)
pd.concat([A.results_table(weighted), A.results_table(controls)]).round(4)

# %%
print(controls["controls_twfe"].summary())

# %% [markdown]
# ## 7. Geography
#
# The main panel aggregates the 2024–2025 Papua provinces back to Papua and Papua Barat. In the panel as
# published, the compiled BPJS-TK figures for 91/94 in 2024–2025 still follow the pre-split boundaries
# while employment does not, so those coverage ratios are missing there and the new provinces have none:
# the "as published" estimate uses Papua only for 2022–2023. Without the Papua provinces the two panels are
# identical, which is checked below.

# %%
geo = A.harmonised_34_vs_as_published(panel, published)
geo_table = A.results_table(geo)
print({k: v.drop_reasons for k, v in geo.items()})
geo_table.round(4)

# %%
same = abs(geo["harmonised_34_no_papua"].params[A.COVERAGE] - geo["as_published_no_papua"].params[A.COVERAGE])
print(f"Without Papua the two geographies give the same estimate (difference {same:.2e}).")

# %% [markdown]
# ## 8. Randomization inference
#
# Under the sharp null that coverage has no effect in any province, any assignment of the observed
# coverage *paths* (2022–2025 sequences) to provinces was as likely as the observed one. The p-value is
# the share of `N_PERM` random permutations (number printed below) whose statistic (the TWFE coefficient, or its CRV1 t-statistic)
# is at least as large in absolute value as the observed one.

# %%
ri = {stat: A.randomization_check(panel, n_perm=N_PERM, seed=SEED, statistic=stat) for stat in ("coef", "t")}
for r in ri.values():
    print(r.summary())

# %% [markdown]
# ## Robustness table (`tab02_robustness`)

# %%
blocks = {
    "main": main,
    "PU vs BPU": pu,
    "formal share 2015-2025": formal,
    "placebo lead": placebo,
    "population weights": weighted,
    "controls": controls,
    "geography": geo,
}
# coefficient reported per spec: A.ROBUSTNESS_PARAMS (PU / BPU rate, formal share, the lead; else coverage_rate)
tab02 = A.robustness_table(blocks, B=B, seed=SEED)[COLS]
tab02.attrs["notes"] = (
    "Outcome: P0 (% of population, BPS March). Coefficient per 1 point of the regressor (coverage: active BPJS-TK "
    "PU + BPU per 100 employed; PU per 100 employees; BPU per 100 other employed; formal share in % of employed; "
    "lead: coverage in t+1). CRV1 clustered by province, t(G-1); wild cluster restricted bootstrap, Webb weights, "
    f"B = {B}; 95% confidence sets by inverting the bootstrap test on the same draws (a set is a union of "
    f"intervals where the bootstrap p-value is not monotone in the null value). Leave one province out (two-way FE): estimates from {loo['estimate'].min():.4f} to "
    f"{loo['estimate'].max():.4f}. Randomization inference ({N_PERM} permutations of coverage paths, two-way FE): "
    f"p = {ri['coef'].pvalue:.3f} (coefficient), {ri['t'].pvalue:.3f} (t statistic)."
)
write_table(tab02, "tab02_robustness", caption="Robustness of the P0-coverage association")
tab02.round(4)

# %% [markdown]
# ## Reading
#
# The placebo deserves its own line: a lead coefficient whose bootstrap interval excludes zero means that
# coverage in `t + 1` is associated with poverty in `t` within provinces, i.e. coverage changes are not
# timed independently of poverty (reverse causation, province-specific trends, or attribution changes that
# track poverty). Here CRV1 and the wild bootstrap disagree (compare the two p-values printed below): a few
# provinces with very large coverage swings dominate the variation of the lead, and with such high-leverage
# clusters *neither* test is exact (MacKinnon and Webb 2017). (The bootstrap itself is checked against the
# independent `wildboottest` package in the test suite.) Read the
# rejection as a warning about identification, not as a precise test; it does not need to be exact to
# make the point that coverage timing cannot be treated as independent of poverty.

# %%
lead = tab02.set_index("spec").loc["with_current"]
verdict = "fails" if not lead["boot_conf_set"].contains(0.0) else "passes"
print(f"Placebo {verdict}: coefficient of coverage in t+1 = {lead['estimate']:+.4f} (CRV1 p = {lead['pvalue']:.3f}; "
      f"wild bootstrap p = {lead['boot_pvalue']:.3f}, 95% confidence set {lead['boot_conf_set'].format('{:+.4f}')}"
      f"{'' if lead['boot_conf_set'].is_interval else ', a union of intervals: the bootstrap p-value is not monotone in the null value'}).")

# %% [markdown]
# The sentences below are generated from the table: for each check, the estimate and whether its
# bootstrap confidence set includes zero.

# %%
for r in tab02.itertuples():
    zero = "includes" if r.boot_conf_set.contains(0.0) else "excludes"
    print(f"{r.check:>24} | {r.spec:<24} {r.term:<20} {r.estimate:+.4f} (CRV1 p = {r.pvalue:.3f}; bootstrap p = "
          f"{r.boot_pvalue:.3f}, confidence set {zero} zero; N = {r.nobs})")

# %% [markdown]
# ## What these data can and cannot support
#
# * **Can:** show that the absence of an association between coverage and P0 in notebook 03 does not
#   depend on PU vs BPU coverage, weights, controls, the geography or any single province (every such
#   interval above includes zero), and that permuting coverage paths gives the same verdict.
# * **Cannot:** turn any of this into a causal effect. The placebo (section 4) says coverage timing is not
#   independent of poverty, and with BPJS-TK by province only for 2022–2025 there is no pre-period to
#   test trends on. The formal-share panel is longer (2015–2025) but formality is not jamsostek
#   membership. All checks use the compiled R2-D1 attribution of participants to provinces, which the
#   Kemnaker December 2023 export contradicts in every province (notebook 01); no check can resolve that.
#   Extreme poverty has no province panel and does not appear here (notebook 04).
