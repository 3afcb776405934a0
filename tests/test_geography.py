"""One home for the province geography: sets by year, splits, codes, and the crosswalk agrees."""

from __future__ import annotations

import pytest

from jamsostek_analysis import geography as G
from jamsostek_analysis.data.regions import province_crosswalk
from jamsostek_analysis.errors import RegionError


def test_province_sets_by_year():
    assert len(G.PROVINCES_38) == 38 and list(G.PROVINCES_38) == sorted(G.PROVINCES_38)
    assert [len(G.panel_province_set(y)) for y in (2007, 2014, 2015, 2023, 2024, 2025)] == [33, 33, 34, 34, 38, 38]
    assert [len(G.province_set(y)) for y in (2012, 2013, 2023, 2024)] == [33, 34, 34, 38]
    assert [G.boundary_for_year(y) for y in (2014, 2015, 2023, 2024)] == ["33", "34", "34", "38"]
    assert "65" not in G.panel_province_set(2014) and "65" in G.province_set(2014)
    assert set(G.province_set(2022, "hdi_province")) >= set(G.NEW_PAPUA)
    assert not set(G.province_set(2022, "grdp_per_capita_province")) & set(G.NEW_PAPUA)
    assert [G.map_set_for_year(y) for y in (2013, 2023, 2024)] == ["34", "34", "38"]


def test_splits_and_parents():
    assert G.NEW_PAPUA == ("92", "95", "96", "97") and G.PAPUA_PARENTS == ("91", "94")
    assert G.PAPUA_CODES == ("91", "92", "94", "95", "96", "97")
    assert [G.split_parent_34(c) for c in ("92", "95", "96", "97", "65", "11")] == ["91", "94", "94", "94", "65", "11"]
    assert G.parent_33("65") == "64" and G.parent_33("96") == "94"
    assert G.province_code_for_year("65", 2012) == "64" and G.province_code_for_year("65", 2013) == "65"
    assert G.province_code_for_year("97", 2023) == "94" and G.province_code_for_year("97", 2024) == "97"
    with pytest.raises(RegionError, match="2-digit"):
        G.split_parent_34("9")


def test_constants_agree_with_bundle_crosswalk(bundle):
    cw = province_crosswalk(bundle)
    assert sorted(cw["province_code_38"]) == list(G.PROVINCES_38)
    parents = dict(zip(cw["province_code_38"], cw["province_code_34"]))
    assert {c: p for c, p in parents.items() if c != p} == G.PAPUA_SPLIT_PARENT
    p33 = dict(zip(cw["province_code_38"], cw["province_code_33_pre2012"]))
    assert all(p33[c] == G.parent_33(c) for c in G.PROVINCES_38)


def test_no_other_module_holds_its_own_copy():
    """The Papua code lists and split years are defined only in geography.py."""
    import re
    from pathlib import Path

    pkg = Path(G.__file__).parent
    pattern = re.compile(
        r"""=\s*\(\s*["']92["'],\s*["']95["'],\s*["']96["'],\s*["']97["']\s*\)|=\s*\(\s*["']91["'],\s*["']94["']\s*\)"""
    )
    offenders = [
        str(p.relative_to(pkg)) for p in pkg.rglob("*.py") if p.name != "geography.py" and pattern.search(p.read_text())
    ]
    assert offenders == []
