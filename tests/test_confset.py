"""Confidence sets as unions of intervals (issue 9 item 2).

Checks: the ConfidenceSet type (merging, contains, hull, printing and parsing); the generic grid
inversion recovers a constructed two-piece set and an unbounded piece; the exact bootstrap inversion
agrees, draw for draw, with a brute-force evaluation of the p-value on a fine grid (several designs,
every p-value type, WCR and WCU); and on the study's placebo (coverage lead, P0, two-way FE, 34
provinces 2022-2025, B = 9999 Webb, the seed of tab02) the 95 % set has the two pieces
[-0.084, -0.003] U [0.010, 0.049] with the p-value crossing 0.05 at each of the four bounds.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jamsostek_analysis.errors import EstimationError
from jamsostek_analysis.estimation.confset import ConfidenceSet, invert_pvalue, set_from_segments
from jamsostek_analysis.estimation.design import absorb
from jamsostek_analysis.estimation.wildboot import (
    _Draws,
    wild_cluster_bootstrap,
    wild_cluster_bootstrap_arrays,
)


# ------------------------------------------------------------------------------------------
# the type
# ------------------------------------------------------------------------------------------
def test_confidence_set_type():
    cs = ConfidenceSet.from_intervals([(0.011, 0.049), (-0.084, -0.003), (0.02, 0.03)], level=0.95)
    assert cs.intervals == ((-0.084, -0.003), (0.011, 0.049))
    assert str(cs) == "[-0.084, -0.003] U [0.011, 0.049]"
    assert cs.n_pieces == 2 and not cs.is_interval and cs.is_bounded
    assert cs.hull == (-0.084, 0.049) and cs.gaps == ((-0.003, 0.011),)
    assert cs.contains(-0.084) and cs.contains(0.02) and 0.049 in cs
    assert not cs.contains(0.0) and not cs.contains(0.05)
    assert ConfidenceSet.parse(str(cs)).intervals == cs.intervals
    unb = ConfidenceSet(((-math.inf, -1.0), (2.0, math.inf)))
    assert unb.format("{:.1f}") == "(-inf, -1.0] U [2.0, inf)" and not unb.is_bounded
    assert ConfidenceSet.parse(unb.format("{:.1f}")).intervals == unb.intervals
    assert unb.to_list() == [[None, -1.0], [2.0, None]]
    empty = ConfidenceSet()
    assert str(empty) == "empty" and empty.is_empty and all(np.isnan(empty.hull)) and not empty.contains(0)
    with pytest.raises(EstimationError, match="overlap"):
        ConfidenceSet(((0.0, 1.0), (0.5, 2.0)))
    with pytest.raises(EstimationError, match="lower <= upper"):
        ConfidenceSet(((1.0, 0.0),))


def test_set_from_segments():
    cs = set_from_segments(np.array([-1.0, 0.0, 1.0, 2.0]), np.array([False, True, True, False, True]))
    assert cs.intervals == ((-1.0, 1.0), (2.0, math.inf))
    with pytest.raises(EstimationError, match="segments"):
        set_from_segments(np.array([0.0]), np.array([True]))


# ------------------------------------------------------------------------------------------
# generic inversion: a constructed p-value with a known two-piece set
# ------------------------------------------------------------------------------------------
def _two_hump_p(r: float) -> float:
    """Step p-value (multiples of 1/1000) with p > 0.05 exactly on [-0.084, -0.003] U [0.011, 0.049]."""
    h1 = max(0.0, 1.0 - abs(r + 0.0435) / 0.0405)  # 0 outside [-0.084, -0.003], peak 1
    h2 = max(0.0, 1.0 - abs(r - 0.030) / 0.019)  # 0 outside [0.011, 0.049]
    p = 0.05 + 0.5 * h1 + 0.2 * h2 - 1e-9  # strictly above 0.05 inside the pieces only
    return math.ceil(p * 1000) / 1000 if (h1 > 0 or h2 > 0) else 0.05 * (1 - 1 / (1 + abs(r)))


def test_invert_pvalue_recovers_constructed_two_piece_set():
    cs = invert_pvalue(_two_hump_p, center=-0.04, scale=0.015, alpha=0.05)
    assert cs.n_pieces == 2
    np.testing.assert_allclose(np.array(cs.intervals), [[-0.084, -0.003], [0.011, 0.049]], atol=1e-9)
    assert str(cs) == "[-0.084, -0.003] U [0.011, 0.049]" and cs.level == 0.95
    # the old outward search from the estimate would stop at the first rejection: only the first piece
    assert cs.contains(-0.04) and not cs.contains(0.0) and cs.contains(0.03)


def test_invert_pvalue_unbounded_piece():
    cs = invert_pvalue(lambda r: 0.5 if r > 1.0 else 0.01, center=0.0, scale=0.1, alpha=0.05)
    assert cs.intervals[0][1] == math.inf and abs(cs.intervals[0][0] - 1.0) < 1e-9


# ------------------------------------------------------------------------------------------
# exact bootstrap inversion against brute force on the same draws
# ------------------------------------------------------------------------------------------
def _panel(G: int, T: int, seed: int, beta: float, heavy: bool):
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(G), T)
    year = np.tile(np.arange(T), G)
    x = rng.normal(size=G * T) + 0.2 * year
    if heavy:  # one high-leverage cluster: the setting where the p-value is not monotone
        x[unit == 0] *= 8.0
    e = rng.standard_t(3, size=G * T) + rng.normal(size=G)[unit]
    y = beta * x + e
    fe = [unit, year]
    M = absorb(np.column_stack([y, x, rng.normal(size=G * T)]), fe)
    return M[:, 0], M[:, 1:], unit, fe


def _brute_force_membership(res, y, X, cl, fe, grid, **kw):
    """p(r) > alpha on a grid, from the bootstrap statistics stored at each r (same draws)."""
    out = []
    for r in grid:
        b = wild_cluster_bootstrap_arrays(y, X, cl, r=r, ci=False, fe=fe, store_t_boot=True, **kw)
        out.append(b.pvalue > kw["alpha"])
    return np.array(out)


@pytest.mark.parametrize(
    "seed,impose_null,pvalue_type,weight_type",
    [
        (1, True, "symmetric", "webb"),
        (2, True, "equal-tailed", "webb"),
        (3, True, "upper", "mammen"),
        (4, False, "symmetric", "webb"),
        (5, True, "symmetric", "rademacher"),
    ],
)
def test_exact_set_agrees_with_brute_force(seed, impose_null, pvalue_type, weight_type):
    y, X, cl, fe = _panel(10, 4, seed, beta=0.1, heavy=True)
    kw = dict(B=399, seed=seed, weight_type=weight_type, impose_null=impose_null, pvalue_type=pvalue_type, alpha=0.1)
    res = wild_cluster_bootstrap_arrays(y, X, cl, fe=fe, **kw)
    cs = res.conf_set
    assert isinstance(cs, ConfidenceSet) and cs.level == pytest.approx(0.9)
    assert res.conf_int == cs.hull or (np.isnan(res.conf_int[0]) and cs.is_empty)
    lo, hi = res.estimate - 12 * res.se, res.estimate + 12 * res.se
    grid = np.linspace(lo, hi, 97)
    member = _brute_force_membership(res, y, X, cl, fe, grid, **kw)
    # every grid point not within 1e-9 se of a bound is classified identically
    bounds = np.array([b for piece in cs.intervals for b in piece if np.isfinite(b)])
    far = (
        np.ones(grid.size, dtype=bool)
        if bounds.size == 0
        else (np.min(np.abs(grid[:, None] - bounds[None, :]), axis=1) > 1e-9 * res.se)
    )
    exact = np.array([cs.contains(r) for r in grid])
    np.testing.assert_array_equal(exact[far], member[far])
    # and at each finite bound the p-value crosses alpha
    d = 1e-7 * res.se
    pv = lambda r: wild_cluster_bootstrap_arrays(y, X, cl, r=r, ci=False, fe=fe, **kw).pvalue  # noqa: E731
    for a, b in cs.intervals:
        if np.isfinite(a):
            assert pv(a - d) <= 0.1 < pv(a + d)
        if np.isfinite(b):
            assert pv(b + d) <= 0.1 < pv(b - d)


def test_exact_set_on_hand_made_draws():
    """Draws whose statistics are known in closed form (beta = 0, se = 1, c = 1)."""
    from jamsostek_analysis.estimation.wildboot import _bootstrap_confidence_set

    B = 20
    # WCU: t* does not move with r; 2 of 20 draws have |t*| = 10, the rest 0.5: p = 0.1 for 0.5 < |r| <= 10
    d = _Draws(np.r_[np.full(18, 0.5), 10.0, -10.0], np.zeros(B), np.ones(B), np.zeros(B), np.zeros(B), 1.0)
    assert _bootstrap_confidence_set(d, 0.0, 1.0, 0.05, "symmetric", impose_null=False).intervals == ((-10.0, 10.0),)
    assert _bootstrap_confidence_set(d, 0.0, 1.0, 0.15, "symmetric", impose_null=False).intervals == ((-0.5, 0.5),)
    # WCR: 19 draws with t* = 0.1, one with t*(r) = (5 - r) / sqrt(1 + r^2); with alpha = 0.04 one draw
    # suffices, so the set is {r : r^4 + 10 r - 25 <= 0}
    d = _Draws(
        np.r_[np.full(19, 0.1), 5.0], np.r_[np.zeros(19), 1.0], np.ones(B), np.zeros(B), np.r_[np.zeros(19), 1.0], 1.0
    )
    cs = _bootstrap_confidence_set(d, 0.0, 1.0, 0.04, "symmetric", impose_null=True)
    roots = np.sort(np.roots([1, 0, 0, 10, -25]).real[np.abs(np.roots([1, 0, 0, 10, -25]).imag) < 1e-12])
    np.testing.assert_allclose(cs.intervals, [tuple(roots)], rtol=1e-13)
    # with alpha = 0.05 the 19 draws are needed too: p = 1 on [-0.1, 0.1] only
    cs = _bootstrap_confidence_set(d, 0.0, 1.0, 0.05, "symmetric", impose_null=True)
    np.testing.assert_allclose(cs.intervals, [(-0.1, 0.1)], rtol=1e-13)


# ------------------------------------------------------------------------------------------
# the study's placebo: two pieces
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def placebo_result():
    from jamsostek_analysis.data.panel import build_province_panel
    from jamsostek_analysis.study import specs as S

    panel = build_province_panel(geography="34")
    return S.fit(S.Spec("p0", model="twfe", lead=1), panel)


def test_placebo_confidence_set_has_two_pieces(placebo_result):
    # tab02's settings: Webb weights, B = 9999, seed 20240301 + 100 * 3 (the placebo block)
    kw = dict(B=9999, seed=20240301 + 300)
    b = wild_cluster_bootstrap(placebo_result, "coverage_rate_lead1", **kw)
    assert b.pvalue == pytest.approx(92 / 9999)
    cs = b.conf_set
    assert cs.n_pieces == 2 and not cs.contains(0.0)
    assert str(cs) == "[-0.084, -0.003] U [0.010, 0.049]"
    np.testing.assert_allclose(
        np.array(cs.intervals), [[-0.08387530, -0.00279728], [0.01003002, 0.04921261]], atol=5e-9
    )
    assert b.conf_int == cs.hull
    # the p-value (same draws) crosses 0.05 at each of the four bounds
    pv = lambda r: wild_cluster_bootstrap(placebo_result, "coverage_rate_lead1", r=r, ci=False, **kw).pvalue  # noqa: E731
    d = 1e-7
    for a, z in cs.intervals:
        assert pv(a - d) <= 0.05 < pv(a + d)
        assert pv(z + d) <= 0.05 < pv(z - d)
    assert pv(0.005) < 0.05 < pv(0.03)  # inside the gap and inside the second piece
    assert "U" in b.summary() and b.to_dict()["conf_set"].count("U") == 1


# ------------------------------------------------------------------------------------------
# tables and figures show every piece
# ------------------------------------------------------------------------------------------
def test_tables_and_coefficient_plot_show_unions():
    import matplotlib

    matplotlib.use("Agg")
    from jamsostek_analysis.output.figures.estimates import coefficient_plot
    from jamsostek_analysis.output.tables import format_cell, render_markdown

    two = ConfidenceSet(((-0.0839, -0.0028), (0.0100, 0.0492)), 0.95)
    one = ConfidenceSet(((-0.0682, -0.0028),), 0.95)
    assert format_cell(two, "{:.4f}") == "[-0.0839, -0.0028] U [0.0100, 0.0492]"
    assert format_cell(ConfidenceSet(((-0.00001, 0.2),)), "{:.3f}") == "[0.000, 0.200]"  # no negative zero
    table = pd.DataFrame(
        {
            "spec": ["with_current", "lead_only"],
            "estimate": [-0.0226, -0.0182],
            "ci_low": [-0.0521, -0.0413],
            "ci_high": [0.0069, 0.0050],
            "boot_ci_low": [two.hull[0], one.hull[0]],
            "boot_ci_high": [two.hull[1], one.hull[1]],
            "boot_conf_set": [two, one],
        }
    )
    assert "[-0.084, -0.003] U [0.010, 0.049]" in render_markdown(table[["spec", "boot_conf_set"]])
    fig = coefficient_plot(table)
    segs = [c for c in fig.axes[0].collections if c.get_gid() == "ci_boot"][0].get_segments()
    xs = sorted((round(s[0][0], 4), round(s[1][0], 4)) for s in segs)
    assert xs == [(-0.0839, -0.0028), (-0.0682, -0.0028), (0.0100, 0.0492)]
