"""MODELLED extreme poverty by province and Susenas round, from the published P0, P1, P2 (issue 8).

There is no published province x year extreme-poverty panel (bundle README, "Not available"). This
module models one, labels it MODELLED everywhere, and validates it against every published figure
it was not calibrated on.

Method (one pass, DataFrames in, DataFrames out; no file is read here except through the data
layer in :func:`load_model_inputs`):

1. **Tail shape per cell.** For every province x area (urban, rural) x round, a Beta distribution
   of the normalised shortfall of the poor reproduces the published P0, P1, P2 exactly
   (:func:`~jamsostek_analysis.study.fgt_distributions.beta_from_fgt`); the alternative is a
   lognormal of ``y / z`` fitted to P0 and P2, whose P1 misfit is the over-identification check.
2. **Extreme line.** The US$1.90 line is Rp 351,957.4 per capita per month in March 2023
   (``curated/extreme_poverty_line_national.csv``, X01), indexed to every round with the national
   CPI chained from Bank Indonesia's year-on-year rates (:mod:`jamsostek_analysis.data.sources.bi`).
   ``k_t`` = that line / the national poverty line of the round. The spatial assumption is tested on
   the 21 exact March-2023 province values: ``'proportional'`` (line ``c k_t z`` in every province
   and area, i.e. proportional to the province's own line) against ``'rupiah'`` (one rupiah line
   ``c L_t`` everywhere); the one with the smaller leave-one-out mean absolute log error is used.
3. **Level.** One factor ``c`` per distribution, calibrated (least squares on log values) on the 21
   exact March-2023 province values only. The published national series is never used for the
   US$1.90 series, so every national figure is an out-of-sample check.
4. **Urban + rural** are combined with the urban population share implied by the published P0:
   ``w = (P0 - P0_rural) / (P0_urban - P0_rural)``. Where that share is not identified
   (``|P0_urban - P0_rural| < 1`` point or ``w`` outside [0, 1]) the total cell is modelled directly
   and the row is flagged.
5. **Interval** at the nominal level ``level`` (0.90): the calibration factor's jackknife interval
   over the 21 provinces (``t`` with 20 df on ``log c``), widened to the envelope over the rounding
   of the published P1 and P2 (+/-0.005) and over the two distributions. Rounding and distribution
   choice are ranges, not probabilities; model error beyond these three sources is not in the
   interval (the validation shows how large it is).
6. **US$2.15 PPP 2017 series** (BPS, July 2025): the only anchor is national (March 2024 1.26 %),
   so its level is calibrated there (the proportional line, as that series uses a spatial deflator),
   its interval has no jackknife part (one anchor: the calibration uncertainty cannot be estimated;
   the anchor's rounding +/-0.005 is included), and it is a separate column, never spliced with
   the US$1.90 series.

Where the modelled values are weak: the US$1.90 definition was published for 2021 to March 2024, so
other rounds (2015-2020 and 2025) extrapolate the definition; the 2022 level misses the published
national figures (see the validation); the new Papua provinces (from 2024) rest on small samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from jamsostek_analysis.data.columns import MODELLED_COLUMNS
from jamsostek_analysis.errors import EstimationError, PanelError, ParseError
from jamsostek_analysis.geography import NEW_PAPUA
from jamsostek_analysis.study.fgt_distributions import (
    beta_from_fgt,
    beta_share_below,
    lognormal_from_fgt,
    lognormal_share_below,
)

__all__ = [
    "SERIES_190",
    "SERIES_215",
    "DISTRIBUTIONS",
    "ROUNDING",
    "ModelInputs",
    "ExtremeModel",
    "fgt_cells",
    "poverty_weights",
    "extreme_line_ratio",
    "load_model_inputs",
    "calibration_targets",
    "fit_extreme_model",
    "leave_one_out",
    "national_aggregate",
    "proxy_predictions",
    "validation_table",
    "spatial_test",
    "add_extreme_modelled",
    "MODELLED_COLUMNS",
]

SERIES_190 = "BPS 1.90 series"
SERIES_215 = "BPS 2.15 series (Jul 2025)"
DISTRIBUTIONS = ("beta", "lognormal")
#: half-width of the rounding of the published P1 and P2 (two decimals)
ROUNDING = 0.005
#: the rounds modelled: March of every year, September where a published national figure exists
MARCH_YEARS = tuple(range(2015, 2026))
SEPTEMBER_YEARS = (2022, 2024)
#: calibration round of the US$1.90 level (21 exact province values) and of the US$2.15 level
CALIBRATION_190 = (2023, "March")
CALIBRATION_215 = (2024, "March")
#: rounds in which each BPS series was published (outside: the definition is extrapolated)
PUBLISHED_SPAN = {SERIES_190: ((2021, 3), (2024, 3)), SERIES_215: ((2024, 3), (2025, 3))}
MIN_P0_GAP = 1.0  # points; below this P0_urban - P0_rural does not identify the urban share
_MONTH = {"March": 3, "September": 9}
_AREAS = {"Perkotaan": "urban", "Perdesaan": "rural", "Jumlah": "total"}
_INDICATORS = {
    "persentase penduduk miskin p0": "p0",
    "indeks kedalaman kemiskinan p1": "p1",
    "indeks keparahan kemiskinan p2": "p2",
    "garis kemiskinan": "line",
}


# --------------------------------------------------------------------------------------------
# inputs


def fgt_cells(bps_long: pd.DataFrame, rounds: Sequence[tuple[int, str]]) -> pd.DataFrame:
    """P0, P1, P2 and the poverty line per province x area x round from the tidy BPS table.

    Parameters
    ----------
    bps_long : DataFrame
        ``read_bps_topic(bundle, 'poverty_province')`` (B01).
    rounds : sequence of (year, period)
        Rounds to keep (period 'March' or 'September').

    Returns
    -------
    DataFrame
        ``province_code, province_name, year, period, area`` ('urban', 'rural', 'total'),
        ``p0, p1, p2`` (percent scale), ``line`` (rupiah; NaN for 'total': B01 has urban and rural
        lines only), one row per cell with a published P0 (DKI Jakarta has no rural cell).

    Raises
    ------
    ParseError
        A cell published twice, or a round without any province rows.
    """
    d = bps_long[(bps_long["region_level"].astype(str) == "province") & bps_long["indicator"].isin(list(_INDICATORS))]
    d = d[d["category"].isin(list(_AREAS)) & d["period"].isin(list(_MONTH))]
    keep = pd.Series([(int(y), p) in set(rounds) for y, p in zip(d["year"], d["period"])], index=d.index)
    d = d[keep].assign(
        var=lambda x: x["indicator"].map(_INDICATORS),
        area=lambda x: x["category"].map(_AREAS),
        province_code=lambda x: x["region_code"].astype(str),
    )
    key = ["province_code", "year", "period", "area", "var"]
    dup = d.duplicated(key, keep=False)
    if dup.any():
        r = d[dup].iloc[0]
        raise ParseError(
            f"{r['source_file']}: {r['var']} {r['area']} {r['period']} {r['year']} of province {r['province_code']} is published twice"
        )
    wide = d.pivot_table(
        index=["province_code", "year", "period", "area"], columns="var", values="value", aggfunc="first"
    ).reset_index()
    for c in ("p0", "p1", "p2", "line"):
        if c not in wide:
            wide[c] = np.nan
    names = d.drop_duplicates("province_code").set_index("province_code")["region_name"].astype(str)
    wide["province_name"] = wide["province_code"].map(names)
    wide = wide[wide["p0"].notna()]
    got = set(zip(wide["year"].astype(int), wide["period"]))
    missing = [r for r in rounds if (int(r[0]), r[1]) not in got]
    if missing:
        raise ParseError(f"raw/bps/poverty_province: no province P0 cells for round(s) {missing}")
    cols = ["province_code", "province_name", "year", "period", "area", "p0", "p1", "p2", "line"]
    return wide[cols].sort_values(["year", "period", "province_code", "area"], kind="stable").reset_index(drop=True)


def poverty_weights(count_long: pd.DataFrame, rounds: Sequence[tuple[int, str]]) -> pd.DataFrame:
    """Poverty-population weights ``100 * poor / P0`` (thousand persons) per province and round (S06).

    September rounds without published province counts for every province (2019-2024) use the March
    weights of the same year; ``weight_source`` says so.

    Returns
    -------
    DataFrame
        ``province_code, year, period, weight, weight_source``.
    """
    d = count_long[count_long["region_level"].astype(str) == "province"]
    cat = {"Jumlah Penduduk Miskin (ribu)": "poor", "Persentase Penduduk Miskin": "p0"}
    d = d[d["category"].isin(list(cat))].assign(
        var=lambda x: x["category"].map(cat), province_code=lambda x: x["region_code"].astype(str)
    )
    w = d.pivot_table(
        index=["province_code", "year", "period"], columns="var", values="value", aggfunc="first"
    ).reset_index()
    w["weight"] = 100.0 * w["poor"] / w["p0"].where(w["p0"] > 0)
    w = w[w["weight"].notna()]
    have = {(int(y), p): g for (y, p), g in w.groupby(["year", "period"])}
    parts = []
    for y, p in rounds:
        march = have.get((int(y), "March"))
        if (int(y), p) in have and (
            march is None or set(march["province_code"]) <= set(have[(int(y), p)]["province_code"])
        ):
            parts.append(have[(int(y), p)].assign(weight_source=f"S06 {p} {y}"))
        elif march is not None:
            parts.append(
                march.assign(period=p, weight_source=f"S06 March {y} (no complete {p} province counts published)")
            )
        else:
            raise ParseError(f"raw/bps/poverty_count_province: no province poor counts for {p} {y} nor March {y}")
    out = pd.concat(parts, ignore_index=True)
    return out[["province_code", "year", "period", "weight", "weight_source"]]


def total_lines(count_long: pd.DataFrame) -> pd.DataFrame:
    """Province poverty line, urban + rural (S06 ``Garis Kemiskinan``): ``province_code, year, period, line``."""
    d = count_long[
        (count_long["region_level"].astype(str) == "province") & (count_long["category"] == "Garis Kemiskinan")
    ]
    d = d.assign(province_code=d["region_code"].astype(str))[["province_code", "year", "period", "value"]]
    return d.rename(columns={"value": "line"}).dropna().reset_index(drop=True)


def extreme_line_ratio(
    rounds: Sequence[tuple[int, str]],
    cpi: pd.DataFrame,
    national_line: pd.DataFrame,
    *,
    anchor_value: float,
    anchor: tuple[int, str],
) -> pd.DataFrame:
    """The extreme line in rupiah and relative to the national poverty line, per round.

    ``L_t = anchor_value * CPI_t / CPI_anchor`` and ``k_t = L_t / z_t`` with ``z_t`` the national
    (urban + rural) poverty line of the round.

    Parameters
    ----------
    rounds : sequence of (year, period)
    cpi : DataFrame
        ``year, month, level`` (:func:`jamsostek_analysis.data.sources.bi.chain_yoy_index`).
    national_line : DataFrame
        ``year, period, line`` (B02, INDONESIA, urban + rural).
    anchor_value : float
        Rupiah value of the line in the anchor round.
    anchor : (year, period)

    Returns
    -------
    DataFrame
        ``year, period, cpi, line_rupiah, national_line, k``.
    """
    lv = {(int(y), int(m)): float(v) for y, m, v in zip(cpi["year"], cpi["month"], cpi["level"])}
    zl = {
        (int(y), p): float(v) for y, p, v in zip(national_line["year"], national_line["period"], national_line["line"])
    }
    a = (int(anchor[0]), _MONTH[anchor[1]])
    if a not in lv:
        raise EstimationError(f"extreme_line_ratio: no CPI level for the anchor {anchor}")
    rows = []
    for y, p in rounds:
        key = (int(y), _MONTH[p])
        if key not in lv or (int(y), p) not in zl:
            raise EstimationError(f"extreme_line_ratio: no CPI level or national poverty line for {p} {y}")
        L = anchor_value * lv[key] / lv[a]
        rows.append(
            {
                "year": int(y),
                "period": p,
                "cpi": lv[key],
                "line_rupiah": L,
                "national_line": zl[(int(y), p)],
                "k": L / zl[(int(y), p)],
            }
        )
    return pd.DataFrame(rows)


@dataclass
class ModelInputs:
    """Everything the model needs, as tidy DataFrames (built by :func:`load_model_inputs`)."""

    cells: pd.DataFrame
    weights: pd.DataFrame
    cpi: pd.DataFrame
    cpi_check: pd.DataFrame
    national_line: pd.DataFrame
    line_190: float
    fragments: pd.DataFrame
    national_published: pd.DataFrame
    rounds: tuple[tuple[int, str], ...]
    notes: list[str] = field(default_factory=list)


def default_rounds() -> tuple[tuple[int, str], ...]:
    """March 2015-2025 and the September rounds with a published national figure (2022, 2024)."""
    r = [(y, "March") for y in MARCH_YEARS] + [(y, "September") for y in SEPTEMBER_YEARS]
    return tuple(sorted(r, key=lambda t: (t[0], _MONTH[t[1]])))


def load_model_inputs(bundle: Any = None, rounds: Sequence[tuple[int, str]] | None = None) -> ModelInputs:
    """Read the model's inputs through the data layer (B01, B02, S06, I01, curated tables).

    The CPI chain is anchored on the March and September 2023 levels on the 2018=100 base
    (``curated/cpi_national_points.csv``, I26 and I27): year-on-year rates link only the same
    calendar month, so each month needs one published level.
    """
    from jamsostek_analysis.data.sources.bi import chain_yoy_index, cpi_chain_check, read_bi_inflation
    from jamsostek_analysis.data.sources.bps import read_bps_topic
    from jamsostek_analysis.data.sources.curated import read_curated
    from jamsostek_analysis.data.extreme import national_extreme_poverty

    if bundle is None:
        from jamsostek_analysis.data.bundle import DataBundle

        bundle = DataBundle.locate()
    rounds = tuple(default_rounds() if rounds is None else rounds)
    cells = fgt_cells(read_bps_topic(bundle, "poverty_province"), rounds)
    counts = read_bps_topic(bundle, "poverty_count_province")
    weights = poverty_weights(counts, rounds)
    tl = total_lines(counts).rename(columns={"line": "_tl"}).assign(area="total")
    cells = cells.merge(tl, on=["province_code", "year", "period", "area"], how="left")
    cells["line"] = cells["line"].fillna(cells.pop("_tl"))
    nat = read_bps_topic(bundle, "poverty_national")
    nat = nat[
        (nat["indicator"] == "garis kemiskinan") & (nat["category"] == "Jumlah") & nat["period"].isin(list(_MONTH))
    ]
    national_line = nat[["year", "period", "value"]].rename(columns={"value": "line"}).dropna()
    points = read_curated(bundle, "cpi_national_points")
    base18 = points[points["series_vintage"] == "2018=100"]
    anchors = {}
    for per in ("March", "September"):
        v = base18[(base18["year"] == 2023) & (base18["period"] == per)]["value"]
        if len(v) != 1:
            raise ParseError(f"cpi_national_points.csv: expected one 2018=100 level for {per} 2023, found {len(v)}")
        anchors[(2023, _MONTH[per])] = float(v.iloc[0])
    yoy = read_bi_inflation(bundle)
    cpi = chain_yoy_index(yoy, anchors)
    check = cpi_chain_check(cpi, points)
    lines = read_curated(bundle, "extreme_poverty_line_national")
    l190 = lines[(lines["series_vintage"] == SERIES_190) & (lines["year"] == 2023) & (lines["period"] == "March")][
        "value"
    ]
    if len(l190) != 1:
        raise ParseError("extreme_poverty_line_national.csv: expected one BPS 1.90 series line for March 2023")
    fragments = read_curated(bundle, "extreme_poverty_province_fragments")
    published = national_extreme_poverty(read_curated(bundle, "extreme_poverty_national"))
    return ModelInputs(
        cells=cells,
        weights=weights,
        cpi=cpi,
        cpi_check=check,
        national_line=national_line,
        line_190=float(l190.iloc[0]),
        fragments=fragments,
        national_published=published,
        rounds=rounds,
    )


def calibration_targets(fragments: pd.DataFrame, year: int = 2023, period: str = "March") -> pd.DataFrame:
    """Exact province values and bands of one round of the US$1.90 series.

    Returns
    -------
    DataFrame
        ``province_code, kind`` ('exact' or 'band'), ``value`` (exact; NaN for bands), ``lower,
        upper`` (bands; the exact value for exact rows), ``source_id, confidence``. A province with an
        exact value and a band row (Gorontalo 2023) keeps the exact value only.
    """
    f = fragments[
        (fragments["series_vintage"] == SERIES_190) & (fragments["year"] == int(year)) & (fragments["period"] == period)
    ]
    exact = f[f["indicator"] == "extreme_poverty_rate"]
    band = f[(f["indicator"] == "extreme_poverty_band") & ~f["province_code"].isin(exact["province_code"])]
    rows = [
        {
            "province_code": r.province_code,
            "kind": "exact",
            "value": r.value,
            "lower": r.value,
            "upper": r.value,
            "source_id": r.source_id,
            "confidence": r.confidence,
        }
        for r in exact.itertuples()
    ]
    for r in band.itertuples():
        lo, hi = (float(x) for x in str(r.value_text).split("-"))
        rows.append(
            {
                "province_code": r.province_code,
                "kind": "band",
                "value": np.nan,
                "lower": lo,
                "upper": hi,
                "source_id": r.source_id,
                "confidence": r.confidence,
            }
        )
    return (
        pd.DataFrame(rows)
        .sort_values(["kind", "province_code"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )


# --------------------------------------------------------------------------------------------
# the model


def _shape_params(cells: pd.DataFrame, dp1: float = 0.0, dp2: float = 0.0) -> dict[str, np.ndarray]:
    p0 = cells["p0"].to_numpy(float)
    p1 = cells["p1"].to_numpy(float) + dp1
    p2 = cells["p2"].to_numpy(float) + dp2
    a, b, ok = beta_from_fgt(p0, p1, p2)
    mu, sigma, misfit = lognormal_from_fgt(p0, p1, p2)
    return {"p0": p0, "a": a, "b": b, "beta_ok": ok, "mu": mu, "sigma": sigma, "ln_misfit_p1": misfit}


def _cell_share(par: dict[str, np.ndarray], r: np.ndarray, dist: str) -> np.ndarray:
    if dist == "beta":
        return beta_share_below(par["p0"], par["a"], par["b"], r)
    return lognormal_share_below(par["mu"], par["sigma"], r)


@dataclass
class _Layout:
    """Where each province-round's urban, rural and total cells sit in the cell table (-1: absent)."""

    keys: pd.DataFrame
    iu: np.ndarray
    ir: np.ndarray
    it: np.ndarray
    wu: np.ndarray
    mode: np.ndarray


def _layout(cells: pd.DataFrame) -> _Layout:
    """Urban share ``w = (P0 - P0_rural) / (P0_urban - P0_rural)`` and the cell positions per province-round."""
    c = cells.reset_index(drop=True)
    keys = c[["province_code", "year", "period"]].drop_duplicates().reset_index(drop=True)
    pos = {k: i for i, k in enumerate(zip(keys["province_code"], keys["year"], keys["period"]))}
    idx = {a: np.full(len(keys), -1) for a in ("urban", "rural", "total")}
    for j, (code, y, per, area) in enumerate(zip(c["province_code"], c["year"], c["period"], c["area"])):
        idx[area][pos[(code, y, per)]] = j
    p0 = c["p0"].to_numpy(float)

    def take(i: np.ndarray) -> np.ndarray:
        return np.where(i >= 0, p0[np.maximum(i, 0)], np.nan)

    pu, pr, pt = take(idx["urban"]), take(idx["rural"]), take(idx["total"])
    with np.errstate(divide="ignore", invalid="ignore"):
        wu = (pt - pr) / (pu - pr)
    no_rural = (idx["rural"] < 0) & (idx["urban"] >= 0)
    wu = np.where(no_rural, 1.0, wu)
    ident = no_rural | ((np.abs(pu - pr) >= MIN_P0_GAP) & (wu >= 0) & (wu <= 1))
    mode = np.where(
        ident,
        np.where(no_rural, "urban (no rural area)", "urban+rural"),
        "total cell (urban share not identified by P0)",
    )
    return _Layout(keys, idx["urban"], idx["rural"], idx["total"], np.where(ident, wu, np.nan), mode)


def _combine_values(lay: _Layout, share: np.ndarray) -> np.ndarray:
    def take(i: np.ndarray) -> np.ndarray:
        return np.where(i >= 0, share[np.maximum(i, 0)], np.nan)

    su, sr, st = take(lay.iu), take(lay.ir), take(lay.it)
    comb = lay.wu * su + (1 - lay.wu) * np.where(lay.ir >= 0, sr, 0.0)
    return np.where(np.isnan(lay.wu), st, comb)


def _combine(lay: _Layout, share: np.ndarray) -> pd.DataFrame:
    """Province value per round from cell shares: urban/rural with P0-implied shares, else total."""
    out = lay.keys.copy()
    out["urban_share"] = lay.wu
    out["combined_from"] = lay.mode
    for area, i in (("urban", lay.iu), ("rural", lay.ir), ("total", lay.it)):
        out[f"share_{area}"] = np.where(i >= 0, share[np.maximum(i, 0)], np.nan)
    out["value"] = _combine_values(lay, share)
    return out


def _ratios(cells: pd.DataFrame, lines: pd.DataFrame, spatial: str) -> np.ndarray:
    """Extreme line / cell poverty line before the level factor: k_t ('proportional') or L_t / z ('rupiah')."""
    m = cells[["year", "period"]].merge(lines, on=["year", "period"], how="left")
    if spatial == "proportional":
        return m["k"].to_numpy(float)
    if spatial == "rupiah":
        return (m["line_rupiah"] / cells["line"].to_numpy(float)).to_numpy(float)
    raise EstimationError(f"spatial: expected 'proportional' or 'rupiah', found {spatial!r}")


def _province_values(lay: _Layout, par: dict[str, np.ndarray], ratio: np.ndarray, c: float, dist: str) -> pd.DataFrame:
    return _combine(lay, _cell_share(par, c * ratio, dist))


def _calibrate(
    lay: _Layout, par: dict[str, np.ndarray], ratio: np.ndarray, dist: str, targets: pd.DataFrame, rnd: tuple[int, str]
) -> float:
    """Level factor c minimising the squared log error over the target provinces of round ``rnd``."""
    rows = lay.keys.reset_index().merge(targets[["province_code", "value"]], on="province_code")
    rows = rows[(rows["year"] == rnd[0]) & (rows["period"] == rnd[1])]
    if len(rows) != len(targets):
        raise EstimationError(
            f"calibration: {len(targets)} target provinces, {len(rows)} modelled in {rnd[1]} {rnd[0]}"
        )
    ix = rows["index"].to_numpy()
    logv = np.log(rows["value"].to_numpy(float))

    def loss(logc: float) -> float:
        v = _combine_values(lay, _cell_share(par, np.exp(logc) * ratio, dist))[ix]
        e = np.log(v) - logv
        return float(np.sum(e**2)) if np.isfinite(e).all() else 1e12

    res = optimize.minimize_scalar(loss, bounds=(np.log(0.2), np.log(5.0)), method="bounded", options={"xatol": 1e-10})
    return float(np.exp(res.x))


@dataclass
class ExtremeModel:
    """Result of :func:`fit_extreme_model` (all tables tidy; values in percent of population).

    Attributes
    ----------
    province : DataFrame
        One row per province x round: ``province_code, province_name, year, period`` and, per series
        prefix ``extreme`` (US$1.90) and ``extreme215`` (US$2.15): ``{p}_modelled``,
        ``{p}_modelled_low``, ``{p}_modelled_high``, ``{p}_modelled_urban[_low|_high]``,
        ``{p}_modelled_rural[_low|_high]``, ``{p}_lognormal``; plus ``combined_from``,
        ``urban_share``, ``flag`` (text).
    cells : DataFrame
        The cell fits: P0-P2, Beta (a, b), lognormal (mu, sigma) and its P1 misfit.
    lines : DataFrame
        Per round: CPI, the US$1.90 line in rupiah, national poverty line, ``k``; ``k215``.
    calibration : DataFrame
        Per series and distribution: ``c``, ``c_low``, ``c_high``, ``se_log_c``, ``n``, ``anchor``.
    jackknife : DataFrame
        Leave-one-province-out level factors (US$1.90).
    spatial : DataFrame
        :func:`spatial_test` output.
    targets : DataFrame
        :func:`calibration_targets` of March 2023.
    level : float
        Nominal level of the intervals.
    spatial_choice : str
    notes : list of str
    """

    province: pd.DataFrame
    cells: pd.DataFrame
    lines: pd.DataFrame
    calibration: pd.DataFrame
    jackknife: pd.DataFrame
    spatial: pd.DataFrame
    targets: pd.DataFrame
    level: float
    spatial_choice: str
    inputs: ModelInputs
    notes: list[str] = field(default_factory=list)


def _loo_predictions(
    lay: _Layout, par: dict[str, np.ndarray], ratio: np.ndarray, dist: str, targets: pd.DataFrame, rnd: tuple[int, str]
) -> pd.DataFrame:
    keys = lay.keys.reset_index()
    at = keys[(keys["year"] == rnd[0]) & (keys["period"] == rnd[1])].set_index("province_code")["index"]
    rows = []
    for code in targets["province_code"]:
        rest = targets[targets["province_code"] != code]
        c = _calibrate(lay, par, ratio, dist, rest, rnd)
        v = _combine_values(lay, _cell_share(par, c * ratio, dist))[at[code]]
        rows.append({"province_code": code, "c": c, "predicted": float(v)})
    return pd.DataFrame(rows).merge(targets[["province_code", "value"]], on="province_code")


def _loo_metrics(loo: pd.DataFrame) -> dict[str, float]:
    e = loo["predicted"] - loo["value"]
    le = np.log(loo["predicted"]) - np.log(loo["value"])
    return {
        "mae_pp": float(e.abs().mean()),
        "mean_abs_log_error": float(le.abs().mean()),
        "correlation": float(np.corrcoef(loo["predicted"], loo["value"])[0, 1]),
        "n": int(len(loo)),
    }


def spatial_test(
    cells: pd.DataFrame,
    par: dict[str, np.ndarray],
    lines: pd.DataFrame,
    targets: pd.DataFrame,
    rnd: tuple[int, str] = CALIBRATION_190,
) -> pd.DataFrame:
    """Proportional line (``c k_t z``) against one rupiah line (``c L_t``) on the exact values.

    Both variants are calibrated and cross-validated (leave one province out) on the exact values of
    ``rnd`` with the Beta model (total cells, used where the urban share is not identified, take
    the province's urban + rural line from S06).

    Returns
    -------
    DataFrame
        ``spatial, c, mae_pp, mean_abs_log_error, correlation, n`` (leave-one-out), ``chosen``.
    """
    rows = []
    lay = _layout(cells)
    for spatial in ("proportional", "rupiah"):
        ratio = _ratios(cells, lines, spatial)
        c = _calibrate(lay, par, ratio, "beta", targets, rnd)
        m = _loo_metrics(_loo_predictions(lay, par, ratio, "beta", targets, rnd))
        rows.append({"spatial": spatial, "c": c, **m})
    out = pd.DataFrame(rows)
    out["chosen"] = out["mean_abs_log_error"] == out["mean_abs_log_error"].min()
    return out


def _envelope(
    lay: _Layout, pars: list[dict[str, np.ndarray]], ratio: np.ndarray, cs: dict[str, tuple[float, float]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cell-level min/max over rounding corners and distributions, at the low/high level factors."""
    lo = np.full(len(ratio), np.inf)
    hi = np.full(len(ratio), -np.inf)
    for par in pars:
        for dist in DISTRIBUTIONS:
            c_lo, c_hi = cs[dist]
            s_lo = _cell_share(par, c_lo * ratio, dist)
            s_hi = _cell_share(par, c_hi * ratio, dist)
            lo = np.fmin(lo, s_lo)
            hi = np.fmax(hi, s_hi)
    lo[~np.isfinite(lo)] = np.nan
    hi[~np.isfinite(hi)] = np.nan
    return _combine(lay, lo), _combine(lay, hi)


def _series_columns(
    prefix: str, point: pd.DataFrame, low: pd.DataFrame, high: pd.DataFrame, ln: pd.DataFrame
) -> pd.DataFrame:
    key = ["province_code", "year", "period"]
    out = point[key].copy()
    out[f"{prefix}_modelled"] = point["value"].to_numpy()
    out[f"{prefix}_modelled_low"] = low["value"].to_numpy()
    out[f"{prefix}_modelled_high"] = high["value"].to_numpy()
    for area in ("urban", "rural"):
        out[f"{prefix}_modelled_{area}"] = point[f"share_{area}"].to_numpy()
        out[f"{prefix}_modelled_{area}_low"] = low[f"share_{area}"].to_numpy()
        out[f"{prefix}_modelled_{area}_high"] = high[f"share_{area}"].to_numpy()
    out[f"{prefix}_lognormal"] = ln["value"].to_numpy()
    return out


def _in_span(year: int, period: str, series: str) -> bool:
    (y0, m0), (y1, m1) = PUBLISHED_SPAN[series]
    t = (int(year), _MONTH[period])
    return (y0, m0) <= t <= (y1, m1)


def fit_extreme_model(inputs: ModelInputs, *, level: float = 0.90, spatial: str | None = None) -> ExtremeModel:
    """Fit the MODELLED extreme-poverty panel (both series) with intervals.

    Parameters
    ----------
    inputs : ModelInputs
        :func:`load_model_inputs` output.
    level : float
        Nominal level of the calibration (jackknife) interval.
    spatial : {'proportional', 'rupiah'} or None
        Spatial assumption of the US$1.90 line; None: the one :func:`spatial_test` prefers.

    Returns
    -------
    ExtremeModel
    """
    if not 0 < level < 1:
        raise EstimationError(f"level: expected a number in (0, 1), found {level!r}")
    cells = inputs.cells.reset_index(drop=True)
    lines = extreme_line_ratio(
        inputs.rounds, inputs.cpi, inputs.national_line, anchor_value=inputs.line_190, anchor=CALIBRATION_190
    )
    # US$2.15: relative line indexed from March 2024 (level set by c215)
    a215 = lines[(lines["year"] == CALIBRATION_215[0]) & (lines["period"] == CALIBRATION_215[1])].iloc[0]
    lines["k215"] = (lines["cpi"] / a215["cpi"]) / (lines["national_line"] / a215["national_line"])
    targets = calibration_targets(inputs.fragments, *CALIBRATION_190)
    exact = targets[targets["kind"] == "exact"].reset_index(drop=True)
    par = _shape_params(cells)
    sp = spatial_test(cells, par, lines, exact)
    choice = spatial or str(sp.loc[sp["chosen"], "spatial"].iloc[0])
    ratio = _ratios(cells, lines, choice)
    lay = _layout(cells)

    # calibration and jackknife (US$1.90) ------------------------------------------------------
    tcrit = float(stats.t.ppf(0.5 + level / 2, len(exact) - 1))
    cal_rows, jk_rows, cs = [], [], {}
    for dist in DISTRIBUTIONS:
        c = _calibrate(lay, par, ratio, dist, exact, CALIBRATION_190)
        loo = _loo_predictions(lay, par, ratio, dist, exact, CALIBRATION_190)
        lc = np.log(loo["c"].to_numpy())
        n = len(lc)
        se = float(np.sqrt((n - 1) / n * np.sum((lc - lc.mean()) ** 2)))
        cs[dist] = (c * np.exp(-tcrit * se), c * np.exp(tcrit * se))
        cal_rows.append(
            {
                "series": SERIES_190,
                "distribution": dist,
                "c": c,
                "c_low": cs[dist][0],
                "c_high": cs[dist][1],
                "se_log_c": se,
                "n": n,
                "anchor": f"{len(exact)} exact province values, March 2023",
            }
        )
        jk_rows.append(loo.assign(distribution=dist))
    corners = [_shape_params(cells, d1, d2) for d1 in (-ROUNDING, ROUNDING) for d2 in (-ROUNDING, ROUNDING)] + [par]
    point = _province_values(lay, par, ratio, cal_rows[0]["c"], "beta")
    ln = _province_values(lay, par, ratio, cal_rows[1]["c"], "lognormal")
    low, high = _envelope(lay, corners, ratio, cs)
    s190 = _series_columns("extreme", point, low, high, ln)

    # US$2.15: level from the national March 2024 figure ----------------------------------------
    pub = inputs.national_published
    anchor215 = pub[
        (pub["series"] == SERIES_215)
        & (pub["year"] == CALIBRATION_215[0])
        & (pub["period"] == CALIBRATION_215[1])
        & pub["primary"]
    ]
    if len(anchor215) != 1:
        raise ParseError("extreme_poverty_national.csv: expected one US$2.15 national rate for March 2024")
    target215 = float(anchor215["value"].iloc[0])
    r215 = (
        cells[["year", "period"]]
        .merge(lines[["year", "period", "k215"]], on=["year", "period"], how="left")["k215"]
        .to_numpy(float)
    )
    w = inputs.weights
    c215 = {}
    for dist in DISTRIBUTIONS:
        for tgt in (target215 - ROUNDING, target215, target215 + ROUNDING):
            c215[(dist, tgt)] = _calibrate_national(lay, par, r215, dist, w, CALIBRATION_215, tgt)
        cal_rows.append(
            {
                "series": SERIES_215,
                "distribution": dist,
                "c": c215[(dist, target215)],
                "c_low": c215[(dist, target215 - ROUNDING)],
                "c_high": c215[(dist, target215 + ROUNDING)],
                "se_log_c": np.nan,
                "n": 1,
                "anchor": f"national March 2024 {target215:.2f} % (+/-{ROUNDING})",
            }
        )
    point215 = _province_values(lay, par, r215, c215[("beta", target215)], "beta")
    ln215 = _province_values(lay, par, r215, c215[("lognormal", target215)], "lognormal")
    cs215 = {d: (c215[(d, target215 - ROUNDING)], c215[(d, target215 + ROUNDING)]) for d in DISTRIBUTIONS}
    low215, high215 = _envelope(lay, corners, r215, cs215)
    s215 = _series_columns("extreme215", point215, low215, high215, ln215)

    # assemble ------------------------------------------------------------------------------------
    key = ["province_code", "year", "period"]
    prov = point[key + ["combined_from", "urban_share"]].merge(s190, on=key).merge(s215, on=key)
    names = cells.drop_duplicates("province_code").set_index("province_code")["province_name"]
    prov.insert(1, "province_name", prov["province_code"].map(names))
    prov["flag"] = [_flag(r) for r in prov.itertuples()]
    prov = prov.sort_values(["year", "period", "province_code"], kind="stable").reset_index(drop=True)
    cells_out = cells.assign(
        beta_a=par["a"],
        beta_b=par["b"],
        beta_feasible=par["beta_ok"],
        ln_mu=par["mu"],
        ln_sigma=par["sigma"],
        ln_misfit_p1=par["ln_misfit_p1"],
    )
    notes = [
        f"spatial assumption: {choice} (leave-one-out mean |log error| "
        + ", ".join(f"{r.spatial} {r.mean_abs_log_error:.3f}" for r in sp.itertuples())
        + ")"
    ]
    return ExtremeModel(
        province=prov,
        cells=cells_out,
        lines=lines,
        calibration=pd.DataFrame(cal_rows),
        jackknife=pd.concat(jk_rows, ignore_index=True),
        spatial=sp,
        targets=targets,
        level=level,
        spatial_choice=choice,
        inputs=inputs,
        notes=notes,
    )


def _calibrate_national(
    lay: _Layout,
    par: dict[str, np.ndarray],
    ratio: np.ndarray,
    dist: str,
    weights: pd.DataFrame,
    rnd: tuple[int, str],
    target: float,
) -> float:
    """Level factor c whose national aggregate (poverty-population weights) equals ``target`` in ``rnd``."""
    keys = lay.keys.reset_index()
    keys = keys[(keys["year"] == rnd[0]) & (keys["period"] == rnd[1])].merge(
        weights, on=["province_code", "year", "period"], how="left"
    )
    if keys["weight"].isna().any():
        raise EstimationError(
            f"calibration: no poverty-population weight for {keys.loc[keys['weight'].isna(), 'province_code'].tolist()} in {rnd}"
        )
    ix = keys["index"].to_numpy()
    w = keys["weight"].to_numpy(float)

    def f(logc: float) -> float:
        v = _combine_values(lay, _cell_share(par, np.exp(logc) * ratio, dist))[ix]
        return float((v * w).sum() / w.sum()) - target

    return float(np.exp(optimize.brentq(f, np.log(0.2), np.log(5.0), xtol=1e-12)))


def _flag(r: Any) -> str:
    f = ["MODELLED (not a BPS statistic)"]
    if not _in_span(r.year, r.period, SERIES_190):
        f.append("US$1.90 definition extrapolated outside its published span (Mar 2021-Mar 2024)")
    if not _in_span(r.year, r.period, SERIES_215):
        f.append("US$2.15 definition extrapolated outside its published span (Mar 2024-Mar 2025)")
    if int(r.year) == 2022:
        f.append("2022 level below the published national figures (see validation)")
    if r.province_code in NEW_PAPUA:
        f.append("new Papua province (small Susenas samples, from 2024)")
    if r.combined_from.startswith("total"):
        f.append("urban share not identified by P0: total cell modelled")
    if not np.isfinite(r.extreme_modelled):
        f.append("not modelled (published P0-P2 infeasible for both distributions)")
    return "; ".join(f)


# --------------------------------------------------------------------------------------------
# validation


def leave_one_out(model: ExtremeModel, dist: str = "beta") -> pd.DataFrame:
    """Leave-one-province-out predictions of the 21 exact March-2023 values (``province_code, c,
    predicted, value``)."""
    return model.jackknife[model.jackknife["distribution"] == dist].drop(columns="distribution").reset_index(drop=True)


def national_aggregate(values: pd.DataFrame, weights: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Poverty-population-weighted national mean of province values, per round.

    Parameters
    ----------
    values : DataFrame
        ``province_code, year, period`` and ``columns``.
    weights : DataFrame
        :func:`poverty_weights` output.

    Returns
    -------
    DataFrame
        ``year, period`` and the weighted mean of every column (NaN if a province value or weight is
        missing: nothing is partially summed), ``weight_source``.
    """
    m = values.merge(weights, on=["province_code", "year", "period"], how="left")
    rows = []
    for (y, p), g in m.groupby(["year", "period"], sort=False):
        row: dict[str, Any] = {"year": int(y), "period": p}
        for c in columns:
            ok = g[c].notna().all() and g["weight"].notna().all()
            row[c] = float((g[c] * g["weight"]).sum() / g["weight"].sum()) if ok else np.nan
        row["weight_source"] = "; ".join(sorted(set(g["weight_source"].dropna())))
        rows.append(row)
    out = pd.DataFrame(rows)
    return out.sort_values(
        ["year", "period"], key=lambda s: s.map(_MONTH) if s.name == "period" else s, kind="stable"
    ).reset_index(drop=True)


def proxy_predictions(model: ExtremeModel, panel_like: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Naive proxies: extreme poverty linear in P0, P1 or P2 (OLS on the 21 exact 2023 values).

    Returns
    -------
    (predictions, metrics)
        Province x round predictions ``proxy_p0, proxy_p1, proxy_p2`` (total P0-P2 of the cells) and
        leave-one-out metrics per proxy.
    """
    tot = model.cells[model.cells["area"] == "total"][["province_code", "year", "period", "p0", "p1", "p2"]]
    exact = model.targets[model.targets["kind"] == "exact"]
    cal = tot[(tot["year"] == CALIBRATION_190[0]) & (tot["period"] == CALIBRATION_190[1])].merge(
        exact[["province_code", "value"]], on="province_code"
    )
    pred = tot[["province_code", "year", "period"]].copy()
    metrics = []
    for v in ("p0", "p1", "p2"):
        fit = stats.linregress(cal[v], cal["value"])
        pred[f"proxy_{v}"] = fit.intercept + fit.slope * tot[v].to_numpy(float)
        loo = []
        for i in range(len(cal)):
            rest = cal.drop(index=cal.index[i])
            fi = stats.linregress(rest[v], rest["value"])
            loo.append(fi.intercept + fi.slope * cal[v].iloc[i])
        loo_df = pd.DataFrame({"predicted": loo, "value": cal["value"].to_numpy()})
        e = loo_df["predicted"] - loo_df["value"]
        pos = loo_df["predicted"] > 0
        le = np.log(loo_df.loc[pos, "predicted"]) - np.log(loo_df.loc[pos, "value"])
        metrics.append(
            {
                "method": f"linear in {v.upper()}",
                "mae_pp": float(e.abs().mean()),
                "mean_abs_log_error": float(le.abs().mean()) if pos.all() else np.nan,
                "correlation": float(np.corrcoef(loo_df["predicted"], loo_df["value"])[0, 1]),
                "n": len(loo_df),
                "n_nonpositive": int((~pos).sum()),
            }
        )
    return pred, pd.DataFrame(metrics)


def validation_table(model: ExtremeModel) -> pd.DataFrame:
    """Every validation check in one tidy table (rows: check x statistic; columns: methods).

    Columns: ``check, statistic, published`` and ``beta`` (the model), ``beta_low, beta_high``
    (its interval), ``lognormal``, ``proxy_p0, proxy_p1, proxy_p2``, ``in_sample`` (bool: the
    published value was used for calibration), ``note``.
    """
    prov = model.province
    pub = model.inputs.national_published
    w = model.inputs.weights
    pred, pmet = proxy_predictions(model)
    allv = prov.merge(pred, on=["province_code", "year", "period"], how="left")
    rows: list[dict[str, Any]] = []
    methods = ("beta", "lognormal", "proxy_p0", "proxy_p1", "proxy_p2")
    # 1. leave-one-out on the exact values
    lo = {d: _loo_metrics(leave_one_out(model, d)) for d in DISTRIBUTIONS}
    pm = pmet.set_index("method")
    for stat, key in (
        ("MAE (pp)", "mae_pp"),
        ("mean absolute log error", "mean_abs_log_error"),
        ("correlation", "correlation"),
    ):
        rows.append(
            {
                "check": f"leave-one-out, {lo['beta']['n']} exact March-2023 province values",
                "statistic": stat,
                "published": np.nan,
                "beta": lo["beta"][key],
                "lognormal": lo["lognormal"][key],
                **{f"proxy_{v}": pm.loc[f"linear in {v.upper()}", key] for v in ("p0", "p1", "p2")},
                "in_sample": False,
                "note": "each province predicted with the level calibrated on the other 20",
            }
        )
    # 2. bands
    bands = model.targets[model.targets["kind"] == "band"]
    b23 = (
        allv[(allv["year"] == 2023) & (allv["period"] == "March")]
        .set_index("province_code")
        .reindex(bands["province_code"])
    )
    inside = {}
    for col, m in (
        ("extreme_modelled", "beta"),
        ("extreme_lognormal", "lognormal"),
        ("proxy_p0", "proxy_p0"),
        ("proxy_p1", "proxy_p1"),
        ("proxy_p2", "proxy_p2"),
    ):
        v = b23[col].to_numpy(float)
        inside[m] = int(((v >= bands["lower"].to_numpy()) & (v <= bands["upper"].to_numpy())).sum())
    rows.append(
        {
            "check": f"{len(bands)} band-only provinces (March 2023, stated 1-5 %)",
            "statistic": "inside 1-5 %",
            "published": float(len(bands)),
            **{m: float(inside[m]) for m in methods},
            "in_sample": False,
            "note": "bands inferred by elimination (derived); Banten also listed below 1 % elsewhere",
        }
    )
    # 3. exact province values of March 2022 (out of sample)
    t22 = calibration_targets(model.inputs.fragments, 2022, "March")
    for r in t22[t22["kind"] == "exact"].itertuples():
        v = allv[
            (allv["year"] == 2022) & (allv["period"] == "March") & (allv["province_code"] == r.province_code)
        ].iloc[0]
        rows.append(
            {
                "check": "province value, March 2022",
                "statistic": f"{v['province_name'].title()} ({r.province_code})",
                "published": r.value,
                "beta": v["extreme_modelled"],
                "beta_low": v["extreme_modelled_low"],
                "beta_high": v["extreme_modelled_high"],
                "lognormal": v["extreme_lognormal"],
                **{f"proxy_{p}": v[f"proxy_{p}"] for p in ("p0", "p1", "p2")},
                "in_sample": False,
                "note": f"source {r.source_id}, confidence {r.confidence}",
            }
        )
    # 4. national aggregates
    cols190 = [
        "extreme_modelled",
        "extreme_modelled_low",
        "extreme_modelled_high",
        "extreme_lognormal",
        "proxy_p0",
        "proxy_p1",
        "proxy_p2",
    ]
    cols215 = ["extreme215_modelled", "extreme215_modelled_low", "extreme215_modelled_high", "extreme215_lognormal"]
    nat = national_aggregate(allv, w, cols190 + cols215)
    for series, cols, proxies in ((SERIES_190, cols190, True), (SERIES_215, cols215, False)):
        p = pub[(pub["series"] == series) & pub["primary"] & pub["month_stated"]]
        for r in p.itertuples():
            m = nat[(nat["year"] == r.year) & (nat["period"] == r.period)]
            if m.empty:
                continue
            m = m.iloc[0]
            row = {
                "check": f"national aggregate, {'US$1.90' if series == SERIES_190 else 'US$2.15'} series",
                "statistic": f"{r.period} {r.year}",
                "published": r.value,
                "beta": m[cols[0]],
                "beta_low": m[cols[1]],
                "beta_high": m[cols[2]],
                "lognormal": m[cols[3]],
                "in_sample": bool(series == SERIES_215 and (r.year, r.period) == CALIBRATION_215),
                "note": f"source {r.source_id}; weights {m['weight_source']}",
            }
            if proxies:
                row.update({f"proxy_{v}": m[f"proxy_{v}"] for v in ("p0", "p1", "p2")})
            rows.append(row)
    out = pd.DataFrame(rows)
    cols = [
        "check",
        "statistic",
        "published",
        "beta",
        "beta_low",
        "beta_high",
        "lognormal",
        "proxy_p0",
        "proxy_p1",
        "proxy_p2",
        "in_sample",
        "note",
    ]
    for c in cols:
        if c not in out:
            out[c] = np.nan
    return out[cols]


def national_trends(model: ExtremeModel) -> pd.DataFrame:
    """National aggregates of both series (point, low, high, lognormal) and the P2 proxy, per round."""
    pred, _ = proxy_predictions(model)
    allv = model.province.merge(pred, on=["province_code", "year", "period"], how="left")
    cols = [
        "extreme_modelled",
        "extreme_modelled_low",
        "extreme_modelled_high",
        "extreme_lognormal",
        "extreme215_modelled",
        "extreme215_modelled_low",
        "extreme215_modelled_high",
        "extreme215_lognormal",
        "proxy_p2",
    ]
    return national_aggregate(allv, model.inputs.weights, cols)


# --------------------------------------------------------------------------------------------
# panel columns


def add_extreme_modelled(panel: pd.DataFrame, model: ExtremeModel, *, period: str = "March") -> pd.DataFrame:
    """Add the MODELLED extreme-poverty columns (:data:`MODELLED_COLUMNS`) to a province x year panel.

    The panel's rows are March rounds. In rows aggregated to the 34-province set (``aggregated_from``
    not empty, e.g. '91+92') the values are the poverty-population-weighted means of the parts
    (bounds likewise: a conservative envelope); urban/rural columns are NaN there (the urban share of
    the aggregate is not published).

    Parameters
    ----------
    panel : DataFrame
        ``build_province_panel`` output (any geography).
    model : ExtremeModel
    period : str
        Round merged into the year rows ('March').

    Returns
    -------
    DataFrame
        A copy with the columns appended (existing ones replaced); years the model does not cover
        are NaN with an empty flag.
    """
    need = {"province_code", "year"}
    if not need <= set(panel.columns):
        raise PanelError(f"add_extreme_modelled: panel needs columns {sorted(need)}")
    prov = model.province[model.province["period"] == period].copy()
    prov["extreme_modelled_flag"] = prov["flag"]
    vals = [c for c in MODELLED_COLUMNS if c != "extreme_modelled_flag"]
    out = panel.drop(columns=[c for c in MODELLED_COLUMNS if c in panel.columns]).copy()
    out["_code"] = out["province_code"].astype(str)
    agg = out.get("aggregated_from", pd.Series("", index=out.index)).fillna("").astype(str)
    direct = prov[["province_code", "year", *vals, "extreme_modelled_flag"]].rename(columns={"province_code": "_code"})
    res = out[agg == ""].merge(direct, on=["_code", "year"], how="left")
    parts = []
    w = model.inputs.weights[model.inputs.weights["period"] == period]
    for idx, r in out[agg != ""].iterrows():
        codes = r["aggregated_from"].split("+")
        g = prov[(prov["year"] == r["year"]) & prov["province_code"].isin(codes)].merge(
            w, on=["province_code", "year", "period"], how="left"
        )
        row = r.to_dict()
        ok = len(g) == len(codes) and g["weight"].notna().all()
        for c in vals:
            row[c] = (
                float((g[c] * g["weight"]).sum() / g["weight"].sum())
                if ok and "urban" not in c and "rural" not in c and g[c].notna().all()
                else np.nan
            )
        child_flags = [f for fl in g["flag"] for f in fl.split("; ") if not f.startswith("MODELLED")]
        row["extreme_modelled_flag"] = (
            "; ".join(
                dict.fromkeys(
                    [
                        f"MODELLED (not a BPS statistic); aggregate of {r['aggregated_from']} "
                        "(poverty-population weights; urban/rural not aggregated)",
                        *child_flags,
                    ]
                )
            )
            if ok
            else ""
        )
        parts.append(row)
    if parts:
        res = pd.concat([res, pd.DataFrame(parts)], ignore_index=True)
    res["extreme_modelled_flag"] = res["extreme_modelled_flag"].fillna("")
    res = res.drop(columns="_code")
    order = [c for c in panel.columns if c not in MODELLED_COLUMNS] + MODELLED_COLUMNS
    return res[order].sort_values(["year", "province_code"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# the modelled outcome in the coverage regressions

#: log outcomes of the coverage regressions (log scale with year effects)
LOG_OUTCOMES = {"log_extreme_modelled": "extreme_modelled", "log_p2": "p2"}


def add_log_outcomes(panel: pd.DataFrame) -> pd.DataFrame:
    """Add ``log_extreme_modelled`` and ``log_p2`` (natural logs; NaN where the value is missing or not positive)."""
    out = panel.copy()
    for new, col in LOG_OUTCOMES.items():
        if col not in out.columns:
            raise PanelError(f"add_log_outcomes: panel has no column {col!r}")
        v = out[col].astype(float)
        out[new] = np.log(v.where(v > 0))
    return out


def _demean_twoway(df: pd.DataFrame, cols: Sequence[str], unit: str, time: str, iters: int = 500) -> pd.DataFrame:
    """Columns with unit and time means removed (alternating projections; balanced or not)."""
    out = df[list(cols)].astype(float).copy()
    for _ in range(iters):
        prev = out.to_numpy().copy()
        out = out - out.groupby(df[unit]).transform("mean")
        out = out - out.groupby(df[time]).transform("mean")
        if np.max(np.abs(out.to_numpy() - prev)) < 1e-13:
            break
    return out


#: outcome -> the P0-P2 regressors on the same scale (levels on levels, logs on logs)
FGT_REGRESSORS = {"extreme_modelled": ("p0", "p1", "p2"), "log_extreme_modelled": ("log_p0", "log_p1", "log_p2")}


def information_beyond_fgt(
    panel: pd.DataFrame, years: tuple[int, int], *, unit: str = "province_code", time: str = "year"
) -> pd.DataFrame:
    """How much of the modelled outcome is a linear function of the published P0, P1, P2.

    R^2 of OLS of the outcome on P0, P1, P2 (levels for ``extreme_modelled``, logs for
    ``log_extreme_modelled``; with a constant) across province-years, and the within R^2 after
    removing province and year effects from both sides (the variation the two-way FE regression
    uses). The model uses no data beyond P0-P2 (by urban/rural area) and the national CPI and
    poverty line (absorbed by year effects), so ``1 - R^2`` is nonlinearity and urban/rural
    composition, not new information.

    Returns
    -------
    DataFrame
        ``outcome, regressors, sample, n, r2, r2_within``.
    """
    d = panel[(panel[time] >= years[0]) & (panel[time] <= years[1])].copy()
    for c in ("p0", "p1", "p2"):
        d[f"log_{c}"] = np.log(d[c].astype(float).where(d[c] > 0))
    rows = []
    for y, regressors in FGT_REGRESSORS.items():
        if y not in d.columns:
            raise PanelError(
                f"information_beyond_fgt: panel has no column {y!r} (add_extreme_modelled, add_log_outcomes)"
            )
        dd = d.dropna(subset=[y, *regressors])
        X = np.column_stack([np.ones(len(dd)), dd[list(regressors)].to_numpy(float)])
        yy = dd[y].to_numpy(float)
        res = yy - X @ np.linalg.lstsq(X, yy, rcond=None)[0]
        w = _demean_twoway(dd, [y, *regressors], unit, time)
        Xw, yw = w[list(regressors)].to_numpy(), w[y].to_numpy()
        rw = yw - Xw @ np.linalg.lstsq(Xw, yw, rcond=None)[0]
        rows.append(
            {
                "outcome": y,
                "regressors": ", ".join(regressors),
                "sample": f"{years[0]}-{years[1]}",
                "n": int(len(dd)),
                "r2": float(1 - res.var() / yy.var()),
                "r2_within": float(1 - (rw**2).sum() / (yw**2).sum()),
            }
        )
    return pd.DataFrame(rows)
