"""``jamsostek-analysis estimate`` on small CSV panels: output equals fit_panel, errors exit 2."""

from __future__ import annotations

import json
import sys
import types

import numpy as np
import pandas as pd
import pytest

from jamsostek_analysis.cli import main
from jamsostek_analysis.estimation.models import fit_panel


def make_panel(seed: int = 2, G: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [(f"{11 + g:02d}", 2022 + t) for g in range(G) for t in range(4)]
    df = pd.DataFrame(rows, columns=["province_code", "year"])
    n = len(df)
    a = np.repeat(rng.normal(size=G), 4)
    df["coverage_rate"] = 20 + 5 * a + rng.normal(size=n)
    df["gdp"] = rng.normal(size=n)
    df["pop"] = rng.uniform(1, 5, size=n)
    df["p0"] = 10 - 0.3 * df["coverage_rate"] + a + rng.normal(size=n)
    return df


@pytest.fixture()
def csv(tmp_path):
    df = make_panel()
    df.loc[3, "p0"] = np.nan  # one missing outcome: dropped and reported
    path = tmp_path / "panel.csv"
    df.to_csv(path, index=False)
    return path, df


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_equals_fit_panel(csv, capsys):
    path, df = csv
    code, out, _ = run(
        [
            "estimate",
            str(path),
            "--y",
            "p0",
            "--x",
            "coverage_rate",
            "--unit",
            "province_code",
            "--controls",
            "gdp",
            "--json",
        ],
        capsys,
    )
    assert code == 0
    d = json.loads(out)
    ref = fit_panel(df, "p0", "coverage_rate", controls=["gdp"])
    c = d["coefficients"]["coverage_rate"]
    assert c["estimate"] == pytest.approx(ref.params["coverage_rate"], rel=1e-12)
    assert c["std_error"] == pytest.approx(ref.bse["coverage_rate"], rel=1e-12)
    assert c["p_value"] == pytest.approx(ref.pvalues["coverage_rate"], rel=1e-10)
    assert d["nobs"] == 79 and d["n_clusters"] == 20 and d["n_dropped"] == 1
    assert d["drop_reasons"] == {"missing p0": 1}
    assert d["df_t"] == 19 and "G/(G-1) * (N-1)/(N-K)" in d["small_sample"]
    assert d["data_file"] == str(path)


def test_options_cluster_none_weights_fd(csv, capsys):
    path, df = csv
    code, out, _ = run(
        [
            "estimate",
            str(path),
            "--y",
            "p0",
            "--x",
            "coverage_rate",
            "--unit",
            "province_code",
            "--cluster",
            "none",
            "--json",
        ],
        capsys,
    )
    d = json.loads(out)
    ref = fit_panel(df, "p0", "coverage_rate", cluster=None)
    assert d["vcov_type"] == "iid" and d["n_clusters"] is None
    assert d["coefficients"]["coverage_rate"]["std_error"] == pytest.approx(ref.bse.iloc[0], rel=1e-12)
    _, out, _ = run(
        [
            "estimate",
            str(path),
            "--y",
            "p0",
            "--x",
            "coverage_rate",
            "--unit",
            "province_code",
            "--weights",
            "pop",
            "--vcov",
            "CR2",
            "--model",
            "fd",
            "--json",
        ],
        capsys,
    )
    d = json.loads(out)
    ref = fit_panel(df, "p0", "coverage_rate", weights="pop", vcov="CR2", model="fd")
    assert d["coefficients"]["coverage_rate"]["std_error"] == pytest.approx(ref.bse.iloc[0], rel=1e-12)
    assert d["model"] == "fd" and d["fe"] == ["year"]
    # --fe with no names: no fixed effects, intercept reported
    _, out, _ = run(
        ["estimate", str(path), "--y", "p0", "--x", "coverage_rate", "--unit", "province_code", "--fe", "--json"],
        capsys,
    )
    assert list(json.loads(out)["coefficients"]) == ["Intercept", "coverage_rate"]


def test_text_summary(csv, capsys):
    path, df = csv
    code, out, _ = run(["estimate", str(path), "--y", "p0", "--x", "coverage_rate", "--unit", "province_code"], capsys)
    ref = fit_panel(df, "p0", "coverage_rate")
    assert code == 0
    assert "Dropped 1 of 80 input rows" in out and "missing p0: 1" in out
    assert f"{ref.params.iloc[0]:.6g}" in out and "t with G-1 = 19 df" in out


def test_unit_codes_read_as_text(tmp_path, capsys):
    """Codes like '011' and '11' must stay distinct provinces (read as str, not int)."""
    df = make_panel(G=6)
    df["province_code"] = np.where(df["province_code"] == "11", "011", df["province_code"])
    df.loc[df["province_code"] == "12", "province_code"] = "11"
    path = tmp_path / "p.csv"
    df.to_csv(path, index=False)
    _, out, _ = run(
        ["estimate", str(path), "--y", "p0", "--x", "coverage_rate", "--unit", "province_code", "--json"], capsys
    )
    assert json.loads(out)["n_clusters"] == 6


def test_bootstrap_is_called_for_the_first_x(csv, capsys, monkeypatch):
    path, _ = csv
    calls = {}

    def fake(result, param, *, B, weight_type, seed):
        calls.update(param=param, B=B, weight_type=weight_type, seed=seed, names=result.design.names)
        return types.SimpleNamespace(pvalue=0.123, conf_int=(-1.0, float("inf")), B=B, enumerated=False)

    monkeypatch.setitem(
        sys.modules, "jamsostek_analysis.estimation.wildboot", types.SimpleNamespace(wild_cluster_bootstrap=fake)
    )
    argv = [
        "estimate",
        str(path),
        "--y",
        "p0",
        "--x",
        "coverage_rate",
        "--unit",
        "province_code",
        "--x",
        "gdp",
        "--bootstrap",
        "99",
        "--seed",
        "7",
        "--json",
    ]
    _, out, _ = run(argv, capsys)
    d = json.loads(out)
    assert calls == {
        "param": "coverage_rate",
        "B": 99,
        "weight_type": "webb",
        "seed": 7,
        "names": ["coverage_rate", "gdp"],
    }
    assert d["bootstrap"] == {
        "param": "coverage_rate",
        "pvalue": 0.123,
        "conf_int": [-1.0, None],
        "B": 99,
        "enumerated": False,
        "weight_type": "webb",
        "seed": 7,
    }
    code, out, _ = run(argv[:-1], capsys)
    assert code == 0 and "p = 0.1230" in out and "unbounded" in out


def test_bootstrap_with_real_module_uses_model_t(csv, capsys):
    import jamsostek_analysis.estimation.wildboot as wb

    path, df = csv
    ref = fit_panel(df, "p0", "coverage_rate")
    res = wb.wild_cluster_bootstrap(ref, param="coverage_rate", B=199, weight_type="webb", seed=1)
    assert res.t_stat == pytest.approx(ref.tvalues["coverage_rate"], rel=1e-8)
    _, out, _ = run(
        [
            "estimate",
            str(path),
            "--y",
            "p0",
            "--x",
            "coverage_rate",
            "--unit",
            "province_code",
            "--bootstrap",
            "199",
            "--seed",
            "1",
            "--json",
        ],
        capsys,
    )
    d = json.loads(out)["bootstrap"]
    assert d["pvalue"] == pytest.approx(res.pvalue, rel=1e-12) and 0 <= d["pvalue"] <= 1


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--y", "nope", "--x", "coverage_rate", "--unit", "province_code"], "column 'nope' not found"),
        (
            ["--y", "p0", "--x", "coverage_rate", "--unit", "province_code", "--cluster", "region"],
            "column 'region' not found",
        ),
        (
            ["--y", "p0", "--x", "bad", "--unit", "province_code"],
            "column 'bad' must be numeric but has value 'n.a.' in row 5",
        ),
        (
            ["--y", "p0", "--x", "coverage_rate", "--unit", "province_code", "--controls", "twice"],
            "collinear regressors: 'twice'",
        ),
        (["--y", "p0", "--x", "coverage_rate", "--unit", "province_code", "--cluster", "one"], "only one cluster"),
    ],
)
def test_bad_input_exit_2(csv, capsys, tmp_path, extra, message):
    path, df = csv
    df = df.assign(bad=df["coverage_rate"].astype(object), twice=2 * df["coverage_rate"], one="all")
    df.loc[5, "bad"] = "n.a."
    p = tmp_path / "bad.csv"
    df.to_csv(p, index=False)
    code, out, err = run(["estimate", str(p), *extra], capsys)
    assert code == 2
    assert message in err and str(p) in err
    assert "Traceback" not in err


def test_missing_file_exit_2(tmp_path, capsys):
    code, _, err = run(
        ["estimate", str(tmp_path / "none.csv"), "--y", "p0", "--x", "x", "--unit", "province_code"], capsys
    )
    assert code == 2 and "not found" in err and "none.csv" in err


def test_cr2_df_option(csv, capsys):
    path, df = csv
    base = [
        "estimate",
        str(path),
        "--y",
        "p0",
        "--x",
        "coverage_rate",
        "--unit",
        "province_code",
        "--vcov",
        "CR2",
        "--json",
    ]
    for flag, expected in ((["--cr2-df", "bm"], "bm"), (["--cr2-df", "G-1"], "G-1"), ([], "bm")):
        _, out, _ = run(base + flag, capsys)
        d = json.loads(out)
        ref = fit_panel(df, "p0", "coverage_rate", vcov="CR2", cr2_df=expected)
        assert d["coefficients"]["coverage_rate"]["p_value"] == pytest.approx(ref.pvalues["coverage_rate"], rel=1e-10)
    # the two conventions give different p-values on this design
    bm = fit_panel(df, "p0", "coverage_rate", vcov="CR2", cr2_df="bm").pvalues["coverage_rate"]
    g1 = fit_panel(df, "p0", "coverage_rate", vcov="CR2", cr2_df="G-1").pvalues["coverage_rate"]
    assert bm != pytest.approx(g1, rel=1e-6)


# --------------------------------------------------------------------------------------------
# command-line behaviour (issue 11 item 4)


def test_x_takes_one_value_per_flag_and_file_may_come_last(csv, capsys):
    """`--x` no longer swallows the file name: `estimate --y p0 --x coverage_rate panel.csv` works."""
    path, df = csv
    code, out, _ = run(["estimate", "--y", "p0", "--x", "coverage_rate", "--x", "gdp", "--unit", "province_code",
                        "--json", str(path)], capsys)  # fmt: skip
    assert code == 0
    ref = fit_panel(df, "p0", ["coverage_rate", "gdp"])
    d = json.loads(out)
    assert list(d["coefficients"]) == ["coverage_rate", "gdp"]
    assert d["coefficients"]["gdp"]["estimate"] == pytest.approx(ref.params["gdp"], rel=1e-12)


def test_fe_without_unit_is_an_error_not_province_code(csv, capsys):
    path, _ = csv
    code, out, err = run(
        ["estimate", str(path), "--y", "p0", "--x", "coverage_rate", "--fe", "province_code", "year"], capsys
    )
    assert code == 2 and out == ""
    assert "--unit" in err and "required" in err


def test_lead_option_runs_the_placebo(csv, capsys):
    path, df = csv
    df = df.astype({"province_code": str})
    argv = [
        "estimate",
        str(path),
        "--y",
        "p0",
        "--x",
        "coverage_rate",
        "--unit",
        "province_code",
        "--lead",
        "1",
        "--json",
    ]
    code, out, _ = run(argv, capsys)
    assert code == 0
    d = json.loads(out)
    ref = fit_panel(df, "p0", "coverage_rate", leads=1)
    assert list(d["coefficients"]) == ["coverage_rate", "coverage_rate_lead1"]
    assert d["coefficients"]["coverage_rate_lead1"]["estimate"] == pytest.approx(
        ref.params["coverage_rate_lead1"], rel=1e-12
    )
    assert d["nobs"] == ref.nobs == 60  # 20 provinces x 3 years with a lead (the missing p0 is in the last year)
    code, out, _ = run(argv[:-1] + ["--lag", "1"], capsys)
    assert code == 0 and "coverage_rate_lag1" in out


def test_test_option_bootstraps_the_named_term(csv, capsys, monkeypatch):
    path, _ = csv
    seen = {}

    def fake(result, param, *, B, weight_type, seed):
        seen.update(param=param, weight_type=weight_type)
        return types.SimpleNamespace(pvalue=0.5, conf_int=None, B=B, enumerated=False)

    monkeypatch.setitem(
        sys.modules, "jamsostek_analysis.estimation.wildboot", types.SimpleNamespace(wild_cluster_bootstrap=fake)
    )
    base = ["estimate", str(path), "--y", "p0", "--x", "coverage_rate", "--unit", "province_code", "--lead", "1"]
    code, _, _ = run(base + ["--bootstrap", "9", "--test", "coverage_rate_lead1", "--weight-type", "mammen"], capsys)
    assert code == 0 and seen == {"param": "coverage_rate_lead1", "weight_type": "mammen"}
    code, _, err = run(base + ["--bootstrap", "9", "--test", "nope"], capsys)
    assert code == 2 and "'nope' is not a coefficient" in err
    code, _, err = run(base + ["--test", "coverage_rate_lead1"], capsys)
    assert code == 2 and "--bootstrap" in err


def test_weight_types_offer_every_supported_weight(capsys):
    from jamsostek_analysis.cli import WEIGHT_TYPES
    from jamsostek_analysis.estimation import wildboot

    assert set(WEIGHT_TYPES) == set(wildboot.WeightType.__args__)
    assert main(["estimate", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "{webb,rademacher,mammen,norm}" in help_text


def _options(parser):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from ((f"{name} {cmd}", a) for cmd, a in _options(sub))
                yield name, sub
        elif not isinstance(action, argparse._HelpAction):
            yield "", action


def test_every_option_has_help_with_default_and_every_subcommand_an_example(capsys):
    import argparse

    from jamsostek_analysis.cli import build_parser

    n_options = n_subcommands = 0
    for name, item in _options(build_parser()):
        if isinstance(item, argparse.ArgumentParser):
            n_subcommands += 1
            if any(isinstance(a, argparse._SubParsersAction) for a in item._actions):
                continue  # a group ('data'): its actions carry the examples
            assert item.description and "example" in (item.epilog or ""), name
            assert "jamsostek-analysis " in item.epilog, name
        else:
            n_options += 1
            assert item.help, (name, item.dest)
    assert n_subcommands >= 8 and n_options > 30  # data, verify, where, add, panel, estimate, reproduce, report
    # defaults are shown by the formatter
    assert main(["estimate", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: year)" in text and f"(default: {20240301})" in text and "(default: webb)" in text


@pytest.mark.parametrize(
    "argv,status",
    [
        ([], 2),  # no command: usage on stderr
        (["data"], 2),  # no action
        (["estimate", "--y", "p0"], 2),  # missing arguments (argparse)
        (["estimate", "x.csv", "--y", "p0", "--x", "a", "--unit", "u", "--bootstrap", "-3"], 2),
        (["--help"], 0),
        (["--version"], 0),
    ],
)
def test_exit_codes(argv, status, capsys):
    assert main(argv) == status


def test_internal_failure_exits_1_with_traceback(csv, capsys, monkeypatch):
    path, _ = csv

    def boom(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr("jamsostek_analysis.estimation.models.fit_panel", boom)
    code, _, err = run(["estimate", str(path), "--y", "p0", "--x", "coverage_rate", "--unit", "province_code"], capsys)
    assert code == 1 and "Traceback" in err and "RuntimeError: boom" in err


def test_bootstrap_line_prints_every_piece_of_the_confidence_set():
    from jamsostek_analysis.cli import _bootstrap_line

    boot = {
        "param": "coverage_rate_lead1",
        "pvalue": 0.0092,
        "conf_int": [-0.0839, 0.0492],
        "B": 9999,
        "enumerated": False,
        "weight_type": "webb",
        "seed": 1,
        "conf_set": [[-0.0839, -0.0028], [0.0100, 0.0492]],
    }
    line = _bootstrap_line(boot)
    assert "[-0.0839, -0.0028] U [0.01, 0.0492]" in line and "[-0.0839, 0.0492]" not in line
    boot["conf_set"] = [[-1.0, None]]
    assert "95% CI [-1, unbounded]" in _bootstrap_line({**boot, "conf_int": [-1.0, None]})
