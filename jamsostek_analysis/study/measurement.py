"""How coverage is measured, and what that does to the estimates (issue 9, items 1 and 6).

Coverage = BPJS-TK participants / employed persons. Both parts have measurement problems that enter the
ratio directly:

* the denominator: employed persons (Sakernas August, compiled R2-D1) jump in a few province-years;
  :func:`employment_jumps` finds them with Tukey's fences and :func:`flag_employment_jumps` writes the
  flag into the panel's ``quality_flag`` column (values are kept);
* the numerator: wage-earner (PU) participants are counted where the employer registered them, not where
  the worker lives (:func:`attribution_check`);
* the 2024 Papua split: the 34-province panel rebuilds Papua and Papua Barat from six successor provinces
  with their own poverty lines, a break in P1 and P2 (:func:`papua_merge_break`).

Functions return tables and sentences; every number in a sentence comes from the data or the results.
Nothing here reads files except through :mod:`jamsostek_analysis.data`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from jamsostek_analysis.errors import PanelError

__all__ = [
    "attribution_check",
    "attribution_lines",
    "employment_jump_lines",
    "employment_jumps",
    "flag_employment_jumps",
    "leverage_lines",
    "leverage_shares",
    "papua_merge_break",
    "papua_sensitivity_lines",
]

UNIT = "province_code"
TIME = "year"
ATTRIBUTION_FILE = "bpjstk_participants_attribution_points"
#: Tukey's inner fence: 1.5 interquartile ranges beyond the quartiles.
TUKEY_K = 1.5


def _require(panel: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in panel.columns]
    if missing:
        raise PanelError(
            f"{what}: panel has no column(s) {', '.join(missing)}; expected build_province_panel() columns"
        )


# --------------------------------------------------------------------------------------------
# employed persons (the denominator)
# --------------------------------------------------------------------------------------------


def employment_jumps(panel: pd.DataFrame, column: str = "employed", *, k: float = TUKEY_K) -> pd.DataFrame:
    """Year-on-year change of ``column`` within province, with Tukey's fences over all changes.

    Changes are between consecutive years of the same province (34-province geography: the rebuilt
    2024-2025 Papua rows compare with their pre-split selves). A change is ``flagged`` when it lies more
    than ``k`` interquartile ranges below the first or above the third quartile of all the changes in
    the panel (pooled over years).

    Returns
    -------
    pandas.DataFrame
        ``province_code``, ``province_name``, ``year``, ``previous``, ``current``, ``change_pct``,
        ``median_others_pct`` and ``max_others_pct`` (the unflagged other provinces in the same year), ``flagged``;
        sorted by ``change_pct`` descending. ``.attrs['fences']`` holds the lower and upper fence (%).
    """
    _require(panel, [UNIT, TIME, column], "employment_jumps")
    d = panel[[UNIT, TIME, column] + (["province_name"] if "province_name" in panel.columns else [])].dropna(
        subset=[column]
    )
    prev = d[[UNIT, TIME, column]].assign(**{TIME: d[TIME] + 1}).rename(columns={column: "previous"})
    m = d.merge(prev, on=[UNIT, TIME], how="inner", validate="one_to_one").rename(columns={column: "current"})
    if m.empty:
        raise PanelError(f"employment_jumps: column {column!r} has no two consecutive years in any province")
    m["change_pct"] = 100.0 * (m["current"] / m["previous"] - 1.0)
    q1, q3 = m["change_pct"].quantile([0.25, 0.75])
    lo, hi = q1 - k * (q3 - q1), q3 + k * (q3 - q1)
    m["flagged"] = (m["change_pct"] < lo) | (m["change_pct"] > hi)
    others = []
    for r in m.itertuples():
        o = m.loc[(m[TIME] == r.year) & (m[UNIT] != getattr(r, UNIT)) & ~m["flagged"], "change_pct"]
        others.append((float(o.median()), float(o.max())))
    m["median_others_pct"] = [o[0] for o in others]
    m["max_others_pct"] = [o[1] for o in others]
    cols = (
        [UNIT]
        + (["province_name"] if "province_name" in m.columns else [])
        + [TIME, "previous", "current", "change_pct", "median_others_pct", "max_others_pct", "flagged"]
    )
    out = m[cols].sort_values("change_pct", ascending=False, kind="mergesort").reset_index(drop=True)
    out.attrs["fences"] = (float(lo), float(hi))
    out.attrs["column"] = column
    return out


def flag_employment_jumps(panel: pd.DataFrame, column: str = "employed", *, k: float = TUKEY_K) -> pd.DataFrame:
    """Copy of ``panel`` with the :func:`employment_jumps` flags appended to ``quality_flag`` (values kept).

    The flag text names the change, the previous year and the fence, e.g. ``"employed +26.6% on 2022
    (outside Tukey fences -4.4%..+9.3%): coverage mechanically lower"``.
    """
    _require(panel, [UNIT, TIME, column, "quality_flag"], "flag_employment_jumps")
    jumps = employment_jumps(panel, column, k=k)
    lo, hi = jumps.attrs["fences"]
    out = panel.copy()
    for r in jumps.loc[jumps["flagged"]].itertuples():
        direction = "lower" if r.change_pct > 0 else "higher"
        text = (
            f"{column} {r.change_pct:+.1f}% on {int(r.year) - 1} (outside Tukey fences {lo:+.1f}%..{hi:+.1f}%): "
            f"coverage mechanically {direction}"
        )
        m = (out[UNIT].astype(str) == str(getattr(r, UNIT))) & (out[TIME] == r.year)
        old = out.loc[m, "quality_flag"].fillna("").astype(str)
        out.loc[m, "quality_flag"] = np.where(old == "", text, old + "; " + text)
    return out


def employment_jump_lines(jumps: pd.DataFrame) -> list[str]:
    """Sentences on the flagged employed-person jumps (every number from ``jumps``)."""
    lo, hi = jumps.attrs["fences"]
    f = jumps.loc[jumps["flagged"]]
    lines = [
        f"{len(f)} of {len(jumps)} province-year changes of employed persons lie outside Tukey's fences "
        f"({lo:+.1f}% to {hi:+.1f}%); they are flagged in quality_flag."
    ]
    for r in f.itertuples():
        name = getattr(r, "province_name", getattr(r, UNIT))
        lines.append(
            f"- {name} {int(r.year) - 1}->{int(r.year)}: employed {r.change_pct:+.1f}% (unflagged provinces: median "
            f"{r.median_others_pct:+.1f}%, maximum {r.max_others_pct:+.1f}%); coverage is mechanically "
            + ("lower" if r.change_pct > 0 else "higher")
            + f" in {int(r.year)}."
        )
    return lines


# --------------------------------------------------------------------------------------------
# leverage of single provinces
# --------------------------------------------------------------------------------------------


def _partialled_term(result: Any, term: str) -> tuple[np.ndarray, np.ndarray]:
    """The reported regressor with the fixed effects and the other regressors partialled out, and clusters."""
    d = result.design
    X = np.asarray(d.X_tilde, dtype=float)
    j = d.index(term)
    x = X[:, j]
    others = np.delete(X, j, axis=1)
    if others.shape[1]:
        beta, *_ = np.linalg.lstsq(others, x, rcond=None)
        x = x - others @ beta
    return x, np.asarray(d.cluster)


def leverage_shares(est: Any, specs: Sequence[str]) -> pd.DataFrame:
    """Share of each province in the identifying variation of the reported coefficient.

    By Frisch-Waugh-Lovell the coefficient is ``sum_i x_i y_i / sum_i x_i^2`` with ``x`` the regressor
    after partialling out the fixed effects and the other regressors; a province's leverage share is
    its part of ``sum x_i^2``. Rows: ``spec``, ``province_code``, ``leverage_share``, ``contribution``
    (the province's part of the coefficient, ``sum_(i in g) x_i y_i / sum x_i^2``), sorted by share
    within each spec.
    """
    rows = []
    for label in specs:
        sr = est[label]
        res, term = sr.result, sr.spec.term
        x, cl = _partialled_term(res, term)
        y = np.asarray(res.design.y_tilde, dtype=float)
        codes = res.data.loc[res.sample, UNIT].astype(str).to_numpy() if hasattr(res, "sample") else None
        if codes is None or len(codes) != len(x):
            raise PanelError(f"leverage_shares: cannot map the rows of {label} to provinces")
        ssx = float(x @ x)
        df = pd.DataFrame({UNIT: codes, "x2": x * x, "xy": x * y})
        g = df.groupby(UNIT, sort=True)[["x2", "xy"]].sum()
        part = pd.DataFrame(
            {"spec": label, UNIT: g.index, "leverage_share": g["x2"] / ssx, "contribution": g["xy"] / ssx}
        )
        rows.append(part.sort_values("leverage_share", ascending=False, kind="mergesort"))
    return pd.concat(rows, ignore_index=True)


def leverage_lines(lev: pd.DataFrame, panel: pd.DataFrame, code: str = "91") -> list[str]:
    """Sentences: the leverage share of province ``code`` (default Papua Barat) in each spec of ``lev``."""
    names = panel.drop_duplicates(UNIT).set_index(UNIT)["province_name"] if "province_name" in panel.columns else {}
    name = names.get(code, code) if len(names) else code
    lines = []
    for spec, g in lev.groupby("spec", sort=False):
        g = g.reset_index(drop=True)
        r = g.loc[g[UNIT] == code]
        if r.empty:
            continue
        rank = int(r.index[0]) + 1
        lines.append(
            f"{spec}: {name} carries {float(r['leverage_share'].iloc[0]):.0%} of the coefficient's leverage (rank "
            f"{rank} of {len(g)}; its rows contribute {float(r['contribution'].iloc[0]):+.4f} to the estimate "
            f"{float(g['contribution'].sum()):+.4f})."
        )
    return lines


# --------------------------------------------------------------------------------------------
# the Papua merge and the Papua samples
# --------------------------------------------------------------------------------------------


def papua_merge_break(
    panel_34: pd.DataFrame, published: pd.DataFrame, parents: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """What merging the 2024 Papua successor provinces back does to P0, P1, P2 and the poverty line.

    For each rebuilt parent (``aggregated_from`` non-empty in ``panel_34``) and its first rebuilt year:
    the parent's P0, P1, P2 in the year before and in that year (percent change), and the poverty lines
    of the parent before and of each successor province in that year (from ``published``).

    Returns one row per parent: ``province_code``, ``year``, ``p0_change_pct``, ``p1_change_pct``,
    ``p2_change_pct``, ``line_before``, ``line_min_after``, ``line_max_after``, ``successors``.
    """
    _require(panel_34, [UNIT, TIME, "aggregated_from", "p0", "p1", "p2", "poverty_line"], "papua_merge_break")
    _require(published, [UNIT, TIME, "poverty_line"], "papua_merge_break")
    rebuilt = panel_34.loc[panel_34["aggregated_from"].fillna("").astype(str) != ""]
    rows = []
    for code, g in rebuilt.groupby(UNIT, sort=True):
        year = int(g[TIME].min())
        parts = str(g.loc[g[TIME] == year, "aggregated_from"].iloc[0]).split("+")
        before = panel_34.loc[(panel_34[UNIT] == code) & (panel_34[TIME] == year - 1)]
        after = g.loc[g[TIME] == year]
        if before.empty:
            continue
        lines = published.loc[(published[TIME] == year) & published[UNIT].isin(parts), "poverty_line"]
        row = {UNIT: code, TIME: year}
        for c in ("p0", "p1", "p2"):
            row[f"{c}_change_pct"] = 100.0 * (float(after[c].iloc[0]) / float(before[c].iloc[0]) - 1.0)
        row.update(
            line_before=float(before["poverty_line"].iloc[0]),
            line_min_after=float(lines.min()),
            line_max_after=float(lines.max()),
            successors="+".join(parts),
        )
        rows.append(row)
    return pd.DataFrame(rows)


def _boot_contains_zero(r: Any) -> bool:
    cs = getattr(r, "boot_conf_set", None)
    return (
        bool(cs.contains(0.0))
        if cs is not None and hasattr(cs, "contains")
        else bool(r.boot_ci_low <= 0 <= r.boot_ci_high)
    )


def papua_sensitivity_lines(table: pd.DataFrame, *, check: str = "Papua samples", alpha: float = 0.05) -> list[str]:
    """For each outcome x model of the Papua block: the three samples' estimates, their range, and which
    verdicts at level ``alpha`` depend on the sample: the reference test (wild bootstrap interval excludes
    zero), CR2 and CRV1 (p < ``alpha``).
    """
    t = table.loc[table["check"] == check]
    lines = []
    for (y, m), g in t.groupby(["outcome", "model"], sort=False):
        parts = [
            f"{r.sample} {r.estimate:+.4f} (CRV1 p {r.pvalue:.3f}, CR2 p {r.cr2_pvalue:.3f}, bootstrap p {r.boot_pvalue:.3f})"
            for r in g.itertuples()
        ]
        verdicts = {
            "bootstrap": [not _boot_contains_zero(r) for r in g.itertuples()],
            "CR2": [r.cr2_pvalue < alpha for r in g.itertuples()],
            "CRV1": [r.pvalue < alpha for r in g.itertuples()],
        }
        depends = [k for k, v in verdicts.items() if len(set(v)) > 1]
        boot_all = "excludes" if verdicts["bootstrap"][0] else "includes"
        if "bootstrap" in depends:
            verdict = "the verdict of the reference test (bootstrap) DEPENDS on the sample"
        elif depends:
            verdict = (
                f"the bootstrap interval {boot_all} zero in all three samples; the {' and '.join(depends)} "
                f"verdict{'s' if len(depends) > 1 else ''} at {alpha:.0%} depend{'' if len(depends) > 1 else 's'} on the sample"
            )
        else:
            verdict = (
                f"no verdict at {alpha:.0%} depends on the sample (bootstrap interval {boot_all} zero in all three)"
            )
        lo, hi = float(g["estimate"].min()), float(g["estimate"].max())
        lines.append(f"{str(y).upper()} {m}: " + "; ".join(parts) + f". Estimates {lo:+.4f} to {hi:+.4f}; {verdict}.")
    return lines


# --------------------------------------------------------------------------------------------
# registration by employer (the numerator)
# --------------------------------------------------------------------------------------------


def attribution_check(bundle: Any, panel: pd.DataFrame, *, province: str = "32", hub: str = "31") -> dict[str, Any]:
    """Registered versus resident wage-earner participants, and what that implies for coverage.

    Reads ``curated/bpjstk_participants_attribution_points.csv`` (through
    :func:`jamsostek_analysis.data.sources.curated.read_curated`): active PU participants registered at
    offices in ``province`` and those whose national ID address is in ``province`` (wherever registered).
    Compares the gap with ``hub``'s (DKI Jakarta) PU participants and employees in the first panel year
    with BPJS-TK data. Arithmetic for scale, not an estimate: the attribution point is for one province
    and one year.

    Returns
    -------
    dict
        ``year``, ``registered``, ``resident``, ``outside`` (resident - registered), ``outside_share``
        (of resident), ``province_name``, ``hub_name``, ``hub_year``, ``hub_pu``, ``hub_employees``,
        ``hub_pu_rate`` (per 100 employees), ``province_pu_rate`` (panel), ``province_pu_rate_resident``
        (panel rate scaled by resident / registered), ``source_ids``, ``note``.
    """
    from jamsostek_analysis.data.sources.curated import read_curated

    cur = read_curated(bundle, ATTRIBUTION_FILE)
    rows = cur.loc[cur["region_code"].astype(str) == province]
    reg = rows.loc[rows["indicator"] == "active_pu_registered_at_province_offices"]
    res = rows.loc[rows["indicator"] == "active_pu_resident_by_nik"]
    if reg.empty or res.empty:
        raise PanelError(
            f"curated/{ATTRIBUTION_FILE}.csv: no rows 'active_pu_registered_at_province_offices' and "
            f"'active_pu_resident_by_nik' for region_code {province}"
        )
    registered, resident = float(reg["value"].iloc[0]), float(res["value"].iloc[0])
    _require(panel, [UNIT, TIME, "bpjstk_pu", "employees", "coverage_pu_rate"], "attribution_check")
    obs = panel.loc[panel["bpjstk_pu"].notna()]
    hub_year = int(obs[TIME].min())
    h = obs.loc[(obs[UNIT] == hub) & (obs[TIME] == hub_year)]
    p = obs.loc[(obs[UNIT] == province) & (obs[TIME] == hub_year)]
    if h.empty or p.empty:
        raise PanelError(f"attribution_check: no BPJS-TK row for {hub} or {province} in {hub_year}")
    names = panel.drop_duplicates(UNIT).set_index(UNIT)["province_name"]
    return {
        "year": int(reg["year"].iloc[0]),
        "registered": registered,
        "resident": resident,
        "outside": resident - registered,
        "outside_share": (resident - registered) / resident,
        "province_name": names.get(province, province),
        "hub_name": names.get(hub, hub),
        "hub_year": hub_year,
        "hub_pu": float(h["bpjstk_pu"].iloc[0]),
        "hub_employees": float(h["employees"].iloc[0]),
        "hub_pu_rate": float(h["coverage_pu_rate"].iloc[0]),
        "province_pu_rate": float(p["coverage_pu_rate"].iloc[0]),
        "province_pu_rate_resident": float(p["coverage_pu_rate"].iloc[0]) * resident / registered,
        "source_ids": sorted(set(rows["source_id"].astype(str))),
        "note": str(res["note"].iloc[0]),
    }


def attribution_lines(a: Mapping[str, Any]) -> list[str]:
    """Sentences on registration by employer (every number from :func:`attribution_check`)."""
    share_of_hub = a["outside"] / a["hub_pu"]
    return [
        f"{a['province_name']} {a['year']}: {a['resident']:,.0f} active wage-earner (PU) participants live in the "
        f"province (national ID address), {a['registered']:,.0f} are registered at its offices: {a['outside']:,.0f} "
        f"({a['outside_share']:.0%} of residents) are registered elsewhere, mostly at head offices in Jakarta "
        f"(source {', '.join(a['source_ids'])}).",
        f"Counted where they live, {a['province_name']}'s PU coverage in {a['hub_year']} would be about "
        f"{a['province_pu_rate_resident']:.1f} instead of {a['province_pu_rate']:.1f} per 100 employees (if the "
        f"{a['year']} ratio still held).",
        f"For scale: {a['outside']:,.0f} is {share_of_hub:.0%} of the {a['hub_pu']:,.0f} PU participants counted in "
        f"{a['hub_name']} in {a['hub_year']} (PU coverage {a['hub_pu_rate']:.1f} per 100 employees); the source says "
        "most are registered at head offices in Jakarta, so a large part of DKI Jakarta's count may be residents of "
        "its neighbours. "
        f"So {a['hub_name']}'s coverage is inflated and its neighbours' deflated (Jawa Barat; Banten by the same "
        "mechanism, but no figure is published for it); the size for Banten and for other years is not in the data.",
        "In two-way FE and first differences a constant misattribution is absorbed by the province effects; only "
        "changes in where employers register move the estimates, and their size is unknown. Non-wage (BPU) "
        "participants register where they live, so the BPU rows are the check least exposed to this.",
    ]
