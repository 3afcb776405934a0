"""Tests of jamsostek_analysis.data.bundle: locating, verifying (with cache) and user additions.

The real bundle is only read; every test that alters files works on copies in ``tmp_path``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest

from jamsostek_analysis.data import bundle as bmod
from jamsostek_analysis.data.bundle import BundleWarning, DataBundle, add_file, open_bundle, read_manifest
from jamsostek_analysis.cli import main
from jamsostek_analysis.errors import BundleError

REAL = Path(__file__).resolve().parents[1] / "data" / "bundle"
N_BUNDLE_FILES = 451  # files listed in data/bundle/MANIFEST.tsv (MANIFEST.tsv itself is not listed)

POV = "raw/bps/poverty_province"
NBSP_FILE = (
    "raw/bps/population_province/Penduduk, Laju Pertumbuhan Penduduk, Distribusi Persentase Penduduk, "
    "Kepadatan Penduduk,\u00a0 dan Rasio Jenis Kelamin Penduduk Menurut Provinsi, 2010.csv"
)
GK2013 = f"{POV}/Garis Kemiskinan (Rupiah_Kapita_Bulan) Menurut Provinsi dan Daerah , 2013.csv"
GK2014 = f"{POV}/Garis Kemiskinan (Rupiah_Kapita_Bulan) Menurut Provinsi dan Daerah , 2014.csv"
PICKED = [
    NBSP_FILE,
    GK2013,
    GK2014,
    "raw/bps/grdp_per_capita_province/[Seri 2010] Produk Domestik Regional Bruto Per Kapita, 2010.csv",
    "raw/kemnaker/data_peserta_bpjstk.csv",
]


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Private checksum cache, no data env variables, fresh memo of verified bundles."""
    monkeypatch.setenv(bmod.ENV_CACHE_DIR, str(tmp_path / "cache"))
    monkeypatch.delenv(bmod.ENV_DATA_DIR, raising=False)
    monkeypatch.delenv(bmod.ENV_EXTRA_DATA, raising=False)
    monkeypatch.setattr(bmod, "_VERIFIED", set())


@pytest.fixture
def small(tmp_path) -> Path:
    """A copy of five real bundle files (odd names included) with their real manifest lines."""
    root = tmp_path / "bundle"
    lines = {ln.split("\t")[0]: ln for ln in (REAL / "MANIFEST.tsv").read_text(encoding="utf-8").split("\n") if ln}
    for rel in PICKED:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REAL / rel, root / rel)
    (root / "MANIFEST.tsv").write_text("".join(lines[rel] + "\n" for rel in PICKED), encoding="utf-8")
    return root


def _flip_byte(path: Path, at: int = 10) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def _counting_hash(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = bmod.sha256_file

    def counted(path):
        calls.append(str(path))
        return real(path)

    monkeypatch.setattr(bmod, "sha256_file", counted)
    return calls


# ---------------------------------------------------------------- the real bundle


def test_real_bundle_verifies_every_manifest_line():
    manifest_lines = [ln for ln in (REAL / "MANIFEST.tsv").read_text(encoding="utf-8").split("\n") if ln]
    table = DataBundle(root=REAL.resolve()).verify()
    assert len(table) == len(manifest_lines) == N_BUNDLE_FILES
    assert (table["status"] == "ok").all() and (table["origin"] == "bundle").all()
    assert set(table["relpath"]) == {ln.split("\t")[0] for ln in manifest_lines}
    row = table.set_index("relpath").loc[NBSP_FILE]  # the U+00A0 file name, matched exactly
    assert row["bytes"] == 2314
    assert row["sha256"] == "ddbc385471e3c1e0a6ef5e948dca7c1f03565117df70e3dcb6c2211ceb9f4ca6"
    assert table.attrs["warnings"] == []


def test_default_location_is_the_bundle_shipped_in_the_repository(bundle, data_dir):
    assert DataBundle.locate().root == REAL.resolve() == data_dir
    assert bundle.extra == ()


def test_shipped_bundle_is_byte_identical_to_its_manifest():
    """Independent of the package's own verifier: hash every file listed in the shipped MANIFEST.tsv,
    and check that nothing unlisted was added to data/bundle (the bundle is never edited)."""
    import hashlib

    lines = [ln.split("\t") for ln in (REAL / "MANIFEST.tsv").read_text(encoding="utf-8").split("\n") if ln]
    assert len(lines) == N_BUNDLE_FILES
    for rel, size, sha in lines:
        data = (REAL / rel).read_bytes()
        assert len(data) == int(size), rel
        assert hashlib.sha256(data).hexdigest() == sha, rel
    on_disk = {p.relative_to(REAL).as_posix() for p in REAL.rglob("*") if p.is_file()}
    assert on_disk == {rel for rel, _, _ in lines} | {"MANIFEST.tsv"}


# ---------------------------------------------------------------- verification failures


def test_small_copy_verifies_and_checksums_match_manifest(small):
    b = DataBundle.locate(small)
    sums = b.checksums()
    assert list(sums.columns) == ["relpath", "origin", "bytes", "sha256", "verified"] and sums["verified"].all()
    manifest = read_manifest(small / "MANIFEST.tsv")
    assert list(sums["relpath"]) == list(manifest)
    for rel, entry in manifest.items():
        assert hashlib.sha256((small / rel).read_bytes()).hexdigest() == entry.sha256
        assert sums.set_index("relpath").loc[rel, "sha256"] == entry.sha256


def test_tampered_byte_same_size_is_refused(small):
    _flip_byte(small / NBSP_FILE)
    expected_sha = read_manifest(small / "MANIFEST.tsv")[NBSP_FILE].sha256
    with pytest.raises(BundleError) as err:
        DataBundle.locate(small).verify()
    msg = str(err.value)
    assert NBSP_FILE in msg and "content differs" in msg and expected_sha[:12] in msg
    assert GK2013 not in msg  # only the altered file is named


def test_missing_file_is_named(small):
    (small / GK2014).unlink()
    with pytest.raises(BundleError, match=re.escape(GK2014) + r": missing"):
        DataBundle.locate(small).verify()


def test_truncated_file_size_mismatch_is_named(small):
    path = small / GK2013
    size = path.stat().st_size
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(
        BundleError, match=re.escape(f"{GK2013}: size differs: expected {size} bytes, found {size - 5}")
    ):
        DataBundle.locate(small).verify()


def test_unlisted_file_is_a_warning_not_an_error(small):
    stray = small / POV / "stray.csv"
    stray.write_text("a,b\n1,2\n")
    with pytest.warns(BundleWarning, match="stray.csv"):
        table = DataBundle.locate(small).verify()
    row = table.set_index("relpath").loc[f"{POV}/stray.csv"]
    assert row["status"] == "unlisted" and row["sha256"] == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert (table["status"] == "ok").sum() == len(PICKED)
    assert len(table.attrs["warnings"]) == 1


def test_malformed_manifest_line_is_named(small):
    with open(small / "MANIFEST.tsv", "a", encoding="utf-8") as fh:
        fh.write("raw/x.csv\t12\n")
    with pytest.raises(BundleError, match=r"MANIFEST.tsv, line 6: expected 3 tab-separated fields"):
        DataBundle.locate(small).verify()


# ---------------------------------------------------------------- search order


def test_search_order_explicit_env_default(tmp_path, small, monkeypatch):
    env_dir, default_dir = tmp_path / "env", tmp_path / "default"
    shutil.copytree(small, env_dir)
    shutil.copytree(small, default_dir)
    monkeypatch.setattr(bmod, "_default_candidates", lambda: [(default_dir, "test default")])
    assert DataBundle.locate().root == default_dir.resolve()
    monkeypatch.setenv(bmod.ENV_DATA_DIR, str(env_dir))
    assert DataBundle.locate().root == env_dir.resolve()
    assert DataBundle.locate(small).root == small.resolve()
    # an explicit or env location that is wrong is an error, not a silent fallback
    with pytest.raises(BundleError, match=re.escape(str(tmp_path / "nope"))):
        DataBundle.locate(tmp_path / "nope")
    monkeypatch.setenv(bmod.ENV_DATA_DIR, str(tmp_path / "nope_env"))
    with pytest.raises(BundleError, match=r"nope_env \(\$JAMSOSTEK_DATA_DIR\): no such directory"):
        DataBundle.locate()


def test_bundle_not_found_lists_places_tried(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    b.mkdir()
    monkeypatch.setattr(bmod, "_default_candidates", lambda: [(a, "first"), (b, "second")])
    with pytest.raises(BundleError) as err:
        DataBundle.locate()
    msg = str(err.value)
    assert f"{a} (first): no such directory" in msg and f"{b} (second): no MANIFEST.tsv there" in msg


# ---------------------------------------------------------------- cache


def test_cache_hit_on_rerun_and_invalidated_by_mtime(small, monkeypatch):
    calls = _counting_hash(monkeypatch)
    b = DataBundle.locate(small)
    b.verify()
    assert len(calls) == len(PICKED)
    assert bmod.cache_path().is_file() and not (small / "checksums.json").exists()
    calls.clear()
    b.verify()
    assert calls == []
    st = (small / GK2013).stat()
    os.utime(small / GK2013, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    b.verify()
    assert calls == [str(small / GK2013)]
    calls.clear()
    b.verify(use_cache=False)
    assert len(calls) == len(PICKED)


def test_no_cache_catches_tampering_that_restores_mtime(small):
    b = DataBundle.locate(small)
    b.verify()
    path = small / GK2014
    st = path.stat()
    _flip_byte(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    with pytest.raises(BundleError, match=re.escape(GK2014)):
        b.verify(use_cache=False)


def test_cache_write_failure_does_not_fail_verification(small, tmp_path, monkeypatch):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    monkeypatch.setenv(bmod.ENV_CACHE_DIR, str(blocker))
    with pytest.warns(UserWarning, match="not written"):
        table = DataBundle.locate(small).verify()
    assert (table["status"] == "ok").sum() == len(PICKED)


def test_open_bundle_verifies_once_per_process(small, monkeypatch):
    calls = []
    real = DataBundle.verify
    monkeypatch.setattr(DataBundle, "verify", lambda self, use_cache=True: calls.append(1) or real(self, use_cache))
    b1 = open_bundle(small)
    b2 = open_bundle(small)
    open_bundle(small, verify=False)
    assert b1 == b2 and len(calls) == 1


# ---------------------------------------------------------------- user additions


def test_extra_data_precedence(small, tmp_path):
    e1, e2 = tmp_path / "extra1", tmp_path / "extra2"
    src = tmp_path / "src"
    src.mkdir()
    gk2013_name = Path(GK2013).name
    (src / gk2013_name).write_text("extra1 copy\n")
    add_file(src / gk2013_name, POV, e1)
    (src / gk2013_name).write_text("extra2 copy\n")
    add_file(src / gk2013_name, POV, e2)
    (src / "new 2099.csv").write_text("new year\n")
    add_file(src / "new 2099.csv", POV, e1)

    b = DataBundle.locate(small, [e1, e2])
    files = b.files(POV)
    assert [p.name for p in files] == sorted([gk2013_name, Path(GK2014).name, "new 2099.csv"])
    by_name = {p.name: p for p in files}
    assert by_name[gk2013_name] == e2.resolve() / GK2013
    assert by_name[Path(GK2014).name] == small.resolve() / GK2014
    assert b.path(GK2013).read_text() == "extra2 copy\n"
    assert b.path(GK2014) == small.resolve() / GK2014
    assert b.origin(b.path(GK2013)) == f"extra:{e2.resolve()}"
    assert b.origin(b.path(f"{POV}/new 2099.csv")) == f"extra:{e1.resolve()}"
    assert b.origin(b.path(GK2014)) == "bundle"
    # order of extras decides
    assert DataBundle.locate(small, [e2, e1]).path(GK2013).read_text() == "extra1 copy\n"
    table = b.verify()
    assert len(table) == len(PICKED) + 3 and (table["status"] == "ok").all()
    with pytest.raises(BundleError, match="not in the data bundle"):
        b.path(f"{POV}/absent.csv")
    with pytest.raises(BundleError, match="no such folder"):
        b.files("raw/bps/no_such_topic")


def test_extra_data_from_env(small, tmp_path, monkeypatch):
    e1, e2 = tmp_path / "e1", tmp_path / "e2"
    e1.mkdir()
    e2.mkdir()
    monkeypatch.setenv(bmod.ENV_EXTRA_DATA, os.pathsep.join([str(e1), str(e2)]))
    assert DataBundle.locate(small).extra == (e1.resolve(), e2.resolve())
    with pytest.raises(BundleError, match="does not exist"):
        DataBundle.locate(small, [tmp_path / "missing"])


def test_cli_data_add_records_sha256_and_never_overwrites(small, tmp_path, capsys):
    extra = tmp_path / "additions"
    src = tmp_path / Path(GK2013).name.replace(", 2013.csv", ", 2013 (2).csv")
    content = (REAL / GK2013).read_bytes()
    src.write_bytes(content)
    args = ["data", "add", str(src), "--topic", POV, "--data-dir", str(small), "--extra-data", str(extra)]
    assert main(args) == 0
    line = f"{POV}/{src.name}\t{len(content)}\t{hashlib.sha256(content).hexdigest()}\n"
    assert (extra / "MANIFEST.tsv").read_text(encoding="utf-8") == line
    assert (extra / POV / src.name).read_bytes() == content
    assert main(args) == 0  # same content again: idempotent, one line
    assert (extra / "MANIFEST.tsv").read_text(encoding="utf-8") == line
    capsys.readouterr()

    src.write_bytes(content.replace(b"ACEH,", b"ACEH,9", 1))
    assert main(args) == 2
    assert "different file of this name" in capsys.readouterr().err
    assert (extra / POV / src.name).read_bytes() == content

    assert main(["data", "verify", "--data-dir", str(small), "--extra-data", str(extra)]) == 0
    out = capsys.readouterr().out
    assert re.match(
        rf"verified {len(PICKED) + 1} files \(1 from user additions\) against MANIFEST.tsv in \d+\.\d+ s", out
    )

    _flip_byte(extra / POV / src.name, at=3)
    assert main(["data", "verify", "--data-dir", str(small), "--extra-data", str(extra)]) == 2
    assert f"{POV}/{src.name}: content differs" in capsys.readouterr().err


def test_cli_data_add_without_extra_dir_is_an_error(small, tmp_path, capsys):
    src = tmp_path / "x.csv"
    src.write_text("a\n")
    assert main(["data", "add", str(src), "--topic", POV, "--data-dir", str(small)]) == 2
    assert "--extra-data" in capsys.readouterr().err


def test_cli_verify_tampered_bundle_exit_2(small, capsys):
    _flip_byte(small / GK2014)
    assert main(["data", "verify", "--data-dir", str(small)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: data bundle verification failed") and GK2014 in err


def test_cli_data_where(small, capsys):
    assert main(["data", "where", "--data-dir", str(small)]) == 0
    out = capsys.readouterr().out
    assert f"bundle: {small.resolve()} ({len(PICKED)} files" in out and "via --data-dir" in out
    assert "user additions: none" in out
