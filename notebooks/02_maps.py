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
# # 02 · Maps: coverage, poverty and extreme poverty by province
#
# Three figures:
#
# * **fig03_map_coverage**: BPJS-TK coverage rate in 2022 and 2025, and its change 2022→2025;
# * **fig04_map_poverty_2025**: poverty headcount P0 and poverty gap P1, March 2025;
# * **fig05_map_extreme_poverty_2023**: extreme poverty, March 2023, with published values,
#   bounds and gaps kept apart.
#
# **Province sets.** Each map uses the boundaries of the province set its data follow: 34
# provinces up to 2023, 38 from 2024 (the four new Papua provinces appear in the BPS tables from
# March 2024). Provinces without a value are drawn grey and hatched and counted in the legend;
# they are never coloured as zero.

# %% tags=["parameters"]
from jamsostek_analysis.data.bundle import open_bundle
from jamsostek_analysis.output.figures import maps, save_figure
from jamsostek_analysis.data.panel import build_province_panel
from jamsostek_analysis.data.sources.curated import read_curated

EXTREME_YEAR, EXTREME_PERIOD = 2023, "March"  # the one round with province extreme-poverty fragments

bundle = open_bundle()
panel = build_province_panel(bundle)  # as published: 34 provinces to 2023, 38 from 2024
panel34 = build_province_panel(bundle, geography="34")  # 2024 onward Papua aggregated to 91/94
provinces = {s: maps.load_provinces(bundle, s) for s in ("34", "38")}

# The years mapped come from the data: first and last year with a coverage rate by province, last
# year with a published P0 (a new year of data moves them with no edit here)
coverage_years = panel34.loc[panel34["coverage_rate"].notna(), "year"]
YEAR_FROM, YEAR_TO = int(coverage_years.min()), int(coverage_years.max())
POVERTY_YEAR = int(panel.loc[panel["p0"].notna(), "year"].max())  # P0 / P1 map (March round)
print(f"coverage {YEAR_FROM}-{YEAR_TO}, poverty {POVERTY_YEAR}:",
      {year: maps.province_set_for_year(year) for year in range(YEAR_FROM, YEAR_TO + 1)})

# %% [markdown]
# ## 1. Coverage rate 2022 and 2025, and its change
#
# Coverage rate = 100 × (PU + BPU active participants, compiled panel R2-D1) / employed persons
# (BPS Sakernas, August).
#
# * **2022** on the 34-province map (the province set of 2022).
# * **2025** on the 38-province map. The compiled BPJS-TK data still report Papua (94) and Papua
#   Barat (91) with their pre-split boundaries in 2025, while employment follows the six post-split
#   provinces; a ratio would mix geographies, so all six Papua provinces are drawn as missing.
# * **Change 2022→2025** (percentage points) on the 34-province map, from the 34-geography panel in
#   which 2025 employment of the six Papua provinces is summed back to 91 and 94, so both years
#   cover the same territory.
#
# 2022 and 2025 share one colour scale.

# %%
set_from, set_to = maps.province_set_for_year(YEAR_FROM), maps.province_set_for_year(YEAR_TO)
cov_from = maps.province_values(panel, "coverage_rate", YEAR_FROM)
cov_to = maps.province_values(panel, "coverage_rate", YEAR_TO)
change = maps.province_change(panel34, "coverage_rate", YEAR_FROM, YEAR_TO)
shared = maps.common_norm(cov_from, cov_to)
print(f"{YEAR_FROM}: {cov_from.notna().sum()} of {len(cov_from)} provinces; {YEAR_TO}: {cov_to.notna().sum()} of "
      f"{len(cov_to)}; change: {change.notna().sum()} of {len(change)}")

fig, axes = maps.map_panels(3)
maps.choropleth(provinces[set_from], cov_from, title=f"BPJS-TK coverage rate, {YEAR_FROM} ({set_from} provinces)",
                cmap="viridis", legend_label="active participants (PU + BPU), % of employed persons", ax=axes[0],
                norm=shared)
maps.choropleth(provinces[set_to], cov_to, title=f"BPJS-TK coverage rate, {YEAR_TO} ({set_to} provinces)", cmap="viridis",
                legend_label="active participants (PU + BPU), % of employed persons", ax=axes[1], norm=shared,
                missing_label="no data (Papua: BPJS-TK data pre-split)")
maps.choropleth(provinces["34"], change, title=f"Change in coverage rate, {YEAR_FROM} to {YEAR_TO} (34-province geography)",
                cmap="RdBu", diverging=True, legend_label="percentage points", ax=axes[2],
                source="Sources: compiled BPJS-TK panel R2-D1 (secondary; participants by province, reference month "
                "stated only for 2023); BPS Sakernas August (employed persons).")
save_figure(fig, "fig03_map_coverage")

# %% [markdown]
# The extreme values in the table below (Papua Barat in 2022 above all) are what the compiled participants
# and BPS employment give;
# the compiled panel does not document how participants are attributed to provinces (see 01_data,
# the Kemnaker export attributes them differently), so single-province extremes should not be read
# as facts about that province.

# %%
change.to_frame().join(cov_from).sort_values(change.name)

# %% [markdown]
# ## 2. Poverty in March 2025 (38 provinces)
#
# P0 = share of the population below the province poverty line; P1 = poverty gap index (mean
# shortfall from the line, as % of the line, counting the non-poor as zero). Both from BPS, March
# 2025 Susenas (fielded in February 2025).

# %%
pov_set = maps.province_set_for_year(POVERTY_YEAR)
p0 = maps.province_values(panel, "p0", POVERTY_YEAR)
p1 = maps.province_values(panel, "p1", POVERTY_YEAR)
fig, axes = maps.map_panels(2)
maps.choropleth(provinces[pov_set], p0, title=f"Poverty headcount P0, March {POVERTY_YEAR}", cmap="YlOrRd",
                legend_label="% of population below the poverty line", ax=axes[0])
maps.choropleth(provinces[pov_set], p1, title=f"Poverty gap index P1, March {POVERTY_YEAR}", cmap="YlOrRd",
                legend_label="poverty gap index P1 (mean shortfall, % of the poverty line)", ax=axes[1],
                source=f"Source: BPS - Statistics Indonesia, Susenas March {POVERTY_YEAR} (B01: P0 and P1 by province).")
save_figure(fig, f"fig04_map_poverty_{POVERTY_YEAR}")

# %% [markdown]
# ## 3. Extreme poverty, March 2023 (34 provinces)
#
# BPS / Kemenko PMK series at US$1.90/day (PPP 2011). Published province values exist for 21
# provinces (colour scale). For 13 provinces the statements only imply that the rate lay between
# 1 % and 5 % (the curated file derives this by elimination: 34 provinces = 18 listed below 1 % +
# Papua and Papua Barat above 5 % + the rest); these are hatched, not coloured. Gorontalo has both a
# reported 2.44 % (one outlet attributes it ambiguously) and the band; the exact value, which lies
# inside the band, is shown. Papua and Papua Barat are the undivided provinces of 2023. A Kemenko PMK
# statement listed Banten below 1 % (conflict noted in the curated file).

# %%
fragments = read_curated(bundle, "extreme_poverty_province_fragments")
maps.extreme_poverty_categories(fragments, year=EXTREME_YEAR, period=EXTREME_PERIOD)["status"].value_counts()

# %%
fig = maps.extreme_poverty_map(
    provinces[maps.province_set_for_year(EXTREME_YEAR)], fragments, year=EXTREME_YEAR, period=EXTREME_PERIOD,
    source="Sources: BPS (Amalia A. Widyasanti) / Kemenko PMK statements, Nov 2023, as quoted by detik, katadata, "
    "harianjogja, banyumas.news (curated E01-E05); band 1-5 % inferred by elimination, not published.",
)
save_figure(fig, "fig05_map_extreme_poverty_2023")

# %% [markdown]
# ## What the maps can and cannot support
#
# **Can:** describe where coverage was high or low in 2022 and 2025 and how it changed (34
# provinces, one geography); show the geography of P0/P1 in 2025; show the March 2023 cross-section
# of extreme poverty with its gaps visible (concentrated in Papua and Papua Barat, above 5 %).
#
# **Cannot:** say anything about a province's extreme-poverty *trend* (one round only, 13 provinces
# bounded); compare 2025 coverage of the new Papua provinces (no BPJS-TK data on the post-split
# geography); rule out that province differences in coverage reflect how participants are attributed
# to provinces rather than where covered people live and work. The maps are descriptive; no causal
# effect of coverage on poverty can be read from a cross-section.
