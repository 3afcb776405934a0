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
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · The data: what the bundle holds, and what it cannot identify
#
# This notebook verifies the read-only data bundle, lists its sources, builds the province × year
# panel through the library, and shows where the panel has values. It ends with the national
# trends (poverty, extreme poverty, BPJS Ketenagakerjaan participants and coverage) and a summary
# of province coverage rates 2022–2025.
#
# Every number below is computed by `jamsostek_analysis` functions; this notebook only calls them.

# %% tags=["parameters"]
import pandas as pd

from jamsostek_analysis.data.bundle import open_bundle
from jamsostek_analysis.output.figures import descriptive, save_figure
from jamsostek_analysis.output.figures.maps import extreme_poverty_categories
from jamsostek_analysis.data.panel import build_province_panel, data_dictionary
from jamsostek_analysis.data.sources.bps import read_bps_topic
from jamsostek_analysis.data.sources.curated import read_curated, read_sources
from jamsostek_analysis.output.tables import write_table

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 20)

# %% [markdown]
# ## 1. The bundle, verified
#
# `open_bundle()` finds the bundle (`$JAMSOSTEK_DATA_DIR`, else `data/bundle`) and checks every
# file against the SHA-256 in `MANIFEST.tsv`; a changed or missing file stops the notebook here.

# %%
bundle = open_bundle()
verified = bundle.verify()
print(bundle.root)
print(f"{len(verified)} files verified; statuses: {verified['status'].value_counts().to_dict()}")
descriptive.bundle_inventory(verified)

# %% [markdown]
# ## 2. Sources
#
# `curated/sources.csv` maps every source id used in the bundle to its address. BPS web-table
# exports (B01–B05, R2-A*, S06) are the official statistics; the Kemnaker export (S01) is official
# too; R2-D1 (the compiled BPJS-TK panel, 2022–2025) is a **secondary** hand-transcribed
# compilation; the curated tables quote news pages and official statements (E*, N*, L*).

# %%
sources = read_sources(bundle)
print(sources["kind"].value_counts().to_string())
sources[["source_id", "kind", "publisher_or_repo", "in_this_bundle"]]

# %% [markdown]
# ## 3. The province × year panel
#
# One row per province and year, 2007–2025, with the province set BPS publishes in that year's
# poverty tables (33 provinces to 2014, 34 to 2023, 38 from 2024). `geography="34"` aggregates the
# 2024–2025 Papua provinces back to the 2013–2023 boundaries. The data dictionary states the
# definition, unit, source and survey round of every column.

# %%
panel = build_province_panel(bundle)
panel34 = build_province_panel(bundle, geography="34")
print(panel.groupby("year").size().to_dict())
dictionary = data_dictionary(panel)
write_table(dictionary, "data_dictionary", formats=("md", "csv"), caption="Data dictionary of the province x year panel")
dictionary

# %% [markdown]
# ## 4. What the data cannot identify
#
# Four limits shape everything that follows.
#
# 1. **There is no province panel of extreme poverty.** For March 2023 (BPS US$1.90 series) some
#    provinces have a published value and the others are known only to lie between 1 % and 5 % (by
#    elimination from official statements; the counts are printed below). A handful of province
#    values exist for March 2022 and for the older, incompatible TNP2K series of 2021. An effect of coverage on *extreme* poverty by
#    province cannot be estimated from a panel; P1 and P2 (poverty gap and severity, complete
#    2007–2025) are the closest proxies.

# %%
fragments = read_curated(bundle, "extreme_poverty_province_fragments")
categories = extreme_poverty_categories(fragments, year=2023, period="March")
categories["status"].value_counts()

# %% [markdown]
# 2. **BPJS-TK participants by province exist only for 2022–2025** (compiled panel R2-D1; the
#    Kemnaker export S01 covers December 2023 only). Coverage growth can therefore be related to
#    poverty only over three year-on-year changes, against 2007–2025 for poverty.
#    In the as-published geography, 2024–2025 Papua and Papua Barat are missing: R2-D1 keeps the
#    pre-split provinces while employment is post-split (see `geography_flag`).
#
# 3. **The two attributions of participants to provinces disagree.** Kemnaker S01 and the compiled
#    panel R2-D1 have identical national sums for December 2023, but different PU (wage-earner)
#    counts in every province; S01 puts more PU participants in DKI Jakarta than DKI has employees.
#    The panel uses R2-D1 by default; S01 is an alternative, never mixed in.

# %%
attribution = descriptive.attribution_comparison(panel, year=2023)
print(attribution.attrs["summary"])
attribution.sort_values("difference", key=abs, ascending=False).head(8)

# %% [markdown]
# 4. **The national extreme-poverty series are incompatible.** The BPS US$1.90 (PPP 2011) series
#    ends in March 2024; the BPS US$2.15 (PPP 2017) series published in July 2025 gives a different,
#    higher rate for the same month (both in the table below). The TNP2K 2021 series (about twice
#    the BPS level) and World Bank figures are different definitions again. The series are shown side
#    by side, never spliced; TNP2K and World Bank values are not plotted.

# %%
extreme_nat = descriptive.national_extreme_poverty(read_curated(bundle, "extreme_poverty_national"))
extreme_nat

# %% [markdown]
# ## 5. Where the panel has values
#
# Share of the provinces of each year (33, 34 or 38: numbers above the columns) with a value.
# Cells are annotated where the share is partial.

# %%
availability_columns = [
    "p0", "p1", "p2", "p0_urban", "p0_rural", "poor_thousand", "poverty_line", "population",
    "formal_share", "tpt", "tpak", "employed", "employees", "grdp_per_capita", "hdi",
    "mean_years_schooling", "gini", "min_wage", "bpjstk_pu", "bpjstk_bpu", "bpjstk_pu_kemnaker",
    "coverage_rate",
]
fig = descriptive.availability_heatmap(
    panel,
    availability_columns,
    title="Province x year panel (as published): share of provinces with a value",
    source="Source: BPS - Statistics Indonesia (Susenas, Sakernas, regional accounts); Kemnaker (S01); "
    "compiled BPJS-TK panel R2-D1 (secondary). Own panel, jamsostek_analysis.data.panel.",
)
save_figure(fig, "fig01_availability")

# %% [markdown]
# ## 6. National trends
#
# * Extreme poverty: the two BPS series as separate lines (September 2022 was stated as 1.74 % and
#   1.72 %; the higher-confidence statement is on the line, the other is a hollow marker). Lines
#   join only rounds at most a year apart.
# * P0, March round (2007–2010: the *Tahunan* column, which is the March survey).
# * BPJS-TK **active** participants only (registered and "status unspecified" counts measure
#   something else): year-end values, joined only between consecutive years, and statements made
#   during the year as hollow markers.
# * Coverage: sum of active participants (PU + BPU; construction-project workers not included) over
#   the sum of employed persons (August Sakernas), 34-province geography so that Papua is counted
#   once on both sides.

# %%
p0_nat = descriptive.national_p0_march(read_bps_topic(bundle, "poverty_national"))
participants_nat = descriptive.national_active_participants(read_curated(bundle, "bpjstk_national_series"))
coverage_nat = descriptive.national_coverage(panel34)
coverage_nat

# %%
fig = descriptive.national_trends(
    extreme_nat,
    p0_nat,
    participants_nat,
    coverage_nat,
    source="Sources: extreme poverty - BPS / Kemenko PMK statements (curated E01-E17); P0 - BPS (B02); "
    "participants - BPJS-TK / Kemnaker statements (curated N03-N17, S02, S10);\n"
    "coverage - compiled BPJS-TK panel R2-D1 (secondary) and BPS Sakernas August. TNP2K and World Bank "
    "extreme-poverty figures are not shown (other definitions).",
)
save_figure(fig, "fig02_national_trends")

# %% [markdown]
# ## 7. Province coverage rates, 2022–2025
#
# Coverage rate = 100 × (PU + BPU active participants) / employed persons. The 34-province panel
# (Papua aggregated) has all 34 provinces in every year; the as-published panel lacks the six Papua
# provinces in 2024–2025 (pre-split BPJS-TK data against post-split employment).

# %%
summary34 = descriptive.coverage_summary(panel34, geography="34 provinces")
summary_pub = descriptive.coverage_summary(panel, geography="as published")
coverage_table = pd.concat([summary34, summary_pub], ignore_index=True)
gap = summary_pub.loc[summary_pub["n_missing"] > 0, "year"]  # years in which the as-published panel lacks Papua
write_table(
    coverage_table,
    "tab00_coverage_summary",
    formats=("md", "tex", "csv"),
    float_format="{:.1f}",
    caption=f"BPJS-TK coverage rate by province, {coverage_table['year'].min()}-{coverage_table['year'].max()} "
    "(% of employed persons)",
    notes="Coverage = 100 x (PU + BPU active participants, compiled panel R2-D1) / employed persons "
    "(BPS Sakernas, August). national_pct = sum of participants / sum of employed over provinces with both. "
    f"As published: Papua provinces {gap.min()}-{gap.max()} missing (R2-D1 keeps pre-split Papua).",
)
coverage_table

# %% [markdown]
# ## What these data can and cannot support
#
# **Can:** province poverty (P0, P1, P2) for 2007–2025 and labour covariates for most years; the
# level and change of BPJS-TK coverage by province over 2022–2025 (three annual changes, 34
# provinces); national trends in poverty, extreme poverty (within each BPS series) and active
# participants.
#
# **Cannot:** a province panel of extreme poverty (one cross-section of exact values and 1-5 %
# bands, March 2023); province coverage before 2022, so no long pre-period or event study on
# coverage; a choice between the two attributions of participants to provinces on the evidence in
# the bundle (the estimates use the compiled R2-D1 series; the Kemnaker S01 export covers one month
# only and cannot carry a panel, so the disagreement remains a caveat on every estimate); a national
# extreme-poverty trend across the 2024 change of definition; a causal effect. The estimates in
# notebooks 03-06 are within-province associations over 2022–2025 with 34 clusters, which calls for
# few-cluster inference and honest, wide intervals.
