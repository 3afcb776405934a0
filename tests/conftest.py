"""Shared pytest fixtures.

``bundle``   : the read-only data bundle, found like the CLI finds it (``$JAMSOSTEK_DATA_DIR``, then
               ``../shared/data`` next to the repository); the whole session is skipped for tests that
               use it when the bundle is absent.
``data_dir`` : its root folder (a :class:`pathlib.Path`).

Tests must never write into the bundle; copy the few files they need into ``tmp_path``.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def bundle():
    """The located data bundle (not re-verified here; ``tests/test_bundle.py`` verifies it)."""
    from jamsostek_analysis.bundle import DataBundle
    from jamsostek_analysis.errors import BundleError

    try:
        return DataBundle.locate()
    except BundleError as exc:
        pytest.skip(f"data bundle not found (set JAMSOSTEK_DATA_DIR or place it at ../shared/data): {exc}")


@pytest.fixture(scope="session")
def data_dir(bundle) -> Path:
    """Root folder of the data bundle."""
    return bundle.root
