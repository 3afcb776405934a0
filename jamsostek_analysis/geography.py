"""Indonesian province geography: the one home of codes, splits and province sets by year.

The bottom layer (with :mod:`jamsostek_analysis.errors` and :mod:`jamsostek_analysis.paths`): it
imports nothing else of the package, and every other module takes these facts from here. Values that
live in bundle files (the names and Kemendagri codes of ``geo/idn_province_crosswalk_bps.csv``) are
read from the bundle by :mod:`jamsostek_analysis.data.regions`; this module holds only the constants
that describe the geography.

Facts
-----
* **Codes.** BPS two-digit province codes as strings. The 38-province set (:data:`PROVINCES_38`) is
  the reference.
* **Kalimantan Utara** (:data:`KALTARA` 65) was carved out of Kalimantan Timur (:data:`KALTARA_PARENT`
  64) by UU 20/2012 (:data:`KALTARA_SPLIT_YEAR`). BPS tables carry it from 2013 (GRDP, IPM, schooling)
  or only from March 2015 (poverty, labour, Gini): :data:`KALTARA_FIRST_YEAR`.
* **Papua.** The 2022 split (:data:`PAPUA_SPLIT_YEAR`) created Papua Barat Daya 92 (from Papua Barat
  91) and Papua Selatan 95, Papua Tengah 96, Papua Pegunungan 97 (from Papua 94):
  :data:`PAPUA_SPLIT_PARENT`. Poverty and labour tables publish them from March 2024
  (:data:`FIRST_38_YEAR`); GRDP from 2023 and IPM (back-cast) from 2022: :data:`PAPUA_SPLIT_FIRST_YEAR`.
* **Province sets.** 33 (no 65), 34 (65 in, Papua undivided), 38 (from the Papua split).
"""

from __future__ import annotations

from jamsostek_analysis.errors import RegionError

__all__ = [
    "PROVINCES_38",
    "NEW_PAPUA",
    "PAPUA_PARENTS",
    "PAPUA_CODES",
    "PAPUA_SPLIT_PARENT",
    "PAPUA_SPLIT_YEAR",
    "KALTARA",
    "KALTARA_PARENT",
    "KALTARA_SPLIT_YEAR",
    "KALTARA_ADMIN_FIRST_YEAR",
    "FIRST_KALTARA_POVERTY_YEAR",
    "FIRST_38_YEAR",
    "KALTARA_FIRST_YEAR",
    "PAPUA_SPLIT_FIRST_YEAR",
    "PANEL_TOPIC",
    "check_code",
    "split_parent_34",
    "parent_33",
    "province_code_for_year",
    "province_set",
    "boundary_for_year",
    "panel_province_set",
    "map_set_for_year",
]

#: the 38 BPS province codes (from the 2022 Papua split), sorted
PROVINCES_38: tuple[str, ...] = tuple(
    (
        "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 "
        "71 72 73 74 75 76 81 82 91 92 94 95 96 97"
    ).split()
)

#: the 2022 Papua split: new province -> its parent in the 34-province set
PAPUA_SPLIT_PARENT: dict[str, str] = {"92": "91", "95": "94", "96": "94", "97": "94"}
#: provinces created by the 2022 Papua split (Papua Barat Daya, Selatan, Tengah, Pegunungan)
NEW_PAPUA: tuple[str, ...] = tuple(sorted(PAPUA_SPLIT_PARENT))
#: their parents: Papua Barat (91) and Papua (94), the rump provinces after the split
PAPUA_PARENTS: tuple[str, ...] = tuple(sorted(set(PAPUA_SPLIT_PARENT.values())))
#: every Papua province code of either geography
PAPUA_CODES: tuple[str, ...] = tuple(sorted(NEW_PAPUA + PAPUA_PARENTS))
#: year of the Papua split laws (UU 14, 15, 16/2022 and UU 29/2022)
PAPUA_SPLIT_YEAR = 2022

#: Kalimantan Utara and the province it was carved out of (Kalimantan Timur)
KALTARA = "65"
KALTARA_PARENT = "64"
#: year of UU 20/2012 creating Kalimantan Utara
KALTARA_SPLIT_YEAR = 2012
#: first year of the administrative 34-province set (first BPS tables with a 65 row)
KALTARA_ADMIN_FIRST_YEAR = 2013
#: first year Kalimantan Utara appears in the province poverty, labour and Gini tables (March 2015)
FIRST_KALTARA_POVERTY_YEAR = 2015
#: first year the new Papua provinces appear in the poverty and labour tables (March 2024)
FIRST_38_YEAR = 2024

#: the ``raw/bps`` topic whose province set the province panel follows
PANEL_TOPIC = "poverty_province"

KALTARA_FIRST_YEAR: dict[str, int] = {
    "poverty_province": FIRST_KALTARA_POVERTY_YEAR,
    "poverty_count_province": FIRST_KALTARA_POVERTY_YEAR,
    "formal_employment_province": FIRST_KALTARA_POVERTY_YEAR,
    "tpt_province": FIRST_KALTARA_POVERTY_YEAR,
    "tpt_tpak_province": FIRST_KALTARA_POVERTY_YEAR,
    "gini_province": FIRST_KALTARA_POVERTY_YEAR,
    "grdp_per_capita_province": KALTARA_ADMIN_FIRST_YEAR,
    "hdi_province": KALTARA_ADMIN_FIRST_YEAR,
    "mean_years_schooling": KALTARA_ADMIN_FIRST_YEAR,
    "population_province": KALTARA_ADMIN_FIRST_YEAR,
    "population_province_alt_vintage": KALTARA_ADMIN_FIRST_YEAR,
    "minimum_wage_province": KALTARA_ADMIN_FIRST_YEAR,
    "poverty_district": 2004,
}
"""First year with Kalimantan Utara (65) values, per ``raw/bps`` topic (checked against the files;
README 'Known problems'). The district poverty tables carry a 65 row back to 2004 on today's
boundaries. Topics without files before the first year (population, minimum wage) use 2013."""

PAPUA_SPLIT_FIRST_YEAR: dict[str, int] = {
    "grdp_per_capita_province": 2023,
    "hdi_province": PAPUA_SPLIT_YEAR,
}
"""First year with values for 92/95/96/97 where it is not :data:`FIRST_38_YEAR` (GRDP 2023, IPM
back-cast to 2022)."""


def check_code(code: object, ndigits: int = 2, where: str = "province code") -> str:
    """``code`` as a string of ``ndigits`` digits, else :class:`RegionError` naming ``where``."""
    s = str(code)
    if len(s) != ndigits or not s.isdigit():
        raise RegionError(f"{where}: expected a {ndigits}-digit BPS code string, found {code!r}")
    return s


def split_parent_34(code38: str) -> str:
    """Parent province in the 2013-2022 34-province set of a 38-set BPS code.

    92 (Papua Barat Daya) -> 91 (Papua Barat); 95, 96, 97 (Papua Selatan, Tengah, Pegunungan) -> 94
    (Papua); every other code maps to itself.

    Raises
    ------
    RegionError
        If ``code38`` is not a two-digit string.
    """
    code = check_code(code38, 2, "split_parent_34")
    return PAPUA_SPLIT_PARENT.get(code, code)


def parent_33(code: str) -> str:
    """Parent in the pre-2012 33-province set: Kalimantan Utara (65) -> Kalimantan Timur (64),
    the Papua splits as in :func:`split_parent_34`."""
    code = split_parent_34(code)
    return KALTARA_PARENT if code == KALTARA else code


def province_code_for_year(code38: str, year: int) -> str:
    """The province (in the administrative set in force in ``year``) that contained ``code38``.

    Before 2013 (first year of BPS tables with Kalimantan Utara) 65 -> 64; before 2024 (first year
    the new Papua provinces are published) 92 -> 91 and 95/96/97 -> 94.
    """
    if int(year) < KALTARA_ADMIN_FIRST_YEAR:
        return parent_33(code38)
    if int(year) < FIRST_38_YEAR:
        return split_parent_34(code38)
    return check_code(code38, 2, "province_code_for_year")


def province_set(year: int, topic: str | None = None) -> tuple[str, ...]:
    """BPS province codes for which province values are published for ``year``.

    Without ``topic`` (the administrative set used by BPS tables): 33 provinces up to 2012, 34 in
    2013-2023, 38 from 2024. With ``topic`` (a ``raw/bps`` folder name), the publication lags of that
    topic apply: Kalimantan Utara from :data:`KALTARA_FIRST_YEAR` and the new Papua provinces from
    :data:`PAPUA_SPLIT_FIRST_YEAR` (default :data:`FIRST_38_YEAR`). Before 2006 BPS tables cover
    fewer provinces (provinces created 1999-2004); this function does not model that.

    Returns
    -------
    tuple of str
        Sorted two-digit codes.
    """
    y = int(year)
    kaltara = KALTARA_FIRST_YEAR.get(topic, KALTARA_ADMIN_FIRST_YEAR) if topic is not None else KALTARA_ADMIN_FIRST_YEAR
    papua = PAPUA_SPLIT_FIRST_YEAR.get(topic, FIRST_38_YEAR) if topic is not None else FIRST_38_YEAR
    return tuple(c for c in PROVINCES_38 if not (y < papua and c in NEW_PAPUA) and not (y < kaltara and c == KALTARA))


def boundary_for_year(year: int) -> str:
    """Province set of the panel in ``year``: '33' (to 2014), '34' (2015-2023), '38' (from 2024).

    Kalimantan Utara (65) was created in 2012 but the BPS province poverty, labour and Gini tables
    carry it only from March 2015; up to 2014 its population is inside Kalimantan Timur (64). The new
    Papua provinces appear in the poverty and labour tables from March 2024.
    """
    y = int(year)
    if y < FIRST_KALTARA_POVERTY_YEAR:
        return "33"
    if y < FIRST_38_YEAR:
        return "34"
    return "38"


def panel_province_set(year: int) -> tuple[str, ...]:
    """Sorted codes of the province panel's rows in ``year``: the set of the BPS province poverty
    tables, ``province_set(year, PANEL_TOPIC)`` (33, 34 or 38 codes).

    It differs from the administrative set ``province_set(year)``, which has Kalimantan Utara from
    2013: in the panel's 2013-2014 rows Kalimantan Timur (64) still includes Kalimantan Utara.
    """
    return province_set(year, PANEL_TOPIC)


def map_set_for_year(year: int) -> str:
    """Boundary file set ('34' or '38') matching BPS province tables of ``year``.

    ``'38'`` from :data:`FIRST_38_YEAR`, else ``'34'`` (there is no 33-province boundary file: before
    2015 Kalimantan Utara shows as missing).
    """
    return "38" if int(year) >= FIRST_38_YEAR else "34"
