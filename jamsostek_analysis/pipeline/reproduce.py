"""Run the analysis notebooks in dependency order and write the run manifest.

``jamsostek-analysis reproduce`` (and ``make reproduce``) call :func:`reproduce`, which locates
and verifies the data bundle and calls :func:`run_notebooks`.

The pipeline is declared in ONE place, ``notebooks/pipeline.toml``::

    [[notebook]]
    name = "03_main_estimates"          # notebooks/03_main_estimates.py (+ paired .ipynb)
    needs = ["01_data"]                 # notebooks that must have finished successfully first
    description = "..."                 # optional
    outputs = ["tables/main.md"]        # optional, documentation only
    timeout = 1200                      # optional per-cell timeout (s) overriding --timeout

Notebooks are committed as jupytext percent-format ``.py`` scripts (the source of truth) paired
with ``.ipynb`` files without outputs. Before execution the ``.py`` is read with jupytext; if the
``.ipynb`` differs, the executed copy is built from the ``.py`` (combined with the ``.ipynb``'s
metadata) and the manifest notes that the pair is out of sync. The committed files are never
modified.

Execution: each notebook in a fresh IPython kernel started with *this* Python interpreter
(``sys.executable -m ipykernel_launcher``, whatever kernelspecs the user has installed), working
directory ``notebooks/``, environment = the current environment plus ``env`` (the CLI passes
``JAMSOSTEK_DATA_DIR``, ``JAMSOSTEK_EXTRA_DATA``; ``JAMSOSTEK_OUTPUT_DIR`` is passed through when
set, and ``JAMSOSTEK_BUILD_DIR`` is set to the output folder for intermediate artefacts that one
notebook hands to another). Independent notebooks run in parallel on ``jobs`` threads, each
driving its own kernel. On the first cell error, cell timeout or dead kernel, no further notebook
is started, running ones are interrupted, and the report names the notebook, the cell (index,
line in the ``.py``, first lines of source) and the error.

Outputs: executed copies in ``<out>/notebooks/<name>.ipynb`` (also for a failed notebook, with the
outputs up to the failing cell) and ``<out>/run_manifest.json`` (package versions, Python,
platform, git commit, data bundle checksums, figure/table checksums, wall time per notebook).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jamsostek_analysis.errors import JamsostekError, ReproduceError

if TYPE_CHECKING:  # pragma: no cover
    from nbformat import NotebookNode

    from jamsostek_analysis.data.bundle import DataBundle

PIPELINE_FILE = "pipeline.toml"
MANIFEST_FILE = "run_manifest.json"
ENV_DATA_DIR = "JAMSOSTEK_DATA_DIR"
ENV_EXTRA_DATA = "JAMSOSTEK_EXTRA_DATA"
ENV_OUTPUT_DIR = "JAMSOSTEK_OUTPUT_DIR"
ENV_BUILD_DIR = "JAMSOSTEK_BUILD_DIR"
KERNEL_NAME = "python3"
SOURCE_HEAD_LINES = 6
TRACEBACK_TAIL_LINES = 12

#: Distributions whose versions go into the run manifest.
KEY_PACKAGES = (
    "jamsostek_analysis",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "pyfixest",
    "linearmodels",
    "wildboottest",
    "matplotlib",
    "geopandas",
    "pyogrio",
    "shapely",
    "openpyxl",
    "tabulate",
    "nbclient",
    "nbformat",
    "ipykernel",
    "jupyter_client",
    "jupytext",
)

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --------------------------------------------------------------------------------------------
# pipeline declaration


@dataclass(frozen=True)
class NotebookSpec:
    """One ``[[notebook]]`` entry of ``pipeline.toml``."""

    name: str
    needs: tuple[str, ...] = ()
    description: str = ""
    outputs: tuple[str, ...] = ()
    timeout: int | None = None


def parse_pipeline(data: Mapping[str, Any], where: str = PIPELINE_FILE) -> list[NotebookSpec]:
    """Validate a parsed ``pipeline.toml`` and return its notebooks in file order.

    Raises
    ------
    ReproduceError
        Naming the entry and field at fault: missing/duplicate/malformed name, unknown field,
        ``needs`` naming an undeclared notebook or itself, a dependency cycle.
    """
    entries = data.get("notebook")
    if not isinstance(entries, list) or not entries:
        raise ReproduceError(f"{where}: expected one or more [[notebook]] tables")
    allowed = {"name", "needs", "description", "outputs", "timeout"}
    specs: list[NotebookSpec] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, start=1):
        label = f"{where}: [[notebook]] #{i}"
        if not isinstance(entry, dict):
            raise ReproduceError(f"{label}: expected a table")
        extra = sorted(set(entry) - allowed)
        if extra:
            raise ReproduceError(f"{label}: unknown field(s) {extra}; expected some of {sorted(allowed)}")
        name = entry.get("name")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ReproduceError(f"{label}: 'name' must be a file stem like '01_data', found {name!r}")
        label = f"{where}: notebook {name!r}"
        if name in seen:
            raise ReproduceError(f"{label}: declared twice")
        seen.add(name)
        needs = entry.get("needs", [])
        if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
            raise ReproduceError(f"{label}: 'needs' must be a list of notebook names, found {needs!r}")
        outputs = entry.get("outputs", [])
        if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
            raise ReproduceError(f"{label}: 'outputs' must be a list of strings, found {outputs!r}")
        timeout = entry.get("timeout")
        if timeout is not None and (not isinstance(timeout, int) or isinstance(timeout, bool) or timeout <= 0):
            raise ReproduceError(f"{label}: 'timeout' must be a positive integer (seconds), found {timeout!r}")
        description = entry.get("description", "")
        if not isinstance(description, str):
            raise ReproduceError(f"{label}: 'description' must be a string")
        specs.append(NotebookSpec(name, tuple(needs), description, tuple(outputs), timeout))
    names = {s.name for s in specs}
    for s in specs:
        for n in s.needs:
            if n == s.name:
                raise ReproduceError(f"{where}: notebook {s.name!r} needs itself")
            if n not in names:
                raise ReproduceError(
                    f"{where}: notebook {s.name!r} needs {n!r}, which is not declared; declared: {sorted(names)}"
                )
    topological_order(specs, where=where)
    return specs


def load_pipeline(notebooks_dir: str | os.PathLike, *, check_files: bool = True) -> list[NotebookSpec]:
    """Read and validate ``<notebooks_dir>/pipeline.toml``.

    Parameters
    ----------
    notebooks_dir : path
        Folder of the notebooks and ``pipeline.toml``.
    check_files : bool
        Also require ``<name>.py`` or ``<name>.ipynb`` to exist for every notebook.
    """
    path = Path(notebooks_dir) / PIPELINE_FILE
    if not path.is_file():
        raise ReproduceError(f"{path}: pipeline declaration not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ReproduceError(f"{path}: not valid TOML: {exc}") from exc
    specs = parse_pipeline(data, where=str(path))
    if check_files:
        for s in specs:
            notebook_files(notebooks_dir, s.name)
    return specs


def topological_order(specs: Sequence[NotebookSpec], *, where: str = PIPELINE_FILE) -> list[str]:
    """Names in an order where every notebook comes after what it needs (ties: declaration order).

    Raises :class:`ReproduceError` naming the notebooks on a dependency cycle.
    """
    pending = {s.name: set(s.needs) for s in specs}
    order: list[str] = []
    while pending:
        ready = [s.name for s in specs if s.name in pending and not (pending[s.name] - set(order))]
        if not ready:
            raise ReproduceError(f"{where}: dependency cycle among {sorted(pending)}")
        order.append(ready[0])
        del pending[ready[0]]
    return order


def select(specs: Sequence[NotebookSpec], only: Iterable[str] | None) -> list[NotebookSpec]:
    """The notebooks named in ``only`` plus everything they need (transitively), in declaration order.

    ``only`` None or empty selects all. Unknown names raise :class:`ReproduceError`.
    """
    if not only:
        return list(specs)
    by_name = {s.name: s for s in specs}
    wanted: set[str] = set()
    stack = list(only)
    while stack:
        name = stack.pop()
        if name not in by_name:
            raise ReproduceError(f"--only {name!r}: no such notebook in {PIPELINE_FILE}; declared: {sorted(by_name)}")
        if name not in wanted:
            wanted.add(name)
            stack.extend(by_name[name].needs)
    return [s for s in specs if s.name in wanted]


# --------------------------------------------------------------------------------------------
# notebook sources (jupytext pairing)


def notebook_files(notebooks_dir: str | os.PathLike, name: str) -> tuple[Path | None, Path | None]:
    """The paired ``(<name>.py, <name>.ipynb)``; either may be None, not both (else ReproduceError)."""
    folder = Path(notebooks_dir)
    py, ipynb = folder / f"{name}.py", folder / f"{name}.ipynb"
    py_p, nb_p = (py if py.is_file() else None), (ipynb if ipynb.is_file() else None)
    if py_p is None and nb_p is None:
        raise ReproduceError(
            f"notebook {name!r} declared in {folder / PIPELINE_FILE} but neither {py} nor {ipynb} exists"
        )
    return py_p, nb_p


def _cell_sources(nb: NotebookNode) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def load_notebook(notebooks_dir: str | os.PathLike, name: str) -> tuple[NotebookNode, dict[str, Any]]:
    """The notebook to execute, built from the ``.py`` when present (the source of truth).

    Returns
    -------
    (notebook, info)
        ``info``: ``source`` (file used), ``paired_ipynb`` (or None), ``ipynb_in_sync`` (True,
        False, or None without a pair), ``synced_from_py`` (the executed copy took its cells from
        the ``.py`` because the ``.ipynb`` differs or is older).
    """
    import jupytext
    import nbformat

    py, ipynb = notebook_files(notebooks_dir, name)
    info: dict[str, Any] = {"source": None, "paired_ipynb": None, "ipynb_in_sync": None, "synced_from_py": False}
    if py is not None:
        nb_py = jupytext.read(py)
        info["source"] = str(py)
        nb = nb_py
        if ipynb is not None:
            info["paired_ipynb"] = str(ipynb)
            nb_ipy = nbformat.read(ipynb, as_version=4)
            in_sync = _cell_sources(nb_py) == _cell_sources(nb_ipy)
            info["ipynb_in_sync"] = in_sync
            newer = py.stat().st_mtime_ns > ipynb.stat().st_mtime_ns
            if in_sync and not newer:
                nb = nb_ipy
            else:
                from jupytext.combine import combine_inputs_with_outputs

                nb = combine_inputs_with_outputs(nb_py, nb_ipy)
                info["synced_from_py"] = True
    else:
        assert ipynb is not None
        info["source"] = str(ipynb)
        nb = nbformat.read(ipynb, as_version=4)
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3 (ipykernel)", "language": "python"}
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb, info


# --------------------------------------------------------------------------------------------
# results


@dataclass
class CellFailure:
    """Where and how a notebook failed."""

    notebook: str
    kind: str  # 'error', 'timeout', 'dead kernel', 'kernel start', 'cancelled'
    ename: str
    evalue: str
    cell_index: int | None = None  # position in the notebook (0-based, all cell types)
    code_cell: int | None = None  # 1-based number among code cells
    source_file: str | None = None
    source_line: int | None = None  # first line of the cell in source_file (1-based), if found
    source_head: str = ""
    traceback_tail: str = ""

    def message(self) -> str:
        """Human-readable account of the failure (notebook, cell, source lines, error)."""
        where = f"notebook {self.notebook}"
        if self.cell_index is not None:
            where += f", cell {self.cell_index}"
            if self.code_cell is not None:
                where += f" (code cell {self.code_cell})"
        if self.source_file:
            where += f" [{self.source_file}" + (f", line {self.source_line}]" if self.source_line else "]")
        head = {
            "error": "failed",
            "timeout": "timed out",
            "dead kernel": "lost its kernel",
            "kernel start": "could not start a kernel",
            "cancelled": "was cancelled",
        }.get(self.kind, "failed")
        lines = [f"{where} {head}: {self.ename}: {self.evalue}"]
        if self.source_head:
            lines.append("  cell source:")
            lines += ["    " + s for s in self.source_head.splitlines()]
        if self.traceback_tail:
            lines.append("  traceback (last lines):")
            lines += ["    " + s for s in self.traceback_tail.splitlines()]
        return "\n".join(lines)


@dataclass
class NotebookRun:
    """Outcome of one notebook."""

    name: str
    status: str  # 'ok', 'failed', 'cancelled', 'skipped'
    seconds: float | None = None
    started: float | None = None  # seconds since the run started
    finished: float | None = None
    executed_copy: str | None = None
    source: str | None = None
    ipynb_in_sync: bool | None = None
    synced_from_py: bool = False
    code_cells: int = 0
    failure: CellFailure | None = None
    note: str = ""


@dataclass
class RunReport:
    """Outcome of :func:`run_notebooks`."""

    runs: list[NotebookRun]
    total_seconds: float
    out_dir: Path
    manifest_path: Path
    manifest: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every selected notebook ran without error."""
        return all(r.status == "ok" for r in self.runs)

    @property
    def failures(self) -> list[CellFailure]:
        """Failures of notebooks that failed on their own (not cancelled or skipped)."""
        return [r.failure for r in self.runs if r.status == "failed" and r.failure is not None]

    def run(self, name: str) -> NotebookRun:
        """The run of notebook ``name`` (KeyError if not selected)."""
        for r in self.runs:
            if r.name == name:
                return r
        raise KeyError(name)

    def message(self) -> str:
        """Summary: one line per notebook, then the failure details."""
        lines = []
        for r in self.runs:
            t = f"{r.seconds:7.1f} s" if r.seconds is not None else "      - "
            lines.append(f"  {r.status:9s} {t}  {r.name}" + (f"  ({r.note})" if r.note else ""))
        lines.append(f"  total wall time {self.total_seconds:.1f} s; manifest {self.manifest_path}")
        for f in self.failures:
            lines.append("")
            lines.append(f.message())
            run = self.run(f.notebook)
            if run.executed_copy:
                lines.append(f"  executed copy with outputs up to the failure: {run.executed_copy}")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# execution of one notebook


class _Cancelled(Exception):
    """Raised inside a notebook run when another notebook failed."""


def _kernel_manager() -> Any:
    """An async kernel manager whose 'python3' kernel is ``sys.executable -m ipykernel_launcher``."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    class _ThisPythonKernelSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:  # noqa: D102
            try:  # ipykernel's own spec for this interpreter (declares e.g. curve encryption support)
                from ipykernel.kernelspec import get_kernel_dict

                spec = dict(get_kernel_dict())
            except Exception:  # pragma: no cover - very old ipykernel
                spec = {"metadata": {}}
            spec["argv"] = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
            spec["display_name"] = f"Python {platform.python_version()} ({sys.prefix})"
            spec["language"] = "python"
            spec["env"] = {}
            return KernelSpec(
                **{
                    k: v
                    for k, v in spec.items()
                    if k in ("argv", "display_name", "language", "metadata", "env", "interrupt_mode")
                }
            )

    options: dict[str, Any] = {}
    if "transport_encryption" in AsyncKernelManager.class_trait_names():  # jupyter_client >= 8.8
        import zmq

        if zmq.has("curve"):  # encrypt kernel traffic when possible (and silence ipykernel's warning)
            options["transport_encryption"] = "auto"
    return AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=_ThisPythonKernelSpecs(), **options)


def _source_line(source_file: str | None, cell_source: str) -> int | None:
    if not source_file or not source_file.endswith(".py") or not cell_source.strip():
        return None
    try:
        text = Path(source_file).read_text(encoding="utf-8")
    except OSError:  # pragma: no cover
        return None
    first = cell_source.strip().splitlines()[0]
    pos = text.find(cell_source.strip())
    if pos < 0:
        pos = text.find(first)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else None


def _failure(
    name: str,
    nb: NotebookNode,
    cell_index: int | None,
    kind: str,
    ename: str,
    evalue: str,
    source_file: str | None,
    tb: str = "",
) -> CellFailure:
    code_cell = source_head = None
    line = None
    if cell_index is not None and 0 <= cell_index < len(nb.cells):
        cell = nb.cells[cell_index]
        code_cell = sum(1 for c in nb.cells[: cell_index + 1] if c.cell_type == "code")
        src_lines = cell.source.strip().splitlines()
        source_head = "\n".join(src_lines[:SOURCE_HEAD_LINES]) + ("\n..." if len(src_lines) > SOURCE_HEAD_LINES else "")
        line = _source_line(source_file, cell.source)
    tail = ""
    if tb:  # nbclient prefixes the traceback with the cell source between dashed rules: drop that
        text = _ANSI_RE.sub("", tb)
        marker = "-" * 18 + "\n"
        if text.count(marker) >= 2:
            text = text.split(marker, 2)[2]
        tail = "\n".join(line for line in text.strip().splitlines()[-TRACEBACK_TAIL_LINES:])
    return CellFailure(
        notebook=name,
        kind=kind,
        ename=ename,
        evalue=str(evalue).strip(),
        cell_index=cell_index,
        code_cell=code_cell,
        source_file=source_file,
        source_line=line,
        source_head=source_head or "",
        traceback_tail=tail,
    )


class _Runner:
    """Executes notebooks on threads; lets one failure cancel the others."""

    def __init__(self, *, env: dict[str, str], cwd: Path, on_cell: Callable[[str], None]) -> None:
        self.env = env
        self.cwd = cwd
        self.on_cell = on_cell
        self.cancel = threading.Event()
        self._lock = threading.Lock()
        self._running: dict[str, tuple[asyncio.AbstractEventLoop, Any]] = {}

    def cancel_all(self) -> None:
        """Stop starting cells and interrupt every running kernel."""
        self.cancel.set()
        with self._lock:
            running = list(self._running.values())
        for loop, km in running:
            try:
                asyncio.run_coroutine_threadsafe(km.interrupt_kernel(), loop)
            except RuntimeError:  # loop already closed
                pass

    def execute(self, name: str, nb: NotebookNode, *, timeout: int, source_file: str | None) -> CellFailure | None:
        """Execute ``nb`` in place (outputs are added); return None or the failure."""
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

        state: dict[str, Any] = {"cell": None, "error_cell": None}

        async def on_cell_start(cell: Any, cell_index: int) -> None:
            if self.cancel.is_set():
                raise _Cancelled()
            state["cell"] = cell_index

        async def on_cell_executed(cell: Any, cell_index: int, execute_reply: Any) -> None:
            if cell.cell_type == "code":
                self.on_cell(name)

        async def on_cell_error(cell: Any, cell_index: int, execute_reply: Any) -> None:
            state["error_cell"] = cell_index

        km = _kernel_manager()
        client = NotebookClient(
            nb,
            km=km,
            kernel_name=KERNEL_NAME,
            timeout=timeout,
            startup_timeout=120,
            record_timing=False,
            interrupt_on_timeout=False,
            on_cell_start=on_cell_start,
            on_cell_executed=on_cell_executed,
            on_cell_error=on_cell_error,
            resources={"metadata": {"path": str(self.cwd)}},
        )

        async def main() -> None:
            with self._lock:
                self._running[name] = (asyncio.get_running_loop(), km)
            try:
                # cleanup_kc: shut the kernel down afterwards although we created the manager
                await client.async_execute(cwd=str(self.cwd), env=dict(self.env), cleanup_kc=True)
            finally:
                with self._lock:
                    self._running.pop(name, None)

        try:
            asyncio.run(main())
        except CellExecutionError as exc:
            cell = state["error_cell"] if state["error_cell"] is not None else state["cell"]
            if self.cancel.is_set() and exc.ename == "KeyboardInterrupt":
                return _failure(name, nb, cell, "cancelled", "Cancelled", "another notebook failed", source_file)
            return _failure(name, nb, cell, "error", exc.ename, exc.evalue, source_file, exc.traceback)
        except CellTimeoutError as exc:
            msg = (
                f"cell did not finish within {timeout} s (raise --timeout or the notebook's timeout in {PIPELINE_FILE})"
            )
            return _failure(name, nb, state["cell"], "timeout", type(exc).__name__, msg, source_file)
        except DeadKernelError as exc:
            return _failure(
                name, nb, state["cell"], "dead kernel", "DeadKernelError", str(exc) or "kernel died", source_file
            )
        except _Cancelled:
            return _failure(name, nb, None, "cancelled", "Cancelled", "another notebook failed", source_file)
        except Exception as exc:  # kernel did not start, zmq errors, ...
            kind = "kernel start" if state["cell"] is None else "error"
            return _failure(name, nb, state["cell"], kind, type(exc).__name__, str(exc), source_file)
        return None


# --------------------------------------------------------------------------------------------
# guards of a run: loopback, one run at a time, outputs outside the inputs

LOCK_FILE = ".reproduce.lock"


def check_loopback(host: str = "127.0.0.1") -> None:
    """ReproduceError unless a TCP socket can be bound on ``host`` (Jupyter kernels talk over it).

    Without a loopback interface kernel start-up would hang for two minutes and end in tracebacks.
    """
    import socket

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
    except OSError as exc:
        raise ReproduceError(
            f"cannot open a socket on {host} ({exc.strerror or exc}): the notebooks run in Jupyter kernels, which "
            "need the loopback interface; bring it up (e.g. `ip link set lo up`, or run the container without "
            "--network none) and rerun"
        ) from None


class RunLock:
    """An exclusive, non-blocking lock on a folder (``<folder>/.reproduce.lock``, ``fcntl.flock``).

    Two ``reproduce`` runs writing the same outputs or build folder would mix their files; the
    second one is refused with the process id of the first. The lock ends with the process.
    """

    def __init__(self, folders: Iterable[Path]) -> None:
        self.folders = sorted({Path(f).resolve() for f in folders})
        self._handles: list[Any] = []

    def acquire(self) -> RunLock:
        import fcntl

        try:
            for folder in self.folders:
                folder.mkdir(parents=True, exist_ok=True)
                fh = open(folder / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115 - held until release
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    fh.seek(0)
                    holder = fh.read().strip() or "unknown"
                    fh.close()
                    raise ReproduceError(
                        f"{folder}: another reproduce run (process {holder}) is writing here; wait for it to end "
                        "(two runs at once would mix their outputs)"
                    ) from None
                fh.seek(0)
                fh.truncate()
                fh.write(str(os.getpid()))
                fh.flush()
                self._handles.append(fh)
        except BaseException:
            self.release()
            raise
        return self

    def release(self) -> None:
        for fh in self._handles:
            fh.close()  # closing the file releases the flock
        self._handles = []

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


def outputs_root(env: Mapping[str, str] | None = None) -> Path:
    """Absolute folder of figures and tables: ``JAMSOSTEK_OUTPUT_DIR`` of ``env`` (else of the
    process), resolved once against the current directory, or ``<repo>/figures``."""
    from jamsostek_analysis.output.figures import output_dir

    value = (env or {}).get(ENV_OUTPUT_DIR) or os.environ.get(ENV_OUTPUT_DIR)
    if value:
        return Path(value).expanduser().resolve()
    return output_dir("figures", create=False)


def _write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    from jamsostek_analysis.output.guard import atomic_write_bytes

    atomic_write_bytes(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------------------------
# the run


def _default_env(out_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault(ENV_BUILD_DIR, str(out_dir))
    env.setdefault("PYTHONHASHSEED", "0")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # silences a debugger warning in kernels
    return env


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="cell", desc="notebooks", dynamic_ncols=True, leave=True)


def run_notebooks(
    notebooks_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    jobs: int = 2,
    timeout: int = 600,
    only: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    progress: bool = True,
    bundle: DataBundle | None = None,
    log: Callable[[str], None] | None = None,
) -> RunReport:
    """Execute the notebooks of ``notebooks_dir/pipeline.toml`` in dependency order.

    Parameters
    ----------
    notebooks_dir : path
        Folder holding ``pipeline.toml`` and the notebooks; also the kernels' working directory.
    out_dir : path
        Receives ``notebooks/<name>.ipynb`` (executed copies) and ``run_manifest.json``.
    jobs : int
        Notebooks executed at the same time (independent ones only).
    timeout : int
        Seconds a cell may run (a notebook's ``timeout`` in ``pipeline.toml`` overrides it).
    only : sequence of str, optional
        Run only these notebooks and what they need.
    env : mapping, optional
        Environment variables set for the kernels on top of the current environment
        (``JAMSOSTEK_DATA_DIR``, ``JAMSOSTEK_EXTRA_DATA``, ``JAMSOSTEK_OUTPUT_DIR``, ...).
        ``JAMSOSTEK_BUILD_DIR`` defaults to ``out_dir`` and ``PYTHONHASHSEED`` to 0.
    progress : bool
        Show a tqdm progress bar (only when standard error is a terminal).
    bundle : DataBundle, optional
        Its checksums (relpath, origin, bytes, sha256) are recorded in the manifest.
    log : callable, optional
        Receives one line per event (start/finish of a notebook); default: print to stderr.

    Returns
    -------
    RunReport
        ``.ok`` is False if any notebook failed; ``.message()`` names the notebook, cell and error.

    Raises
    ------
    ReproduceError
        If ``pipeline.toml`` is invalid, a notebook file is missing or ``jobs`` < 1.
    """
    t0 = time.perf_counter()
    notebooks_dir = Path(notebooks_dir).resolve()
    out_dir = Path(out_dir).resolve()
    if jobs < 1:
        raise ReproduceError(f"--jobs {jobs}: expected at least 1")
    if timeout <= 0:
        raise ReproduceError(f"--timeout {timeout}: expected a positive number of seconds")
    check_loopback()
    lock = RunLock([out_dir, outputs_root(env)]).acquire()
    try:
        return _run_locked(
            notebooks_dir,
            out_dir,
            t0=t0,
            jobs=jobs,
            timeout=timeout,
            only=only,
            env=env,
            progress=progress,
            bundle=bundle,
            log=log,
        )
    finally:
        lock.release()


def _run_locked(
    notebooks_dir: Path,
    out_dir: Path,
    *,
    t0: float,
    jobs: int,
    timeout: int,
    only: Sequence[str] | None,
    env: Mapping[str, str] | None,
    progress: bool,
    bundle: DataBundle | None,
    log: Callable[[str], None] | None,
) -> RunReport:
    """:func:`run_notebooks` once the checks passed and the run lock is held."""
    import nbformat

    specs = select(load_pipeline(notebooks_dir, check_files=False), only)
    missing = []
    for s in specs:
        try:
            notebook_files(notebooks_dir, s.name)
        except ReproduceError as exc:
            missing.append(str(exc))
    if missing:
        raise ReproduceError("\n".join(missing))
    loaded = {}
    for s in specs:
        try:
            loaded[s.name] = load_notebook(notebooks_dir, s.name)
        except ReproduceError:
            raise
        except Exception as exc:  # jupytext/nbformat could not read the file
            raise ReproduceError(
                f"notebook {s.name!r} in {notebooks_dir}: cannot be read: {type(exc).__name__}: {exc}"
            ) from exc
    (out_dir / "notebooks").mkdir(parents=True, exist_ok=True)

    kernel_env = _default_env(out_dir)
    kernel_env.update({k: str(v) for k, v in (env or {}).items()})
    if kernel_env.get(ENV_OUTPUT_DIR):  # resolved once: the kernels run in the notebooks folder
        kernel_env[ENV_OUTPUT_DIR] = str(outputs_root(kernel_env))
    manifest_path = out_dir / MANIFEST_FILE
    # marked incomplete before anything runs: an interrupted or crashed run never leaves an "ok"
    _write_json_atomic(
        manifest_path,
        {
            "status": "incomplete",
            "note": "run started; this file is rewritten when the run ends (status ok, failed or interrupted)",
            "started_pid": os.getpid(),
            "notebooks": [s.name for s in specs],
        },
    )

    bar = _progress_bar(
        sum(1 for nb, _ in loaded.values() for c in nb.cells if c.cell_type == "code" and c.source.strip()),
        progress and sys.stderr.isatty(),
    )
    lock = threading.Lock()
    interrupted = False

    def emit(line: str) -> None:
        if bar is not None:
            bar.write(line, file=sys.stderr)
        elif log is not None:
            log(line)

    active: set[str] = set()

    def on_cell(name: str) -> None:
        if bar is not None:
            with lock:
                bar.update(1)

    def set_active(name: str, running: bool) -> None:
        with lock:
            (active.add if running else active.discard)(name)
            if bar is not None:
                bar.set_postfix_str(", ".join(sorted(active)), refresh=True)

    runner = _Runner(env=kernel_env, cwd=notebooks_dir, on_cell=on_cell)
    runs: dict[str, NotebookRun] = {}
    for s in specs:
        nb, info = loaded[s.name]
        runs[s.name] = NotebookRun(
            name=s.name,
            status="pending",
            source=info["source"],
            ipynb_in_sync=info["ipynb_in_sync"],
            synced_from_py=info["synced_from_py"],
            code_cells=sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip()),
        )
        if info["ipynb_in_sync"] is False:
            emit(
                f"note: {s.name}.ipynb differs from {s.name}.py; executing the .py "
                f"(update the pair with: jupytext --sync notebooks/{s.name}.py)"
            )

    def work(spec: NotebookSpec) -> NotebookRun:
        run = runs[spec.name]
        nb, info = loaded[spec.name]
        run.started = time.perf_counter() - t0
        emit(f"[reproduce] start  {spec.name}")
        set_active(spec.name, True)
        try:
            failure = runner.execute(spec.name, nb, timeout=spec.timeout or timeout, source_file=info["source"])
        finally:
            set_active(spec.name, False)
        run.finished = time.perf_counter() - t0
        run.seconds = run.finished - run.started
        target = out_dir / "notebooks" / f"{spec.name}.ipynb"
        from jamsostek_analysis.output.guard import atomic_write_bytes

        text = nbformat.writes(nb)
        atomic_write_bytes(target, (text if text.endswith("\n") else text + "\n").encode("utf-8"))
        run.executed_copy = str(target)
        run.failure = failure
        run.status = "ok" if failure is None else ("cancelled" if failure.kind == "cancelled" else "failed")
        emit(f"[reproduce] {run.status:6s} {spec.name} ({run.seconds:.1f} s)")
        return run

    done: set[str] = set()
    failed = False
    pending = list(specs)
    futures: dict[Future, str] = {}
    try:
        pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="notebook")
        try:
            while pending or futures:
                if not failed:
                    for spec in list(pending):
                        if len(futures) >= jobs:
                            break
                        if all(n in done for n in spec.needs):
                            pending.remove(spec)
                            futures[pool.submit(work, spec)] = spec.name
                if not futures:
                    break
                finished, _ = wait(list(futures), return_when=FIRST_COMPLETED)
                for fut in finished:
                    name = futures.pop(fut)
                    run = fut.result()
                    if run.status == "ok":
                        done.add(name)
                    elif not failed:
                        failed = True
                        runner.cancel_all()
        except BaseException as exc:  # Ctrl-C or a bug: interrupt the kernels so the worker threads end promptly
            runner.cancel_all()
            if not isinstance(exc, KeyboardInterrupt):
                raise
            interrupted = True
        finally:
            pool.shutdown(wait=True)
    finally:
        if bar is not None:
            bar.close()

    failed_names = [r.name for r in runs.values() if r.status == "failed"]
    for r in runs.values():
        if interrupted and r.status in ("pending", "cancelled", "failed"):
            r.status, r.note = "interrupted", "the run was interrupted (Ctrl-C)"
        elif r.status == "pending":
            r.status = "skipped"
            r.note = f"not run because {', '.join(failed_names) or 'another notebook'} failed"
        elif r.status == "cancelled":
            r.note = f"interrupted because {', '.join(failed_names) or 'another notebook'} failed"

    total = time.perf_counter() - t0
    ordered = [runs[s.name] for s in specs]
    manifest = build_manifest(
        ordered,
        specs=specs,
        notebooks_dir=notebooks_dir,
        out_dir=out_dir,
        total_seconds=total,
        jobs=jobs,
        timeout=timeout,
        env=kernel_env,
        bundle=bundle,
    )
    if interrupted:
        manifest["status"] = "interrupted"
    _write_json_atomic(manifest_path, manifest)
    if interrupted:
        raise KeyboardInterrupt
    return RunReport(runs=ordered, total_seconds=total, out_dir=out_dir, manifest_path=manifest_path, manifest=manifest)


# --------------------------------------------------------------------------------------------
# manifest


def package_versions(names: Iterable[str] = KEY_PACKAGES) -> dict[str, str | None]:
    """Installed versions of ``names`` (None if not installed), without importing them."""
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for n in names:
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            out[n] = None
    return out


def git_state(path: Path) -> dict[str, Any] | None:
    """``{'commit': sha, 'dirty': bool}`` of the git checkout holding ``path``, or None."""
    import subprocess

    try:
        commit = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(path), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}


def file_checksums(folder: Path) -> list[dict[str, Any]]:
    """relpath, bytes, sha256 of every non-hidden file under ``folder`` (sorted)."""
    import hashlib

    rows = []
    if not folder.is_dir():
        return rows
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts):
            rows.append(
                {"relpath": rel, "bytes": p.stat().st_size, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
            )
    return rows


def build_manifest(
    runs: Sequence[NotebookRun],
    *,
    specs: Sequence[NotebookSpec],
    notebooks_dir: Path,
    out_dir: Path,
    total_seconds: float,
    jobs: int,
    timeout: int,
    env: Mapping[str, str],
    bundle: DataBundle | None,
) -> dict[str, Any]:
    """The run manifest as a JSON-ready dict."""
    from datetime import datetime, timezone

    from jamsostek_analysis.output.figures import repo_root

    data: dict[str, Any]
    if bundle is None:
        data = {"bundle": None, "note": "no data bundle given to run_notebooks"}
    else:
        try:
            table = bundle.checksums()
            data = {
                "bundle": str(bundle.root),
                "extra": [str(p) for p in bundle.extra],
                "n_files": int(len(table)),
                "n_unverified": int((~table["verified"]).sum()),
                "files": [{**r, "verified": bool(r["verified"])} for r in table.to_dict(orient="records")],
            }
        except JamsostekError as exc:
            data = {"bundle": str(bundle.root), "error": str(exc)}
    out_root = outputs_root(env)
    repo = repo_root()
    needs = {s.name: list(s.needs) for s in specs}
    notebooks = []
    for r in runs:
        item = asdict(r)
        item["needs"] = needs.get(r.name, [])
        if r.failure is not None:
            item["failure"]["message"] = r.failure.message()
        notebooks.append(item)
    return {
        "status": "ok" if all(r.status == "ok" for r in runs) else "failed",
        "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "total_seconds": round(total_seconds, 3),
        "jobs": jobs,
        "cell_timeout_seconds": timeout,
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
        },
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
        },
        "packages": package_versions(),
        "git": git_state(repo) if repo is not None else None,
        "notebooks_dir": str(notebooks_dir),
        "environment": {
            k: env.get(k) for k in (ENV_DATA_DIR, ENV_EXTRA_DATA, ENV_OUTPUT_DIR, ENV_BUILD_DIR, "PYTHONHASHSEED")
        },
        "data": data,
        "notebooks": notebooks,
        "outputs": {"dir": str(out_root), "files": file_checksums(out_root)},
    }


# --------------------------------------------------------------------------------------------
# helpers for notebooks and the CLI


def build_dir() -> Path:
    """Folder for intermediate artefacts handed between notebooks: ``$JAMSOSTEK_BUILD_DIR`` or ``<repo>/build``."""
    from jamsostek_analysis.output.figures import repo_root

    env = os.environ.get(ENV_BUILD_DIR)
    if env:
        folder = Path(env)
    else:
        root = repo_root()
        folder = (root if root is not None else Path.cwd()) / "build"
    folder.mkdir(parents=True, exist_ok=True)
    return folder.resolve()


def check_inputs(bundle: DataBundle, *, allow_unverified: bool = False) -> list[str]:
    """Verify the bundle and the user additions before a run; return the lines to show on the console.

    Parameters
    ----------
    bundle : DataBundle
        The bundle and its user-additions folders.
    allow_unverified : bool
        Accept files that no ``MANIFEST.tsv`` lists (``--allow-unverified``); they are listed.

    Returns
    -------
    list of str
        One line per user-addition file used (which bundle file it replaces or that it is new)
        and per unverified file accepted.

    Raises
    ------
    BundleError
        Verification failed (see :meth:`DataBundle.verify`).
    ReproduceError
        Files used without verification and ``allow_unverified`` is False.
    """
    table = bundle.checksums()
    unverified = table.loc[~table["verified"], "relpath"].tolist()
    if unverified and not allow_unverified:
        shown = "\n  ".join(table.attrs.get("warnings", [])[:20])
        raise ReproduceError(
            f"{len(unverified)} file(s) are not listed in any MANIFEST.tsv and would be used without verification:\n  "
            f"{shown}\nadd them with `jamsostek-analysis data add`, remove them, or pass --allow-unverified"
        )
    lines = []
    for row in table[table["origin"] != "bundle"].itertuples(index=False):
        replaces = (Path(bundle.root) / row.relpath).is_file()
        lines.append(
            f"user addition {row.relpath} ({row.origin.removeprefix('extra:')}): "
            + ("replaces the bundle file of the same name" if replaces else "new file, read with the bundle's")
        )
    lines += [f"warning: {rel} used without verification (--allow-unverified)" for rel in unverified]
    lines += _cell_overrides(bundle, table)
    return lines


def _cell_overrides(bundle: DataBundle, table: Any) -> list[str]:
    """One line per BPS topic with user additions: how many bundle cells they replace (and change)."""
    import warnings

    from jamsostek_analysis.data.sources.bps import read_bps_topic

    topics = sorted(
        {
            rel.split("/")[2]
            for rel in table.loc[table["origin"] != "bundle", "relpath"]
            if rel.startswith("raw/bps/") and rel.count("/") == 3
        }
    )
    lines = []
    for topic in topics:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ov = read_bps_topic(bundle, topic).attrs.get("overrides", [])
        changed = sum(
            1
            for r in ov
            if not (r["old_value"] == r["value"] or (r["old_value"] != r["old_value"] and r["value"] != r["value"]))
        )
        lines.append(
            f"raw/bps/{topic}: {len(ov)} bundle cell(s) replaced by user additions ({changed} with a different value)"
        )
    return lines


def default_notebooks_dir() -> Path:
    """``notebooks/`` of the source checkout (or of the working directory)."""
    from jamsostek_analysis.output.figures import repo_root

    root = repo_root()
    return (root if root is not None else Path.cwd()) / "notebooks"


def reproduce(
    out: str | os.PathLike,
    *,
    data_dir: str | os.PathLike | None = None,
    extra_data: Sequence[str | os.PathLike] | None = None,
    jobs: int = 2,
    timeout: int = 600,
    only: Sequence[str] | None = None,
    notebooks_dir: str | os.PathLike | None = None,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
    allow_unverified: bool = False,
) -> RunReport:
    """Verify the data bundle, then run every notebook (``jamsostek-analysis reproduce``).

    Locates the data bundle (``data_dir`` > ``$JAMSOSTEK_DATA_DIR`` > ``data/bundle``) and the
    user additions, verifies their checksums (a mismatch raises :class:`BundleError`) and runs
    the notebooks with ``JAMSOSTEK_DATA_DIR``/``JAMSOSTEK_EXTRA_DATA``/``JAMSOSTEK_BUILD_DIR`` set.
    ``log`` receives progress lines (the bundle in use, every user-addition file used, notebooks
    starting and finishing).

    Refused before anything runs (named errors): files no manifest lists unless
    ``allow_unverified`` (:func:`check_inputs`); ``out`` or ``$JAMSOSTEK_OUTPUT_DIR`` inside the
    bundle or a user-additions folder, or not a folder
    (:func:`jamsostek_analysis.output.guard.check_output_paths`); no loopback interface; another
    run holding the lock of the same build or outputs folder (:class:`RunLock`). A relative
    ``$JAMSOSTEK_OUTPUT_DIR`` is resolved once, against the current directory, for the kernels
    and the manifest alike.
    """
    from jamsostek_analysis.data.bundle import DataBundle
    from jamsostek_analysis.output.guard import check_output_paths

    bundle = DataBundle.locate(data_dir, extra_data)
    notes = check_inputs(bundle, allow_unverified=allow_unverified)
    env = {ENV_DATA_DIR: str(bundle.root), ENV_EXTRA_DATA: os.pathsep.join(str(p) for p in bundle.extra)}
    out_env = f"${ENV_OUTPUT_DIR}"
    paths = check_output_paths(
        {"--out": out, out_env: os.environ.get(ENV_OUTPUT_DIR) or None}, bundle=bundle, folders=["--out", out_env]
    )
    out_dir = paths["--out"]
    env[ENV_BUILD_DIR] = str(out_dir)
    if out_env in paths:
        env[ENV_OUTPUT_DIR] = str(paths[out_env])
    if log is not None:
        extra = f"; user additions: {', '.join(map(str, bundle.extra))}" if bundle.extra else ""
        log(f"data bundle {bundle.root} verified{extra}")
        for note in notes:
            log(note)
    report = run_notebooks(
        notebooks_dir if notebooks_dir is not None else default_notebooks_dir(),
        out_dir,
        jobs=jobs,
        timeout=timeout,
        only=only,
        env=env,
        progress=progress,
        bundle=bundle,
        log=log,
    )
    if getattr(report, "ok", False) and not only and isinstance(getattr(report, "manifest", None), Mapping):
        from jamsostek_analysis.output.figures import output_dir, write_bytes_if_changed

        path = output_dir("figures") / VERSIONS_FILE
        write_bytes_if_changed(path, versions_markdown(report.manifest).encode("utf-8"))
        if log is not None:
            log(f"package versions behind the outputs: {path}")
    return report


VERSIONS_FILE = "VERSIONS.md"


def versions_markdown(manifest: Mapping[str, Any]) -> str:
    """The committed record of the software behind the figures and tables (``figures/VERSIONS.md``).

    Python, platform and the installed versions of the key packages from the run manifest; no
    timestamps or paths, so it changes only when a version does.
    """
    py = manifest.get("python") or {}
    plat = manifest.get("platform") or {}
    lines = [
        "# Package versions behind the committed figures and tables",
        "",
        "Written by `jamsostek-analysis reproduce` (`make reproduce`) after a complete, successful run, from its",
        "run manifest (`build/run_manifest.json`, which also holds the data checksums and timings).",
        "",
        f"- Python {py.get('version', '?')} ({py.get('implementation', '?')})",
        f"- Platform: {plat.get('system', '?')} {plat.get('machine', '?')}",
        "",
        "| package | version |",
        "|---|---|",
    ]
    for name, ver in sorted((manifest.get("packages") or {}).items()):
        lines.append(f"| {name} | {ver if ver else 'not installed'} |")
    return "\n".join(lines) + "\n"


__all__ = [
    "CellFailure",
    "NotebookRun",
    "NotebookSpec",
    "ReproduceError",
    "RunReport",
    "build_dir",
    "build_manifest",
    "reproduce",
    "versions_markdown",
    "load_notebook",
    "load_pipeline",
    "notebook_files",
    "package_versions",
    "parse_pipeline",
    "run_notebooks",
    "select",
    "topological_order",
]
