"""reproduce: pipeline declaration, dependency order, parallel execution, failure reports, manifest."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import textwrap
from importlib.metadata import version
from pathlib import Path

import pytest

from jamsostek_analysis.cli import run as cli_run
from jamsostek_analysis.pipeline.reproduce import (
    NotebookSpec,
    ReproduceError,
    reproduce,
    load_pipeline,
    parse_pipeline,
    run_notebooks,
    select,
    topological_order,
)

REPO = Path(__file__).resolve().parents[1]


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------------------------
# pipeline declaration (pure)


def _specs(**needs: list[str]) -> list[NotebookSpec]:
    return parse_pipeline({"notebook": [{"name": n, "needs": d} for n, d in needs.items()]})


def test_topological_order_and_selection():
    specs = _specs(a=[], b=["a"], c=[], d=["b", "c"])
    assert topological_order(specs) == ["a", "b", "c", "d"]
    assert [s.name for s in select(specs, ["d"])] == ["a", "b", "c", "d"]
    assert [s.name for s in select(specs, ["b"])] == ["a", "b"]
    assert [s.name for s in select(specs, ["c"])] == ["c"]
    assert [s.name for s in select(specs, None)] == ["a", "b", "c", "d"]
    with pytest.raises(ReproduceError, match="--only 'zz'"):
        select(specs, ["zz"])


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"name": "a", "needs": ["b"]}, {"name": "b", "needs": ["a"]}], r"dependency cycle among \['a', 'b'\]"),
        ([{"name": "a", "needs": ["x"]}], "notebook 'a' needs 'x', which is not declared"),
        ([{"name": "a"}, {"name": "a"}], "notebook 'a': declared twice"),
        ([{"name": "a", "needs": ["a"]}], "notebook 'a' needs itself"),
        ([{"name": "a", "after": []}], r"unknown field\(s\) \['after'\]"),
        ([{"name": "../a"}], "'name' must be a file stem"),
        ([{"name": "a", "timeout": 0}], "'timeout' must be a positive integer"),
        ([], r"one or more \[\[notebook\]\]"),
    ],
)
def test_invalid_pipelines_are_rejected_with_a_reason(entries, message):
    with pytest.raises(ReproduceError, match=message):
        parse_pipeline({"notebook": entries}, where="pipeline.toml")


def test_project_pipeline_declares_the_notebooks():
    specs = load_pipeline(REPO / "notebooks", check_files=False)
    assert [s.name for s in specs] == [
        "01_data",
        "02_maps",
        "03_main_estimates",
        "04_extreme_poverty",
        "05_robustness",
        "06_power_counterfactuals",
        "07_adapt",
    ]
    needs = {s.name: s.needs for s in specs}
    # no notebook hands a file to another: 06 recomputes the main estimate from the same Spec and seed
    assert all(not n for n in needs.values())


def test_committed_notebooks_are_declared_paired_and_without_outputs():
    """Every notebooks/*.ipynb is in pipeline.toml, has its .py pair with the same cells, and no outputs."""
    import jupytext
    import nbformat

    folder = REPO / "notebooks"
    declared = {s.name for s in load_pipeline(folder, check_files=False)}
    for ipynb in sorted(folder.glob("*.ipynb")):
        name = ipynb.stem
        assert name in declared, f"{ipynb} is not declared in notebooks/pipeline.toml"
        py = ipynb.with_suffix(".py")
        assert py.is_file(), f"{ipynb} has no paired {py.name} (jupytext --set-formats ipynb,py:percent)"
        nb = nbformat.read(ipynb, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{ipynb} cell {i} has outputs: clear them"
        cells_py = [(c.cell_type, c.source.strip()) for c in jupytext.read(py).cells]
        cells_nb = [(c.cell_type, c.source.strip()) for c in nb.cells]
        assert cells_py == cells_nb, f"{ipynb} and {py.name} differ: run jupytext --sync {py}"


# --------------------------------------------------------------------------------------------
# execution


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    """Three tiny notebooks: b needs the file a writes; c is independent and records its context."""
    nb = tmp_path / "nb"
    nb.mkdir()
    _write(
        nb,
        "pipeline.toml",
        """
        [[notebook]]
        name = "a_write"
        needs = []

        [[notebook]]
        name = "b_read"
        needs = ["a_write"]

        [[notebook]]
        name = "c_context"
        """,
    )
    _write(
        nb,
        "a_write.py",
        """
        # %% [markdown]
        # Writes the file b_read needs.

        # %%
        import os, sys, time
        time.sleep(0.5)

        # %%
        with open(os.path.join(os.environ["JAMSOSTEK_BUILD_DIR"], "from_a.txt"), "w") as f:
            f.write("written by a")
        """,
    )
    _write(
        nb,
        "b_read.py",
        """
        # %%
        import os
        text = open(os.path.join(os.environ["JAMSOSTEK_BUILD_DIR"], "from_a.txt")).read()
        print("b got:", text)
        """,
    )
    _write(
        nb,
        "c_context.py",
        """
        # %%
        import json, os, sys
        context = {
            "executable": sys.executable,
            "cwd": os.getcwd(),
            "data_dir": os.environ.get("JAMSOSTEK_DATA_DIR"),
            "output_dir": os.environ.get("JAMSOSTEK_OUTPUT_DIR"),
            "hashseed": os.environ.get("PYTHONHASHSEED"),
        }
        with open(os.path.join(os.environ["JAMSOSTEK_BUILD_DIR"], "context.json"), "w") as f:
            json.dump(context, f)
        print("stale-check: from the py")
        """,
    )
    # a stale paired .ipynb for c_context (other source line): the .py must win, the .ipynb stay untouched
    import jupytext

    stale = jupytext.read(nb / "c_context.py")
    stale.cells[0].source = stale.cells[0].source.replace("from the py", "from the STALE ipynb")
    jupytext.write(stale, nb / "c_context.ipynb")
    os.utime(nb / "c_context.ipynb", ns=(1_000_000_000, 1_000_000_000))  # older than the .py
    return nb


def test_run_respects_dependencies_and_writes_copies_and_manifest(pipeline: Path, tmp_path: Path):
    import nbformat

    out = tmp_path / "out"
    sources = {p.name: _sha(p) for p in pipeline.iterdir()}
    env = {"JAMSOSTEK_DATA_DIR": str(tmp_path / "fake-data"), "JAMSOSTEK_OUTPUT_DIR": str(tmp_path / "figs")}
    report = run_notebooks(pipeline, out, jobs=2, timeout=120, env=env, progress=False, log=lambda s: None)

    assert report.ok, report.message()
    a, b, c = (report.run(n) for n in ("a_write", "b_read", "c_context"))
    assert b.started >= a.finished  # dependency respected
    assert c.started < a.finished  # independent notebook ran alongside a (jobs=2)
    assert [r.status for r in report.runs] == ["ok", "ok", "ok"]

    # executed copies, with outputs, in out/notebooks; sources untouched
    copy_b = nbformat.read(out / "notebooks" / "b_read.ipynb", as_version=4)
    assert copy_b.cells[0].outputs[0]["text"] == "b got: written by a\n"
    copy_c = nbformat.read(out / "notebooks" / "c_context.ipynb", as_version=4)
    assert copy_c.cells[0].outputs[0]["text"] == "stale-check: from the py\n"
    assert {p.name: _sha(p) for p in pipeline.iterdir()} == sources
    assert not (pipeline / "a_write.ipynb").exists()

    # kernel: this interpreter, cwd = notebooks folder, environment passed through
    context = json.loads((out / "context.json").read_text())
    assert Path(context["executable"]).resolve() == Path(sys.executable).resolve()
    assert Path(context["cwd"]).resolve() == pipeline.resolve()
    assert context["data_dir"] == env["JAMSOSTEK_DATA_DIR"]
    assert context["output_dir"] == env["JAMSOSTEK_OUTPUT_DIR"]
    assert context["hashseed"] == "0"

    manifest = json.loads((out / "run_manifest.json").read_text())
    assert manifest["status"] == "ok"
    assert [n["name"] for n in manifest["notebooks"]] == ["a_write", "b_read", "c_context"]
    for item in manifest["notebooks"]:
        assert item["status"] == "ok" and item["seconds"] > 0
    assert manifest["notebooks"][1]["needs"] == ["a_write"]
    by_name = {n["name"]: n for n in manifest["notebooks"]}
    assert by_name["c_context"]["ipynb_in_sync"] is False and by_name["c_context"]["synced_from_py"] is True
    assert by_name["a_write"]["ipynb_in_sync"] is None
    assert manifest["total_seconds"] >= max(n["finished"] for n in manifest["notebooks"]) - 1e-6
    assert manifest["packages"]["numpy"] == version("numpy")
    assert manifest["packages"]["nbclient"] == version("nbclient")
    assert manifest["python"]["version"] == ".".join(map(str, sys.version_info[:3]))
    assert manifest["data"]["bundle"] is None


def test_failing_cell_stops_the_run_and_names_notebook_and_cell(tmp_path: Path):
    nb = tmp_path / "nb"
    nb.mkdir()
    _write(
        nb,
        "pipeline.toml",
        """
        [[notebook]]
        name = "fails"

        [[notebook]]
        name = "after"
        needs = ["fails"]
        """,
    )
    _write(
        nb,
        "fails.py",
        """
        # %% [markdown]
        # A notebook with a bad cell.

        # %%
        x = 1

        # %%
        coverage = {"11": 0.3}
        raise ValueError(f"boom {x + 41}")
        """,
    )
    _write(nb, "after.py", "# %%\nprint('must not run')\n")
    out = tmp_path / "out"
    report = run_notebooks(nb, out, jobs=2, timeout=120, progress=False, log=lambda s: None)

    assert not report.ok
    assert report.run("fails").status == "failed"
    assert report.run("after").status == "skipped"
    assert not (out / "notebooks" / "after.ipynb").exists()
    (failure,) = report.failures
    assert (failure.notebook, failure.cell_index, failure.code_cell) == ("fails", 2, 2)
    assert (failure.ename, failure.evalue) == ("ValueError", "boom 42")
    assert failure.source_line == 8  # line of the cell's first statement in fails.py
    message = report.message()
    assert "notebook fails, cell 2 (code cell 2)" in message
    assert "fails.py, line 8" in message
    assert 'coverage = {"11": 0.3}' in message
    assert "ValueError: boom 42" in message
    assert "not run because fails failed" in message
    # the executed copy keeps the outputs up to the failure
    assert (out / "notebooks" / "fails.ipynb").is_file()
    manifest = json.loads((out / "run_manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert "ValueError: boom 42" in manifest["notebooks"][0]["failure"]["message"]


def test_missing_notebook_file_is_reported(tmp_path: Path):
    nb = tmp_path / "nb"
    nb.mkdir()
    _write(nb, "pipeline.toml", '[[notebook]]\nname = "ghost"\n')
    with pytest.raises(
        ReproduceError, match="notebook 'ghost' declared in .* but neither .*ghost.py nor .*ghost.ipynb exists"
    ):
        run_notebooks(nb, tmp_path / "out", progress=False)


def test_cli_reproduce_verifies_bundle_and_records_checksums(tmp_path: Path, monkeypatch, capsys):
    """The reproduce command with a tiny fake bundle: data dir passed to the kernel, checksums in the manifest."""
    monkeypatch.setenv("JAMSOSTEK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("JAMSOSTEK_EXTRA_DATA", raising=False)
    bundle = tmp_path / "bundle"
    (bundle / "raw").mkdir(parents=True)
    content = b"province,value\nACEH,1\n"
    (bundle / "raw" / "x.csv").write_bytes(content)
    sha = hashlib.sha256(content).hexdigest()
    (bundle / "MANIFEST.tsv").write_text(f"raw/x.csv\t{len(content)}\t{sha}\n", encoding="utf-8")

    nb = tmp_path / "nb"
    nb.mkdir()
    _write(nb, "pipeline.toml", '[[notebook]]\nname = "uses_data"\n')
    _write(
        nb,
        "uses_data.py",
        """
        # %%
        import os
        print(open(os.path.join(os.environ["JAMSOSTEK_DATA_DIR"], "raw", "x.csv")).read().splitlines()[1])
        """,
    )
    args = argparse.Namespace(
        command="reproduce",
        data_dir=bundle,
        extra_data=None,
        jobs=1,
        timeout=120,
        only=None,
        out=tmp_path / "out",
        no_progress=True,
        notebooks_dir=nb,
    )
    assert cli_run(args) == 0
    captured = capsys.readouterr()
    assert "reproduce: all notebooks ran" in captured.out and f"data bundle {bundle.resolve()} verified" in captured.err
    manifest = json.loads((tmp_path / "out" / "run_manifest.json").read_text())
    assert manifest["data"]["bundle"] == str(bundle.resolve())
    assert manifest["data"]["files"] == [
        {"relpath": "raw/x.csv", "origin": "bundle", "bytes": len(content), "sha256": sha, "verified": True}
    ]
    assert manifest["data"]["n_unverified"] == 0
    assert manifest["environment"]["JAMSOSTEK_DATA_DIR"] == str(bundle.resolve())

    # an altered data file stops the run before any notebook is executed
    from jamsostek_analysis.errors import BundleError

    (bundle / "raw" / "x.csv").write_bytes(content.replace(b"1", b"2"))
    with pytest.raises(BundleError, match="x.csv"):
        reproduce(args.out, data_dir=bundle, notebooks_dir=nb, progress=False)


def test_versions_record_lists_the_manifest_packages():
    from jamsostek_analysis.pipeline.reproduce import package_versions, versions_markdown

    manifest = {"python": {"version": "3.11.7", "implementation": "CPython"}, "platform": {"system": "Linux", "machine": "x86_64"},
                "packages": {"numpy": "2.4.6", "ghost": None}}  # fmt: skip
    text = versions_markdown(manifest)
    assert "- Python 3.11.7 (CPython)" in text and "| numpy | 2.4.6 |" in text and "| ghost | not installed |" in text
    committed = (REPO / "figures" / "VERSIONS.md").read_text(encoding="utf-8")
    assert committed.startswith("# Package versions behind the committed figures and tables")
    for name in package_versions():  # every key package of the manifest is listed
        assert f"| {name} | " in committed, name
