"""Maps and descriptive figures, checked artist by artist (Agg backend, no files needed).

Expected values are computed here independently from the raw curated CSV files (read with plain
pandas, not the package readers) and from hand-made panels.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from jamsostek_analysis.errors import ParseError, RegionError
from jamsostek_analysis.output.figures import descriptive, maps

NEW_PAPUA = {"92", "95", "96", "97"}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def g34(bundle):
    return maps.load_provinces(bundle, "34")


@pytest.fixture(scope="module")
def g38(bundle):
    return maps.load_provinces(bundle, "38")


@pytest.fixture(scope="module")
def fragments_raw(data_dir):
    """The fragments file read with plain pandas (all text)."""
    return pd.read_csv(
        data_dir / "curated" / "extreme_poverty_province_fragments.csv", dtype=str, keep_default_na=False
    )


@pytest.fixture(scope="module")
def panel_pub(bundle):
    """The as-published panel, built once for this module."""
    from jamsostek_analysis.data.panel import build_province_panel

    return build_province_panel(bundle)


def _province_patches(fig):
    ax = fig.axes[0]
    return {p.get_gid(): p for p in ax.patches if p.get_gid()}


# --------------------------------------------------------------------------------------------
# boundaries


def test_load_provinces_sets(g34, g38):
    assert len(g34) == 34 and len(g38) == 38
    assert g34["province_code"].map(type).eq(str).all()
    c34, c38 = set(g34["province_code"]), set(g38["province_code"])
    assert c38 - c34 == NEW_PAPUA
    assert c34 <= c38 and {"91", "94", "65"} <= c34
    assert g34.crs.to_epsg() == 4326


def test_load_provinces_rejects_unknown_set(bundle):
    from jamsostek_analysis.errors import BundleError

    with pytest.raises(BundleError, match="'34' or '38'"):
        maps.load_provinces(bundle, "33")


def test_province_set_for_year_matches_data(fragments_raw):
    assert [maps.province_set_for_year(y) for y in (2013, 2022, 2023, 2024, 2025)] == ["34", "34", "34", "38", "38"]
    # the March 2023 fragments still use undivided Papua: no code of a new province appears
    m23 = fragments_raw[fragments_raw["year"] == "2023"]
    assert not set(m23["province_code"]) & NEW_PAPUA


# --------------------------------------------------------------------------------------------
# choropleth


def test_choropleth_missing_is_hatched_grey_not_zero(g38):
    values = pd.Series({"11": 0.0, "31": 10.0, "94": 5.0, "12": np.nan})
    fig = maps.choropleth(g38, values, title="t", cmap="viridis", legend_label="x (%)")
    patches = _province_patches(fig)
    assert len(patches) == 38 and set(patches) == set(g38["province_code"])
    cm = matplotlib.colormaps["viridis"]
    norm = matplotlib.colors.Normalize(0.0, 10.0)
    for code, v in {"11": 0.0, "31": 10.0, "94": 5.0}.items():
        assert patches[code].get_hatch() is None
        np.testing.assert_allclose(patches[code].get_facecolor(), cm(norm(v)), atol=1e-9)
    missing = set(g38["province_code"]) - {"11", "31", "94"}
    assert len(missing) == 35  # 34 absent + '12' given as NaN
    zero_colour = np.array(cm(norm(0.0)))
    for code in missing:
        assert patches[code].get_hatch() == maps.MISSING_HATCH
        np.testing.assert_allclose(patches[code].get_facecolor(), to_rgba(maps.MISSING_FACE), atol=1e-9)
        assert not np.allclose(patches[code].get_facecolor(), zero_colour)
    legend_texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend_texts == ["no data (35)"]
    assert any(
        t.get_gid() == maps.ATTRIBUTION_GID and "CC BY 3.0 IGO" in t.get_text() and "OCHA" in t.get_text()
        for t in fig.texts
    )


def test_choropleth_rejects_codes_outside_the_set(g34):
    with pytest.raises(RegionError, match=r"\['92'\]"):
        maps.choropleth(g34, pd.Series({"92": 1.0}), title="t", legend_label="x")
    with pytest.raises(RegionError, match="more than once"):
        maps.choropleth(g34, pd.Series([1.0, 2.0], index=["11", "11"]), title="t", legend_label="x")


def test_choropleth_diverging_centres_zero(g34):
    fig = maps.choropleth(
        g34, pd.Series({"11": -2.0, "12": 4.0}), title="t", cmap="RdBu", legend_label="pp", diverging=True
    )
    patches = _province_patches(fig)
    cm = matplotlib.colormaps["RdBu"]
    np.testing.assert_allclose(patches["12"].get_facecolor(), cm(1.0), atol=1e-9)  # +4 is the maximum |value|
    np.testing.assert_allclose(patches["11"].get_facecolor(), cm(0.25), atol=1e-9)  # -2 of [-4, 4]


# --------------------------------------------------------------------------------------------
# extreme poverty map


def _expected_categories(raw: pd.DataFrame) -> tuple[dict[str, float], set[str]]:
    sel = raw[(raw["year"] == "2023") & (raw["period"] == "March") & (raw["series_vintage"] == "BPS 1.90 series")]
    exact = {r.province_code: float(r.value) for r in sel[sel["indicator"] == "extreme_poverty_rate"].itertuples()}
    band = set(sel.loc[sel["indicator"] == "extreme_poverty_band", "province_code"])
    return exact, band - set(exact)


def test_extreme_poverty_map_exact_bounded_none(g34, fragments_raw):
    exact, bounded = _expected_categories(fragments_raw)
    assert len(exact) == 21 and len(bounded) == 13  # Gorontalo has an exact 2.44 and the 1-5 band
    fig = maps.extreme_poverty_map(g34, fragments_raw)
    patches = _province_patches(fig)
    assert len(patches) == 34
    coloured = {c for c, p in patches.items() if p.get_hatch() is None}
    hatched_bounded = {c for c, p in patches.items() if p.get_hatch() == maps.BOUNDED_HATCH}
    assert coloured == set(exact)
    assert hatched_bounded == bounded
    cm = matplotlib.colormaps["YlOrRd"]
    norm = matplotlib.colors.BoundaryNorm(list(maps.EXTREME_POVERTY_BINS), cm.N)
    for code, v in exact.items():
        np.testing.assert_allclose(patches[code].get_facecolor(), cm(norm(v)), atol=1e-9)
    for code in bounded:
        np.testing.assert_allclose(patches[code].get_facecolor(), to_rgba(maps.BOUNDED_FACE), atol=1e-9)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("between 1 % and 5 %" in t and "(13)" in t for t in texts)
    assert any("(21)" in t for t in texts)
    assert any(t.get_gid() == maps.ATTRIBUTION_GID for t in fig.texts)


def test_extreme_poverty_map_no_information_is_distinct(g34, fragments_raw):
    drop = {"11", "31"}  # one bounded, one exact province without any row
    fr = fragments_raw[~fragments_raw["province_code"].isin(drop)]
    fig = maps.extreme_poverty_map(g34, fr)
    patches = _province_patches(fig)
    for code in drop:
        assert patches[code].get_hatch() == maps.MISSING_HATCH
        np.testing.assert_allclose(patches[code].get_facecolor(), to_rgba(maps.MISSING_FACE), atol=1e-9)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "no information (2)" in texts


def test_extreme_poverty_map_refuses_wrong_province_set(g38, fragments_raw):
    with pytest.raises(RegionError, match="34-province set"):
        maps.extreme_poverty_map(g38, fragments_raw)


def test_extreme_poverty_categories_rejects_value_outside_band(fragments_raw):
    fr = fragments_raw.copy()
    i = fr.index[(fr["province_code"] == "75") & (fr["year"] == "2023") & (fr["indicator"] == "extreme_poverty_rate")][
        0
    ]
    fr.loc[i, "value"] = "7.5"
    with pytest.raises(ParseError, match="outside its band"):
        maps.extreme_poverty_categories(fr)


# --------------------------------------------------------------------------------------------
# availability heatmap


def _toy_panel() -> pd.DataFrame:
    rows = []
    for year in (2020, 2021):
        for k, code in enumerate(["11", "12", "13", "14"]):
            rows.append(
                {
                    "province_code": code,
                    "year": year,
                    "a": 1.0 if (year == 2020 or k < 1) else np.nan,
                    "b": np.nan if k == 3 else 2.0,
                }
            )
    rows.append({"province_code": "92", "year": 2021, "a": 3.0, "b": np.nan})  # 5 provinces in 2021
    return pd.DataFrame(rows)


def test_availability_heatmap_values():
    panel = _toy_panel()
    expected = np.array([[4 / 4, 2 / 5], [3 / 4, 3 / 5]])  # counted by hand
    share = descriptive.availability(panel, ["a", "b"])
    np.testing.assert_allclose(share.to_numpy(), expected)
    fig = descriptive.availability_heatmap(panel, ["a", "b"])
    arr = np.asarray(fig.axes[0].images[0].get_array())
    np.testing.assert_allclose(arr, expected)


def test_availability_counts_real_panel_shares(panel_pub):
    """Heatmap of the real panel equals counts done here with a plain loop."""
    panel = panel_pub
    cols = ["p0", "p1", "coverage_rate", "employed"]
    fig = descriptive.availability_heatmap(panel, cols)
    arr = np.asarray(fig.axes[0].images[0].get_array())
    years = sorted(panel["year"].unique())
    for i, c in enumerate(cols):
        for j, y in enumerate(years):
            sub = panel[panel["year"] == y]
            n_ok = sum(1 for v in sub[c] if not pd.isna(v))
            assert arr[i, j] == pytest.approx(n_ok / len(sub))


# --------------------------------------------------------------------------------------------
# national trends


@pytest.fixture(scope="module")
def extreme(bundle):
    from jamsostek_analysis.data.sources.curated import read_curated

    return descriptive.national_extreme_poverty(read_curated(bundle, "extreme_poverty_national"))


@pytest.fixture(scope="module")
def participants(bundle):
    from jamsostek_analysis.data.sources.curated import read_curated

    return descriptive.national_active_participants(read_curated(bundle, "bpjstk_national_series"))


def test_national_trends_two_separate_bps_lines(data_dir, extreme, participants):
    raw = pd.read_csv(data_dir / "curated" / "extreme_poverty_national.csv", dtype=str, keep_default_na=False)
    raw = raw[(raw["level"] == "national") & (raw["indicator"] == "extreme_poverty_rate")]
    p0 = pd.DataFrame({"year": [2022, 2023], "value": [9.54, 9.36], "period_source": "March"})
    cov = pd.DataFrame({"year": [2022, 2023], "coverage_pct": [25.0, 26.0], "n_provinces": [34, 34]})
    fig = descriptive.national_trends(extreme, p0, participants, cov)
    ax = fig.axes[0]
    lines = {ln.get_gid(): ln for ln in ax.get_lines() if ln.get_gid()}
    old, new = lines["extreme:BPS 1.90 series"], lines["extreme:BPS 2.15 series (Jul 2025)"]
    for line, vintage in ((old, "BPS 1.90 series"), (new, "BPS 2.15 series (Jul 2025)")):
        y = np.asarray(line.get_ydata(), float)
        y = y[~np.isnan(y)]
        expected = raw.loc[raw["series_vintage"] == vintage, "value"].astype(float)
        if vintage == "BPS 1.90 series":  # Sep 2022 stated twice: 1.74 (medium) on the line, 1.72 (low) apart
            assert sorted(expected) == sorted([*y, 1.72])
            alt = lines["extreme-alt:BPS 1.90 series"]
            assert list(alt.get_ydata()) == [1.72]
        else:
            assert sorted(y) == sorted(expected)
    assert sorted(new.get_ydata()) == [0.85, 0.99, 1.26]
    # never spliced: no line mixes the two vintages, and TNP2K/World Bank values are absent
    all_y = {round(float(v), 4) for ln in ax.get_lines() for v in ln.get_ydata() if not np.isnan(v)}
    assert 4.0 not in all_y and 3.85 not in all_y and 9.5 not in all_y
    assert old.get_label() != new.get_label()
    # a gap of more than a year (2018 -> 2021) breaks the 1.90 line
    x = np.asarray(old.get_xdata(), float)
    assert np.isnan(x).sum() == 1


def test_national_active_participants_only_active(participants):
    assert set(participants["period_type"]) == {"end_of_year", "as_of_statement"}
    eoy = participants[participants["period_type"] == "end_of_year"].set_index("period")["value"]
    assert eoy.to_dict() == {
        "2016": 22600000.0,
        "2017": 26200000.0,
        "2018": 30460000.0,
        "2019": 34170000.0,
        "2020": 29980000.0,
        "2023": 41560000.0,
        "2024": 45220000.0,
    }
    assert 54450000.0 not in set(participants["value"])  # registered, not active


def test_national_p0_march_values(bundle):
    from jamsostek_analysis.data.sources.bps import read_bps_topic

    p0 = descriptive.national_p0_march(read_bps_topic(bundle, "poverty_national")).set_index("year")
    assert list(p0.index) == list(range(2007, 2026))
    # exact cells of raw/bps/poverty_national (Kota+Desa row)
    assert p0.at[2007, "value"] == 16.58 and p0.at[2007, "period_source"].startswith("Tahunan")
    assert p0.at[2011, "value"] == 12.49 and p0.at[2011, "period_source"] == "March"
    assert p0.at[2024, "value"] == 9.03 and p0.at[2025, "value"] == 8.47


def test_national_coverage_sums_complete_provinces():
    panel = pd.DataFrame(
        {
            "province_code": ["11", "12", "13", "11", "12", "13"],
            "year": [2022, 2022, 2022, 2023, 2023, 2023],
            "bpjstk_active": [10.0, 20.0, 5.0, 12.0, np.nan, 6.0],
            "employed": [100.0, 100.0, np.nan, 100.0, 100.0, 50.0],
        }
    )
    cov = descriptive.national_coverage(panel).set_index("year")
    assert cov.at[2022, "coverage_pct"] == pytest.approx(100 * 30 / 200)
    assert cov.at[2023, "coverage_pct"] == pytest.approx(100 * 18 / 150)
    assert cov["n_provinces"].tolist() == [2, 2] and cov["n_rows"].tolist() == [3, 3]


# --------------------------------------------------------------------------------------------
# panel helpers used by the notebooks


def test_province_values_and_change():
    panel = pd.DataFrame(
        {
            "province_code": ["11", "12", "11", "12", "11", "12", "92"],
            "year": [2022, 2022, 2025, 2025, 2024, 2024, 2024],
            "x": [1.0, np.nan, 4.0, 5.0, 0.0, 0.0, 0.0],
        }
    )
    v = maps.province_values(panel, "x", 2025)
    assert v.to_dict() == {"11": 4.0, "12": 5.0}
    ch = maps.province_change(panel, "x", 2022, 2025)
    assert ch["11"] == 3.0 and np.isnan(ch["12"])  # missing stays missing, never 0
    from jamsostek_analysis.errors import PanelError

    with pytest.raises(PanelError, match=r"\['92'\]"):
        maps.province_change(panel, "x", 2022, 2024)


def test_attribution_comparison_2023(panel_pub):
    cmp = descriptive.attribution_comparison(panel_pub, year=2023)
    s = cmp.attrs["summary"]
    # bundle README: identical national sums, PU differs in 34 of 34 provinces, DKI 5.46 m vs 1.68 m
    assert s["national_pu_compiled"] == s["national_pu_kemnaker"] == 25004383.0
    assert s["provinces_with_both"] == 34 and s["provinces_differing"] == 34
    dki = cmp.set_index("province_code").loc["31"]
    assert (dki["pu_kemnaker"], dki["pu_compiled"]) == (5464264.0, 1684807.0)
    assert bool(dki["kemnaker_exceeds_employees"]) and not bool(dki["compiled_exceeds_employees"])


def test_bundle_inventory_counts_files():
    verified = pd.DataFrame(
        {
            "relpath": [
                "README.md",
                "raw/bps/poverty_national/a.csv",
                "raw/bps/poverty_national/b.csv",
                "geo/x.geojson",
            ],
            "origin": ["bundle"] * 4,
            "bytes": [10, 1_000_000, 2_000_000, 5],
            "status": ["ok", "ok", "ok", "unlisted"],
        }
    )
    inv = descriptive.bundle_inventory(verified).set_index("folder")
    assert inv.loc["raw/bps/poverty_national", "files"] == 2
    assert inv.loc["raw/bps/poverty_national", "megabytes"] == pytest.approx(3.0)
    assert inv.loc["geo", "status"] == "unlisted" and inv.loc[".", "files"] == 1
