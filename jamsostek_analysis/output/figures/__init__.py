"""Figures: where they go, the house style, and byte-deterministic saving.

Every figure of the study is written through :func:`save_figure`, every table through
:func:`jamsostek_analysis.output.tables.write_table`. Both write under :func:`output_dir`:

* ``$JAMSOSTEK_OUTPUT_DIR`` (figures) and ``$JAMSOSTEK_OUTPUT_DIR/tables`` (tables) when that variable
  is set (``jamsostek-analysis reproduce`` passes it through; tests point it at a temporary folder);
* otherwise ``figures/`` and ``figures/tables/`` under the repository root (the folder holding this
  project's ``pyproject.toml``), or under the current working directory when the package is not
  installed from a source checkout.

Saving is deterministic: the same figure saved twice gives identical bytes (no creation date, no
software version, fixed SVG hash salt), so regenerated outputs only change when their content does,
and an unchanged file is not rewritten (its modification time is kept).

Matplotlib is imported inside the functions, never at package import. Analysis modules add their own
figure builders next to this file (``figures/maps.py``, ...) and call :func:`save_figure`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from jamsostek_analysis.errors import JamsostekError, OutputError
from jamsostek_analysis.paths import repo_root

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

ENV_OUTPUT_DIR = "JAMSOSTEK_OUTPUT_DIR"
KINDS = ("figures", "tables")
FIGURE_FORMATS = ("png", "pdf", "svg")
SVG_HASHSALT = "jamsostek_analysis"

#: Metadata that removes every run-dependent field (dates, software versions) from saved files.
DETERMINISTIC_METADATA: dict[str, dict[str, None]] = {
    "png": {"Software": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
    "svg": {"Date": None, "Creator": None},
}

#: The house style: readable sizes, no top/right spines, light grid, colour-blind-safe cycle (Okabe-Ito).
HOUSE_RCPARAMS: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "sans-serif"],
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "axes.prop_cycle": None,  # filled in by house_rcparams() (needs matplotlib's cycler)
    "figure.dpi": 100,
    "figure.figsize": (6.4, 4.0),
    "savefig.dpi": 150,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "path",
    "svg.hashsalt": SVG_HASHSALT,
}

#: Okabe-Ito palette (distinguishable with common colour-vision deficiencies).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def output_dir(kind: str = "figures", *, create: bool = True) -> Path:
    """Folder that figures or tables are written to.

    Parameters
    ----------
    kind : {'figures', 'tables'}
        ``'figures'``: ``$JAMSOSTEK_OUTPUT_DIR`` or ``<repo>/figures``; ``'tables'``: the ``tables``
        subfolder of that.
    create : bool
        Create the folder if it does not exist.

    Returns
    -------
    pathlib.Path
        Absolute folder path.

    Raises
    ------
    OutputError
        If ``kind`` is not one of ``'figures'``, ``'tables'``.
    """
    if kind not in KINDS:
        raise OutputError(f"output_dir(kind={kind!r}): expected one of {', '.join(KINDS)}")
    env = os.environ.get(ENV_OUTPUT_DIR)
    if env:
        base = Path(env).expanduser()
    else:
        root = repo_root()
        base = (root if root is not None else Path.cwd()) / "figures"
    folder = base / "tables" if kind == "tables" else base
    folder = folder.resolve()
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_name(name: str) -> str:
    """Return ``name`` if it is a safe output name (no extension needed, no absolute path, no '..').

    Sub-folders are allowed (``'maps/coverage_2023'``). Raises :class:`OutputError` otherwise.
    """
    p = PurePosixPath(name)
    if not name or p.is_absolute() or ".." in p.parts or "\\" in name or name != p.as_posix() or name.endswith("/"):
        raise OutputError(f"output name {name!r}: expected a relative name such as 'coverage_map' or 'maps/coverage'")
    return name


def write_bytes_if_changed(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically unless the file already holds exactly these bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return path
    except OSError:  # pragma: no cover - unreadable existing file: overwrite it
        pass
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def house_rcparams() -> dict[str, Any]:
    """The house style as an rcParams dict (``matplotlib.rcParams.update(house_rcparams())``)."""
    from cycler import cycler

    params = dict(HOUSE_RCPARAMS)
    params["axes.prop_cycle"] = cycler(color=list(PALETTE))
    return params


def use_headless_backend() -> str:
    """Select matplotlib's non-interactive Agg backend unless a backend was chosen or a display exists.

    Inside Jupyter (an IPython kernel) or with ``$MPLBACKEND`` set, nothing is changed. Returns the
    backend in use.
    """
    import sys

    import matplotlib

    in_kernel = "ipykernel" in sys.modules
    has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform in (
        "darwin",
        "win32",
    )
    if (
        not in_kernel
        and not os.environ.get("MPLBACKEND")
        and not has_display
        and "matplotlib.pyplot" not in sys.modules
    ):
        matplotlib.use("Agg")
    return str(matplotlib.get_backend())


@contextlib.contextmanager
def house_style(**overrides: Any) -> Iterator[dict[str, Any]]:
    """Context manager applying the house style (plus ``overrides``, with dots given as ``__``).

    Examples
    --------
    >>> with house_style(font__size=11):          # doctest: +SKIP
    ...     fig, ax = plt.subplots()
    """
    import matplotlib

    use_headless_backend()
    params = house_rcparams()
    params.update({k.replace("__", "."): v for k, v in overrides.items()})
    with matplotlib.rc_context(params):
        yield params


def source_note(fig: Figure, text: str, *, fontsize: float = 7.5, y: float = 0.005) -> Any:
    """Put a source/attribution line at the bottom left of ``fig`` (e.g. ``'Source: BPS; BPJS-TK.'``).

    Leaves room for it by raising the bottom margin if needed. Returns the matplotlib ``Text``.
    """
    if not text:
        raise OutputError("source_note: empty text; name the data source(s) shown in the figure")
    note = fig.text(0.01, y, text, ha="left", va="bottom", fontsize=fontsize, color="#555555", wrap=True)
    with contextlib.suppress(Exception):  # constrained/tight layouts manage margins themselves
        if not fig.get_layout_engine():
            lines = text.count("\n") + 1
            needed = y + 0.03 * lines + 0.06
            if fig.subplotpars.bottom < needed:
                fig.subplots_adjust(bottom=needed)
    return note


def figure_bytes(fig: Figure, fmt: str, *, dpi: float = 150, bbox_inches: str | None = "tight") -> bytes:
    """Render ``fig`` in format ``fmt`` ('png', 'pdf' or 'svg') to deterministic bytes."""
    import io

    import matplotlib

    if fmt not in FIGURE_FORMATS:
        raise OutputError(f"figure format {fmt!r}: expected one of {', '.join(FIGURE_FORMATS)}")
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT}):
        fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches=bbox_inches, metadata=dict(DETERMINISTIC_METADATA[fmt]))
    return buf.getvalue()


def save_figure(
    fig: Figure,
    name: str,
    *,
    formats: Sequence[str] = ("png", "pdf"),
    dpi: float = 150,
    bbox_inches: str | None = "tight",
    close: bool = False,
) -> list[Path]:
    """Save ``fig`` as ``<output_dir('figures')>/<name>.<fmt>`` for each format, deterministically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    name : str
        File name without extension; may contain sub-folders (``'maps/coverage_2023'``).
    formats : sequence of {'png', 'pdf', 'svg'}
        Formats written, in this order.
    dpi : float
        Resolution of raster output.
    bbox_inches : str or None
        Passed to ``savefig`` (``'tight'`` trims white space).
    close : bool
        Close the figure after saving (frees memory in long notebooks).

    Returns
    -------
    list of pathlib.Path
        The written (or already up-to-date) files.

    Raises
    ------
    OutputError
        On an unsafe name or unknown format.
    """
    check_name(name)
    fmts = list(formats)
    if not fmts:
        raise OutputError(f"save_figure({name!r}): no format given; expected some of {', '.join(FIGURE_FORMATS)}")
    for fmt in fmts:
        if fmt not in FIGURE_FORMATS:
            raise OutputError(
                f"save_figure({name!r}): format {fmt!r} unknown; expected one of {', '.join(FIGURE_FORMATS)}"
            )
    folder = output_dir("figures")
    paths = [
        write_bytes_if_changed(folder / f"{name}.{fmt}", figure_bytes(fig, fmt, dpi=dpi, bbox_inches=bbox_inches))
        for fmt in fmts
    ]
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return paths


__all__ = [
    "DETERMINISTIC_METADATA",
    "ENV_OUTPUT_DIR",
    "HOUSE_RCPARAMS",
    "PALETTE",
    "OutputError",
    "check_name",
    "figure_bytes",
    "house_rcparams",
    "house_style",
    "output_dir",
    "repo_root",
    "save_figure",
    "source_note",
    "use_headless_backend",
    "write_bytes_if_changed",
]
