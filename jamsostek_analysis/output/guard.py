"""Where outputs may go: never into the data bundle or a user-additions folder, never onto an
input, never two outputs on one path; written atomically (a temporary file renamed into place).

Used by the ``panel`` and ``reproduce`` commands before anything is computed, so a bad path is
refused at once with an :class:`~jamsostek_analysis.errors.OutputError` (exit status 2).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jamsostek_analysis.errors import OutputError


def _protected(bundle: Any) -> list[tuple[Path, str]]:
    """(folder, what) pairs no output may enter: the bundle root and every user-additions folder."""
    if bundle is None:
        return []
    out = [(Path(bundle.root).resolve(), "the read-only data bundle")]
    out += [(Path(d).resolve(), "the user-additions folder") for d in getattr(bundle, "extra", ())]
    return out


def check_output_paths(
    outputs: Mapping[str, str | os.PathLike | None],
    *,
    bundle: Any = None,
    inputs: Iterable[str | os.PathLike] = (),
    folders: Iterable[str] = (),
) -> dict[str, Path]:
    """Resolve and check output paths before anything is written.

    Parameters
    ----------
    outputs : mapping
        Option name (``'--out'``) -> path; None entries are skipped.
    bundle : DataBundle, optional
        Its root and user-additions folders are off limits.
    inputs : iterable of path
        Further input files that must not be overwritten (e.g. the CSV read by ``estimate``).
    folders : iterable of str
        Option names whose path is a folder (``reproduce --out``); the others are files.

    Returns
    -------
    dict
        Option name -> absolute path.

    Raises
    ------
    OutputError
        An output inside the bundle or a user-additions folder, onto an input file, two outputs
        on one path, a file output that is an existing folder (or a folder output that is a
        file), or a parent that exists but is not a folder or is not writable.
    """
    folder_opts = set(folders)
    resolved: dict[str, Path] = {}
    protected = _protected(bundle)
    input_set = {Path(p).resolve() for p in inputs}
    for opt, raw in outputs.items():
        if raw is None:
            continue
        p = Path(raw).expanduser().resolve()
        for root, what in protected:
            if p == root or p.is_relative_to(root):
                raise OutputError(
                    f"{opt} {raw}: inside {what} {root}; write outputs elsewhere (inputs are never overwritten)"
                )
        if p in input_set:
            raise OutputError(f"{opt} {raw}: is an input file of this run; choose another output path")
        for other, q in resolved.items():
            if q == p:
                raise OutputError(f"{opt} {raw} and {other}: the same path; the second write would destroy the first")
        if opt in folder_opts:
            if p.exists() and not p.is_dir():
                raise OutputError(f"{opt} {raw}: exists and is not a folder")
        elif p.is_dir():
            raise OutputError(f"{opt} {raw}: is a folder; expected a file path such as {Path(raw) / 'panel.csv'}")
        parent = p if opt in folder_opts else p.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir():
            raise OutputError(f"{opt} {raw}: {parent} is not a folder")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise OutputError(f"{opt} {raw}: folder {parent} is not writable")
        resolved[opt] = p
    return resolved


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder renamed into place.

    Raises
    ------
    OutputError
        If the folder cannot be created or the file cannot be written (names the path and why).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path
