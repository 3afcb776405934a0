"""The HTML report: built from the session's notebook run, opened in headless Chromium.

Every page loads, every image resolves (``naturalWidth > 0`` after the load event), every figure of
``figures/`` appears, and no page loads anything from the network. Needs Debian's ``chromium``;
skipped where it is missing, except under CI (``CI=true``), where that is a failure: ``.ci/run``
installs it.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from jamsostek_analysis.cli import main
from jamsostek_analysis.errors import OutputError
from jamsostek_analysis.pipeline.report import build_report, network_references, readme_section

REPO = Path(__file__).resolve().parents[1]
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-extensions", "--disable-default-apps", "--mute-audio",
]  # fmt: skip

#: Injected into a copy of each page: after the load event, record every image's state on <body>.
PROBE = """<script>
window.addEventListener('load', function () {
  var rows = Array.prototype.map.call(document.images, function (im) {
    return [im.getAttribute('src').slice(0, 120), im.complete, im.naturalWidth];
  });
  document.body.setAttribute('data-probe', JSON.stringify({title: document.title, images: rows}));
});
</script>"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        exe = shutil.which(name)
        if exe:
            return exe
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("chromium is not installed (CI must apt-get install chromium)")
    pytest.skip("chromium not installed (apt-get install chromium)")


def load_in_browser(page: Path, profile: Path) -> dict:
    """Open a probed copy of ``page`` in headless Chromium; the probe's record after the load event."""
    probed = page.with_name(page.stem + ".probe.html")
    text = page.read_text(encoding="utf-8")
    probed.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    res = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--dump-dom", probed.as_uri()],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    probed.unlink()
    m = re.search(r'data-probe="([^"]*)"', res.stdout)
    assert m, f"{page.name}: no probe record (chromium exit {res.returncode}): {res.stderr[-1500:]}"
    return json.loads(html.unescape(m.group(1)))


@pytest.fixture(scope="module")
def site(reproduced_run, tmp_path_factory):
    report, out, build = reproduced_run
    assert report.ok, report.message()
    return build_report(build, tmp_path_factory.mktemp("site"), figures_dir=out)


def test_site_has_an_index_and_one_page_per_notebook(site, reproduced_run):
    report, _, _ = reproduced_run
    assert [p.name for p in site.pages] == [r.name for r in report.runs]
    index = site.index.read_text(encoding="utf-8")
    for p in site.pages:
        assert f'href="notebooks/{p.name}.html"' in index
    findings = readme_section((REPO / "README.md").read_text(encoding="utf-8"), "Findings")
    first_sentence = re.sub(r"[*`]", "", findings.split("\n")[0])[:40]
    assert first_sentence and html.escape(first_sentence, quote=False) in re.sub(r"<[^>]+>", "", index)


def test_no_page_loads_anything_from_the_network(site):
    for page in site.files:
        assert network_references(page.read_text(encoding="utf-8")) == [], page.name
    # the detector is not vacuous
    assert network_references(
        '<script src="https://cdn.example/x.js"></script><link rel=stylesheet href="//a/b.css">'
    ) == [
        "https://cdn.example/x.js",
        "//a/b.css",
    ]


def test_every_page_loads_and_every_image_resolves_in_chromium(site, tmp_path):
    figures_seen: set[str] = set()
    n_images = 0
    for k, page in enumerate(site.files):
        record = load_in_browser(page, tmp_path / f"profile{k}")
        assert record["title"], page.name
        broken = [src for src, complete, width in record["images"] if not (complete and width > 0)]
        assert broken == [], f"{page.name}: images that did not load: {broken}"
        n_images += len(record["images"])
        figures_seen |= {Path(src).stem for src, _, _ in record["images"] if src.endswith(".png") and "figures/" in src}
    committed = {p.stem for p in (REPO / "figures").glob("*.png")}
    assert committed and committed <= figures_seen, f"figures not shown: {sorted(committed - figures_seen)}"
    assert n_images >= 2 * len(committed)  # the gallery plus the notebooks' own plots


def test_the_probe_sees_a_broken_image(tmp_path):
    """The browser check is not vacuous: a missing image file is reported."""
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html><head><title>t</title></head><body><img src="nope.png"></body></html>')
    record = load_in_browser(page, tmp_path / "profile")
    assert record["images"] == [["nope.png", True, 0]]


def test_report_command_needs_a_reproduce_run(tmp_path, capsys):
    assert main(["report", "--build", str(tmp_path / "empty"), "--out", str(tmp_path / "site")]) == 2
    assert "run `jamsostek-analysis reproduce" in capsys.readouterr().err
    with pytest.raises(OutputError, match="no executed notebooks"):
        build_report(tmp_path, tmp_path / "site")
