"""`make lint` in the test suite: ruff check and ruff format --check over the tree and mypy on the package pass (configured in
pyproject.toml), so a landing that breaks lint fails here and not only in CI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(tool: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / tool), *args], cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_check_passes():
    res = _run("ruff", "check", "--no-cache", ".")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]


def test_ruff_format_check_passes():
    res = _run("ruff", "format", "--check", "--no-cache", ".")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]


def test_ruff_format_flags_unformatted_code(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("x = {  'a':1 }\n")
    res = _run("ruff", "format", "--check", "--no-cache", "--config", str(REPO / "pyproject.toml"), str(bad))
    assert res.returncode == 1


def test_ruff_catches_an_unused_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")
    res = _run("ruff", "check", "--no-cache", "--config", str(REPO / "pyproject.toml"), str(bad))
    assert res.returncode == 1 and "F401" in res.stdout


def test_mypy_passes_on_the_package():
    res = _run("mypy", "--cache-dir", str(REPO / ".mypy_cache"))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
