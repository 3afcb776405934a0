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
# Notebook 03 estimates how the poverty headcount P0 moves together with BPJS-TK coverage (active PU +
# BPU participants per 100 employed) within 34 provinces, 2022–2025: a conditional association. Here the
# main two-way FE and first-difference models are re-run under changes that could matter:
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
# 8. **Papua samples for P0, P1, P2**: merged 2024–2025 Papua rows, those rows dropped, no Papua at all;
# 9. **Measurement of coverage**: the employed-persons jumps in the denominator, the leverage of Papua
#    Barat, registration by employer in the numerator, and BPU coverage as the regressor;
# 10. **Randomization inference**: permuting whole coverage paths across provinces.
#
# Every check is a list of specifications (`jamsostek_analysis.study.specs.robustness_grid`: data, not
# code); one `specs.estimate` call fits them all and returns `tab02_robustness` with CRV1, CR2 and
# wild-bootstrap (Webb, B = 9,999) inference. Numbers in the text are printed from the results.

# %% tags=["parameters"]
import pandas as pd

from jamsostek_analysis.study import analysis as A
from jamsostek_analysis.study import measurement as M
from jamsostek_analysis.study import specs as S
from jamsostek_analysis.study import extreme_model as EM
from jamsostek_analysis.output.figures import save_figure
from jamsostek_analysis.output.figures.estimates import leave_one_out_plot
from jamsostek_analysis.data.bundle import open_bundle
from jamsostek_analysis.data.panel import build_province_panel
from jamsostek_analysis.output.tables import write_table

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 30)
pd.set_option("display.max_rows", 100)
# Parameters. The sample years are the years in which coverage is observed (S.coverage_years), the default
# of every spec below; the formal-share panel has its own, longer window.
FORMAL_YEARS = (2015, 2025)
SEED = 20240301
B = 9999
N_PERM = 2000
SOURCE = (
    "Source: BPS - Statistics Indonesia (Susenas March: P0; Sakernas August: employed). BPJS-TK active "
    "participants (PU + BPU) by province: compiled panel R2-D1 (secondary). 34-province geography."
)
COLS = ["check", "spec", "outcome", "term", "estimate", "se", "pvalue", "cr2_pvalue", "boot_pvalue", "boot_conf_set",
        "nobs", "n_clusters"]

bundle = open_bundle()
panel = build_province_panel(bundle, geography="34")
YEARS = S.coverage_years(panel)
published = build_province_panel(bundle, geography="as-published", first_year=YEARS[0])
grid = S.robustness_grid("p0", formal_years=FORMAL_YEARS)
# MODELLED extreme poverty (notebook 04; not a BPS statistic), log scale, in the three Papua samples
panel_m = EM.add_log_outcomes(EM.add_extreme_modelled(panel, EM.fit_extreme_model(EM.load_model_inputs(bundle))))
grid["Papua samples, MODELLED extreme poverty"] = S.papua_grid(("log_extreme_modelled",))
print("Checks and their specifications:")
for check, specs in grid.items():
    print(f"  {check}: {', '.join(s.label for s in specs)}")
est = S.estimate(grid, {"34": panel_m, "as-published": published}, B=B, seed=SEED)
table = est.table
main_row = table.set_index("spec").loc["p0_twfe"]
print(f"Reference (notebook 03): P0 two-way FE {main_row['estimate']:+.4f} pp per point of coverage, "
      f"CRV1 95% CI {main_row['ci_low']:+.4f} to {main_row['ci_high']:+.4f}, wild bootstrap p = {main_row['boot_pvalue']:.3f}")


def block(check: str) -> pd.DataFrame:
    """Rows of one check, the columns shown in the text."""
    return table.loc[table["check"] == check, COLS[1:]].round(4)


# %% [markdown]
# ## 1. Wage-earner (PU) and non-wage (BPU) coverage
#
# PU coverage is measured per 100 employees (buruh/karyawan/pegawai), BPU coverage per 100 other employed
# persons. The joint model (`pu+bpu`) includes both; its row reports the PU coefficient and the BPU one
# is shown below.

# %%
block("PU vs BPU")

# %%
pd.concat({k: v.result.tidy() for k, v in est.results.items() if k.startswith("pu+bpu")}).round(4)

# %% [markdown]
# ## 2. Formal-employment share, 2015–2025
#
# BPJS-TK figures by province exist only for 2022–2025. The formal share (employers with permanent
# workers plus employees, % of employed) is available for 2015–2025 and is the pool that PU coverage is
# mandated for; it is a proxy, not coverage itself.

# %%
block(f"formal share {FORMAL_YEARS[0]}-{FORMAL_YEARS[1]}")

# %% [markdown]
# ## 3. Leave one province out (`fig07_leave_one_out`)

# %%
loo = A.leave_one_province_out(panel, S.Spec("p0", model="twfe"))
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
# the years before the last have it inside the window; `fit_panel` drops and counts the last year's rows).

# %%
print(est["with_current"].result.summary())
block("placebo lead")

# %% [markdown]
# ## 5. Population weights, 6. controls

# %%
pd.concat([block("population weights"), block("controls")])

# %%
print(est["controls_twfe"].result.summary())

# %% [markdown]
# ## 7. Geography
#
# The main panel aggregates the 2024–2025 Papua provinces back to Papua and Papua Barat. In the panel as
# published, the compiled BPJS-TK figures for 91/94 in 2024–2025 still follow the pre-split boundaries
# while employment does not, so those coverage ratios are missing there and the new provinces have none:
# the "as published" estimate uses Papua only for 2022–2023. Without the Papua provinces the two panels are
# identical, which is checked below.

# %%
geo = {k: est[k].result for k in ("harmonised_34", "harmonised_34_no_papua", "as_published", "as_published_no_papua")}
print({k: v.drop_reasons for k, v in geo.items()})
block("geography")

# %%
same = abs(geo["harmonised_34_no_papua"].params[A.COVERAGE] - geo["as_published_no_papua"].params[A.COVERAGE])
print(f"Without Papua the two geographies give the same estimate (difference {same:.2e}).")

# %% [markdown]
# ## 8. Papua samples for every outcome
#
# In 2024 Papua and Papua Barat split into six provinces, each with its own poverty line. The 34-province
# panel rebuilds 91/94 for 2024–2025 from the successor provinces (poverty rates weighted by population).
# P0 survives that merge almost unchanged, but P1 and P2 depend on how far below *its own* line each poor
# person is, and the successor provinces' lines differ widely (printed below): a break in how P1 and P2
# are measured for merged Papua. Three samples, for P0, P1 and P2, two-way FE and first differences:
# `all` (merged rows, the main sample), `papua_unmerged` (91/94 dropped in the rebuilt years) and
# `no_papua` (no Papua province at all).

# %%
print(M.papua_merge_break(panel, published).round(3).to_string(index=False))
papua = block("Papua samples")
papua

# %%
for line in M.papua_sensitivity_lines(table) + M.papua_sensitivity_lines(
        table, check="Papua samples, MODELLED extreme poverty"):
    print(line)

# %% [markdown]
# ## 9. Measurement of coverage
#
# Coverage = participants / employed persons. Two measurement problems enter the ratio directly.
#
# **Employed persons (the denominator).** The panel flags province-years whose change in employed persons
# lies outside Tukey's fences (1.5 IQR beyond the quartiles of all year-on-year changes in the panel); the
# flag is in the `quality_flag` column. A jump in employed persons lowers coverage mechanically.

# %%
panel_flagged = M.flag_employment_jumps(panel)
jumps = M.employment_jumps(panel)
flagged = panel_flagged["quality_flag"].str.contains("employed", regex=False)
print(panel_flagged.loc[flagged, ["province_code", "province_name", "year", "employed", "coverage_rate", "quality_flag"]]
      .to_string(index=False))
for line in M.employment_jump_lines(jumps):
    print(line)
lev = M.leverage_shares(est, ("p0_twfe", "p0_fd"))
lev.head(6).round(3)

# %%
for line in M.leverage_lines(lev, panel):
    print(line)

# %% [markdown]
# **Participants (the numerator).** BPJS-TK counts wage-earner (PU) participants where the employer
# registered them, not where the worker lives. The one published reconciliation (curated file
# `bpjstk_participants_attribution_points.csv`) is for Jawa Barat in 2019; what it implies for DKI Jakarta
# and its neighbours is printed below. Non-wage (BPU) participants register themselves, where they live,
# so BPU coverage is the robustness row with the regressor least affected by head-office registration.

# %%
attribution = M.attribution_check(bundle, panel)
for line in M.attribution_lines(attribution):
    print(line)
block("BPU coverage (residence)")

# %% [markdown]
# ## 10. Randomization inference
#
# Under the sharp null that coverage is unrelated to poverty in every province, any assignment of the
# observed coverage *paths* (sequences over the sample years) to provinces was as likely as the observed
# one. The p-value is the share of `N_PERM` random permutations (number printed below) whose statistic
# (the TWFE coefficient, or its CRV1 t-statistic) is at least as large in absolute value as the observed one.

# %%
ri = {stat: A.randomization_check(panel, years=YEARS, n_perm=N_PERM, seed=SEED, statistic=stat) for stat in ("coef", "t")}
for r in ri.values():
    print(r.summary())

# %% [markdown]
# ## Robustness table (`tab02_robustness`)

# %%
tab02 = table[COLS]
tab02.attrs["notes"] = (
    "Outcomes: P0 (% of population), P1, P2 (index points), BPS March. Coefficient per 1 point of the regressor "
    "(coverage: active BPJS-TK PU + BPU per 100 employed; PU per 100 employees; BPU per 100 other employed; formal "
    "share in % of employed; lead: coverage in t+1). Samples: 'all' = 34 provinces with the 2024-2025 Papua "
    "provinces merged back into 91/94; 'papua_unmerged' = 91/94 dropped in 2024-2025; 'no_papua' = without Papua. "
    "log_extreme_modelled: log of MODELLED extreme poverty (US$1.90; notebook 04, not a BPS statistic; its model "
    "uncertainty is not propagated). "
    "CRV1 clustered by province, t(G-1); CR2 with Bell-McCaffrey df; wild cluster restricted bootstrap, Webb "
    f"weights, B = {B}, seed {SEED} + 100 x block + row; 95% confidence sets by inverting the bootstrap test on the "
    "same draws (a set is a union of intervals where the bootstrap p-value is not monotone in the null value). "
    f"Leave one province out (two-way FE): estimates from "
    f"{loo['estimate'].min():.4f} to {loo['estimate'].max():.4f}. Randomization inference ({N_PERM} permutations of "
    f"coverage paths, two-way FE): p = {ri['coef'].pvalue:.3f} (coefficient), {ri['t'].pvalue:.3f} (t statistic). "
    "Conditional associations, not effects."
)
write_table(tab02, "tab02_robustness", caption="Robustness of the poverty-coverage association")
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
lead = table.set_index("spec").loc["with_current"]
verdict = "fails" if not lead["boot_conf_set"].contains(0.0) else "passes"
print(f"Placebo {verdict}: coefficient of coverage in t+1 = {lead['estimate']:+.4f} (CRV1 p = {lead['pvalue']:.3f}; "
      f"wild bootstrap p = {lead['boot_pvalue']:.3f}, 95% confidence set {lead['boot_conf_set'].format('{:+.4f}')}"
      f"{'' if lead['boot_conf_set'].is_interval else ', a union of intervals: the bootstrap p-value is not monotone in the null value'}).")

# %% [markdown]
# The sentences below are generated from the table: for each check, the estimate and whether its
# bootstrap confidence set includes zero.

# %%
for r in table.itertuples():
    zero = "includes" if r.boot_conf_set.contains(0.0) else "excludes"
    print(f"{r.check:>24} | {r.spec:<24} {r.term:<20} {r.estimate:+.4f} (CRV1 p = {r.pvalue:.3f}; bootstrap p = "
          f"{r.boot_pvalue:.3f}, confidence set {zero} zero; N = {r.nobs})")

# %% [markdown]
# ## What these data can and cannot support
#
# * **Can:** show how fragile the conditional association between coverage and P0 of notebook 03 is: the
#   sentences above say, row by row, which variants have a bootstrap interval that excludes zero. For P0
#   no variant other than the placebo does. For P1 and P2 the two-way FE conclusion depends on the Papua
#   sample (section 8), and non-wage (BPU) coverage in first differences goes with lower P1 and P2 at the
#   5 % level (section 9) in one of many rows examined here.
# * **Cannot:** turn any of this into an effect. The placebo (section 4) says coverage timing is not
#   independent of poverty, and with BPJS-TK by province only for 2022–2025 there is no pre-period to
#   test trends on. The formal-share panel is longer (2015–2025) but formality is not jamsostek
#   membership. All checks use the compiled R2-D1 attribution of participants to provinces, which the
#   Kemnaker December 2023 export contradicts in every province (notebook 01), and wage-earner
#   participants are counted where employers register (section 9); no check can resolve that.
#   Extreme poverty has no province panel and does not appear here (notebook 04).
