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
# # 03 · Main estimates: BPJS-TK coverage and poverty, 2022–2025
#
# **Question.** Across Indonesian provinces, do provinces whose BPJS Ketenagakerjaan (BPJS-TK) coverage
# grew more also see poverty fall more? This is a question about a conditional association; the design
# cannot say whether coverage changes poverty (no exogenous variation, and the placebo test of notebook 05
# fails).
#
# **Specification.** Outcome: the March poverty headcount P0 (percent of the population), and the poverty
# gap (P1) and severity (P2) indices, BPS Susenas. Regressor: `coverage_rate`, active BPJS-TK participants
# (wage earners PU + non-wage BPU) per 100 employed persons (August Sakernas). Sample: the 34 provinces of
# the 2013–2023 boundaries, in the years in which coverage is observed (computed from the data: 2022–2025
# with the current bundle); the 2024–2025 Papua provinces are aggregated back to Papua and Papua Barat,
# because the compiled BPJS-TK figures still follow the old boundaries (notebook 05 shows how much the P1
# and P2 estimates depend on that choice). Models:
#
# * **Two-way fixed effects** (province and year effects): within-province deviations of poverty on
#   within-province deviations of coverage, net of what all provinces share in a year;
# * **First differences** with year effects: year-on-year changes on year-on-year changes;
# * **Long difference** 2022→2025: one change per province.
#
# Inference: standard errors clustered by province (CRV1, t with G − 1 df), the CR2 (Bell–McCaffrey)
# variant with t on the Bell–McCaffrey/Imbens–Kolesar Satterthwaite degrees of freedom (far fewer than
# G − 1 here, because the coverage variation is concentrated in a few provinces), and the **wild cluster restricted bootstrap** (null imposed) with Webb's six-point weights
# and B = 9,999 draws, the declared reference test with 34 clusters (significance stars in `tab01` come
# from it, not from CRV1). (The 2³⁴ Rademacher sign patterns are far
# too many to enumerate, so the weights are sampled either way; Webb weights have more support points
# and are the usual choice when clusters are few.) A coefficient reads as *percentage points of P0 per
# 1-point difference in coverage* (within province, net of year effects).
#
# The specifications are data (`jamsostek_analysis.study.specs`: a `Spec` per regression, `main_grid()` =
# outcome x model); `specs.estimate` fits them with CRV1, CR2 and the bootstrap and returns one tidy table
# whose rows carry their provenance (sample, weights, B, seed). Every number in the text below is printed
# from the results, not typed.

# %% tags=["parameters"]
import pandas as pd

from jamsostek_analysis.study import analysis as A
from jamsostek_analysis.study import specs as S
from jamsostek_analysis.output.figures import save_figure
from jamsostek_analysis.output.figures.estimates import coefficient_plot, scatter_changes
from jamsostek_analysis.data.panel import build_province_panel, data_dictionary
from jamsostek_analysis.output.study_tables import main_table
from jamsostek_analysis.output.tables import write_table

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 30)
# Parameters: change here to adapt (e.g. another outcome set); the years come from the data.
OUTCOMES = A.OUTCOMES  # ("p0", "p1", "p2")
MODELS = ("twfe", "fd", "ld")
MAIN_SPEC = "p0_twfe"  # turned into numbers of people (needs the headcount P0); notebook 06 recomputes it
SEED = 20240301
B = 9999
SOURCE = (
    "Source: BPS - Statistics Indonesia (Susenas March: P0, P1, P2; Sakernas August: employed). BPJS-TK active "
    "participants (PU + BPU) by province: compiled panel R2-D1 (secondary). 34-province geography."
)

panel = build_province_panel(geography="34")
YEARS = S.coverage_years(panel)  # (first, last) year in which coverage_rate is observed
sample = A.sample_years(panel, YEARS)
print(f"Sample: {sample['province_code'].nunique()} provinces x {sample['year'].nunique()} years "
      f"({sample['year'].min()}-{sample['year'].max()}), {len(sample)} rows")
sample.groupby("year")[["coverage_rate", "coverage_pu_rate", "coverage_bpu_rate", "p0", "p1", "p2"]].describe().T.round(2)

# %% [markdown]
# Units used below, from the data dictionary. Turning percentage points of P0 into people needs the
# population of which P0 is a percentage: `poverty_population` = 100 × poor / P0 (Susenas March), not the
# BPS projection `population`, which differs from it by province (the ratio is printed below).

# %%
dd = data_dictionary().set_index("column")
dd.loc[["p0", "p1", "p2", "coverage_rate", "poverty_population", "population"], ["definition", "unit", "source_id"]]

# %%
PEOPLE_DENOMINATOR = "poverty_population"
POP_UNIT = dd.loc[PEOPLE_DENOMINATOR, "unit"]
assert POP_UNIT == "thousand persons", POP_UNIT  # people_effect below multiplies by 1000
PERSONS_PER_UNIT = 1000.0
pop_ratio = (panel[PEOPLE_DENOMINATOR] / panel["population"])[panel["year"] == YEARS[1]]
print(f"{YEARS[1]}: {PEOPLE_DENOMINATOR} / population ranges {pop_ratio.min():.2f}-{pop_ratio.max():.2f} across provinces; "
      f"totals {panel.loc[panel['year'] == YEARS[1], PEOPLE_DENOMINATOR].sum() / 1e3:,.2f} vs "
      f"{panel.loc[panel['year'] == YEARS[1], 'population'].sum() / 1e3:,.2f} million")

# %% [markdown]
# ## Estimates
#
# Two-way FE, first differences and the 2022→2025 long difference for P0, P1 and P2, with CRV1, CR2 and
# wild-bootstrap inference.

# %%
est = S.estimate(S.main_grid(OUTCOMES, MODELS), panel, B=B, seed=SEED)
table = est.table
table[["spec", "estimate", "se", "ci_low", "ci_high", "pvalue", "cr2_pvalue", "cr2_df", "boot_pvalue", "boot_ci_low",
       "boot_ci_high", "boot_seed", "nobs", "n_clusters"]].round(4)

# %%
print(est[MAIN_SPEC].result.summary())

# %% [markdown]
# Regression table (`tab01_main_estimates`, built by `output.study_tables.main_table`): one column per model,
# coefficient over its CRV1 standard error, stars (if any) from the wild-bootstrap p-value, then the CR2
# p-value (t with the Bell–McCaffrey df of each model, column `cr2_df` above), the wild-bootstrap p-value
# and the bootstrap interval.

# %%
tab01 = main_table(est, years=YEARS)
write_table(tab01, "tab01_main_estimates", caption=f"BPJS-TK coverage and poverty across provinces, {YEARS[0]}-{YEARS[1]}")
tab01

# %% [markdown]
# ## Coefficient plot (`fig06_coefficients`)

# %%
fig = coefficient_plot(
    table,
    label="model",
    panel="outcome",
    labels={k: A.MODEL_LABELS[k] for k in MODELS},
    title=f"Poverty and BPJS-TK coverage across 34 provinces, {YEARS[0]}-{YEARS[1]}",
    source=SOURCE,
)
save_figure(fig, "fig06_coefficients")

# %% [markdown]
# ## In plain language

# %%
for _, row in table.iterrows():
    print(A.describe_estimate(row))
    print()

# %% [markdown]
# ### The main estimate in numbers of people (arithmetic, not an effect)
#
# The main specification is the two-way FE model for P0. As arithmetic under an assumed linear
# association, a coefficient `b` (percentage points of P0 per point of coverage) and a change in coverage
# `Δ` (points) correspond to `b × Δ` percentage points of P0, i.e. `b × Δ × poverty_population / 100`
# people below the poverty line, summed over provinces. This is what the association would amount to if
# it were an effect, which the design cannot establish. The
# population is `poverty_population` (100 × poor / P0, the Susenas population behind the published rates),
# so the count is in the same units as BPS's number of poor; the projection `population` would overstate
# it in Papua and understate it in Kepulauan Riau. Two scenarios: the coverage change each province
# actually had over the sample years, and a uniform rise of 10 points. Population: the last sample year.
# The intervals are the CRV1 and wild-bootstrap 95 % intervals carried through the same arithmetic.

# %%
main = table.set_index("spec").loc[MAIN_SPEC]
observed = A.observed_change(panel, A.COVERAGE, start=YEARS[0], end=YEARS[1])
print(f"Observed coverage change {YEARS[0]}->{YEARS[1]} across {len(observed)} provinces: "
      f"median {observed.median():+.1f} points, mean {observed.mean():+.1f}, range {observed.min():+.1f} to "
      f"{observed.max():+.1f}" + (f"; missing: {observed.attrs['missing']}" if observed.attrs["missing"] else ""))
people = A.people_table(
    est[MAIN_SPEC].result, A.COVERAGE, panel,
    {f"observed {YEARS[0]}-{YEARS[1]} change, each province": observed, "+10 points in every province": 10.0},
    year=YEARS[1], boot_ci=(main["boot_ci_low"], main["boot_ci_high"]),
    population=PEOPLE_DENOMINATOR, persons_per_unit=PERSONS_PER_UNIT,
)
people.round({"delta_x": 2, "pp": 3, "population": 0, "people": 0, "people_low": 0, "people_high": 0,
              "people_boot_low": 0, "people_boot_high": 0})

# %%
for r in people.itertuples():
    print(
        f"Scenario '{r.scenario}' (mean change {r.delta_x:+.1f} points of coverage, weighted by the poverty population): "
        f"point estimate x change = {r.people:+,.0f} people below the poverty line (arithmetic under the assumed "
        f"linear association, not an effect) "
        f"({r.pp:+.3f} pp of P0 over "
        f"{r.population / 1e6:,.1f} million people, the Susenas population behind P0); the CRV1 95% interval runs from {r.people_low:+,.0f} to "
        f"{r.people_high:+,.0f}, the bootstrap interval from {r.people_boot_low:+,.0f} to {r.people_boot_high:+,.0f}."
    )

# %% [markdown]
# ### The raw changes behind the estimate
#
# The long difference is this scatter: each province's change in coverage against its change in P0 from
# 2022 to 2025 (the labelled provinces are the most unusual). It is shown for orientation and not saved
# as a figure of the study.

# %%
fig = scatter_changes(panel, A.COVERAGE, MAIN_SPEC.split("_")[0], YEARS, source=SOURCE)
fig

# %% [markdown]
# ## What these data can and cannot support
#
# * **Four years, 34 clusters.** The BPJS-TK province panel covers 2022–2025 only, so the two-way FE and
#   first-difference models rest on three year-to-year changes per province. With 34 clusters, analytic
#   cluster-robust p-values tend to be too small; that is why the wild cluster bootstrap (and CR2) are
#   reported next to CRV1, and why a result "significant" only under CRV1 should not be read as one.
# * **Coverage growth is partly bookkeeping.** Province coverage ratios move with the way participants are
#   attributed to provinces (the two available sources, Kemnaker S01 and the compiled R2-D1, disagree on
#   the PU split for every province in December 2023; data README) and with registration drives; the
#   largest one-year swings are listed below. If such noise is unrelated to poverty it biases slopes toward
#   zero and widens intervals; if it is related, the direction is unknown.
# * **No causal design.** Coverage is not assigned at random or by a rule that could be exploited; richer
#   or faster-formalising provinces both gain coverage and reduce poverty for other reasons. The estimates
#   are conditional associations. Notebook 05 checks how fragile they are.
# * **Extreme poverty** has no province panel; P1 and P2 are the closest complete measures of how far
#   below the line the poor are (notebook 04).

# %%
print(f"Clusters: {int(main['n_clusters'])}; observations (TWFE): {int(main['nobs'])}; years: "
      f"{sorted(sample['year'].unique().tolist())}")
print("Mean coverage across provinces by year (points per 100 employed): "
      + ", ".join(f"{y}: {v:.1f}" for y, v in sample.groupby("year")[A.COVERAGE].mean().items()))
A.coverage_jumps(panel, n=6, years=YEARS).round(1)
