"""Display labels of table columns and cell values: one home for the words a reader sees.

:func:`column_label` turns a tidy column name into a header (``'boot_pvalue'`` -> ``'Bootstrap p-value'``);
names not in :data:`COLUMN_LABELS` are humanised generically (``'n_missing'`` -> ``'N missing'``), so no
snake_case reaches a table. :func:`value_label` does the same for identifier-like cell values
(``'p0_twfe'`` -> ``'P0 TWFE'``). Interval pairs ``<stem>_low``/``<stem>_high`` are merged by the table
writer into one column labelled ``INTERVAL_LABELS[stem]`` (or ``'<label of stem> interval'``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Headers of tidy column names used across the package (estimation results, study tables).
COLUMN_LABELS: dict[str, str] = {
    # estimation results (tidy names)
    "term": "Term",
    "estimate": "Estimate",
    "se": "SE",
    "std_error": "SE",
    "pvalue": "p-value",
    "p_value": "p-value",
    "boot_pvalue": "Bootstrap p-value",
    "boot_conf_set": "Bootstrap 95% confidence set",
    "ri_pvalue": "Randomization p-value",
    "tstat": "t",
    "t_stat": "t",
    "df": "df",
    "df_t": "df",
    "nobs": "Obs.",
    "n": "N",
    "n_clusters": "Clusters",
    "spec": "Specification",
    "check": "Check",
    "model": "Model",
    "vcov": "Variance",
    "vcov_type": "Variance",
    "inference": "Inference",
    "outcome": "Outcome",
    "sample": "Sample",
    "weights": "Weights",
    "note": "Note",
    "reading": "Reading",
    # panel and coverage summary
    "geography": "Geography",
    "year": "Year",
    "province": "Province",
    "province_code": "Province code",
    "n_provinces": "Provinces",
    "n_missing": "Missing",
    "national_pct": "National (%)",
    "min": "Min",
    "min_province": "Min province",
    "median": "Median",
    "max": "Max",
    "max_province": "Max province",
    # proxies
    "proxy": "Proxy",
    "pearson_r": "Pearson r",
    "spearman_rho": "Spearman ρ",
    "slope": "Slope",
    "intercept": "Intercept",
    "r_squared": "R²",
    # power
    "rho_variant": "Autocorrelation",
    "rho": "ρ",
    "sigma_e": "σ(e)",
    "se_analytic": "SE (exact)",
    "mde_analytic": "MDE (analytic)",
    "mde_simulated": "MDE (simulated)",
    "mde_simulated_mc_se": "MC SE of MDE",
    "size_simulated": "Size (simulated)",
    "mde_per_sd_x": "MDE per SD of coverage",
    "beta_hat": "Estimate",
    # counterfactuals
    "scenario": "Scenario",
    "mean_delta_coverage": "Mean Δ coverage",
    "provinces_out_of_support": "Provinces out of support",
    "delta_p0_pp": "Δ P0 (pp)",
    "delta_poor_thousand": "Δ poor (thousand)",
}

#: Headers of merged ``<stem>_low``/``<stem>_high`` interval columns.
INTERVAL_LABELS: dict[str, str] = {
    "ci": "95% CI",
    "boot_ci": "Bootstrap 95% CI",
    "cr2_ci": "CR2 95% CI",
    "delta_p0": "Δ P0 bootstrap interval",
    "delta_poor": "Δ poor bootstrap interval",
    "delta_poor_crv1": "Δ poor CRV1 interval",
}

#: Cell values that are identifiers (specification names, scenario keys).
VALUE_LABELS: dict[str, str] = {
    "coverage_rate": "Coverage",
    "coverage_pu_rate": "Coverage PU",
    "coverage_bpu_rate": "Coverage BPU",
    "formal_share": "Formal share",
    "best_quartile": "Best quartile",
}

#: Short names of the panel's variables for figure axes (rows of the availability heatmap, ...).
PANEL_VARIABLE_LABELS: dict[str, str] = {
    "p0": "P0 headcount (%)",
    "p1": "P1 poverty gap",
    "p2": "P2 poverty severity",
    "p0_urban": "P0 urban (%)",
    "p0_rural": "P0 rural (%)",
    "poor_thousand": "Poor people (thousand)",
    "poverty_line": "Poverty line (IDR/month)",
    "population": "Population",
    "poverty_population": "Population (P0 denominator)",
    "formal_share": "Formal employment share (%)",
    "tpt": "Open unemployment rate (%)",
    "tpak": "Labour force participation (%)",
    "employed": "Employed persons",
    "employees": "Employees",
    "grdp_per_capita": "GRDP per capita",
    "hdi": "Human development index",
    "mean_years_schooling": "Mean years of schooling",
    "gini": "Gini ratio",
    "min_wage": "Provincial minimum wage",
    "bpjstk_pu": "BPJS-TK wage earners (PU)",
    "bpjstk_bpu": "BPJS-TK non-wage workers (BPU)",
    "bpjstk_active": "BPJS-TK active participants",
    "bpjstk_pu_kemnaker": "BPJS-TK PU, Kemnaker export",
    "bpjstk_bpu_kemnaker": "BPJS-TK BPU, Kemnaker export",
    "coverage_rate": "Coverage (per 100 employed)",
    "coverage_pu_rate": "PU coverage (per 100 employed)",
    "coverage_bpu_rate": "BPU coverage (per 100 employed)",
}


def variable_label(name: str, labels: Mapping[str, str] | None = None) -> str:
    """Short human name of a panel variable: ``labels``, :data:`PANEL_VARIABLE_LABELS`, else humanised."""
    if labels and name in labels:
        return labels[name]
    return PANEL_VARIABLE_LABELS.get(name) or (humanize(name) if "_" in name else _TOKENS.get(name, name))


#: Tokens kept in capitals (or in a fixed form) when humanising.
_TOKENS: dict[str, str] = {
    "p0": "P0", "p1": "P1", "p2": "P2", "twfe": "TWFE", "fd": "FD", "ld": "LD", "pu": "PU", "bpu": "BPU",
    "crv1": "CRV1", "cr2": "CR2", "se": "SE", "ci": "CI", "mde": "MDE", "mc": "MC", "pp": "pp", "grdp": "GRDP", "gdp": "GDP",
    "bpjstk": "BPJS-TK", "bps": "BPS", "ri": "RI", "iid": "iid", "pc": "p.c.", "pct": "(%)", "n": "N",
}  # fmt: skip

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(?:[_+][a-z0-9]+)+$")


def humanize(name: str) -> str:
    """``'delta_poor_low'`` -> ``'Delta poor low'``; known tokens keep their form (``'p0_twfe'`` -> ``'P0 TWFE'``)."""
    words = [_TOKENS.get(w, w) for w in re.split(r"_+", name) if w]
    if not words:
        return name
    first = words[0]
    if first == first.lower():
        words[0] = first[:1].upper() + first[1:]
    return " ".join(words).replace(" + ", "+")


def column_label(name: str, labels: Mapping[str, str] | None = None) -> str:
    """Header of column ``name``: ``labels`` first, then :data:`COLUMN_LABELS`, then :func:`humanize`.

    Names that are not snake_case identifiers (e.g. ``'P0 TWFE'``) are returned unchanged.
    """
    if labels and name in labels:
        return labels[name]
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    if name in _TOKENS:
        return _TOKENS[name]
    return humanize(name) if "_" in name else name


def interval_label(stem: str, labels: Mapping[str, str] | None = None) -> str:
    """Header of the merged ``<stem>_low``/``<stem>_high`` interval column."""
    key = f"{stem}_interval"
    if labels and key in labels:
        return labels[key]
    if stem in INTERVAL_LABELS:
        return INTERVAL_LABELS[stem]
    return f"{column_label(stem, labels)} interval"


def value_label(value: str, labels: Mapping[str, str] | None = None) -> str:
    """Display form of an identifier-like cell value; other text is returned unchanged."""
    if labels and value in labels:
        return labels[value]
    if value in VALUE_LABELS:
        return VALUE_LABELS[value]
    if _IDENTIFIER.match(value):
        return humanize(value.replace("+", "_+_")).replace(" + ", "+")
    return value


__all__ = [
    "COLUMN_LABELS",
    "INTERVAL_LABELS",
    "PANEL_VARIABLE_LABELS",
    "VALUE_LABELS",
    "variable_label",
    "column_label",
    "humanize",
    "interval_label",
    "value_label",
]
