"""Build infrastructure: pyproject.toml and environment.yml agree; CI runs the README's test command;
``make test`` fails when pytest collects nothing or a test fails."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: conda-forge package names that differ from the PyPI distribution names.
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib", "pytables": "tables", "pytorch": "torch"}


def normalize(name: str) -> str:
    """PEP 503 normalisation (``python_dateutil`` == ``Python-Dateutil`` == ``python-dateutil``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def split_requirement(req: str) -> tuple[str, str]:
    """``'pandas>=2.2,<4'`` -> (``'pandas'``, ``'<4,>=2.2'``): normalised name and sorted specifier set."""
    m = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9_.\-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*(;.*)?$", req)
    assert m, f"cannot parse requirement {req!r}"
    spec = ",".join(sorted(s.replace(" ", "") for s in m.group(3).split(",") if s.strip()))
    return normalize(m.group(1)), spec


def read_simple_yaml(text: str) -> dict:
    """Tiny reader for environment.yml (top-level keys, '- item' lists, one nested 'pip:' list).

    Used when PyYAML is not installed; enough for the file's fixed shape.
    """
    data: dict = {}
    key = None
    pip_list: list | None = None
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        body = line.strip()
        if indent == 0 and body.endswith(":"):
            key = body[:-1]
            data[key] = []
            pip_list = None
        elif indent == 0 and ":" in body:
            k, v = body.split(":", 1)
            data[k.strip()] = v.strip()
            key = None
        elif body.startswith("- ") and key is not None:
            item = body[2:].strip()
            if item == "pip:":
                pip_list = []
                data[key].append({"pip": pip_list})
            elif pip_list is not None and indent > 2:
                pip_list.append(item)
            else:
                pip_list = None
                data[key].append(item)
    return data


def load_environment_yml() -> dict:
    text = (REPO / "environment.yml").read_text(encoding="utf-8")
    try:
        import yaml
    except ImportError:  # pragma: no cover - pyyaml comes with jupyter
        return read_simple_yaml(text)
    data = yaml.safe_load(text)
    assert read_simple_yaml(text) == data, "the fallback reader disagrees with PyYAML on environment.yml"
    return data


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    out = dict(split_requirement(r) for r in reqs)
    assert len(out) == len(reqs), "a package is listed twice in pyproject.toml"
    return out


def conda_requirements() -> tuple[dict[str, str], str | None, list[str]]:
    """(name -> specifier for every package, the python pin, channels)."""
    env = load_environment_yml()
    out: dict[str, str] = {}
    python = None
    for item in env["dependencies"]:
        if isinstance(item, dict):
            for pip_req in item["pip"]:
                if pip_req.startswith("-e"):
                    continue
                name, spec = split_requirement(pip_req)
                out[name] = spec
            continue
        conda_name, spec = split_requirement(item.replace("=", "==", 1) if re.match(r"^[\w.-]+=[^=<>]", item) else item)
        name = normalize(CONDA_TO_PYPI.get(conda_name, conda_name))
        if name == "python":
            python = spec
        elif name != "pip":
            out[name] = spec
    return out, python, env["channels"]


def test_split_requirement_normalises():
    assert split_requirement("Python_Dateutil >= 2.8 , <3") == ("python-dateutil", "<3,>=2.8")
    assert split_requirement("pandas[performance]>=2.2,<4") == ("pandas", "<4,>=2.2")
    assert split_requirement("pytest") == ("pytest", "")


def test_simple_yaml_reader_on_a_sample():
    sample = "name: x\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - numpy>=1  # c\n  - pip:\n      - foo<2\n"
    assert read_simple_yaml(sample) == {
        "name": "x",
        "channels": ["conda-forge"],
        "dependencies": ["python=3.11", "numpy>=1", {"pip": ["foo<2"]}],
    }


def test_environment_yml_matches_pyproject():
    pyproject = pyproject_requirements()
    conda, python, channels = conda_requirements()
    assert channels == ["conda-forge"]
    assert python == "==3.11"
    assert set(conda) == set(pyproject), (
        f"only in pyproject.toml: {sorted(set(pyproject) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pyproject))}"
    )
    differing = {n: (pyproject[n], conda[n]) for n in pyproject if pyproject[n] != conda[n]}
    assert not differing, f"version bounds differ (pyproject, environment.yml): {differing}"


def test_pyproject_requires_python_and_deselects_slow_tests():
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["requires-python"] == ">=3.11"
    pytest_cfg = data["tool"]["pytest"]["ini_options"]
    assert "-m 'not slow'" in pytest_cfg["addopts"]
    assert any(m.startswith("slow:") for m in pytest_cfg["markers"])


def readme_commands() -> list[str]:
    """Commands in the first fenced code block of README.md (comments stripped)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```[a-z]*\n(.*?)```", text, re.S)
    assert block, "README.md has no code block"
    assert text.index("```") < 200, "the commands must be at the very top of README.md"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.split("#", 1)[0].strip()]


def test_readme_opens_with_the_two_commands():
    assert readme_commands() == ["make reproduce", "make test"]


def test_ci_runs_exactly_the_readme_test_command():
    run = REPO / ".ci" / "run"
    assert run.stat().st_mode & stat.S_IXUSR, ".ci/run must be executable"
    lines = run.read_text(encoding="utf-8").splitlines()
    assert lines[0] in ("#!/usr/bin/env bash", "#!/bin/bash")
    body = [ln.strip() for ln in lines[1:] if ln.strip() and not ln.strip().startswith("#")]
    assert body[0] == "set -euo pipefail"
    # besides the README's test command, CI only sets CI=true and installs the system tools (chromium,
    # pdflatex) that the browser and LaTeX tests need (they fail, not skip, under CI=true)
    setup = ["export CI=true", ".ci/system-deps"]
    commands = [ln for ln in body[1:] if not ln.startswith("cd ") and ln not in setup]
    assert [ln for ln in body[1:] if ln in setup] == setup
    test_command = [c for c in readme_commands() if "test" in c]
    assert commands == test_command == ["make test"]
    deps = (REPO / ".ci" / "system-deps").read_text(encoding="utf-8")
    assert (REPO / ".ci" / "system-deps").stat().st_mode & stat.S_IXUSR
    for package in ("chromium", "texlive-latex-base", "texlive-latex-recommended"):
        assert package in deps


def _venv_ready() -> str | None:
    """Why ``make test`` cannot be run from inside the test suite, or None if it can."""
    if shutil.which("make") is None:
        return "make not installed"
    venv = REPO / ".venv"
    if Path(sys.prefix).resolve() != venv.resolve():
        return f"tests not running in {venv}"
    sha = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()[:16]
    if not (venv / f".installed-{sha}").exists():
        return "no install stamp: run `make test` once (it would otherwise reinstall here)"
    return None


def _make_test(pytest_args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS", "PYTEST_"))}
    return subprocess.run(
        ["make", "-s", "-C", str(REPO), "test", f"PYTEST_ARGS={pytest_args}", "PYTHON=" + sys.executable],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.skipif(_venv_ready() is not None, reason=str(_venv_ready()))
def test_make_test_fails_when_no_test_is_collected():
    res = _make_test("-p no:cacheprovider tests/test_environment.py -k no_such_test_zzz")
    assert res.returncode != 0
    assert "pytest collected no tests" in res.stderr


@pytest.mark.skipif(_venv_ready() is not None, reason=str(_venv_ready()))
def test_make_test_fails_when_a_test_fails(tmp_path):
    failing = tmp_path / "test_failing.py"
    failing.write_text("def test_fails():\n    assert 1 + 1 == 3\n", encoding="utf-8")
    res = _make_test(f"-p no:cacheprovider --rootdir={tmp_path} {failing}")
    assert res.returncode != 0
    assert "1 failed" in res.stdout


def test_cross_checks_never_skip_for_a_missing_peer():
    """pyfixest, linearmodels, wildboottest are [dev] dependencies: tests import them plainly (a missing
    peer fails the suite instead of silently skipping the cross-check)."""
    offenders = [
        f"{p.name}:{i}"
        for p in sorted((REPO / "tests").glob("*.py"))
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if "importorskip(" in line and "offenders" not in line
    ]
    assert not offenders, offenders
    dev = {
        split_requirement(r)[0]
        for r in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    }
    assert {"pyfixest", "linearmodels", "wildboottest"} <= dev
