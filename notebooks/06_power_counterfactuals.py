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
# # 06 · Power of the design and counterfactual poverty under coverage scenarios
#
# Two questions that put the main estimate (notebook 03), a conditional association, in perspective:
#
# 1. **How large a true effect could this design detect, if there were one?** The minimum detectable effect (MDE) of the
#    two-way FE regression of P0 on coverage, with *the real design*: the 34 provinces, the years
#    2022-2025, the real within-province coverage paths, and error variances estimated from the data.
#    Power is simulated (data labelled *simulated*), with the same CRV1 t(G - 1) test as notebook 03
#    (and, for P0, the CR2 test with Bell-McCaffrey degrees of freedom).
# 2. **What does the estimate amount to under coverage scenarios?** Every province raised to the best
#    quartile of coverage; informal (BPU) coverage +10 points; universal coverage (a far extrapolation).
#    This is arithmetic: the scenario's coverage change times the estimated association, *as if* it were
#    a linear causal effect, which the design cannot establish (the placebo test of notebook 05 fails).
#    The results are not effects and not forecasts.
#
# Logic: `jamsostek_analysis.estimation.power`, `jamsostek_analysis.study.counterfactual`, figures in
# `jamsostek_analysis.output.figures.extreme`. Every number in the text is printed from the results.

# %% tags=["parameters"]
import numpy as np
import pandas as pd

from jamsostek_analysis.study import analysis as A
from jamsostek_analysis.study import counterfactual as C
from jamsostek_analysis.study import specs as S
from jamsostek_analysis.estimation import power as P
from jamsostek_analysis.data.bundle import open_bundle
from jamsostek_analysis.study.counterfactual import SCENARIOS, Effect
from jamsostek_analysis.study.extreme import national_extreme_latest
from jamsostek_analysis.output.figures import save_figure
from jamsostek_analysis.output.figures.extreme import counterfactual_plot, power_curve_plot
from jamsostek_analysis.data.panel import build_province_panel
from jamsostek_analysis.data.sources.curated import read_curated
from jamsostek_analysis.output.tables import write_table

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 30)
# Parameters. The design years are the years with BPJS-TK data by province (S.coverage_years); the
# scenarios are listed in jamsostek_analysis.study.counterfactual.SCENARIOS.
SEED = 20240301
B = 9999
N_SIMS = 2000
WCR_SIMS, WCR_B = 500, 399  # simulated panels and bootstrap draws for the MDE of the wild bootstrap test
MAIN_SPEC = S.Spec("p0", model="twfe")  # the main specification of notebook 03 (same seed: same bootstrap)
bundle = open_bundle()
panel = build_province_panel(bundle, geography="34")
YEARS = S.coverage_years(panel)
sample = A.sample_years(panel, YEARS)
print(f"Design: {sample['province_code'].nunique()} provinces x {sample['year'].nunique()} years "
      f"({sample['year'].min()}-{sample['year'].max()}), {len(sample)} rows, 34-province geography")

# %% [markdown]
# ## The main estimate (as in notebook 03)
#
# Recomputed here from the same specification and seed (under a second): TWFE, P0 on coverage, CRV1, CR2
# and the wild cluster restricted bootstrap. The row carries its provenance (sample, B, seed).

# %%
main = S.estimate([MAIN_SPEC], panel, B=B, seed=SEED).table.iloc[0].to_dict()
print(f"provenance: spec {main['spec']}, sample {main['sample']}, bootstrap B = {main['boot_B']}, seed {main['boot_seed']}, "
      f"{main['boot_weights']} weights")
have_boot = main.get("boot_ci_low") is not None and np.isfinite(main.get("boot_ci_low", np.nan))
print(f"{main['spec']}: estimate {main['estimate']:.4f} pp of P0 per point of coverage; CRV1 SE {main['se']:.4f}, "
      f"95% CI [{main['ci_low']:.4f}, {main['ci_high']:.4f}], p = {main['pvalue']:.3f}"
      + (f"; wild bootstrap p = {main['boot_pvalue']:.3f}, CI [{main['boot_ci_low']:.4f}, {main['boot_ci_high']:.4f}]"
         if have_boot else "; no bootstrap interval available"))

# %% [markdown]
# ## 1. The design parameters, and why the error autocorrelation is not identified
#
# The simulation needs the SD of the province effects, the SD of the errors and their AR(1)
# autocorrelation ρ. `estimate_design_parameters` takes them from the TWFE residuals of the real data.
# ρ is the hard one. The raw autocorrelation of TWFE residuals is biased downward in short panels
# (Nickell): demeaning within a province over *T* years induces a correlation of about −1/(T − 1)
# even when ρ = 0. The bias-corrected estimate solves "expected raw autocorrelation = observed" for this
# exact design; with four years that equation is very flat, and when the observed value lies above
# everything the design can produce, the estimate is pinned at the boundary. Then ρ is **not identified**
# by the data, and the MDE is shown for ρ = 0, ρ = 0.5 and the corrected value so that the reader sees
# how much hangs on it.

# %%
dp = P.estimate_design_parameters(sample, "p0", A.COVERAGE)
T = dp.n_periods
print(f"T = {T} years: Nickell bias of the raw autocorrelation under rho = 0 about -1/(T-1) = {-1 / (T - 1):.3f}")
print(f"raw residual autocorrelation: {dp.rho_raw:.3f}; bias-corrected: {dp.rho_corrected:.3f}")
print(f"note: {dp.rho_note or '(none)'}")
dp.summary().to_frame("P0 on coverage")

# %%
VARIANTS = P.RHO_VARIANTS  # fixed rho values shown next to the corrected estimate
mde_tab, designs = P.mde_table(sample, A.OUTCOMES, A.COVERAGE, variants=VARIANTS, n_sims=N_SIMS, seed=SEED,
                               cr2_outcomes=("p0",), wcr_outcomes=("p0",), wcr_sims=WCR_SIMS, wcr_B=WCR_B)
mde_tab.round(4)

# %% [markdown]
# `mde_*` are in units of the outcome (P0 in percentage points; P1, P2 in index points) per 1 point of
# coverage (active participants per 100 employed), at 80 % power and a 5 % two-sided test;
# `mde_per_sd_x` is the effect of a one-SD within-province change in coverage; `size_simulated` is the
# simulated rejection rate when the true effect is zero (above 0.05: the test over-rejects and the
# simulated MDE is flattered; the analytic MDE, from the exact sampling SD, does not have this problem).
# For P0 the MDE is also shown for the CR2 (Bell-McCaffrey) version of the test, whose t reference uses
# the Bell-McCaffrey degrees of freedom of the design (column `df`; CRV1: G - 1).
# and for the study's reference test, the wild cluster restricted bootstrap (`WCR bootstrap` rows): its
# power comes from simulated panels, each tested with the bootstrap; the rejection at every true effect is
# read off that panel's bootstrap confidence set, so one bootstrap per panel gives the whole power curve.

# %%
write_table(
    mde_tab.drop(columns=["sd_x_within"]),
    "tab05_mde",
    caption="Minimum detectable effect of coverage on poverty, two-way FE, 34 provinces, 2022-2025 (simulated)",
    notes=(
        f"SIMULATED. Real design (34 provinces x {T} years, real coverage paths); errors AR(1) in years with the "
        f"variances estimated from the TWFE residuals; CRV1 clustered by province, t(G-1) test, alpha 0.05, power "
        f"0.80; {N_SIMS} draws, seed {SEED}; CR2: Bell-McCaffrey variance, t with the Bell-McCaffrey df (column df). "
        f"WCR bootstrap: the reference test (wild cluster restricted bootstrap, Webb weights, B = {WCR_B}), {WCR_SIMS} "
        f"simulated panels, power from each panel's exact bootstrap confidence set (no analytic MDE or df). mde_analytic = (t_0.975 + t_0.80 with the test's df) x exact SE; mde_simulated: smallest "
        f"effect with simulated power 0.80 (MC SE in mde_simulated_mc_se). 'rho corrected': bias-corrected moment "
        f"estimate (at the boundary 0.99 when the raw autocorrelation lies above the attainable range). Units: "
        f"outcome points per 1 point of coverage (active PU + BPU per 100 employed)."
    ),
)
p0_mde = mde_tab[(mde_tab["outcome"] == "P0") & (mde_tab["inference"] == "CRV1")].set_index("rho_variant")
p0_cr2 = mde_tab[(mde_tab["outcome"] == "P0") & (mde_tab["inference"] == "CR2")].set_index("rho_variant")
for name, r in p0_cr2.iterrows():
    print(f"P0, {name}, CR2 test: MDE {r['mde_simulated']:.4f}; simulated size {r['size_simulated']:.3f}")
p0_wcr = mde_tab[(mde_tab["outcome"] == "P0") & mde_tab["inference"].str.startswith("WCR")].set_index("rho_variant")
for name, r in p0_wcr.iterrows():
    print(f"P0, {name}, {r['inference']} test: MDE {r['mde_simulated']:.4f} (MC SE {r['mde_simulated_mc_se']:.4f}); "
          f"simulated size {r['size_simulated']:.3f}")
for name, r in p0_mde.iterrows():
    print(f"P0, {name}: MDE {r['mde_simulated']:.4f} pp per point of coverage (analytic {r['mde_analytic']:.4f}; "
          f"{r['mde_per_sd_x']:.3f} pp per within-SD of coverage); simulated size {r['size_simulated']:.3f}")
print(f"The estimate's 95% interval (bootstrap if available) has half-width "
      f"{(main['boot_ci_high'] - main['boot_ci_low']) / 2 if have_boot else (main['ci_high'] - main['ci_low']) / 2:.4f}.")

# %% [markdown]
# ## 2. Power curves (`fig09_power_curve`)
#
# Simulated power of the CRV1 t(G − 1) test against the true effect, for the three ρ variants (same
# random draws for every effect size), with the MDEs and the estimate's interval.

# %%
p0_designs = {k[1]: v for k, v in designs.items() if k[0] == "p0"}
betas = P.power_grid([m.mde_simulated for _, m in p0_designs.values()])
curve_df = P.power_curves(p0_designs, betas, n_sims=N_SIMS, seed=SEED)
est = (main["estimate"], main["boot_ci_low"], main["boot_ci_high"]) if have_boot else (main["estimate"], main["ci_low"], main["ci_high"])
fig = power_curve_plot(
    curve_df,
    {name: m for name, (_, m) in p0_designs.items()},
    estimate=est,
    title=f"Power of the two-way FE test (34 provinces, {YEARS[0]}-{YEARS[1]}), simulated",
    source=(
        f"SIMULATED power on the real design (BPS Susenas March P0; BPJS-TK R2-D1 coverage; 34 provinces, "
        f"{YEARS[0]}-{YEARS[1]}); {N_SIMS} draws per effect size, seed {SEED}. Grey band: the "
        f"estimate's 95% {'wild-bootstrap' if have_boot else 'CRV1'} interval. Power is symmetric in the sign of the effect."
    ),
)
save_figure(fig, "fig09_power_curve")

# %% [markdown]
# ## 3. Scenario arithmetic (`tab06_counterfactuals`, `fig10_counterfactuals`)
#
# Base year: the last year of the panel. For each scenario, `coverage_scenarios` gives every province's
# coverage change; `counterfactual_poverty` multiplies it by the estimated association (treated, for the
# arithmetic only, as if it were a linear effect) and by the province
# population behind the poverty rates, `poverty_population` = 100 × poor / P0 (Susenas March; not the BPS
# projection `population`, which differs from it by province; totals printed below), and carries
# the two ends of the interval through the same arithmetic (exact, because the prediction is linear in the
# effect). With this denominator the national baseline P0 is the published national rate implied by the
# provincial poor counts. The interval is the wild-bootstrap one (`Effect.from_ci`) when
# available; the CRV1 interval is shown alongside. "Out of support" flags provinces pushed beyond the
# coverage observed anywhere in 2022-2025.

# %%
base_year = YEARS[1]
py = panel[panel["year"] == base_year].copy()
support = (float(sample[A.COVERAGE].min()), float(sample[A.COVERAGE].max()))
eff_crv1 = Effect.from_se(main["estimate"], main["se"], int(main["n_clusters"]) - 1)
eff = (Effect.from_ci(main["estimate"], main["boot_ci_low"], main["boot_ci_high"],
                      source="wild cluster restricted bootstrap (Webb, B = 9999), inverted test")
       if have_boot else eff_crv1)
print(f"Effect used: {eff.beta:.4f} [{eff.ci_low:.4f}, {eff.ci_high:.4f}] ({eff.source}); "
      f"coverage support {support[0]:.1f}-{support[1]:.1f}; base year {base_year}")
PEOPLE_DENOMINATOR = "poverty_population"  # thousand persons, as population_multiplier=1000 expects
nat = C.national_counterfactuals(py, eff, scenarios=tuple(SCENARIOS), population=PEOPLE_DENOMINATOR,
                                 scenario_kwargs={"support": support})
nat_crv1 = C.national_counterfactuals(py, eff_crv1, scenarios=tuple(SCENARIOS), population=PEOPLE_DENOMINATOR,
                                      scenario_kwargs={"support": support})
print("\n".join(f"- {r.scenario}: {r.description}" for r in nat.itertuples()))
nat0 = nat.iloc[0]
print(f"Denominator: {PEOPLE_DENOMINATOR}, {nat0['population'] / 1e3:,.2f} million people in {base_year} "
      f"({py['population'].sum() / 1e3:,.2f} million in the projection column `population`); national baseline P0 "
      f"{nat0['p0_baseline']:.2f} %, i.e. {nat0['p0_baseline'] * nat0['population'] / 100:,.1f} thousand poor "
      f"(sum of provincial counts {py['poor_thousand'].sum():,.1f} thousand)")

# %%
tab06 = C.scenario_table(nat, nat_crv1)
write_table(
    tab06,
    "tab06_counterfactuals",
    caption=f"Scenario arithmetic: estimated association x coverage change, base year {base_year}",
    notes=(
        f"Arithmetic, not effects or forecasts: each scenario's coverage change times the estimated conditional "
        f"association, as if it were a linear causal effect (the design cannot establish that; the placebo test "
        f"fails, tab02). Association: TWFE estimate "
        f"{eff.beta:.4f} pp of P0 per point of coverage; interval [{eff.ci_low:.4f}, {eff.ci_high:.4f}] ({eff.source}); "
        f"CRV1 columns use [{eff_crv1.ci_low:.4f}, {eff_crv1.ci_high:.4f}]. mean_delta_coverage: mean change "
        f"(active participants per 100 employed) weighted by the poverty population. Poor people in "
        f"thousands, predictions bounded at 0 % by province. P0 and population: BPS Susenas March {base_year} (population "
        f"= 100 x poor / P0, the denominator of the poverty rates), 34-province geography. Universal coverage lies far "
        f"outside the observed coverage ({support[0]:.1f}-{support[1]:.1f})."
    ),
)
tab06.round(3)

# %%
latest = national_extreme_latest(read_curated(bundle, "extreme_poverty_national"))
fig = counterfactual_plot(
    nat,
    reference=(-latest["persons"], f"all extremely poor people,\n{latest['period']} {latest['year']} (BPS US$2.15 series), for scale")
    if np.isfinite(latest["persons"]) else None,
    title=f"Estimated association x scenario coverage change, in poor people\nbase year {base_year}, arithmetic, not an effect",
    source=(
        f"Arithmetic under an assumed linear association, not an observation or an effect. Association {eff.beta:.4f} pp of P0 per point of "
        f"coverage, 95% {'wild-bootstrap' if have_boot else 'CRV1'} interval. BPS P0 and poverty population (100 x poor / P0) {base_year}; "
        f"BPJS-TK active participants (R2-D1). Extreme poor: BPS ({latest['source_id']})."
    ),
)
save_figure(fig, "fig10_counterfactuals")

# %% [markdown]
# ## 4. What this means

# %%
lines = C.interpretation_lines(main, eff, tab06, nat, p0_mde, mde_cr2=p0_cr2, latest_extreme=latest, bootstrap=have_boot)
print("\n".join(lines))

# %% [markdown]
# Reading the numbers:
#
# * **Not distinguishable from zero** means the scenario intervals include both fewer and more
#   poor people; the point values are not findings. The scenario figures show what the association
#   *would* amount to if it were a true linear effect, which the design cannot establish, and how wide
#   the uncertainty is.
# * **Power.** The MDE says how large a true effect the design would pick up 80 % of the time. Effects
#   smaller than that can exist and go undetected; the design says little about them. The comparison
#   with extreme poverty (item 4) asks whether the design could see an association as large as one that
#   would matter for the elimination target. It compares a P0 effect with the extreme-poverty rate, which is a heuristic:
#   people lifted above the extreme line need not cross the national poverty line, so it is an
#   upper-bound style comparison, not a prediction for extreme poverty.
# * **ρ.** With four years the error autocorrelation is not identified (section 1); the MDE is reported
#   for ρ = 0, 0.5 and the corrected value. Compare the printed MDEs across ρ before leaning on any one.
# * **Few-cluster inference.** The simulated size of the CRV1 t-test on this design is above the nominal
#   5 % (item 3): CRV1 p-values with G − 1 df are too optimistic here. The CR2 test with the
#   Bell–McCaffrey degrees of freedom (a handful, because the coverage variation is concentrated in a few
#   provinces) keeps its size in the same simulation (item 3), at the price of power: its MDE is larger
#   (table above). The wild cluster bootstrap remains the reference test in notebook 03.
# * **Universal coverage** is an extrapolation by a factor of several beyond observed coverage; it is
#   shown to make the linear-effect assumption visible, not as a forecast.

# %% [markdown]
# ## What these data can and cannot support
#
# * **Can:** say how large an association between coverage and P0 the 2022–2025 province design could
#   detect, and which values of the association its interval excludes (the scale comparison in item 4).
#   Because the placebo fails, excluding a value of the association does not exclude an effect of that
#   size: the association need not be the effect.
# * **Cannot:** predict what more coverage would do. The scenarios multiply a conditional association
#   (not a causal effect: the placebo in notebook 05 fails) by assumed coverage changes; the compiled
#   R2-D1 attribution of participants to provinces, contradicted by the Kemnaker export (notebook 01),
#   enters every province's coverage; four years leave the error autocorrelation unidentified; and the
#   extreme-poverty comparison borrows a national rate because there is no province panel of extreme
#   poverty.
