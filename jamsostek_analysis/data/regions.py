"""Region names -> BPS codes (province 2-digit, district 4-digit), the 38/34/33 crosswalk and splits.

Every place in the package that turns a printed region name into a code goes through this module.

Codes
-----
* Province codes are BPS two-digit strings (``'11'`` ... ``'97'``). The 38-province set (from the
  2022 Papua splits) is the reference; ``geo/idn_province_crosswalk_bps.csv`` gives each province's
  parent in the 2013-2022 34-province set and in the pre-2012 33-province set.
* District (kabupaten/kota) codes are the four-digit BPS 2020 codes of
  ``geo/idn_districts_514_bps2020.csv``. A kota has a third digit ``7`` (``xx7y``).
* The national total (``INDONESIA``) has the code :data:`NATIONAL_CODE` ``'00'`` and the level
  ``'national'``; ``'00'`` is not a BPS province code, it only keeps the code column non-missing so
  that national rows can be joined and de-duplicated like the others.
* Kemendagri codes are never used: they clash with BPS codes in Papua (Kemendagri 91 = Papua,
  94 = Papua Tengah). The crosswalk carries them for reference only.

Name matching
-------------
Names are normalised (:func:`normalize_name`): Unicode NFKC, no-break spaces, upper case,
``KEP.``/``KEP`` -> ``KEPULAUAN``, ``KAB.`` -> ``KABUPATEN``, then every character that is not a
letter or digit is removed, so ``'D I YOGYAKARTA'``, ``'D.I. YOGYAKARTA'`` and ``'DI Yogyakarta'``
share one key. A small explicit alias table (:data:`PROVINCE_ALIASES`, :data:`DISTRICT_ALIASES`)
covers old names and spellings that normalisation cannot reach; nothing is matched fuzzily.

District names printed by BPS that are not in the 2020 list (renamed or misspelled districts not
covered by an alias) resolve to code ``None`` with level ``'district'``; they are recorded in
:attr:`RegionResolver.unresolved` and never guessed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from jamsostek_analysis.errors import RegionError
from jamsostek_analysis.geography import (  # noqa: F401 - re-exported
    KALTARA_FIRST_YEAR,
    PAPUA_SPLIT_FIRST_YEAR,
    check_code,
    parent_33,
    province_code_for_year,
    province_set,
    split_parent_34,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from jamsostek_analysis.data.bundle import DataBundle

NATIONAL_CODE = "00"
"""Code used for the national total (``INDONESIA``); not a BPS province code."""

CROSSWALK_FILE = "geo/idn_province_crosswalk_bps.csv"
CURATED_CODES_FILE = "curated/region_codes_bps_province.csv"
DISTRICTS_FILE = "geo/idn_districts_514_bps2020.csv"

NATIONAL_NAMES: tuple[str, ...] = ("INDONESIA", "NASIONAL", "NATIONAL")

PROVINCE_ALIASES: dict[str, str] = {
    # old names
    "NANGGROE ACEH DARUSSALAM": "11",
    "NAD": "11",
    "DAERAH ISTIMEWA ACEH": "11",
    "IRIAN JAYA BARAT": "91",
    "IRIAN JAYA": "94",
    # short or spelled-out forms
    "BANGKA BELITUNG": "19",
    "BABEL": "19",
    "KEPRI": "21",
    "JAKARTA": "31",
    "DAERAH KHUSUS JAKARTA": "31",
    "DAERAH KHUSUS IBUKOTA JAKARTA": "31",
    "DAERAH ISTIMEWA YOGYAKARTA": "34",
    "YOGYAKARTA": "34",
    "NTB": "52",
    "NTT": "53",
    "KALTARA": "65",
}
"""Explicit province aliases (printed name -> BPS code), applied after normalisation."""

DISTRICT_ALIASES: dict[str, str] = {
    # printed name -> BPS 2020 code, where the 2020 list uses another name or spelling
    "PONTIANAK": "6104",  # Kabupaten Pontianak, renamed Mempawah (PP 58/2014); Kota Pontianak is 'Kota Pontianak'
    "MAHAKAM ULU": "6411",  # BPS 2020 list: 'MAHAKAM HULU'
    "KARANGASEM": "5107",  # BPS 2020 list: 'KARANG ASEM'
    "KOTA MAKASAR": "7371",  # misspelling of Kota Makassar
    "KEPULAUAN TANIMBAR": "8101",  # renamed from Maluku Tenggara Barat (2019)
    "PASANGKAYU": "7605",  # renamed from Mamuju Utara (2017)
    "TOBA": "1206",  # renamed from Toba Samosir (2020); BPS 2020 list keeps 'TOBA SAMOSIR'
}
"""Explicit district aliases (printed name -> BPS 2020 code), applied after normalisation.

Codes are checked against the district list when the resolver is built: an alias to a code that is
not in the list raises :class:`RegionError`, so a wrong alias cannot slip through.
"""

_KEP = re.compile(r"\bKEP\b\.?")
_KAB = re.compile(r"\bKAB\b\.?")
_NONALNUM = re.compile(r"[^A-Z0-9]")
_LEAD_CODE = re.compile(r"^\s*(\d{2}|\d{4})\s+(\S.*)$")
_KOTA_PREFIX = re.compile(r"^KOTA\s+(?=\S)")
_KAB_PREFIX = re.compile(r"^KABUPATEN\s+(?=\S)")


def _clean(name: str) -> str:
    """NFKC, no-break spaces to spaces, upper case, single spaces, KEP./KAB. expanded."""
    s = unicodedata.normalize("NFKC", str(name)).replace("\u00a0", " ").replace("\ufeff", "")
    s = " ".join(s.upper().split())
    s = _KEP.sub("KEPULAUAN", s)
    s = _KAB.sub("KABUPATEN", s)
    return " ".join(s.split())


def normalize_name(name: str) -> str:
    """Matching key of a region name: upper case with only letters and digits.

    Parameters
    ----------
    name : str
        A region name as printed (any case, punctuation, no-break spaces).

    Returns
    -------
    str
        The key, e.g. ``'KEPULAUANBANGKABELITUNG'`` for ``'KEP. BANGKA BELITUNG'``.

    Examples
    --------
    >>> normalize_name('D I YOGYAKARTA') == normalize_name('DI Yogyakarta')
    True
    """
    return _NONALNUM.sub("", _clean(name))


_NATIONAL_KEYS = frozenset(normalize_name(n) for n in NATIONAL_NAMES)


# province codes, splits and sets by year live in jamsostek_analysis.geography (re-exported here)
_check_code = check_code


@dataclass(frozen=True)
class DistrictMatch:
    """One district of the BPS 2020 list."""

    code: str
    name: str
    province_code: str  # 34-set parent (2020)
    province_code_38: str

    @property
    def is_kota(self) -> bool:
        """True for a kota (third code digit 7)."""
        return self.code[2] == "7"


def _where(file: object | None, row: object | None) -> str:
    parts = []
    if file is not None:
        parts.append(str(file))
    if row is not None:
        parts.append(f"row {row}")
    return (", ".join(parts) + ": ") if parts else ""


@dataclass
class RegionResolver:
    """Resolve printed region names to BPS codes.

    Build it with :meth:`from_bundle`, :meth:`from_files` or :func:`default_resolver`.

    Attributes
    ----------
    provinces : dict
        38-set code -> canonical (crosswalk) name.
    unresolved : dict
        ``(printed district name, province context) -> count`` of district names that could not
        be matched to a BPS 2020 code (returned as ``None``).
    """

    provinces: dict[str, str]
    _province_keys: dict[str, str]
    _districts: dict[str, DistrictMatch]
    _district_keys: dict[str, list[DistrictMatch]]
    _district_alias_keys: dict[str, str]
    unresolved: dict[tuple[str, str | None], int] = field(default_factory=dict)
    _cache: dict[str, tuple[tuple[DistrictMatch, ...], ...]] = field(default_factory=dict, repr=False)
    _pcache: dict[str, str | None] = field(default_factory=dict, repr=False)

    # -- construction --------------------------------------------------------------------

    @classmethod
    def from_bundle(cls, bundle: DataBundle) -> RegionResolver:
        """Build from a :class:`~jamsostek_analysis.data.bundle.DataBundle` (user additions win)."""
        return cls.from_files(bundle.path(CROSSWALK_FILE), bundle.path(CURATED_CODES_FILE), bundle.path(DISTRICTS_FILE))

    @classmethod
    def from_data_dir(cls, data_dir: str | Path) -> RegionResolver:
        """Build from a bundle folder without a :class:`DataBundle` (no user additions)."""
        d = Path(data_dir)
        return cls.from_files(d / CROSSWALK_FILE, d / CURATED_CODES_FILE, d / DISTRICTS_FILE)

    @classmethod
    def from_files(cls, crosswalk: str | Path, curated_codes: str | Path, districts: str | Path) -> RegionResolver:
        """Build from the three reference tables.

        Parameters
        ----------
        crosswalk : path
            ``geo/idn_province_crosswalk_bps.csv`` (38 -> 34 -> 33, ``alt_names``).
        curated_codes : path
            ``curated/region_codes_bps_province.csv`` (``region_code``, ``region_name``).
        districts : path
            ``geo/idn_districts_514_bps2020.csv``.

        Raises
        ------
        RegionError
            If a table lacks a column, a code is malformed, or one name maps to two provinces.
        """
        xw = _read_codes_csv(
            crosswalk,
            [
                "province_code_38",
                "province_name_38",
                "province_code_34",
                "province_name_34",
                "province_code_33_pre2012",
                "province_name_33_pre2012",
                "alt_names",
            ],
        )
        cur = _read_codes_csv(curated_codes, ["region_code", "region_name"])
        dist = _read_codes_csv(districts, ["district_code", "district_name", "province_code", "province_code_38"])

        provinces: dict[str, str] = {}
        keys: dict[str, str] = {}

        def add(name: str, code: str, source: str) -> None:
            if not isinstance(name, str) or not name.strip():
                return
            code = _check_code(code, 2, source)
            k = normalize_name(name)
            if keys.get(k, code) != code:
                raise RegionError(f"{source}: name {name!r} maps to province {code} and to {keys[k]}")
            keys[k] = code

        for i, r in enumerate(xw.itertuples(index=False), start=2):
            src = f"{crosswalk}, row {i}"
            code = _check_code(r.province_code_38, 2, src)
            provinces[code] = r.province_name_38
            add(r.province_name_38, code, src)
            if r.province_code_34 == code:
                add(r.province_name_34, code, src)
            if r.province_code_33_pre2012 == code:
                add(r.province_name_33_pre2012, code, src)
            alt = r.alt_names if isinstance(r.alt_names, str) else ""
            for a in alt.split(";"):
                a = re.sub(r"\(.*?\)", "", a).strip()  # drop notes such as '(pre-2009 name)'
                add(a, code, src)
        for i, r in enumerate(cur.itertuples(index=False), start=2):
            src = f"{curated_codes}, row {i}"
            if r.region_code not in provinces:
                raise RegionError(f"{src}: province code {r.region_code!r} is not in {crosswalk}")
            add(r.region_name, r.region_code, src)
        for alias, code in PROVINCE_ALIASES.items():
            if code not in provinces:
                raise RegionError(f"PROVINCE_ALIASES: {alias!r} -> {code!r} is not a crosswalk code")
            if normalize_name(alias) not in keys:
                add(alias, code, "PROVINCE_ALIASES")

        districts_by_code: dict[str, DistrictMatch] = {}
        dkeys: dict[str, list[DistrictMatch]] = {}
        for i, r in enumerate(dist.itertuples(index=False), start=2):
            src = f"{districts}, row {i}"
            m = DistrictMatch(
                _check_code(r.district_code, 4, src),
                str(r.district_name),
                _check_code(r.province_code, 2, src),
                _check_code(r.province_code_38, 2, src),
            )
            if m.code in districts_by_code:
                raise RegionError(f"{src}: district code {m.code} listed twice")
            if m.province_code_38 not in provinces:
                raise RegionError(f"{src}: province code {m.province_code_38!r} is not in {crosswalk}")
            districts_by_code[m.code] = m
            cleaned = _clean(m.name)
            base = _KOTA_PREFIX.sub("", cleaned) if m.is_kota else cleaned
            for k in {normalize_name(base), normalize_name(cleaned)}:
                dkeys.setdefault(k, []).append(m)
        alias_keys: dict[str, str] = {}
        for alias, code in DISTRICT_ALIASES.items():
            if code not in districts_by_code:
                raise RegionError(f"DISTRICT_ALIASES: {alias!r} -> {code!r} is not in {districts}")
            alias_keys[normalize_name(alias)] = code
        return cls(provinces, keys, districts_by_code, dkeys, alias_keys)

    # -- provinces -----------------------------------------------------------------------

    def province_code(self, name: str, *, file: object | None = None, row: object | None = None) -> str:
        """BPS two-digit code of a province name (any spelling in the bundle, or a leading code).

        Raises
        ------
        RegionError
            Naming ``name`` (and ``file``/``row`` when given) if it is not a known province.
        """
        code = self.province_or_none(name)
        if code is None or code == NATIONAL_CODE:
            raise RegionError(
                f"{_where(file, row)}unknown province name {name!r} "
                "(not in the crosswalk, its alt_names or PROVINCE_ALIASES)"
            )
        return code

    def province_or_none(self, name: str) -> str | None:
        """Province code (or ``'00'`` for INDONESIA) of ``name``, None if it is neither."""
        if isinstance(name, str):
            try:
                return self._pcache[name]
            except KeyError:
                pass
        code = self._province_lookup(name)
        if isinstance(name, str):
            self._pcache[name] = code
        return code

    def _province_lookup(self, name: str) -> str | None:
        if not isinstance(name, str):
            return None
        m = _LEAD_CODE.match(name)
        if m and len(m.group(1)) == 2:
            code, rest = m.group(1), m.group(2)
            found = self.province_or_none(rest)
            if found is not None and found != code:
                raise RegionError(f"name {name!r}: leading code {code} does not match {rest!r} ({found})")
            return found  # None if the name is unknown: a code alone is not trusted
        k = normalize_name(name)
        if k in _NATIONAL_KEYS:
            return NATIONAL_CODE
        return self._province_keys.get(k)

    def is_national(self, name: str) -> bool:
        """True if ``name`` is the national total (``INDONESIA``)."""
        return self.province_or_none(name) == NATIONAL_CODE

    # -- districts -----------------------------------------------------------------------

    def district_code(
        self,
        name: str,
        province: str | None = None,
        *,
        file: object | None = None,
        row: object | None = None,
        record: bool = True,
    ) -> str | None:
        """BPS 2020 code of a district name, or ``None`` if the name is not in the 2020 list.

        Parameters
        ----------
        name : str
            Printed name: ``'Simeulue'``, ``'Kota Banda Aceh'``, ``'KOTA BANDA ACEH'``,
            ``'Kab. Aceh Besar'``, ``'Toba Samosir / Toba'`` (alternatives separated by ``/``).
            A bare name is a kabupaten when both a kabupaten and a kota carry it; ``Kota`` marks
            the kota (BPS convention).
        province : str, optional
            Code of the province the table lists the district under (38- or 34-set); used to
            choose between districts of the same name in different provinces.
        record : bool
            Record unresolved names in :attr:`unresolved`.

        Raises
        ------
        RegionError
            If the name matches several districts and ``province`` does not single one out.
        """
        groups = self._cache.get(name) if isinstance(name, str) else None
        if groups is None:
            groups = self._district_candidates(name)
            if isinstance(name, str):
                self._cache[name] = groups
        cands: list[DistrictMatch] = []
        for group in groups:  # in order of preference; the first group left after the province filter wins
            if province is not None:
                p = str(province)
                group = tuple(
                    m
                    for m in group
                    if p in (m.province_code, m.province_code_38) or (p == "64" and m.province_code == "65")
                )
            if group:
                cands = list(group)
                break
        codes = sorted({m.code for m in cands})
        if len(codes) == 1:
            return codes[0]
        if len(codes) > 1:
            opts = ", ".join(f"{c} {self._districts[c].name} ({self._districts[c].province_code_38})" for c in codes)
            ctx = f" in province {province}" if province is not None else ""
            raise RegionError(f"{_where(file, row)}district name {name!r}{ctx} is ambiguous: {opts}")
        if record:
            key = (str(name), None if province is None else str(province))
            self.unresolved[key] = self.unresolved.get(key, 0) + 1
        return None

    def _district_candidates(self, name: str) -> tuple[tuple[DistrictMatch, ...], ...]:
        """Candidate districts of a printed name, as groups in order of preference.

        ``Kota X``: the kota X, else a kabupaten whose name is 'KOTA X'/'KOTAX' ('Kota Baru');
        ``Kab. X``/``Kabupaten X``: the kabupaten X; bare ``X``: the kabupaten X, else the kota X.
        """
        if not isinstance(name, str) or not name.strip():
            return ()
        m = _LEAD_CODE.match(name)
        if m and len(m.group(1)) == 4 and m.group(1) in self._districts:
            return ((self._districts[m.group(1)],),)
        if "/" in name:  # 'Maluku Tenggara Barat / Kepulauan Tanimbar': union of the alternatives
            parts = [self._district_candidates(part) for part in name.split("/")]
            depth = max((len(g) for g in parts), default=0)
            merged = []
            for i in range(depth):
                seen: dict[str, DistrictMatch] = {}
                for g in parts:
                    for d in g[i] if i < len(g) else ():
                        seen[d.code] = d
                merged.append(tuple(seen.values()))
            return tuple(merged)
        full_key = normalize_name(name)
        if full_key in self._district_alias_keys:
            return ((self._districts[self._district_alias_keys[full_key]],),)
        cleaned = _clean(name)
        kind: str | None = None
        base = cleaned
        if _KOTA_PREFIX.match(cleaned):
            kind, base = "kota", _KOTA_PREFIX.sub("", cleaned)
        elif _KAB_PREFIX.match(cleaned):
            kind, base = "kab", _KAB_PREFIX.sub("", cleaned)
        bkey = normalize_name(base)
        if kind != "kota" and bkey in self._district_alias_keys:  # 'Kota Pontianak' is not 'Pontianak'
            return ((self._districts[self._district_alias_keys[bkey]],),)
        cands = self._district_keys.get(bkey, [])
        kotas = tuple(c for c in cands if c.is_kota)
        kabs = tuple(c for c in cands if not c.is_kota)
        if kind == "kota":
            # 'Kota Baru' is the kabupaten KOTA BARU / Kotabaru: KOTA is part of the name
            return (kotas, tuple(c for c in self._district_keys.get(full_key, []) if not c.is_kota))
        if kind == "kab":
            return (kabs,)
        return (kabs, kotas)

    def district(self, code: str) -> DistrictMatch:
        """The BPS 2020 district with this four-digit code (RegionError if unknown)."""
        try:
            return self._districts[str(code)]
        except KeyError:
            raise RegionError(f"unknown BPS 2020 district code {code!r}") from None

    # -- any level -----------------------------------------------------------------------

    def resolve(
        self,
        name: str,
        *,
        level: str | None = None,
        province: str | None = None,
        file: object | None = None,
        row: object | None = None,
    ) -> tuple[str | None, str]:
        """Code and level of a printed region name.

        Parameters
        ----------
        name : str
            Printed name.
        level : {'national', 'province', 'district'}, optional
            Force a level; by default national, then province, then district is tried.
        province : str, optional
            Province context for districts (see :meth:`district_code`).
        file, row : optional
            Named in error messages.

        Returns
        -------
        (code, level)
            ``('00', 'national')`` for INDONESIA, ``('11', 'province')``,
            ``('1101', 'district')`` or ``(None, 'district')`` for a district name that is not in
            the BPS 2020 list (recorded in :attr:`unresolved`).

        Raises
        ------
        RegionError
            If the name is neither national, a province nor a plausible district name
            (``level='province'``), or a district name is ambiguous.
        """
        if level not in (None, "district"):
            code = self.province_or_none(name)
            if level == "national":
                if code != NATIONAL_CODE:
                    raise RegionError(f"{_where(file, row)}expected the national total (INDONESIA), found {name!r}")
                return NATIONAL_CODE, "national"
            if code is None or code == NATIONAL_CODE:
                raise RegionError(
                    f"{_where(file, row)}unknown province name {name!r} "
                    "(not in the crosswalk, its alt_names or PROVINCE_ALIASES)"
                )
            return code, "province"
        if level is None:
            code = self.province_or_none(name)
            if code == NATIONAL_CODE:
                return code, "national"
            if code is not None:
                return code, "province"
        return self.district_code(name, province, file=file, row=row), "district"

    def unresolved_table(self) -> pd.DataFrame:
        """Unresolved district names seen so far: name, province context, count."""
        import pandas as pd

        rows = [(n, p, c) for (n, p), c in sorted(self.unresolved.items(), key=lambda kv: (kv[0][1] or "", kv[0][0]))]
        return pd.DataFrame(rows, columns=["district_name", "province_code", "count"])


def _read_codes_csv(path: str | Path, required: Iterable[str]) -> pd.DataFrame:
    """Read a reference CSV with every column as str (codes keep leading zeros)."""
    import pandas as pd

    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise RegionError(f"{path}: cannot read region table ({exc})") from exc
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise RegionError(f"{path}: missing column(s) {missing}; found {list(df.columns)}")
    return df


def province_crosswalk(bundle: DataBundle | str | Path | None = None) -> pd.DataFrame:
    """``geo/idn_province_crosswalk_bps.csv`` with every code column as str.

    Parameters
    ----------
    bundle : DataBundle, path or None
        The bundle, a bundle folder, or None for :meth:`DataBundle.locate`.

    Returns
    -------
    DataFrame
        One row per 38-set province: ``province_code_38``, ``province_name_38``,
        ``province_code_34``, ``province_name_34``, ``province_code_33_pre2012``,
        ``province_name_33_pre2012``, ``kemendagri_code_38`` (reference only; never join on it),
        ``n_districts_bps2020`` (int), ``change_note``, ``alt_names``, ``code_confidence``.
    """
    path = _bundle_path(bundle, CROSSWALK_FILE)
    df = _read_codes_csv(path, ["province_code_38", "province_code_34", "province_code_33_pre2012"])
    if "n_districts_bps2020" in df.columns:
        df["n_districts_bps2020"] = df["n_districts_bps2020"].astype(int)
    for c in ("province_code_38", "province_code_34", "province_code_33_pre2012"):
        bad = df.index[~df[c].str.fullmatch(r"\d{2}")]
        if len(bad):
            raise RegionError(
                f"{path}, row {bad[0] + 2}, column {c}: expected a 2-digit code, found {df.at[bad[0], c]!r}"
            )
    return df


def _bundle_path(bundle: DataBundle | str | Path | None, relpath: str) -> Path:
    if bundle is None:
        from jamsostek_analysis.data.bundle import DataBundle

        bundle = DataBundle.locate()
    if isinstance(bundle, (str, Path)):
        return Path(bundle) / relpath
    return bundle.path(relpath)


@functools.lru_cache(maxsize=4)
def default_resolver(data_dir: str | Path | None = None) -> RegionResolver:
    """Resolver built from the located bundle (cached per ``data_dir``).

    Parameters
    ----------
    data_dir : path, optional
        Bundle folder; None locates it with
        :meth:`jamsostek_analysis.data.bundle.DataBundle.locate` (``$JAMSOSTEK_DATA_DIR``,
        ``data/bundle``; user additions from ``$JAMSOSTEK_EXTRA_DATA`` win).

    Notes
    -----
    The resolver accumulates :attr:`RegionResolver.unresolved` across calls; build a fresh one with
    :meth:`RegionResolver.from_bundle` to count the unresolved names of one run, and call
    ``default_resolver.cache_clear()`` after changing the bundle.
    """
    from jamsostek_analysis.data.bundle import DataBundle

    return RegionResolver.from_bundle(DataBundle.locate(data_dir))
