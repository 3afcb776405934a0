"""The data bundle: find it, verify it against ``MANIFEST.tsv``, resolve files (user additions win).

Where the bundle is found (first match wins; see :func:`describe_location`):

1. the ``data_dir`` argument (``--data-dir``);
2. the environment variable ``JAMSOSTEK_DATA_DIR``;
3. ``data/bundle`` shipped inside the repository (a byte-for-byte copy of the upstream bundle).

An explicit ``data_dir`` or ``$JAMSOSTEK_DATA_DIR`` that does not hold a bundle is an error; it does
not fall back to the defaults. A bundle folder is one that holds ``MANIFEST.tsv``.

``MANIFEST.tsv`` is tab-separated without header: relative path (``/``-separated, taken verbatim:
spaces, brackets and the U+00A0 no-break space are part of the name), size in bytes, SHA-256.

User additions (``--extra-data DIR``, repeatable, or ``$JAMSOSTEK_EXTRA_DATA`` with
``os.pathsep``-separated folders) are laid out like the bundle and carry their own ``MANIFEST.tsv``
(written by ``jamsostek-analysis data add``). A file in an extra folder replaces the bundle file of
the same relative path; later extra folders replace earlier ones. There is no default extra folder.

Verification hashes every file with SHA-256. Hashes are cached outside the (read-only) bundle, in
``$JAMSOSTEK_CACHE_DIR/checksums.json``, else ``$XDG_CACHE_HOME/jamsostek_analysis/checksums.json``,
else ``~/.cache/jamsostek_analysis/checksums.json``, keyed by absolute path, size, ``st_mtime_ns`` and
inode, so a rerun only stats the files. A file altered in place with its size and mtime restored
would pass the cache: ``data verify --no-cache`` rehashes everything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, NamedTuple

from jamsostek_analysis.errors import BundleError, BundleWarning
from jamsostek_analysis.paths import shipped_bundle_dir

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

ENV_DATA_DIR = "JAMSOSTEK_DATA_DIR"
ENV_EXTRA_DATA = "JAMSOSTEK_EXTRA_DATA"
ENV_CACHE_DIR = "JAMSOSTEK_CACHE_DIR"
MANIFEST_NAME = "MANIFEST.tsv"
CHUNK_SIZE = 1 << 20  # 1 MiB
_MAX_LISTED_PROBLEMS = 20

PathLike = str | os.PathLike


class ManifestEntry(NamedTuple):
    """One line of ``MANIFEST.tsv``."""

    relpath: str
    bytes: int
    sha256: str


# --------------------------------------------------------------------------------------------
# manifest and hashing


def _check_relpath(relpath: str, where: str) -> str:
    """Return ``relpath`` if it is a plain relative ``/``-separated path, else raise BundleError."""
    p = PurePosixPath(relpath)
    if (
        not relpath
        or p.is_absolute()
        or ".." in p.parts
        or "\\" in relpath
        or relpath != p.as_posix()
        or relpath == "."
        or any(part == "." for part in relpath.split("/"))
    ):
        raise BundleError(f"{where}: expected a relative path with '/' separators, found {relpath!r}")
    if any(ord(c) < 32 or ord(c) == 127 for c in relpath):
        raise BundleError(f"{where}: control character (tab, newline, ...) in the path {relpath!r}")
    return relpath


def read_manifest(path: PathLike, *, allow_empty: bool = False) -> dict[str, ManifestEntry]:
    """Parse a ``MANIFEST.tsv`` (relative path, bytes, sha256; tab-separated, no header).

    Parameters
    ----------
    path : str or PathLike
        The manifest file.
    allow_empty : bool
        Accept a manifest without entries (only ``data add`` starting a new additions folder).

    Returns
    -------
    dict
        Relative path -> :class:`ManifestEntry`, in file order.

    Raises
    ------
    BundleError
        If the file cannot be read, is empty or a line is malformed (message names file and line).
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleError(f"{path}: cannot read manifest ({exc})") from exc
    entries: dict[str, ManifestEntry] = {}
    # split on "\n" only: str.splitlines() would also split on other Unicode line separators
    for lineno, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line:
            continue
        where = f"{path}, line {lineno}"
        fields = line.split("\t")
        if len(fields) != 3:
            raise BundleError(f"{where}: expected 3 tab-separated fields (path, bytes, sha256), found {len(fields)}")
        relpath, size, sha = fields
        _check_relpath(relpath, where)
        if not size.isdigit():
            raise BundleError(f"{where}: expected a byte count, found {size!r}")
        sha = sha.lower()
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise BundleError(f"{where}: expected a 64-digit hexadecimal SHA-256, found {sha!r}")
        if relpath in entries:
            raise BundleError(f"{where}: {relpath!r} is listed twice")
        entries[relpath] = ManifestEntry(relpath, int(size), sha)
    if not entries and not allow_empty:
        raise BundleError(
            f"{path}: empty manifest (no file listed); expected one line per file "
            "(path, bytes, sha256): an empty manifest would switch verification off"
        )
    return entries


def write_manifest(path: PathLike, entries: Iterable[ManifestEntry]) -> None:
    """Write ``entries`` as ``MANIFEST.tsv`` (sorted by path, atomically replacing ``path``)."""
    lines = [f"{e.relpath}\t{e.bytes}\t{e.sha256}\n" for e in sorted(entries, key=lambda e: e.relpath)]
    _atomic_write(Path(path), "".join(lines).encode("utf-8"))


def sha256_file(path: PathLike) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_SIZE):
            h.update(chunk)
    return h.hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------------------
# checksum cache (outside the bundle)


def cache_path() -> Path:
    """Where the checksum cache lives (``$JAMSOSTEK_CACHE_DIR``, ``$XDG_CACHE_HOME``, ``~/.cache``)."""
    if os.environ.get(ENV_CACHE_DIR):
        return Path(os.environ[ENV_CACHE_DIR]) / "checksums.json"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "jamsostek_analysis" / "checksums.json"


def _valid_cache_entry(v: object) -> bool:
    """A cache entry is [size, mtime_ns, inode, sha256]; anything else is ignored (rehashed)."""
    return (
        isinstance(v, list)
        and len(v) == 4
        and all(isinstance(x, int) and not isinstance(x, bool) for x in v[:3])
        and isinstance(v[3], str)
        and len(v[3]) == 64
    )


def _load_cache(path: Path) -> dict[str, list]:
    """Entries of the checksum cache; a malformed file or entry is ignored (those files are rehashed)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["entries"] if data.get("version") == 1 and isinstance(data.get("entries"), dict) else {}
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return {}
    return {k: v for k, v in entries.items() if isinstance(k, str) and _valid_cache_entry(v)}


def _save_cache(path: Path, new: dict[str, list]) -> None:
    """Merge ``new`` into the cache file; drop entries of vanished files. Failures only warn."""
    try:
        entries = {k: v for k, v in _load_cache(path).items() if os.path.exists(k)}
        entries.update(new)
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, json.dumps({"version": 1, "entries": entries}, ensure_ascii=False).encode("utf-8"))
    except OSError as exc:
        warnings.warn(f"checksum cache {path} not written ({exc}); verification is unaffected", stacklevel=3)


def _stat_key(st: os.stat_result) -> list:
    return [st.st_size, st.st_mtime_ns, st.st_ino]


# --------------------------------------------------------------------------------------------
# locating the bundle


def _default_candidates() -> list[tuple[Path, str]]:
    """Default bundle location: the copy shipped in the repository (``data/bundle``)."""
    return [(shipped_bundle_dir(), "data/bundle shipped in the repository")]


def _is_bundle(path: Path) -> bool:
    return (path / MANIFEST_NAME).is_file()


def _search(data_dir: PathLike | None = None) -> tuple[Path, str]:
    """Find the bundle folder; return it and a short note on how it was found."""
    if data_dir is not None:
        candidates, fallback = [(Path(data_dir), "--data-dir / data_dir argument")], False
    elif os.environ.get(ENV_DATA_DIR):
        candidates, fallback = [(Path(os.environ[ENV_DATA_DIR]), f"${ENV_DATA_DIR}")], False
    else:
        candidates, fallback = _default_candidates(), True
    for path, how in candidates:
        if _is_bundle(path):
            return path.resolve(), how
    tried = "\n".join(
        f"  {path} ({how}): {'no ' + MANIFEST_NAME + ' there' if path.is_dir() else 'no such directory'}"
        for path, how in candidates
    )
    hint = f"\ngive --data-dir DIR or set ${ENV_DATA_DIR}" if fallback else ""
    raise BundleError(f"data bundle not found; tried:\n{tried}{hint}")


def _extra_dirs(extra_data: PathLike | Sequence[PathLike] | None) -> tuple[Path, ...]:
    if extra_data is None:
        env = os.environ.get(ENV_EXTRA_DATA, "")
        items: list[PathLike] = [p for p in env.split(os.pathsep) if p]
    elif isinstance(extra_data, (str, os.PathLike)):
        items = [extra_data]
    else:
        items = list(extra_data)
    dirs = []
    for item in items:
        p = Path(item).expanduser()
        if not p.is_dir():
            raise BundleError(f"user-additions folder {p} does not exist (from --extra-data or ${ENV_EXTRA_DATA})")
        dirs.append(p.resolve())
    return tuple(dirs)


def describe_location(data_dir: PathLike | None = None, extra_data: PathLike | Sequence[PathLike] | None = None) -> str:
    """Short description of the data folders in use and how they were found (``data where``)."""
    root, how = _search(data_dir)
    extra = _extra_dirs(extra_data)
    n = len(read_manifest(root / MANIFEST_NAME))
    lines = [
        f"bundle: {root} ({n} files in {MANIFEST_NAME}; found via {how})",
        f"search order: --data-dir > ${ENV_DATA_DIR} > data/bundle in the repository",
    ]
    if extra:
        src = "--extra-data" if extra_data is not None else f"${ENV_EXTRA_DATA}"
        lines.append(f"user additions ({src}; later folders take precedence):")
        lines += [f"  {d}" for d in extra]
    else:
        lines.append(f"user additions: none (give --extra-data DIR or set ${ENV_EXTRA_DATA})")
    lines.append(f"checksum cache: {cache_path()}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# the bundle


@dataclass(frozen=True)
class DataBundle:
    """The read-only data bundle plus optional user-addition folders (later ones win).

    Attributes
    ----------
    root : Path
        Bundle folder (holds ``MANIFEST.tsv``).
    extra : tuple of Path
        User-addition folders laid out like the bundle, each with its own ``MANIFEST.tsv``.
    """

    root: Path
    extra: tuple[Path, ...] = ()

    @classmethod
    def locate(
        cls, data_dir: PathLike | None = None, extra_data: PathLike | Sequence[PathLike] | None = None
    ) -> DataBundle:
        """Find the bundle (``data_dir`` > ``$JAMSOSTEK_DATA_DIR`` > ``data/bundle``) and extras.

        ``extra_data`` None means ``$JAMSOSTEK_EXTRA_DATA`` (``os.pathsep``-separated) or none.
        Raises :class:`BundleError` listing the places tried, or naming a missing extra folder.
        """
        root, _ = _search(data_dir)
        return cls(root=root, extra=_extra_dirs(extra_data))

    # -- resolving files -----------------------------------------------------------------

    def _layers(self) -> list[tuple[Path, str]]:
        """(folder, origin) from lowest to highest precedence."""
        return [(self.root, "bundle")] + [(d, f"extra:{d}") for d in self.extra]

    def path(self, relpath: PathLike) -> Path:
        """The file at bundle-relative ``relpath``: the last extra folder's copy if present, else the bundle's."""
        rel = _check_relpath(PurePosixPath(relpath).as_posix(), "DataBundle.path")
        for folder, _ in reversed(self._layers()):
            if (folder / rel).is_file():
                return folder / rel
        raise BundleError(f"{rel}: not in the data bundle {self.root}" + "".join(f" nor in {d}" for d in self.extra))

    def files(self, folder: PathLike, pattern: str = "*") -> list[Path]:
        """Files in bundle-relative ``folder`` matching ``pattern``: bundle and extra folders merged.

        A file of the same name in an extra folder replaces the bundle's (later extras win).
        Sorted by file name. Raises :class:`BundleError` if ``folder`` exists nowhere.
        """
        rel = _check_relpath(PurePosixPath(folder).as_posix(), "DataBundle.files")
        found: dict[str, Path] = {}
        exists = False
        for base, _ in self._layers():
            d = base / rel
            if d.is_dir():
                exists = True
                for p in d.glob(pattern):
                    if p.is_file() and p.name != MANIFEST_NAME:
                        found[p.relative_to(d).as_posix()] = p
        if not exists:
            raise BundleError(f"{rel}: no such folder in the data bundle {self.root} or its user additions")
        return [found[k] for k in sorted(found)]

    def origin(self, path: PathLike) -> str:
        """``'bundle'`` or ``'extra:<folder>'`` for a path inside the bundle or a user-additions folder."""
        p = Path(path).resolve()
        for folder, origin in reversed(self._layers()):
            if p.is_relative_to(folder):
                return origin
        raise BundleError(f"{p}: not inside the data bundle {self.root} or its user additions")

    # -- verification --------------------------------------------------------------------

    def verify(self, use_cache: bool = True) -> pd.DataFrame:
        """Check every file of the bundle and the extra folders against their ``MANIFEST.tsv``.

        Parameters
        ----------
        use_cache : bool
            Reuse hashes of files whose (path, size, mtime_ns, inode) are unchanged.

        Returns
        -------
        pandas.DataFrame
            One row per file: relpath, origin, bytes, sha256, status ('ok', or 'unlisted' for a
            file on disk that no manifest lists; those also trigger a :class:`BundleWarning`).
            ``.attrs['warnings']`` holds the warning messages. With ``use_cache=False`` every file
            is rehashed and the fresh hashes replace the cached ones (also when verification fails).

        Raises
        ------
        BundleError
            Naming every missing file (or dangling symlink), unreadable file, size mismatch
            (expected vs found bytes) and SHA-256 mismatch (expected vs found digest prefix); an
            empty manifest, a manifest listing fewer files than are left unlisted (truncated), or
            a user-additions folder without ``MANIFEST.tsv``.
        """
        import pandas as pd

        cpath = cache_path()
        cache = _load_cache(cpath) if use_cache else {}
        fresh: dict[str, list] = {}
        rows, problems, notes = [], [], []

        def digest(p: Path, st: os.stat_result) -> str:
            key, stamp = str(p), _stat_key(st)
            hit = cache.get(key)
            if hit is not None and hit[:3] == stamp:
                return hit[3]
            sha = sha256_file(p)
            fresh[key] = [*stamp, sha]
            return sha

        for folder, origin in self._layers():
            mpath = folder / MANIFEST_NAME
            if origin != "bundle" and not mpath.is_file():
                raise BundleError(
                    f"{folder}: user-additions folder without {MANIFEST_NAME}; its files could not be "
                    "verified (add files with `jamsostek-analysis data add`, which records their checksums)"
                )
            manifest = read_manifest(mpath)
            if origin != "bundle":
                for rel in sorted(set(manifest) | set(_walk(folder))):
                    parent = PurePosixPath(rel).parent.as_posix()
                    if not (self.root / parent).is_dir():
                        problems.append(
                            f"{folder / rel}: folder {parent!r} does not exist in the data bundle "
                            f"{self.root}, so no reader would ever use this file (misspelt topic?)"
                        )
            for rel, entry in manifest.items():
                p = folder / rel
                try:
                    st = p.stat()
                except OSError:
                    kind = "dangling symlink" if p.is_symlink() else "missing"
                    problems.append(f"{p}: {kind} (listed in {mpath} with {entry.bytes} bytes)")
                    continue
                if not p.is_file():
                    problems.append(f"{p}: not a regular file (listed in {mpath} with {entry.bytes} bytes)")
                    continue
                if st.st_size != entry.bytes:
                    problems.append(f"{p}: size differs: expected {entry.bytes} bytes, found {st.st_size}")
                    continue
                try:
                    sha = digest(p, st)
                except OSError as exc:
                    problems.append(f"{p}: cannot be read ({exc.strerror or exc})")
                    continue
                if sha != entry.sha256:
                    problems.append(
                        f"{p}: content differs: expected sha256 {entry.sha256[:12]}..., found {sha[:12]}..."
                    )
                    continue
                rows.append((rel, origin, st.st_size, sha, "ok"))
            unlisted = [rel for rel in _walk(folder) if rel not in manifest]
            if len(unlisted) > len(manifest):
                problems.append(
                    f"{mpath}: lists {len(manifest)} file(s) but {len(manifest) + len(unlisted)} are present "
                    f"(e.g. {unlisted[0]!r} is not listed): truncated or wrong manifest; expected every file listed"
                )
                continue
            for rel in unlisted:
                p = folder / rel
                try:
                    st = p.stat()
                    sha = digest(p, st)
                except OSError as exc:
                    kind = "dangling symlink" if p.is_symlink() else f"cannot be read ({exc.strerror or exc})"
                    problems.append(f"{p}: {kind} (not listed in {mpath})")
                    continue
                rows.append((rel, origin, st.st_size, sha, "unlisted"))
                notes.append(f"{p}: not listed in {mpath} (used without verification)")

        if fresh:
            # also after --no-cache: a rehash replaces stale entries, so a failed check cannot be
            # followed by a cached pass of the same altered file
            _save_cache(cpath, fresh)
        if problems:
            shown = problems[:_MAX_LISTED_PROBLEMS]
            more = len(problems) - len(shown)
            raise BundleError(
                f"data bundle verification failed: {len(problems)} problem(s) with files and their {MANIFEST_NAME}\n  "
                + "\n  ".join(shown)
                + (f"\n  ... and {more} more" if more else "")
            )
        for note in notes:
            warnings.warn(note, BundleWarning, stacklevel=2)
        table = pd.DataFrame(rows, columns=["relpath", "origin", "bytes", "sha256", "status"])
        table.attrs["warnings"] = notes
        return table

    def checksums(self) -> pd.DataFrame:
        """relpath, origin, bytes, sha256, verified of every file used, for the run manifest.

        ``verified`` is True for a file whose size and SHA-256 match its ``MANIFEST.tsv`` line and
        False for a file no manifest lists (used without verification).
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BundleWarning)
            table = self.verify(use_cache=True)
        out = table[["relpath", "origin", "bytes", "sha256"]].copy()
        out["verified"] = (table["status"] == "ok").to_numpy()
        out.attrs["warnings"] = table.attrs.get("warnings", [])
        return out


def _walk(folder: Path) -> list[str]:
    """All files under ``folder`` as sorted ``/``-separated relative paths, except the top-level manifest."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        base = Path(dirpath)
        for name in filenames:
            rel = (base / name).relative_to(folder).as_posix()
            if rel != MANIFEST_NAME:
                out.append(rel)
    return sorted(out)


_VERIFIED: set[DataBundle] = set()


def open_bundle(
    data_dir: PathLike | None = None,
    extra_data: PathLike | Sequence[PathLike] | None = None,
    verify: bool = True,
) -> DataBundle:
    """Locate the bundle and (once per process per bundle) verify it.

    Parameters
    ----------
    data_dir, extra_data
        As in :meth:`DataBundle.locate`.
    verify : bool
        Verify the checksums unless already done in this process for the same folders.
    """
    bundle = DataBundle.locate(data_dir, extra_data)
    if verify and bundle not in _VERIFIED:
        bundle.verify(use_cache=True)
        _VERIFIED.add(bundle)
    return bundle


# --------------------------------------------------------------------------------------------
# user additions


_BAD_NAME_CHARS = frozenset('\\/:*?"<>|')


def check_addition_name(name: str) -> str:
    """Return ``name`` if it is a safe file name for the additions folder, else raise BundleError.

    Refused: empty names, names starting with ``.`` (hidden files are skipped by the readers),
    ``MANIFEST.tsv``, control characters (tab, newline, ...) and ``\\ / : * ? " < > |``
    (they break the tab-separated manifest or are not portable).
    """
    bad = sorted({c for c in name if ord(c) < 32 or ord(c) == 127 or c in _BAD_NAME_CHARS})
    if not name or name.startswith(".") or name == MANIFEST_NAME or bad or name != name.strip():
        why = (
            f"character(s) {''.join(bad)!r}"
            if bad
            else "leading/trailing blank"
            if name != name.strip()
            else "hidden or reserved name"
        )
        raise BundleError(
            f"{name!r}: file name not accepted for user additions ({why}); "
            "rename the file (letters, digits, spaces, '-', '_', ',', '(', ')', '.')"
        )
    return name


def check_topic(topic: str, bundle_root: PathLike) -> str:
    """Normalise ``--topic`` and check it is a folder of the bundle (``raw/bps/<topic>``, ``curated``, ...).

    Raises
    ------
    BundleError
        If ``topic`` is not a plain relative path or the bundle has no such folder (a typo would
        make the added file invisible to every reader); the message lists the known BPS topics.
    """
    topic = _check_relpath(topic.strip().strip("/"), "--topic")
    root = Path(bundle_root)
    if not (root / topic).is_dir():
        bps = (
            sorted(p.name for p in (root / "raw" / "bps").iterdir() if p.is_dir())
            if (root / "raw" / "bps").is_dir()
            else []
        )
        raise BundleError(
            f"--topic {topic!r}: no such folder in the data bundle {root}; expected a bundle folder "
            f"such as raw/bps/<topic> with topic one of: {', '.join(bps)}"
        )
    return topic


def add_file(file: PathLike, topic: str, extra_dir: PathLike, bundle_root: PathLike | None = None) -> ManifestEntry:
    """Copy ``file`` into ``extra_dir/topic/`` and record its size and SHA-256 in ``extra_dir/MANIFEST.tsv``.

    Parameters
    ----------
    file : str or PathLike
        The exported table to add.
    topic : str
        Bundle-relative folder, e.g. ``raw/bps/poverty_province``.
    extra_dir : str or PathLike
        The user-additions folder (created if absent; an existing non-empty folder must hold a
        ``MANIFEST.tsv``).
    bundle_root : str or PathLike, optional
        The bundle: ``topic`` must be one of its folders and, for ``raw/bps/<topic>`` and
        ``raw/kemnaker``, the file must parse and (BPS) carry a title of that topic
        (:func:`jamsostek_analysis.data.sources.bps.check_topic_title`).

    Returns
    -------
    ManifestEntry
        The recorded manifest line.

    Raises
    ------
    BundleError
        If ``file`` is missing, ``topic`` is not a relative path, or a different file of the same
        name is already there (never overwritten).
    """
    src = Path(file)
    if not src.is_file():
        raise BundleError(f"{src}: no such file to add")
    check_addition_name(src.name)
    if bundle_root is not None:
        topic = check_topic(topic, bundle_root)
        _check_content(src, topic, Path(bundle_root))
    else:
        topic = _check_relpath(topic.strip().strip("/"), "--topic")
    extra = Path(extra_dir).expanduser()
    if extra.is_dir() and any(extra.iterdir()) and not (extra / MANIFEST_NAME).is_file():
        raise BundleError(
            f"{extra}: user-additions folder holds files but no {MANIFEST_NAME}; "
            "use an empty or new folder, or one written by `data add`"
        )
    extra.mkdir(parents=True, exist_ok=True)
    rel = f"{topic}/{src.name}"
    dest = extra / rel
    sha = sha256_file(src)
    if dest.exists():
        if not dest.is_file() or sha256_file(dest) != sha:
            raise BundleError(
                f"{dest}: a different file of this name is already in the user additions; "
                "remove it first or add the new file under another name"
            )
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
        os.close(fd)
        try:
            shutil.copyfile(src, tmp)
            if sha256_file(tmp) != sha:
                raise BundleError(f"{src}: copy to {dest} does not match the source (changed while copying?)")
            os.replace(tmp, dest)
        finally:
            Path(tmp).unlink(missing_ok=True)
    mpath = extra / MANIFEST_NAME
    entries = read_manifest(mpath, allow_empty=True) if mpath.exists() else {}
    entries[rel] = ManifestEntry(rel, dest.stat().st_size, sha)
    write_manifest(mpath, entries.values())
    _VERIFIED.clear()
    return entries[rel]


def _check_content(src: Path, topic: str, bundle_root: Path) -> None:
    """Parse a file about to be added with the reader of its topic (BPS exports: title vs topic)."""
    parts = topic.split("/")
    if len(parts) == 3 and parts[:2] == ["raw", "bps"]:
        from jamsostek_analysis.data.sources.bps import check_topic_title

        check_topic_title(src, parts[2], DataBundle(root=bundle_root))
    elif topic == "raw/kemnaker":
        from jamsostek_analysis.data.sources.kemnaker import KEMNAKER_RELPATH, parse_kemnaker_participants

        if src.name != PurePosixPath(KEMNAKER_RELPATH).name:
            raise BundleError(
                f"{src}: raw/kemnaker is read only as {PurePosixPath(KEMNAKER_RELPATH).name}; "
                "a file of another name would never be read"
            )
        from jamsostek_analysis.data.sources._text import read_text_file

        parse_kemnaker_participants(read_text_file(src), source_file=src.name)


def additions_dir(extra_data: Sequence[PathLike] | None = None) -> Path:
    """The folder ``data add`` writes to: the last ``extra_data`` entry, else the last ``$JAMSOSTEK_EXTRA_DATA`` entry.

    Raises
    ------
    BundleError
        If neither is given (there is no default user-additions folder).
    """
    if extra_data:
        return Path(extra_data[-1]).expanduser()
    env = [p for p in os.environ.get(ENV_EXTRA_DATA, "").split(os.pathsep) if p]
    if env:
        return Path(env[-1]).expanduser()
    raise BundleError(f"no user-additions folder: give --extra-data DIR or set ${ENV_EXTRA_DATA}")


class AddedFile(NamedTuple):
    """What :func:`add_user_file` did: the manifest line, the additions folder, the bundle file it shadows."""

    entry: ManifestEntry
    folder: Path
    replaces: Path | None


def add_user_file(
    file: PathLike,
    topic: str,
    data_dir: PathLike | None = None,
    extra_data: Sequence[PathLike] | None = None,
) -> AddedFile:
    """Add ``file`` to the user-additions folder of :func:`additions_dir` (``data add``).

    Raises
    ------
    BundleError
        No additions folder, an additions folder inside the read-only bundle, or an error of :func:`add_file`.
    """
    extra = additions_dir(extra_data)
    bundle = DataBundle.locate(data_dir, ())
    if extra.resolve().is_relative_to(bundle.root):
        raise BundleError(f"{extra}: user additions must live outside the read-only bundle {bundle.root}")
    entry = add_file(file, topic, extra, bundle_root=bundle.root)
    shadowed = bundle.root / entry.relpath
    return AddedFile(entry, extra, shadowed if shadowed.exists() else None)
