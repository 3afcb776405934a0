"""A static HTML report of the last reproduce run: ``jamsostek-analysis report --out DIR`` (``make report``).

The site is built from the executed notebooks that ``reproduce`` wrote (``<build>/notebooks/*.ipynb``,
order and descriptions from ``notebooks/pipeline.toml`` as recorded in ``<build>/run_manifest.json``)
and from the committed outputs in ``figures/``:

* ``index.html``: the findings (the README's "Findings" section), every figure of ``figures/`` and
  every table of ``figures/tables/``, links to the notebook pages, the run's commit and package
  versions;
* ``notebooks/<name>.html``: one page per notebook with its text, code and outputs (nbconvert's
  ``basic`` HTML exporter; plots embedded as data URIs), followed by the figures it saved;
* ``figures/``: copies of the PNG figures.

Nothing is loaded from the network: no scripts, fonts or style sheets from a CDN; styles are inline.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jamsostek_analysis.errors import OutputError

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 72rem; margin: 0 auto;
       padding: 1rem 1.5rem 4rem; color: #1b1b1b; line-height: 1.5; }
nav { font-size: 0.9rem; border-bottom: 1px solid #ddd; padding-bottom: 0.5rem; margin-bottom: 1rem; }
nav a { margin-right: 1rem; }
h1 { font-size: 1.7rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #eee; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9rem; color: #555; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.85rem; display: block; overflow-x: auto; }
th, td { border-bottom: 1px solid #ddd; padding: 0.2rem 0.6rem; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
.tablenote, .meta { font-size: 0.85rem; color: #444; }
.notebook-list dt { font-weight: 600; } .notebook-list dd { margin: 0 0 0.8rem 1rem; }
.jp-body .input_area, .jp-body div.highlight { background: #f6f8fa; border-radius: 4px; overflow-x: auto; }
.jp-body pre { margin: 0.3rem 0; padding: 0.4rem; overflow-x: auto; font-size: 0.82rem; }
.jp-body .prompt { display: none; }
.jp-body .output_area img { max-width: 100%; height: auto; }
.jp-body .output_stderr { background: #fff5f5; }
.jp-body .cell { margin: 0.6rem 0; }
"""


@dataclass
class NotebookPage:
    """One notebook of the site."""

    name: str
    description: str
    html_path: Path
    figures: list[str] = field(default_factory=list)


@dataclass
class ReportSite:
    """What :func:`build_report` wrote."""

    out_dir: Path
    index: Path
    pages: list[NotebookPage]
    figures: list[Path]
    tables: list[Path]

    @property
    def files(self) -> list[Path]:
        """Every HTML page of the site."""
        return [self.index, *(p.html_path for p in self.pages)]


# --------------------------------------------------------------------------------------------
# pieces


def _markdown(text: str) -> str:
    import mistune

    md = mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])
    return str(md(text))


def readme_section(readme: str, title: str) -> str:
    """The Markdown of section ``## <title>`` of a README (up to the next ``## ``); '' if absent."""
    m = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", readme, re.M | re.S)
    return m.group(1).strip() if m else ""


def _page(title: str, body: str, *, depth: int = 0, extra_style: str = "") -> str:
    up = "../" * depth
    nav = (
        f'<nav><a href="{up}index.html">Report home</a><a href="{up}index.html#figures">Figures</a>'
        f'<a href="{up}index.html#tables">Tables</a><a href="{up}index.html#notebooks">Notebooks</a></nav>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}{extra_style}</style>\n</head>\n<body>\n{nav}\n{body}\n</body>\n</html>\n"
    )


def _figure_html(src: str, name: str) -> str:
    return (
        f'<figure id="{html.escape(name)}"><img src="{html.escape(src)}" alt="{html.escape(name)}" loading="eager">'
        f"<figcaption>{html.escape(name)}</figcaption></figure>"
    )


def _table_html(md_text: str, name: str) -> str:
    return (
        f'<section class="table" id="{html.escape(name)}"><h3>{html.escape(name)}</h3>\n{_markdown(md_text)}</section>'
    )


def _notebook_body(path: Path) -> tuple[str, str]:
    """(HTML of the executed notebook, pygments CSS)."""
    import nbformat
    from nbconvert import HTMLExporter
    from pygments.formatters import HtmlFormatter

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises several kinds for a broken file
        raise OutputError(f"{path}: not a readable notebook ({exc})") from exc
    exporter = HTMLExporter(template_name="basic")
    body, _ = exporter.from_notebook_node(nb)
    css = HtmlFormatter(style="default").get_style_defs(".highlight")
    return body, css


def _figures_of(notebook_source: str, figure_names: Sequence[str]) -> list[str]:
    """Figures (file stems) a notebook mentions in its source, in the order of ``figure_names``."""
    return [n for n in figure_names if re.search(rf"\b{re.escape(n)}\b", notebook_source)]


def _run_meta(manifest: dict[str, Any]) -> str:
    git = manifest.get("git") or {}
    packages = manifest.get("packages") or manifest.get("environment_packages") or {}
    python = (manifest.get("python") or {}).get("version", "?")
    commit = git.get("commit", "unknown")
    dirty = " (with uncommitted changes)" if git.get("dirty") else ""
    pk = ", ".join(f"{k} {v}" for k, v in sorted(packages.items()) if v)
    return f'<p class="meta">Built from commit <code>{html.escape(str(commit))}</code>{dirty}; Python {html.escape(python)}; {html.escape(pk)}.</p>'


# --------------------------------------------------------------------------------------------
# the site


def _notebook_order(build_dir: Path, manifest: dict[str, Any]) -> list[tuple[str, str]]:
    runs = manifest.get("notebooks")
    names: list[tuple[str, str]] = []
    if isinstance(runs, list):
        for r in runs:
            if isinstance(r, dict) and r.get("name"):
                names.append((str(r["name"]), str(r.get("description") or "")))
    if not names:
        names = [(p.stem, "") for p in sorted((build_dir / "notebooks").glob("*.ipynb"))]
    return names


def _descriptions(notebooks_dir: Path | None) -> dict[str, str]:
    if notebooks_dir is None or not (notebooks_dir / "pipeline.toml").is_file():
        return {}
    from jamsostek_analysis.pipeline.reproduce import load_pipeline

    return {s.name: s.description or "" for s in load_pipeline(notebooks_dir)}


def build_report(
    build_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    figures_dir: str | os.PathLike | None = None,
    readme: str | os.PathLike | None = None,
    notebooks_dir: str | os.PathLike | None = None,
) -> ReportSite:
    """Write the static HTML site of the last reproduce run to ``out_dir``.

    Parameters
    ----------
    build_dir
        The ``--out`` folder of ``reproduce``: ``notebooks/*.ipynb`` (executed) and ``run_manifest.json``.
    out_dir
        Folder of the site (created; files of an earlier site are replaced).
    figures_dir
        Figures and ``tables/`` (default: :func:`jamsostek_analysis.output.figures.output_dir`).
    readme
        README whose "Findings" section opens the index (default: ``README.md`` of the checkout).
    notebooks_dir
        Folder with ``pipeline.toml`` for the notebooks' descriptions (default: ``notebooks/`` of the checkout).

    Raises
    ------
    OutputError
        No executed notebooks in ``build_dir`` (run ``reproduce`` first), or an unreadable notebook.
    """
    from jamsostek_analysis.output.figures import output_dir, repo_root, write_bytes_if_changed

    build = Path(build_dir)
    nb_dir = build / "notebooks"
    if not nb_dir.is_dir() or not any(nb_dir.glob("*.ipynb")):
        raise OutputError(
            f"{nb_dir}: no executed notebooks; run `jamsostek-analysis reproduce --out {build}` (make reproduce) first"
        )
    manifest_path = build / "run_manifest.json"
    manifest: dict[str, Any] = {}
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise OutputError(f"{manifest_path}: not valid JSON ({exc})") from exc
    root = repo_root()
    figs = Path(figures_dir) if figures_dir is not None else output_dir("figures", create=False)
    readme_path = Path(readme) if readme is not None else (root / "README.md" if root is not None else None)
    nbs_src = Path(notebooks_dir) if notebooks_dir is not None else (root / "notebooks" if root is not None else None)
    descriptions = _descriptions(nbs_src)

    out = Path(out_dir)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    figure_files = sorted(figs.glob("*.png"))
    for f in figure_files:
        write_bytes_if_changed(out / "figures" / f.name, f.read_bytes())
    table_files = sorted((figs / "tables").glob("*.md"))
    figure_names = [f.stem for f in figure_files]

    pages: list[NotebookPage] = []
    for name, desc in _notebook_order(build, manifest):
        src = nb_dir / f"{name}.ipynb"
        if not src.is_file():
            continue
        body, css = _notebook_body(src)
        mentioned = _figures_of(src.read_text(encoding="utf-8"), figure_names)
        gallery = "".join(_figure_html(f"../figures/{n}.png", n) for n in mentioned)
        description = desc or descriptions.get(name, "")
        text = (
            f"<h1>Notebook {html.escape(name)}</h1>\n<p>{html.escape(description)}</p>\n"
            f'<div class="jp-body">\n{body}\n</div>\n'
            + (f'<h2 id="saved-figures">Figures saved by this notebook</h2>\n{gallery}\n' if gallery else "")
        )
        page = out / "notebooks" / f"{name}.html"
        write_bytes_if_changed(
            page, _page(f"{name} · jamsostek_analysis", text, depth=1, extra_style=css).encode("utf-8")
        )
        pages.append(NotebookPage(name, description, page, mentioned))

    findings = ""
    if readme_path is not None and readme_path.is_file():
        findings = readme_section(readme_path.read_text(encoding="utf-8"), "Findings")
    parts = [
        "<h1>BPJS Ketenagakerjaan coverage and (extreme) poverty across Indonesian provinces</h1>",
        "<p>Rendered from the executed notebooks of the last <code>reproduce</code> run and the committed figures and "
        "tables. Opens without a network connection.</p>",
        _run_meta(manifest) if manifest else "",
        '<h2 id="findings">Findings</h2>',
        _markdown(findings) if findings else "<p>(README.md has no Findings section.)</p>",
        '<h2 id="notebooks">Notebooks</h2>\n<dl class="notebook-list">',
        *(
            f'<dt><a href="notebooks/{html.escape(p.name)}.html">{html.escape(p.name)}</a></dt>'
            f"<dd>{html.escape(p.description)}</dd>"
            for p in pages
        ),
        "</dl>",
        '<h2 id="figures">Figures</h2>',
        *(_figure_html(f"figures/{f.name}", f.stem) for f in figure_files),
        '<h2 id="tables">Tables</h2>',
        *(_table_html(t.read_text(encoding="utf-8"), t.stem) for t in table_files),
    ]
    index = out / "index.html"
    write_bytes_if_changed(index, _page("jamsostek_analysis report", "\n".join(p for p in parts if p)).encode("utf-8"))
    return ReportSite(out, index, pages, [out / "figures" / f.name for f in figure_files], table_files)


def network_references(html_text: str) -> list[str]:
    """Resources an HTML page would load from the network (``src``, ``<link href>``, CSS ``url()``, ``@import``)."""
    found = re.findall(r"""\bsrc\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", html_text, re.I)
    found += re.findall(r"""<link\b[^>]*\bhref\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", html_text, re.I)
    found += re.findall(r"""url\(\s*["']?((?:https?:)?//[^)"']+)""", html_text, re.I)
    found += re.findall(r"""@import\s+["']((?:https?:)?//[^"']+)""", html_text, re.I)
    return found


__all__ = ["NotebookPage", "ReportSite", "build_report", "network_references", "readme_section"]
