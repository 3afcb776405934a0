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
# # 07 · Adapt the study: another outcome, another unit, your own regressor
#
# The main table in a few calls, for a student who wants the same design elsewhere:
#
# 1. **another outcome** of the province panel (rural poverty `p0_rural`), same regressor, years and
#    inference as the main table;
# 2. **another unit**, the district (kabupaten/kota) poverty panel, with a **user-supplied regressor**.
#    Here that regressor is **SIMULATED** (random numbers with a fixed seed, no relation to poverty):
#    replace it with your own district data joined on `district_code` and `year`.
#
# Everything comes from the library: `build_province_panel` / `build_district_panel` (data layer),
# `fit_panel` and its `.wildboot()` (estimation engine). No result of this notebook is part of the study's
# findings, and nothing here is written to `figures/`.

# %% tags=["parameters"]
import numpy as np
import pandas as pd

from jamsostek_analysis.data.bundle import open_bundle
from jamsostek_analysis.data.district import build_district_panel
from jamsostek_analysis.data.panel import build_province_panel
from jamsostek_analysis.estimation.models import fit_panel

B, SEED = 999, 20260707  # wild bootstrap draws (the study uses 9,999) and seed
bundle = open_bundle()


def main_table(data: pd.DataFrame, y: str, x: str, *, unit: str, cluster: str | None = None,
               models=("twfe", "fd", "ld")) -> pd.DataFrame:
    """One row per model: CRV1 estimate and interval, wild cluster restricted bootstrap p-value (Webb)."""
    rows = []
    for model in models:
        r = fit_panel(data, y, x, unit=unit, model=model, cluster=cluster or unit)
        ci = r.conf_int().loc[x]
        boot = r.wildboot(x, B=B, seed=SEED)
        rows.append({"outcome": y, "model": model, "estimate": r.params[x], "se_crv1": r.bse[x],
                     "ci_low": ci.iloc[0], "ci_high": ci.iloc[1], "boot_pvalue": boot.pvalue,
                     "nobs": r.nobs, "clusters": r.n_clusters})
    return pd.DataFrame(rows)


# %% [markdown]
# ## 1. Another outcome: rural poverty
#
# Same sample as the main table: the 34-province geography, in the years where the coverage rate exists
# (taken from the data, so a new BPJS-TK year enters by itself).

# %%
panel34 = build_province_panel(bundle, geography="34")
years = panel34.loc[panel34["coverage_rate"].notna(), "year"]
YEARS = (int(years.min()), int(years.max()))
sample = panel34[panel34["year"].between(*YEARS)]
print(f"years {YEARS[0]}-{YEARS[1]}, {sample['province_code'].nunique()} provinces")
main_table(sample, "p0_rural", "coverage_rate", unit="province_code").round(4)

# %% [markdown]
# DKI Jakarta has no rural area (`p0_rural` is NaN there), so this sample has one province fewer; the
# estimator says so in its drop count (`fit_panel(...).summary()`). As in the main table, the
# coefficients are conditional associations over few years, not effects.
#
# ## 2. Another unit: districts, with a SIMULATED regressor
#
# The district panel: P0, P1, P2 and the poverty line of 514 districts, 2004-2025, one BPS 2020 code
# per district across the province splits; `province_code` is the province of that year.

# %%
district = build_district_panel(bundle)
district.head()

# %%
# SIMULATED regressor: stands in for your own district data (e.g. a programme's coverage). Pure noise,
# so the true coefficient is zero. Replace these lines with a merge on ["district_code", "year"].
rng = np.random.default_rng(SEED)
district["SIMULATED_regressor"] = rng.uniform(0, 30, len(district))
window = district[district["year"].between(2015, 2025)]
# clustered by today's province (38 clusters): districts of one province share shocks
main_table(window, "p0", "SIMULATED_regressor", unit="district_code", cluster="province_code_38").round(4)

# %% [markdown]
# With a SIMULATED regressor unrelated to poverty the estimates should be near zero and the bootstrap
# p-values unremarkable; with real data, read them as the main table: associations, with inference from
# the wild cluster restricted bootstrap.
