"""Shared pytest fixtures.

``bundle``   : the read-only data bundle, found like the CLI finds it (``$JAMSOSTEK_DATA_DIR``, then
               ``data/bundle`` shipped in the repository). It is always there: a missing bundle is an
               error, never a skip.
``data_dir`` : its root folder (a :class:`pathlib.Path`).

Tests must never write into the bundle; copy the few files they need into ``tmp_path``.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def bundle():
    """The located data bundle (not re-verified here; ``tests/test_bundle.py`` verifies it)."""
    from jamsostek_analysis.data.bundle import DataBundle

    return DataBundle.locate()


@pytest.fixture(scope="session")
def data_dir(bundle) -> Path:
    """Root folder of the data bundle."""
    return bundle.root


@pytest.fixture(scope="session")
def reproduced_run(tmp_path_factory, bundle):
    """One execution of every notebook (as ``make reproduce``) into temporary folders, shared by the
    notebook tests and the report tests: ``(RunReport, output folder, build folder)``."""
    import os

    from jamsostek_analysis.pipeline.reproduce import run_notebooks

    repo = Path(__file__).resolve().parents[1]
    out = tmp_path_factory.mktemp("outputs")
    build = tmp_path_factory.mktemp("build")
    env = dict(os.environ, JAMSOSTEK_OUTPUT_DIR=str(out), JAMSOSTEK_DATA_DIR=str(bundle.root))
    report = run_notebooks(repo / "notebooks", build, jobs=2, timeout=600, env=env, progress=False)
    return report, out, build
