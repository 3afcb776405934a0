"""The column registry: panel, aggregation rules, selections and dictionary all derive from it;
the panel's years come from the data; values outside the window are never dropped silently."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from jamsostek_analysis.data import columns as C
from jamsostek_analysis.data.panel import build_province_panel, data_dictionary, year_ranges
from jamsostek_analysis.errors import PanelError, PanelWindowWarning


@pytest.fixture(scope="module")
def built(bundle):
    with pytest.warns(PanelWindowWarning) as rec:
        panel = build_province_panel(bundle)
    return panel, " ".join(str(w.message) for w in rec)


def test_registry_is_the_single_source(built):
    panel, _ = built
    assert list(panel.columns) == C.PANEL_COLUMNS == [c.name for c in C.COLUMNS]
    assert set(C.AGGREGATION_RULES) == set(C.PANEL_COLUMNS)
    assert C.SELECTIONS["tpt_b05"].source_id == "B05" and C.SELECTIONS["tpt_b04"].source_id == "B04"
    assert C.COMPILED_COLUMNS == {"employed": "employed", "employees": "employees_buruh"}
    d = data_dictionary(panel)
    assert d["column"].tolist() == C.PANEL_COLUMNS
    assert d.set_index("column").loc["tpak", "years_available"] == "2017-2023, 2025"  # computed: no 2024 file
    assert d.set_index("column").loc["aggregated_from", "years_available"] == "2024-2025 (geography='34')"
    with pytest.raises(ValueError, match="aggregation"):
        C.Column("x", "derived", "a column", aggregation="median")


def test_valid_ranges_hold_for_the_published_panel(built):
    panel, _ = built
    numeric = [c for c in C.PANEL_COLUMNS if pd.api.types.is_numeric_dtype(panel[c])]
    assert set(numeric) - {"year"} <= set(C.VALID_RANGES), "every numeric column has plausibility bounds"
    for col, (lo, hi) in C.VALID_RANGES.items():
        v = panel[col].dropna()
        assert v.between(lo, hi).all(), (col, v.min(), v.max())


def test_years_from_data_and_loud_window(built, bundle):
    panel, message = built
    assert (panel["year"].min(), panel["year"].max()) == (2007, 2025)  # the years with a published P0
    # the bundle already has 2026 population and minimum wage tables: named, not silently dropped
    assert "population 2026" in message and "min_wage 2026" in message and "2026.csv" in message
    assert "tpt_b04 2005-2006" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error", PanelWindowWarning)  # an explicit window is not warned about ...
        wide = build_province_panel(bundle, first_year=2015, last_year=2026)
    # ... and a value published for it is in the panel exactly: UMP 2026 of Aceh (raw/bps/minimum_wage_province)
    row = wide[(wide["year"] == 2026) & (wide["province_code"] == "11")].iloc[0]
    assert row["min_wage"] == 3932552 and np.isnan(row["p0"])
    assert len(wide[wide["year"] == 2026]) == 38
    with pytest.raises(PanelError, match="after last_year"):
        build_province_panel(bundle, first_year=2025, last_year=2024)


def test_year_ranges():
    assert year_ranges([2012, 2010, 2013, 2014, 2025]) == "2010, 2012-2014, 2025"
    assert year_ranges([]) == ""
