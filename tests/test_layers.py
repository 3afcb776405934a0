"""The layer order of the package, enforced by import-linter (contract in pyproject.toml).

cli > pipeline > output > study > (estimation | data) > (geography | paths) > errors; estimation and
data are independent. Function-level imports count.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_layers_contract_is_kept():
    r = _lint(REPO)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 kept, 0 broken" in r.stdout


def test_a_function_level_import_across_layers_breaks_it(tmp_path):
    """A data module importing the study layer inside a function is caught (the check can fail)."""
    shutil.copytree(
        REPO / "jamsostek_analysis", tmp_path / "jamsostek_analysis", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    panel = tmp_path / "jamsostek_analysis" / "data" / "panel.py"
    panel.write_text(
        panel.read_text()
        + "\n\ndef _bad():\n    from jamsostek_analysis.study import analysis\n\n    return analysis\n"
    )
    r = _lint(tmp_path)
    assert r.returncode != 0
    assert "jamsostek_analysis.data.panel -> jamsostek_analysis.study.analysis" in r.stdout
