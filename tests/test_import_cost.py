"""Import cost (issue 13): importing the package, its estimation layer and the fitting modules does
not import scipy.stats, scipy.optimize, matplotlib, geopandas or jupyter (they are imported where
they are used). Checked in a fresh interpreter, where nothing is imported yet."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "scipy.stats",
    "scipy.optimize",
    "matplotlib",
    "geopandas",
    "jupyter",
    "jupyter_client",
    "nbformat",
    "nbclient",
)


@pytest.mark.parametrize(
    "module",
    [
        "jamsostek_analysis",
        "jamsostek_analysis.estimation",
        "jamsostek_analysis.estimation.models",
        "jamsostek_analysis.estimation.inference",
        "jamsostek_analysis.estimation.design",
        "jamsostek_analysis.estimation.wildboot",
        "jamsostek_analysis.estimation.randomization",
    ],
)
def test_import_does_not_pull_heavy_libraries(module):
    code = f"import json, sys, importlib; importlib.import_module({module!r}); print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout)
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY))
    assert module in loaded
    assert heavy == [], f"import {module} loaded {heavy[:10]}"


def test_lazy_scipy_still_works_after_import():
    """The functions that need scipy.stats import it themselves (p-values, intervals)."""
    code = (
        "import numpy as np; from jamsostek_analysis.estimation.inference import t_pvalues; "
        "print(repr(float(t_pvalues(np.array([2.0]), 10)[0])))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout) == pytest.approx(0.07338803477074, rel=1e-10)
