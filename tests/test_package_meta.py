"""Licence, citation and changelog: LICENSE is MIT, CITATION.cff is valid CFF 1.2.0 and agrees with
pyproject.toml, the README citation block and the CHANGELOG."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]

#: Keys CFF 1.2.0 allows at the top level (schema of the Citation File Format, version 1.2.0).
CFF_KEYS = {
    "abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi", "identifiers",
    "keywords", "license", "license-url", "message", "preferred-citation", "references", "repository",
    "repository-artifact", "repository-code", "title", "type", "url", "version",
}  # fmt: skip
CFF_REQUIRED = {"authors", "cff-version", "message", "title"}
PERSON_KEYS = {"family-names", "given-names", "name-particle", "name-suffix", "affiliation", "orcid", "email",
               "address", "alias", "city", "country", "fax", "post-code", "region", "tel", "website"}  # fmt: skip
ENTITY_KEYS = {"name", "address", "alias", "city", "country", "date-end", "date-start", "email", "fax",
               "location", "orcid", "post-code", "region", "tel", "website"}  # fmt: skip


def load_cff() -> dict:
    # dates stay text: CFF requires the quoted-or-plain YYYY-MM-DD string form
    return yaml.load((REPO / "CITATION.cff").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def cff_problems(cff: dict) -> list[str]:
    """Violations of the CFF 1.2.0 rules this file can break (empty list: valid)."""
    problems = [f"missing required key {k!r}" for k in sorted(CFF_REQUIRED - set(cff))]
    problems += [f"unknown key {k!r}" for k in sorted(set(cff) - CFF_KEYS)]
    if cff.get("cff-version") != "1.2.0":
        problems.append(f"cff-version {cff.get('cff-version')!r}, expected '1.2.0'")
    for k in ("message", "title", "version", "abstract"):
        if k in cff and (not isinstance(cff[k], str) or not cff[k].strip()):
            problems.append(f"{k} must be a non-empty string")
    authors = cff.get("authors")
    if not isinstance(authors, list) or not authors:
        problems.append("authors must be a non-empty list")
    else:
        for a in authors:
            keys = set(a) if isinstance(a, dict) else set()
            if not keys or not (keys <= PERSON_KEYS or (keys <= ENTITY_KEYS and "name" in keys)):
                problems.append(f"author {a!r} is neither a person nor an entity")
    if "date-released" in cff:
        try:
            dt.date.fromisoformat(cff["date-released"])
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", cff["date-released"])
        except (ValueError, AssertionError):
            problems.append(f"date-released {cff['date-released']!r} is not YYYY-MM-DD")
    if cff.get("type", "software") not in ("software", "dataset"):
        problems.append("type must be 'software' or 'dataset'")
    if "keywords" in cff and not all(isinstance(k, str) for k in cff["keywords"]):
        problems.append("keywords must be strings")
    return problems


def test_cff_validator_catches_errors():
    """The checks above reject broken files (they are not vacuous)."""
    good = load_cff()
    assert cff_problems(good) == []
    assert "missing required key 'title'" in cff_problems({k: v for k, v in good.items() if k != "title"})
    assert any("date-released" in p for p in cff_problems({**good, "date-released": "24.11.2026"}))
    assert any("unknown key 'homepage'" in p for p in cff_problems({**good, "homepage": "x"}))
    assert any("neither a person" in p for p in cff_problems({**good, "authors": [{"nickname": "x"}]}))


def test_license_is_mit_with_copyright_line():
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 The jamsostek_analysis authors" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


def test_citation_agrees_with_pyproject():
    cff = load_cff()
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert cff["version"] == project["version"] == "0.1.0"
    assert cff["license"] == project["license"] == "MIT"
    assert [a["name"] for a in cff["authors"]] == [a["name"] for a in project["authors"]]
    assert "repository-code" not in cff  # no public repository URL is known


def readme_citation_block(cff: dict) -> str:
    """The README's BibTeX block, built from CITATION.cff."""
    authors = " and ".join("{" + a["name"] + "}" for a in cff["authors"])
    fields = [("author", "{" + authors + "}"), ("title", "{" + cff["title"] + "}"), ("version", "{" + cff["version"] + "}"),
              ("date", "{" + cff["date-released"] + "}"), ("license", "{" + cff["license"] + "}")]  # fmt: skip
    body = "".join(f"  {k:<7} = {v},\n" for k, v in fields)
    return "```bibtex\n@software{jamsostek_analysis,\n" + body + "}\n```"


def test_readme_citation_block_is_taken_from_citation_cff():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- citation:start -->\n(.*?)\n<!-- citation:end -->", readme, re.S)
    assert block, "README.md has no citation block between <!-- citation:start --> and <!-- citation:end -->"
    assert block.group(1) == readme_citation_block(load_cff())


def test_changelog_has_the_released_version():
    cff = load_cff()
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{cff['version']}] - {cff['date-released']}" in text
    assert text.index("## [Unreleased]") < text.index(f"## [{cff['version']}]")


def test_readme_references_every_method():
    refs = (REPO / "README.md").read_text(encoding="utf-8").split("## References", 1)[1]
    for needle in ("Bell, R. M. and D. F. McCaffrey (2002)", "Imbens, G. W. and M. Kolesár (2016)",
                   "Roodman, D., J. G. MacKinnon, M. Ø. Nielsen and M. D. Webb (2019)", "Webb, M. D. (2023)",
                   "MacKinnon, J. G. and M. D. Webb (2017)", "MacKinnon, J. G. and M. D. Webb (2018)",
                   "Foster, J., J. Greer and E. Thorbecke (1984)", "Cameron, A. C., J. B. Gelbach and D. L. Miller (2008)",
                   "Pustejovsky, J. E. and E. Tipton (2018)", "Young, A. (2019)", "US$1.90 a day at 2011",
                   "US$2.15 a day at 2017 PPP"):  # fmt: skip
        assert needle in refs, needle


def test_every_notebook_marks_its_parameter_cell_for_papermill():
    """One code cell per notebook carries the papermill ``parameters`` tag, in the .py and the paired .ipynb."""
    import json as _json

    notebooks = sorted((REPO / "notebooks").glob("0*.py"))
    assert notebooks
    for py in notebooks:
        assert py.read_text(encoding="utf-8").count('# %% tags=["parameters"]') == 1, py.name
        cells = _json.loads(py.with_suffix(".ipynb").read_text(encoding="utf-8"))["cells"]
        tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1 and tagged[0]["cell_type"] == "code", py.name
