"""Where the package lives: the source checkout and the data bundle shipped inside it.

The bottom layer (with :mod:`jamsostek_analysis.errors` and :mod:`jamsostek_analysis.geography`):
imports nothing else of the package.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_NAME_LINE = 'name = "jamsostek_analysis"'
BUNDLE_RELPATH = Path("data") / "bundle"


def repo_root() -> Path | None:
    """The source checkout holding this package (folder with this project's ``pyproject.toml``), or None."""
    root = PACKAGE_DIR.parent
    pyproject = root / "pyproject.toml"
    try:
        if pyproject.is_file() and PROJECT_NAME_LINE in pyproject.read_text(encoding="utf-8"):
            return root
    except OSError:  # pragma: no cover - unreadable file
        return None
    return None


def shipped_bundle_dir() -> Path:
    """``data/bundle`` of the source checkout (or of the working directory when installed elsewhere)."""
    root = repo_root()
    return (root if root is not None else Path.cwd()) / BUNDLE_RELPATH
