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
    code, out, _ = run(["estimate", str(path), "--y", "p0", "--x", "coverage_rate", "--controls", "gdp", "--json"], capsys)
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
    code, out, _ = run(["estimate", str(path), "--y", "p0", "--x", "coverage_rate", "--cluster", "none", "--json"], capsys)
    d = json.loads(out)
    ref = fit_panel(df, "p0", "coverage_rate", cluster=None)
    assert d["vcov_type"] == "iid" and d["n_clusters"] is None
    assert d["coefficients"]["coverage_rate"]["std_error"] == pytest.approx(ref.bse.iloc[0], rel=1e-12)
    _, out, _ = run(
        ["estimate", str(path), "--y", "p0", "--x", "coverage_rate", "--weights", "pop", "--vcov", "CR2", "--model", "fd", "--json"],
        capsys,
    )
    d = json.loads(out)
    ref = fit_panel(df, "p0", "coverage_rate", weights="pop", vcov="CR2", model="fd")
    assert d["coefficients"]["coverage_rate"]["std_error"] == pytest.approx(ref.bse.iloc[0], rel=1e-12)
    assert d["model"] == "fd" and d["fe"] == ["year"]
    # --fe with no names: no fixed effects, intercept reported
    _, out, _ = run(["estimate", str(path), "--y", "p0", "--x", "coverage_rate", "--fe", "--json"], capsys)
    assert list(json.loads(out)["coefficients"]) == ["Intercept", "coverage_rate"]


def test_text_summary(csv, capsys):
    path, df = csv
    code, out, _ = run(["estimate", str(path), "--y", "p0", "--x", "coverage_rate"], capsys)
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
    _, out, _ = run(["estimate", str(path), "--y", "p0", "--x", "coverage_rate", "--json"], capsys)
    assert json.loads(out)["n_clusters"] == 6


def test_bootstrap_is_called_for_the_first_x(csv, capsys, monkeypatch):
    path, _ = csv
    calls = {}

    def fake(result, param, *, B, weight_type, seed):
        calls.update(param=param, B=B, weight_type=weight_type, seed=seed, names=result.design.names)
        return types.SimpleNamespace(pvalue=0.123, conf_int=(-1.0, float("inf")), B=B, enumerated=False)

    monkeypatch.setitem(sys.modules, "jamsostek_analysis.estimation.wildboot", types.SimpleNamespace(wild_cluster_bootstrap=fake))
    argv = ["estimate", str(path), "--y", "p0", "--x", "coverage_rate", "gdp", "--bootstrap", "99", "--seed", "7", "--json"]
    _, out, _ = run(argv, capsys)
    d = json.loads(out)
    assert calls == {"param": "coverage_rate", "B": 99, "weight_type": "webb", "seed": 7, "names": ["coverage_rate", "gdp"]}
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
    wb = pytest.importorskip("jamsostek_analysis.estimation.wildboot")
    path, df = csv
    ref = fit_panel(df, "p0", "coverage_rate")
    res = wb.wild_cluster_bootstrap(ref, param="coverage_rate", B=199, weight_type="webb", seed=1)
    assert res.t_stat == pytest.approx(ref.tvalues["coverage_rate"], rel=1e-8)
    _, out, _ = run(
        ["estimate", str(path), "--y", "p0", "--x", "coverage_rate", "--bootstrap", "199", "--seed", "1", "--json"], capsys
    )
    d = json.loads(out)["bootstrap"]
    assert d["pvalue"] == pytest.approx(res.pvalue, rel=1e-12) and 0 <= d["pvalue"] <= 1


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--y", "nope", "--x", "coverage_rate"], "column 'nope' not found"),
        (["--y", "p0", "--x", "coverage_rate", "--cluster", "region"], "column 'region' not found"),
        (["--y", "p0", "--x", "bad"], "column 'bad' must be numeric but has value 'n.a.' in row 5"),
        (["--y", "p0", "--x", "coverage_rate", "--controls", "twice"], "collinear regressors: 'twice'"),
        (["--y", "p0", "--x", "coverage_rate", "--cluster", "one"], "only one cluster"),
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
    code, _, err = run(["estimate", str(tmp_path / "none.csv"), "--y", "p0", "--x", "x"], capsys)
    assert code == 2 and "not found" in err and "none.csv" in err


def test_cr2_df_option(csv, capsys):
    path, df = csv
    base = ["estimate", str(path), "--y", "p0", "--x", "coverage_rate", "--vcov", "CR2", "--json"]
    for flag, expected in ((["--cr2-df", "bm"], "bm"), (["--cr2-df", "G-1"], "G-1"), ([], "bm")):
        _, out, _ = run(base + flag, capsys)
        d = json.loads(out)
        ref = fit_panel(df, "p0", "coverage_rate", vcov="CR2", cr2_df=expected)
        assert d["coefficients"]["coverage_rate"]["p_value"] == pytest.approx(ref.pvalues["coverage_rate"], rel=1e-10)
    # the two conventions give different p-values on this design
    bm = fit_panel(df, "p0", "coverage_rate", vcov="CR2", cr2_df="bm").pvalues["coverage_rate"]
    g1 = fit_panel(df, "p0", "coverage_rate", vcov="CR2", cr2_df="G-1").pvalues["coverage_rate"]
    assert bm != pytest.approx(g1, rel=1e-6)
