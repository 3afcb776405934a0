"""Generate the corpus of malformed inputs (issue 10) from real bundle files.

Run from the repository root::

    python tests/corpus/make_corpus.py

It rewrites ``tests/corpus/cases/<case id>/`` (only the files a case needs, each derived from a
real file of ``data/bundle`` by one named mutation) and ``tests/corpus/index.json``: one entry per
case with its class (the issue's headings), the kind of run (reader, verification, CLI), the
parameters and the expected outcome: a named error (class, and substrings the message must
contain: file, row/column, what was expected) or exactly the correct result (values equal to
the unmutated file's, spot values read from the raw text here, independently of the parser).
``tests/test_corpus.py`` runs every entry. The script is deterministic (no randomness, sorted
output), so rerunning it leaves the committed corpus unchanged.
"""

from __future__ import annotations

import csv
import io
import re
import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BUNDLE = ROOT / "data" / "bundle"
CASES = HERE / "cases"
INDEX = HERE / "index.json"

P0_2020 = "raw/bps/poverty_province/Persentase Penduduk Miskin (P0) Menurut Provinsi dan Daerah, 2020.csv"
BPS_FILES = {  # short name -> (bundle relpath, layout, spot (row label, column index))
    "p0": (P0_2020, "stacked", ("ACEH", 7)),
    "hdi": ("raw/bps/hdi_province/[Metode Baru] Indeks Pembangunan Manusia (IPM) menurut Provinsi, 2024.csv", "stacked", ("ACEH", 1)),
    "tpt": ("raw/bps/tpt_province/Tingkat Pengangguran Terbuka Menurut Provinsi, 2025.csv", "stacked", ("ACEH", 1)),
    "formal": ("raw/bps/formal_employment_province/Persentase Tenaga Kerja Formal Menurut Provinsi, 2025.csv", "stacked", ("ACEH", 1)),
    "ump": ("raw/bps/minimum_wage_province/Upah Minimum Provinsi (UMP) per Bulan Menurut Provinsi di Indonesia, 2026.csv", "stacked", ("11 Aceh", 1)),
    "poor": ("raw/bps/poverty_count_province/Jumlah dan Persentase Penduduk Miskin Menurut Provinsi, 2025.csv", "flat", ("Aceh", 1)),
    "tpak": ("raw/bps/tpt_tpak_province/Tingkat Pengangguran Terbuka (TPT) dan Tingkat Partisipasi Angkatan Kerja (TPAK) Menurut Provinsi, 2025.csv", "flat", ("Aceh", 1)),
    "pop": ("raw/bps/population_province/Penduduk, Laju Pertumbuhan Penduduk, Distribusi Persentase Penduduk Kepadatan Penduduk, Rasio Jenis Kelamin Penduduk Menurut Provinsi, 2018.csv", "flat", ("Aceh", 1)),
}  # fmt: skip
KEMNAKER = "raw/kemnaker/data_peserta_bpjstk.csv"
COMPILED = "raw/compiled/den_econ_annual_full_extract.csv"

cases: list[dict] = []


def _text(rel: str) -> str:
    return (BUNDLE / rel).read_bytes().decode("utf-8-sig")


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _first_data(rows: list[list[str]], label: str) -> int:
    return next(i for i, r in enumerate(rows) if r and r[0].strip().upper() == label.upper())


def _is_num(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _indonesian(s: str) -> str:
    """'5096.2' -> '5.096,2'; '88' -> '88'; '1234' -> '1.234'; other text unchanged."""
    if not _is_num(s) or "e" in s.lower():
        return s
    neg = s.startswith("-")
    whole, _, frac = s.lstrip("+-").partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return ("-" if neg else "") + ".".join(groups) + ("," + frac if frac else "")


def add(cid: str, cls: str, kind: str, expect: dict, files: dict[str, bytes | str] | None = None, **params) -> None:
    folder = CASES / cid
    names = {}
    for name, data in (files or {}).items():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        names[name] = f"cases/{cid}/{name}"
    cases.append({"id": cid, "class": cls, "kind": kind, "files": names, "params": params, "expect": expect})


def err(error: str, *match: str, exit: int | None = None) -> dict:
    out = {"error": error, "match": list(match)}
    if exit is not None:
        out["exit"] = exit
    return out


# -------------------------------------------------------------------------- BPS exports


def bps_cases() -> None:
    for short, (rel, layout, (spot_label, spot_col)) in BPS_FILES.items():
        name = Path(rel).name
        text = _text(rel)
        rows = _rows(text)
        i0 = _first_data(rows, spot_label)
        spot = float(rows[i0][spot_col])
        header_end = i0

        def case(m: str, data, expect, kind="bps_table", fname=name, short=short, **kw):
            cls = "silent wrong results" if expect.get("error") is None else "tracebacks and silent wrong results"
            add(f"bps-{short}-{m}", cls, kind, expect, {fname: data}, file=fname, **kw)

        row_no = i0 + 1  # 1-based line of the first data row
        # correct results: same values as the bundle file
        same = {"same_as": rel, "spot": [spot_label, spot_col, spot]}
        case("crlf-bom", "\ufeff" + text.replace("\n", "\r\n"), same)
        ind = [r[:1] + [_indonesian(c) for c in r[1:]] if k >= i0 else r for k, r in enumerate(rows)]
        case("decimal-comma-file", _csv(ind), same)
        # named errors
        bad = [list(r) for r in rows]
        bad[i0][0] = bad[i0][0][:2] + "\x00" + bad[i0][0][2:]
        case("nul-byte", _csv(bad), err("ParseError", name, f"row {row_no}", "control character"))
        raw = _csv(rows).encode("utf-8")
        pos = raw.index(spot_label.encode()) + 1
        case("latin1-byte", raw[:pos] + b"\xe9" + raw[pos + 1 :], err("ParseError", name, "not UTF-8"))
        case(
            "header-only",
            _csv(rows[:header_end]),
            err("ParseError", name, "no data rows"),
            kind="bps_add_check",
            topic=rel.split("/")[2],
        )
        trunc = _csv(rows[: i0 + 3])
        cut = trunc.rstrip("\n")
        cut = cut[: cut.rfind(",")]
        case("truncated-row", cut + "\n", err("ParseError", name, f"row {i0 + 3}", "expected"))
        bad = [list(r) for r in rows]
        bad[i0][spot_col] = "n/a?"
        case(
            "text-in-cell",
            _csv(bad),
            err("ParseError", name, f"row {row_no}", f"column {spot_col + 1}", "expected a number"),
        )
        case("semicolon", text.replace(",", ";"), err("ParseError", name, "row 1", "';'"))
        bad = [list(r) for r in rows]
        bad[i0][0] = "ATLANTIS"
        case("unknown-region", _csv(bad), err("RegionError", name, f"row {row_no}", "ATLANTIS"))
        bad = [list(r) for r in rows]
        bad.insert(i0 + 1, list(rows[i0]))
        case("duplicate-row", _csv(bad), err("ParseError", name, f"rows {row_no} and {row_no + 1}", "printed twice"))
        bad = [r[:1] + [_indonesian(c) for c in r[1:]] if k == i0 else r for k, r in enumerate(rows)]
        if bad != rows and any("." in c and len(c.split(".")[-1]) != 3 for r in rows[i0 + 1 :] for c in r[1:]):
            case("mixed-number-formats", _csv(bad), err("ParseError", name, "mixed number formats", f"row {row_no}"))
        bad = [list(r) for r in rows]
        last = max(k for k, r in enumerate(bad) if r and _is_num(r[1] if len(r) > 1 else ""))
        bad.insert(last + 1, [""] * len(rows[0]))
        bad.insert(last + 2, list(rows[i0]))
        case("data-after-blank-row", _csv(bad), err("ParseError", name, "data after the footnotes"))
        if layout == "stacked":
            hdr = [list(r) for r in rows]
            prow = next((k for k in range(2, i0) if any("Semester 1" in c for c in hdr[k])), None)
            if prow is not None:
                b = [list(r) for r in hdr]
                b[prow] = [c.replace("Semester 1 (Maret)", "Semester 1 (Maret)*") for c in b[prow]]
                case(
                    "period-label-footnoted",
                    _csv(b),
                    err("ParseError", name, f"row {prow + 1}", "Semester 1 (Maret)*", "unknown header label"),
                )
                b = [list(r) for r in hdr]
                b[prow] = [c.replace("Semester 1 (Maret)", "Semester 1 (March)") for c in b[prow]]
                case("period-label-english", _csv(b), same)
            arow = next((k for k in range(2, i0) if any(c.strip() == "Perkotaan" for c in hdr[k])), None)
            if arow is not None:
                b = [list(r) for r in hdr]
                b[arow] = [c.replace("Perkotaan", "Urban/Rural") for c in b[arow]]
                case(
                    "area-label-unknown",
                    _csv(b),
                    err("ParseError", name, f"row {arow + 1}", "Urban/Rural", "unknown header label"),
                )
            yrow = next(k for k in range(2, i0) if any(c.strip().isdigit() and len(c.strip()) == 4 for c in hdr[k]))
            year = next(c for c in hdr[yrow] if c.strip().isdigit())
            b = [list(r) for r in hdr]
            b[yrow] = [c + "*" if c == year else c for c in b[yrow]]
            case("year-label-footnoted", _csv(b), err("ParseError", name, f"row {yrow + 1}", f"{year}*"))
            b = [list(r) for r in hdr]
            b[yrow] = [str(int(c) - 1) if c == year else c for c in b[yrow]]
            case("year-differs-from-file-name", _csv(b), err("ParseError", name, "differs from the file name year"))
        else:
            b = [list(r) for r in rows]
            j = next((j for j, c in enumerate(b[0]) if " - " in c), None)
            if j is not None:
                b[0][j] = re.sub(r"( - [A-Za-z]+)", r"\1*", b[0][j], count=1)
                case(
                    "period-suffix-unknown",
                    _csv(b),
                    err("ParseError", name, "row 1", f"column {j + 1}", "unknown period label"),
                )
            case(
                "no-year-in-file-name",
                text,
                err("ParseError", "file name has no ', YYYY' year"),
                fname=name.rsplit(",", 1)[0] + ".csv",
            )
    # a header-only user addition read with its topic (the bundle's own empty GRDP 2011 is accepted)
    rel, *_ = BPS_FILES["ump"]
    rows = _rows(_text(rel))
    i0 = _first_data(rows, "11 Aceh")
    add(
        "bps-topic-header-only-addition",
        "silent wrong results",
        "bps_topic_extra",
        err("ParseError", Path(rel).name.replace("2026", "2027"), "no data rows"),
        {Path(rel).name.replace("2026", "2027"): _csv([[c.replace("2026", "2027") for c in r] for r in rows[:i0]])},
        topic="minimum_wage_province",
    )
    # plausibility ranges (selected with the panel's variable spec)
    for cid, short, column, factor, cls in (
        ("range-p0-668", "p0", "p0", 100 / 2.244, "silent wrong results"),
        ("range-p0-negative", "p0", "p0", -1, "silent wrong results"),
    ):
        rel, _, (label, col) = BPS_FILES[short]
        rows = _rows(_text(rel))
        i0 = _first_data(rows, label)
        b = [list(r) for r in rows]
        b[i0][col] = "668" if factor > 0 else "-6.73"
        add(
            cid,
            cls,
            "select",
            err("PanelError", Path(rel).name, "p0 =", "province 11", "year 2020", "valid range 0 to 100"),
            {Path(rel).name: _csv(b)},
            file=Path(rel).name,
            column=column,
        )
    for short, column, new, what, *where in (
        ("hdi", "hdi", "7203", "valid range 0 to 100"),
        ("tpt", "tpt_b04", "-1", "valid range 0 to 100", 2),
        ("formal", "formal_share", "140.5", "valid range 0 to 100"),
        ("ump", "min_wage", "3.685", "valid range 100000 to 5e+07"),
    ):
        rel, _, (label, col) = BPS_FILES[short]
        col = where[0] if where else col  # tpt: the August column (February is not used)
        rows = _rows(_text(rel))
        i0 = _first_data(rows, label)
        b = [list(r) for r in rows]
        b[i0][col] = new
        add(
            f"range-{column}",
            "silent wrong results",
            "select",
            err("PanelError", Path(rel).name, f"{'tpt' if column == 'tpt_b04' else column} = ", "province 11", what),
            {Path(rel).name: _csv(b)},
            file=Path(rel).name,
            column=column,
        )
    # population 1000x too small in five provinces: '5.096,2' style next to '6.643'
    rel, _, (label, col) = BPS_FILES["pop"]
    rows = _rows(_text(rel))
    i0 = _first_data(rows, label)
    b = [list(r) for r in rows]
    for k in range(i0, i0 + 5):
        b[k][1] = str(round(float(b[k][1]) / 1000, 3))
    add(
        "range-population-1000x",
        "silent wrong results",
        "select",
        err("PanelError", Path(rel).name, "population = ", "province 11", "valid range 100 to 100000", "5 value(s)"),
        {Path(rel).name: _csv(b)},
        file=Path(rel).name,
        column="population",
    )


# -------------------------------------------------------------------------- Kemnaker, compiled


def secondary_cases() -> None:
    text = _text(KEMNAKER)
    lines = text.split("\n")
    k = "data_peserta_bpjstk.csv"
    spot = ["Aceh", "bpjstk_pu", 299722.0]
    kcases = {
        "crlf-bom": ("\ufeff" + text.replace("\n", "\r\n"), {"same_as": KEMNAKER, "spot": spot}),
        "latin1-byte": (
            text.encode("utf-8").replace(b"Aceh", b"Ac\xe9h", 1),
            err("ParseError", k, "line 2", "not UTF-8"),
        ),
        "nul-byte": (text.replace("Aceh", "Ac\x00eh", 1), err("ParseError", k, "line 2", "control character")),
        "comma-delimited": (text.replace(";", ","), err("ParseError", k, "line 1", "not ';'-separated")),
        "missing-column": (
            "\n".join(";".join(ln.split(";")[:4]) for ln in lines),
            err("ParseError", k, "line 1", "expected the ';'-separated header"),
        ),
        "text-in-cell": (
            text.replace("Aceh;299722.0", "Aceh;n/a", 1),
            err("ParseError", k, "line 2", "column peserta_pu", "expected a number"),
        ),
        "negative-count": (
            text.replace("Aceh;299722.0", "Aceh;-299722.0", 1),
            err("ParseError", k, "line 2", "non-negative"),
        ),
        "total-mismatch": (text.replace("583638.0", "583639.0", 1), err("ParseError", k, "line 2", "total_peserta")),
        "duplicate-province": (
            text.rstrip("\n") + "\n" + lines[1] + "\n",
            err("PanelError", k, "duplicate province-year", "Aceh"),
        ),
        "unknown-province": (text.replace("Aceh;", "Atlantis;", 1), err("RegionError", k, "Atlantis")),
        "empty-file": ("", err("ParseError", k, "empty file")),
        "header-only": (lines[0] + "\n", err("ParseError", k, "no data rows")),
        "ragged-row": (
            text.replace("Aceh;299722.0;", "Aceh;299722.0;;", 1),
            err("ParseError", k, "line 2", "expected 5"),
        ),
        "unclosed-quote": (text.replace("Aceh;", '"Aceh;', 1), err("ParseError", k)),
    }
    for m, (data, expect) in kcases.items():
        add(f"kemnaker-{m}", "tracebacks and silent wrong results", "kemnaker", expect, {k: data})
    text = _text(COMPILED)
    lines = text.split("\n")
    c = "den_econ_annual_full_extract.csv"
    spot = ["Aceh", 2022, "employed", 2394994.0]
    ccases = {
        "crlf-bom": ("\ufeff" + text.replace("\n", "\r\n"), {"same_as": COMPILED, "spot": spot}),
        "latin1-byte": (
            text.encode("utf-8").replace(b"Aceh", b"Ac\xe9h", 1),
            err("ParseError", c, "line 2", "not UTF-8"),
        ),
        "nul-byte": (text.replace("Aceh", "Ac\x00eh", 1), err("ParseError", c, "line 2", "control character")),
        "semicolon-delimited": (
            text.replace(",", ";"),
            err("ParseError", c, "line 1", "expected the comma-separated header"),
        ),
        "text-in-cell": (text.replace("Aceh,2022,38.55", "Aceh,2022,38,55x", 1), err("ParseError", c)),
        "bad-year": (text.replace("Aceh,2022,", "Aceh,2022.5,", 1), err("ParseError", c, "line 2", "column year")),
        "duplicate-province-year": (
            text.rstrip("\n") + "\n" + lines[1] + "\n",
            err("PanelError", c, "duplicate province-year", "Aceh"),
        ),
        "ragged-row": (
            text.replace("Aceh,2022,38.55,", "Aceh,2022,38.55,,,", 1),
            err("ParseError", c, "malformed CSV"),
        ),
        "empty-file": ("", err("ParseError", c, "malformed CSV")),
        "unknown-province": (text.replace("Aceh,", "Atlantis,"), err("RegionError", c, "Atlantis")),
        "number-with-decimal-comma": (
            text.replace("2394994.0", '"2.394.994,0"', 1),
            err("ParseError", c, "line 2", "column employed"),
        ),
    }
    for m, (data, expect) in ccases.items():
        if data is None:
            continue
        if "error" in expect and m not in ("unknown-province", "duplicate-province-year"):
            # the error is in the first lines: keep the header and eight rows (small corpus)
            sep = b"\n" if isinstance(data, bytes) else "\n"
            data = sep.join(data.split(sep)[:9]) + sep if data else data
        add(f"compiled-{m}", "tracebacks and silent wrong results", "compiled", expect, {c: data})


# -------------------------------------------------------------------------- manifests, verify, cache


def verify_cases() -> None:
    cls = "silent wrong results (integrity check)"
    add(
        "verify-empty-manifest",
        cls,
        "verify",
        err("BundleError", "MANIFEST.tsv", "empty manifest"),
        {"MANIFEST.tsv": ""},
    )
    add(
        "verify-blank-lines-manifest",
        cls,
        "verify",
        err("BundleError", "MANIFEST.tsv", "empty manifest"),
        {"MANIFEST.tsv": "\n\n"},
    )
    add(
        "verify-truncated-manifest",
        cls,
        "verify",
        err("BundleError", "MANIFEST.tsv", "lists 1 file(s) but 6 are present"),
        op="truncate_manifest",
    )
    add(
        "verify-malformed-line",
        cls,
        "verify",
        err("BundleError", "MANIFEST.tsv, line 2", "expected 3 tab-separated fields"),
        op="malformed_line",
    )
    add("verify-bad-sha", cls, "verify", err("BundleError", "MANIFEST.tsv, line 1", "64-digit"), op="bad_sha")
    add("verify-tampered-file", cls, "verify", err("BundleError", "content differs"), op="tamper")
    add("verify-size-differs", cls, "verify", err("BundleError", "size differs"), op="append")
    add("verify-missing-file", cls, "verify", err("BundleError", "missing (listed in"), op="delete")
    add(
        "verify-dangling-symlink-listed",
        "tracebacks",
        "verify",
        err("BundleError", "dangling symlink"),
        op="dangling_listed",
    )
    add(
        "verify-dangling-symlink-unlisted",
        "tracebacks",
        "verify",
        err("BundleError", "dangling symlink"),
        op="dangling_unlisted",
    )
    add(
        "verify-folder-instead-of-file",
        "tracebacks",
        "verify",
        err("BundleError", "not a regular file"),
        op="folder_listed",
    )
    add(
        "verify-additions-without-manifest",
        "runs",
        "verify",
        err("BundleError", "user-additions folder without MANIFEST.tsv"),
        op="extra_without_manifest",
    )
    add("verify-malformed-cache-entries", "tracebacks", "verify", {"verified": 6}, op="malformed_cache")
    add("verify-cache-not-json", "tracebacks", "verify", {"verified": 6}, op="cache_not_json")
    add(
        "verify-no-cache-refreshes-stale-entry",
        "silent wrong results",
        "verify",
        err("BundleError", "content differs"),
        op="stale_cache",
    )
    add(
        "verify-cli-truncated-manifest",
        cls,
        "cli",
        err("BundleError", "lists 1 file(s)", exit=2),
        argv=["data", "verify", "--data-dir", "{small}"],
        op="truncate_manifest",
    )
    add(
        "verify-cli-empty-manifest",
        cls,
        "cli",
        err("BundleError", "empty manifest", exit=2),
        {"MANIFEST.tsv": ""},
        argv=["data", "verify", "--data-dir", "{small}"],
    )


# -------------------------------------------------------------------------- data add


def add_cases() -> None:
    cls = "limits and silent wrong results (data add)"
    hdi_rel, *_ = BPS_FILES["hdi"]
    formal_rel, *_ = BPS_FILES["formal"]
    hdi_name = Path(hdi_rel).name
    new_hdi = hdi_name.replace("2024", "2025")
    hdi_text = _text(hdi_rel)
    base = ["data", "add", "{case}", "--data-dir", "{small}", "--extra-data", "{extra}"]

    def addc(cid, fname, data, topic, expect, argv=None, **kw):
        argv = argv or base
        add(cid, cls, "cli", expect, {fname: data}, argv=[*argv, "--topic", topic], **kw)

    addc(
        "add-ok-new-year",
        new_hdi,
        hdi_text.replace("2024", "2025"),
        "raw/bps/hdi_province",
        {"exit": 0, "manifest_lines": 1, "stdout": ["added raw/bps/hdi_province/" + new_hdi]},
    )
    addc(
        "add-title-not-topic",
        Path(formal_rel).name,
        _text(formal_rel),
        "raw/bps/hdi_province",
        err("ParseError", "does not belong to topic raw/bps/hdi_province", "persentase tenaga kerja formal", exit=2),
    )
    addc(
        "add-unknown-topic-typo",
        new_hdi,
        hdi_text.replace("2024", "2025"),
        "raw/bps/hdi_provinsi",
        err("BundleError", "--topic 'raw/bps/hdi_provinsi'", "no such folder", "hdi_province", exit=2),
    )
    addc("add-topic-dot", new_hdi, hdi_text.replace("2024", "2025"), ".", err("BundleError", "--topic", exit=2))
    addc(
        "add-topic-dot-segment",
        new_hdi,
        hdi_text.replace("2024", "2025"),
        "raw/./bps/hdi_province",
        err("BundleError", "--topic", exit=2),
    )
    addc(
        "add-topic-parent",
        new_hdi,
        hdi_text.replace("2024", "2025"),
        "raw/bps/../../x",
        err("BundleError", "--topic", exit=2),
    )
    addc(
        "add-topic-tab",
        new_hdi,
        hdi_text.replace("2024", "2025"),
        "raw/bps/hdi\tprovince",
        err("BundleError", "--topic", exit=2),
    )
    addc("add-topic-absolute", new_hdi, hdi_text.replace("2024", "2025"), "/etc", err("BundleError", "--topic", exit=2))
    for cid, fname in (
        ("add-name-tab", new_hdi.replace(" ", "\t", 1)),
        ("add-name-newline", new_hdi.replace(" ", "\n", 1)),
        ("add-name-backslash", new_hdi.replace(" ", "\\", 1)),
        ("add-name-hidden", "." + new_hdi),
        ("add-name-manifest", "MANIFEST.tsv"),
    ):
        addc(
            cid,
            "input.csv",
            hdi_text.replace("2024", "2025"),
            "raw/bps/hdi_province",
            err("BundleError", "file name not accepted", exit=2),
            rename_to=fname,
        )
    addc(
        "add-header-only",
        new_hdi,
        _csv(_rows(hdi_text)[: _first_data(_rows(hdi_text), "ACEH")]).replace("2024", "2025"),
        "raw/bps/hdi_province",
        err("ParseError", new_hdi, "no data rows", exit=2),
    )
    addc(
        "add-unknown-label",
        new_hdi,
        hdi_text.replace("2024", "2025").replace("ACEH", "ATLANTIS"),
        "raw/bps/hdi_province",
        err("RegionError", new_hdi, "ATLANTIS", exit=2),
    )
    addc(
        "add-kemnaker-other-name",
        "peserta_2024.csv",
        _text(KEMNAKER),
        "raw/kemnaker",
        err("BundleError", "raw/kemnaker is read only as data_peserta_bpjstk.csv", exit=2),
    )
    addc(
        "add-kemnaker-malformed",
        "data_peserta_bpjstk.csv",
        _text(KEMNAKER).replace(";", ","),
        "raw/kemnaker",
        err("ParseError", "data_peserta_bpjstk.csv", "line 1", exit=2),
    )
    addc(
        "add-into-folder-without-manifest",
        new_hdi,
        hdi_text.replace("2024", "2025"),
        "raw/bps/hdi_province",
        err("BundleError", "holds files but no MANIFEST.tsv", exit=2),
        op="stray_extra_file",
    )
    addc(
        "add-into-bundle",
        new_hdi,
        hdi_text.replace("2024", "2025"),
        "raw/bps/hdi_province",
        err("BundleError", "outside the read-only bundle", exit=2),
        argv=["data", "add", "{case}", "--data-dir", "{small}", "--extra-data", "{small}/raw"],
    )


# -------------------------------------------------------------------------- outputs (data loss)


def output_cases() -> None:
    cls = "data loss"
    base = ["panel", "--data-dir", "{small}"]
    rel_file = "raw/kemnaker/data_peserta_bpjstk.csv"
    for cid, argv, match in (
        ("panel-out-onto-bundle-file", [*base, "--out", "{small}/" + rel_file], "inside the read-only data bundle"),
        ("panel-out-onto-manifest", [*base, "--out", "{small}/MANIFEST.tsv"], "inside the read-only data bundle"),
        (
            "panel-dictionary-onto-manifest",
            [*base, "--out", "{tmp}/p.csv", "--dictionary", "{small}/MANIFEST.tsv"],
            "inside the read-only data bundle",
        ),
        (
            "panel-out-and-dictionary-same-path",
            [*base, "--out", "{tmp}/p.csv", "--dictionary", "{tmp}/p.csv"],
            "the same path",
        ),
        (
            "panel-out-same-path-spelled-differently",
            [*base, "--out", "{tmp}/p.csv", "--dictionary", "{tmp}/sub/../p.csv"],
            "the same path",
        ),
        (
            "panel-out-into-additions",
            [*base, "--extra-data", "{extra}", "--out", "{extra}/panel.csv"],
            "inside the user-additions folder",
        ),
        ("panel-out-is-folder", [*base, "--out", "{tmp}"], "is a folder"),
        ("panel-out-parent-is-file", [*base, "--out", "{small}/../MANIFEST.tsv/x.csv"], "is not a folder"),
        (
            "reproduce-out-inside-bundle",
            ["reproduce", "--data-dir", "{small}", "--out", "{small}/build", "--no-progress"],
            "inside the read-only data bundle",
        ),
        (
            "reproduce-out-into-additions",
            [
                "reproduce",
                "--data-dir",
                "{small}",
                "--extra-data",
                "{extra}",
                "--out",
                "{extra}/build",
                "--no-progress",
            ],
            "inside the user-additions folder",
        ),
        (
            "reproduce-out-is-file",
            ["reproduce", "--data-dir", "{small}", "--out", "{small}/../small.txt", "--no-progress"],
            "exists and is not a folder",
        ),
        (
            "reproduce-output-dir-inside-bundle",
            ["reproduce", "--data-dir", "{small}", "--out", "{tmp}/build", "--no-progress"],
            "inside the read-only data bundle",
        ),
    ):
        op = {
            "panel-out-parent-is-file": "file_beside_bundle",
            "reproduce-out-is-file": "file_beside_bundle",
            "panel-out-into-additions": "extra_with_manifest",
            "reproduce-out-into-additions": "extra_with_manifest",
            "reproduce-output-dir-inside-bundle": "output_dir_env_in_bundle",
        }.get(cid)
        add(cid, cls, "cli", err("OutputError", match, exit=2), argv=argv, op=op, unchanged=True)


# -------------------------------------------------------------------------- estimate on user CSVs, limits


def estimate_cases() -> None:
    text = _text(COMPILED)
    rows = _rows(text)
    head, body = rows[0], rows[1:]
    keep = [head.index(c) for c in ("province", "year", "formal_pct", "tpt", "bpjstk_pu")]
    sub = [[r[j] for j in keep] for r in body]
    clean = _csv([["province", "year", "formal_pct", "tpt", "bpjstk_pu"], *sub])
    base = ["estimate", "{case}", "--y", "tpt", "--x", "formal_pct", "--unit", "province", "--time", "year"]
    name = "panel.csv"
    add(
        "estimate-twfe-conflicting-duplicate",
        "silent wrong results",
        "cli",
        err("EstimationError", name, "duplicate (province, year) = ('Aceh', 2022)", "two-way fixed-effects", exit=2),
        {name: clean + ",".join([sub[0][0], sub[0][1], "99.0", sub[0][3], sub[0][4]]) + "\n"},
        argv=base,
    )
    add(
        "estimate-twfe-identical-duplicate",
        "silent wrong results",
        "cli",
        err("EstimationError", name, "duplicate (province, year)", exit=2),
        {name: clean + ",".join(sub[0]) + "\n"},
        argv=base,
    )
    add(
        "estimate-fd-duplicate",
        "silent wrong results",
        "cli",
        err("EstimationError", name, "duplicate (province, year)", exit=2),
        {name: clean + ",".join(sub[0]) + "\n"},
        argv=[*base, "--model", "fd"],
    )
    for cid, extra, match in (
        ("estimate-bootstrap-too-many", ["--bootstrap", "1000000000"], "at most 10,000,000 draws"),
        ("estimate-bootstrap-1e8", ["--bootstrap", "100000000"], "GiB of memory"),
        ("estimate-seed-negative", ["--seed", "-1"], "--seed -1"),
        ("estimate-seed-too-large", ["--seed", str(2**64)], "--seed"),
    ):
        add(cid, "limits", "cli", err("EstimationError", match, exit=2), {name: clean}, argv=[*base, *extra])
    add(
        "estimate-bootstrap-negative",
        "limits",
        "cli",
        {"exit": 2, "stderr": ["--bootstrap", "expected a non-negative integer"]},
        {name: clean},
        argv=[*base, "--bootstrap", "-5"],
    )
    add(
        "estimate-bootstrap-negative-library",
        "limits",
        "limits",
        err("EstimationError", "--bootstrap -5: expected 0"),
        B=-5,
        n_clusters=None,
        available=None,
    )
    add(
        "estimate-bootstrap-memory-estimate",
        "limits",
        "limits",
        err("EstimationError", "needs about", "GiB of memory", "34 clusters"),
        B=5_000_000,
        n_clusters=34,
        available=1 << 30,
    )
    add(
        "estimate-bootstrap-string",
        "limits",
        "cli",
        {"exit": 2, "stderr": ["--bootstrap", "invalid"]},
        {name: clean},
        argv=[*base, "--bootstrap", "1e9"],
    )
    add(
        "estimate-non-numeric-y",
        "tracebacks",
        "cli",
        err("EstimationError", name, "tpt", exit=2),
        {
            name: _csv(
                [
                    ["province", "year", "formal_pct", "tpt", "bpjstk_pu"],
                    *[r[:3] + ["6,1x" if k == 3 else r[3]] + r[4:] for k, r in enumerate(sub)],
                ]
            )
        },
        argv=base,
    )
    add(
        "estimate-missing-column",
        "tracebacks",
        "cli",
        err("EstimationError", "nope", exit=2),
        {name: clean},
        argv=[*base[:3], "nope", *base[4:]],
    )
    add(
        "estimate-not-a-csv",
        "tracebacks",
        "cli",
        err("EstimationError", name, exit=2),
        {name: b"\x00\x01\x02PK\x03\x04"},
        argv=base,
    )
    add("estimate-twfe-clean-exact", "correct result", "estimate_exact", {"coef": 2.0, "tol": 1e-9})
    add("cli-data-without-action", "tracebacks", "cli", {"exit": 2, "stderr": ["required: ACTION"]}, argv=["data"])


# -------------------------------------------------------------------------- reproduce runs


def run_cases() -> None:
    cls = "runs"
    add("reproduce-lock-held", cls, "reproduce", err("ReproduceError", "another reproduce run", exit=2), op="lock_held")
    add("reproduce-no-loopback", cls, "reproduce", err("ReproduceError", "192.0.2.1", "loopback"), op="no_loopback")
    add(
        "reproduce-unverified-refused",
        "silent wrong results (integrity check)",
        "reproduce",
        err("ReproduceError", "not listed in any MANIFEST.tsv", "stray.csv", "--allow-unverified", exit=2),
        op="unverified",
    )
    add(
        "reproduce-unverified-allowed-and-shown",
        "silent wrong results (integrity check)",
        "reproduce",
        {"log": ["warning: raw/stray.csv used without verification"], "verified": {"raw/stray.csv": False}},
        op="unverified_allowed",
    )
    add(
        "reproduce-additions-without-manifest",
        cls,
        "reproduce",
        err("BundleError", "user-additions folder without MANIFEST.tsv", exit=2),
        op="extra_without_manifest",
    )
    add(
        "reproduce-overrides-on-console",
        cls,
        "reproduce",
        {"log": ["user addition raw/kemnaker/data_peserta_bpjstk.csv", "replaces the bundle file of the same name"]},
        op="overrides",
    )
    add(
        "reproduce-cell-overrides-on-console",
        cls,
        "reproduce",
        {"log": ["raw/bps/hdi_province: 39 bundle cell(s) replaced by user additions (1 with a different value)"]},
        op="cell_overrides",
    )
    add(
        "verify-additions-in-unknown-folder",
        cls,
        "reproduce",
        err("BundleError", "folder 'raw/bps/hdi_provinsi' does not exist in the data bundle", exit=2),
        op="misspelt_topic",
    )
    add(
        "reproduce-relative-output-dir-resolved-once",
        "silent wrong results",
        "reproduce",
        {"output_dir": "rel/figs"},
        op="relative_output_dir",
    )
    add(
        "reproduce-interrupted-manifest",
        cls,
        "reproduce",
        {"exit": 130, "stderr_lines": 1, "status_during_run": "incomplete", "status_after": "interrupted"},
        op="interrupt",
    )


def main() -> None:
    if CASES.exists():
        shutil.rmtree(CASES)
    CASES.mkdir(parents=True)
    bps_cases()
    secondary_cases()
    verify_cases()
    add_cases()
    output_cases()
    estimate_cases()
    run_cases()
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case id"
    INDEX.write_text(
        json.dumps(sorted(cases, key=lambda c: c["id"]), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    n_err = sum("error" in c["expect"] for c in cases)
    n_arg = sum("error" not in c["expect"] and c["expect"].get("exit") == 2 for c in cases)
    print(
        f"{len(cases)} cases ({n_err} named errors, {n_arg} command-line argument errors, "
        f"{len(cases) - n_err - n_arg} correct results) -> {INDEX}"
    )


if __name__ == "__main__":
    main()
