"""The column registry of the province panel: one entry per column, from which everything is derived.

Each :class:`Column` states what the column is (definition, unit, source id, survey round), where its
cells come from (a ``raw/bps`` topic selection, the compiled R2-D1 panel, the BPJS-TK sources, or a
derivation), how :func:`jamsostek_analysis.data.panel.aggregate_to_34` combines it across the Papua
split, and its plausibility bounds (``valid_range``). From :data:`COLUMNS`:

* :data:`PANEL_COLUMNS` (the panel's column order) and :data:`AGGREGATION_RULES`;
* the BPS cell selections the panel builder reads (:data:`SELECTIONS`);
* the data dictionary (:func:`jamsostek_analysis.data.panel.data_dictionary`), whose
  ``years_available`` is computed from the panel, never typed.

Adding a column: add one :class:`Column` here (a BPS topic column needs only ``select``); the
panel, the aggregation and the dictionary follow.

Aggregation rules ('sum', 'popmean', 'susenas_mean', 'employed_mean', 'labour_force_mean',
'working_age_mean', 'nan', 'text', 'key') are described in :func:`aggregate_to_34`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AGGREGATION_KINDS",
    "BpsSelection",
    "Column",
    "COLUMNS",
    "REGISTRY",
    "PANEL_COLUMNS",
    "MODELLED",
    "MODELLED_COLUMNS",
    "AGGREGATION_RULES",
    "SELECTIONS",
    "COMPILED_COLUMNS",
    "VALID_RANGES",
    "bps_columns",
    "DISTRICT_COLUMNS",
]

AGGREGATION_KINDS = (
    "sum",
    "popmean",
    "susenas_mean",
    "employed_mean",
    "labour_force_mean",
    "working_age_mean",
    "nan",
    "text",
    "key",
)
#: where a column's cells come from
KINDS = ("key", "bps", "compiled", "bpjstk", "derived", "flag", "modelled")
#: how ``years_available`` is computed: years with a non-missing / non-empty value, years with a
#: row, or the years aggregated by geography='34' (post-split rows)
YEAR_RULES = ("values", "rows", "aggregated")


@dataclass(frozen=True)
class BpsSelection:
    """Which cells of a tidy ``raw/bps`` topic table make one variable.

    Attributes
    ----------
    source_id : str
        Id of the source in ``curated/sources.csv``.
    topic : str
        ``raw/bps`` folder.
    title, category : str, optional
        Regular expressions on the table title and the category label.
    periods : tuple of str, optional
        Accepted periods, first wins per cell.
    annual_until : int, optional
        Accept period 'Annual' up to this year (the Tahunan column = March survey, 2007-2011).
    """

    source_id: str
    topic: str
    title: str | None = None
    category: str | None = None
    periods: tuple[str, ...] | None = None
    annual_until: int | None = None


@dataclass(frozen=True)
class Column:
    """One column of the province panel.

    Attributes
    ----------
    name : str
        Column name.
    kind : str
        One of :data:`KINDS`.
    definition, unit, source_id, survey_round, notes : str
        The data dictionary's text.
    aggregation : str
        Rule of ``aggregate_to_34`` (one of :data:`AGGREGATION_KINDS`).
    select : tuple of BpsSelection
        For ``kind='bps'``: where the cells come from; with several, the first non-missing wins per
        cell and ``<name>_source`` records which source id was used.
    valid_range : (float, float), optional
        Plausibility bounds of a numeric column (inclusive); a value outside is a data error.
    years : str
        How ``years_available`` is computed (one of :data:`YEAR_RULES`).
    source_column : str, optional
        For ``kind='compiled'``: the column of the R2-D1 transcription (default ``name``).
    """

    name: str
    kind: str
    definition: str
    unit: str = ""
    source_id: str = ""
    survey_round: str = ""
    aggregation: str = "nan"
    select: tuple[BpsSelection, ...] = ()
    valid_range: tuple[float, float] | None = None
    years: str = "values"
    notes: str = ""
    source_column: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Column {self.name}: kind {self.kind!r}, expected one of {KINDS}")
        if self.aggregation not in AGGREGATION_KINDS:
            raise ValueError(
                f"Column {self.name}: aggregation {self.aggregation!r}, expected one of {AGGREGATION_KINDS}"
            )
        if self.years not in YEAR_RULES:
            raise ValueError(f"Column {self.name}: years {self.years!r}, expected one of {YEAR_RULES}")
        if (self.kind == "bps") != bool(self.select):
            raise ValueError(f"Column {self.name}: a 'bps' column needs a selection, and only it")
        if self.valid_range is not None and not self.valid_range[0] < self.valid_range[1]:
            raise ValueError(f"Column {self.name}: valid_range {self.valid_range} is empty")

    def selection_names(self) -> tuple[str, ...]:
        """Names of the intermediate cells: the column name, or ``<name>_<source id>`` for each of
        several sources (e.g. ``tpt_b05``, ``tpt_b04``)."""
        if len(self.select) == 1:
            return (self.name,)
        return tuple(f"{self.name}_{s.source_id.lower().replace('-', '')}" for s in self.select)


_TOTAL = r"^\s*(?:Jumlah|Total|Perkotaan\s*\+\s*Perdesaan|Perkotaan dan Perdesaan|Kota\s*\+\s*Desa)\s*$"

COLUMNS: tuple[Column, ...] = (
    Column(
        "province_code",
        "key",
        "BPS two-digit province code (string)",
        unit="code",
        source_id="G02",
        survey_round="",
        aggregation="key",
        years="rows",
        notes="Set of the year's BPS poverty tables: 33 provinces 2007-2014 (Kalimantan Utara 65 is first published in March 2015; before that it is inside Kalimantan Timur 64), 34 in 2015-2023, 38 from 2024 (92, 95, 96, 97 from the 2022 Papua split). 91 and 94 are the rump provinces from 2024. geography='34' aggregates 2024-2025 back to 91/94.",
    ),
    Column(
        "province_name",
        "key",
        "BPS province name (upper case, as in geo/idn_province_crosswalk_bps.csv)",
        unit="text",
        source_id="G02",
        survey_round="",
        aggregation="key",
        years="rows",
    ),
    Column(
        "year",
        "key",
        "Calendar year of the survey round or reference date",
        unit="year",
        source_id="",
        survey_round="",
        aggregation="key",
        valid_range=(1990.0, 2100.0),
        years="rows",
    ),
    Column(
        "boundary",
        "key",
        "Province set of the row: '33', '34' or '38'; '34' also for rows aggregated by geography='34'",
        unit="text",
        source_id="",
        survey_round="",
        aggregation="key",
        years="rows",
    ),
    Column(
        "p0",
        "bps",
        "Poverty headcount ratio P0, urban+rural (Jumlah)",
        unit="percent of population",
        source_id="B01",
        survey_round="March (Susenas); 2007-2011 the Tahunan column = March survey",
        aggregation="susenas_mean",
        select=(
            BpsSelection(
                "B01",
                "poverty_province",
                title="\\(P0\\)",
                category=_TOTAL,
                periods=("March",),
                annual_until=2011,
            ),
        ),
        valid_range=(0.0, 100.0),
        notes="As published. Papua September 2015 P1/P2 are not used (September round). The March 2025 round was fielded in February 2025 (bundle README).",
    ),
    Column(
        "p1",
        "bps",
        "Poverty gap index P1 (FGT alpha=1), urban+rural",
        unit="index (percent scale)",
        source_id="B01",
        survey_round="March (Susenas); 2007-2011 Tahunan",
        aggregation="susenas_mean",
        select=(
            BpsSelection(
                "B01",
                "poverty_province",
                title="\\(P1\\)",
                category=_TOTAL,
                periods=("March",),
                annual_until=2011,
            ),
        ),
        valid_range=(0.0, 50.0),
        notes="2012: NaN for codes 71-76, 81, 82, 91, 94 (export rows shifted from Kalimantan Utara downward; see quality_flag).",
    ),
    Column(
        "p2",
        "bps",
        "Poverty severity index P2 (FGT alpha=2), urban+rural",
        unit="index (percent scale)",
        source_id="B01",
        survey_round="March (Susenas); 2007-2011 Tahunan",
        aggregation="susenas_mean",
        select=(
            BpsSelection(
                "B01",
                "poverty_province",
                title="\\(P2\\)",
                category=_TOTAL,
                periods=("March",),
                annual_until=2011,
            ),
        ),
        valid_range=(0.0, 30.0),
    ),
    Column(
        "p0_urban",
        "bps",
        "P0 in urban areas (Perkotaan)",
        unit="percent of population",
        source_id="B01",
        survey_round="March (Susenas); 2007-2011 Tahunan",
        aggregation="popmean",
        select=(
            BpsSelection(
                "B01",
                "poverty_province",
                title="\\(P0\\)",
                category="^\\s*Perkotaan\\s*$",
                periods=("March",),
                annual_until=2011,
            ),
        ),
        valid_range=(0.0, 100.0),
        notes="DKI Jakarta has no rural area: p0_rural is NaN there.",
    ),
    Column(
        "p0_rural",
        "bps",
        "P0 in rural areas (Perdesaan)",
        unit="percent of population",
        source_id="B01",
        survey_round="March (Susenas); 2007-2011 Tahunan",
        aggregation="popmean",
        select=(
            BpsSelection(
                "B01",
                "poverty_province",
                title="\\(P0\\)",
                category="^\\s*Perdesaan\\s*$",
                periods=("March",),
                annual_until=2011,
            ),
        ),
        valid_range=(0.0, 100.0),
        notes="NaN for DKI Jakarta (no rural area).",
    ),
    Column(
        "poverty_round",
        "derived",
        "Susenas round behind p0-p2: 'March' or 'March (Tahunan column)'",
        unit="text",
        source_id="B01",
        survey_round="",
        aggregation="text",
        years="rows",
    ),
    Column(
        "poor_thousand",
        "bps",
        "Number of poor people",
        unit="thousand persons",
        source_id="S06",
        survey_round="March (Susenas)",
        aggregation="sum",
        select=(
            BpsSelection(
                "S06",
                "poverty_count_province",
                category="Jumlah Penduduk Miskin",
                periods=("March",),
            ),
        ),
        valid_range=(0.0, 50000.0),
        notes="Province rows only; the INDONESIA row of this export has known errors and is not used.",
    ),
    Column(
        "poverty_population",
        "derived",
        "Population behind the poverty rates: 100 * poor_thousand / p0 (same March round)",
        unit="thousand persons",
        source_id="S06; B01",
        survey_round="March (Susenas)",
        aggregation="sum",
        valid_range=(100.0, 100000.0),
        notes="derived: population implied by the published poor count and headcount ratio; the denominator behind the poverty rates; differs from `population` (projection): 0.99-1.00 times it in 2016-2019, 0.70-1.19 times it by province in 2020-2025 (Papua Tengah 0.70, Kepulauan Riau 1.19). Use it to turn a change in P0 into a number of people. NaN where poor_thousand or p0 is missing or p0 is 0. Inherits the rounding of the published numbers (poor to 10 persons, p0 to 0.01 point). geography='34': the sum of the parts' values, so p0 * poverty_population / 100 = poor_thousand also in the aggregated rows.",
    ),
    Column(
        "poverty_line",
        "bps",
        "Poverty line (Garis Kemiskinan), urban+rural",
        unit="IDR per capita per month",
        source_id="S06",
        survey_round="March (Susenas)",
        aggregation="nan",
        select=(
            BpsSelection(
                "S06",
                "poverty_count_province",
                category="Garis Kemiskinan",
                periods=("March",),
            ),
        ),
        valid_range=(50000.0, 5000000.0),
        notes="The B01 line table has urban and rural lines only (2013-2025) and is not used; S06 prints the total line from 2017.",
    ),
    Column(
        "population",
        "bps",
        "Population (Jumlah Penduduk)",
        unit="thousand persons",
        source_id="R2-A6",
        survey_round="census / mid-year projection",
        aggregation="sum",
        select=(BpsSelection("R2-A6", "population_province", category="^\\s*Jumlah Penduduk"),),
        valid_range=(100.0, 100000.0),
        notes="Each year's own file and vintage: 2010 SP2010 (May); 2016-2018 no footnote (SP2010-based projection); 2019 Proyeksi 2010-2035 (June); 2020 SP2020 (September); 2021-2022 interim projection 2020-2023 (June); 2023-2025 Proyeksi 2020-2050 (June). Vintage breaks in 2020. 2011-2015 absent. 2023 new Papua provinces are '...' (91/94 pre-split). Not the denominator of p0-p2: the Susenas population implied by 100 * poor_thousand / p0 is 0.99-1.00 times this column in 2016-2019 but 0.70-1.19 times it in 2020-2025 (Papua Tengah 0.70, Kepulauan Riau 1.19). Use it as a weight within a year, not as a poverty denominator (that is poverty_population).",
    ),
    Column(
        "formal_share",
        "bps",
        "Share of formal workers (employer with permanent workers + employee) in employed",
        unit="percent",
        source_id="R2-A1",
        survey_round="August (Sakernas; the export does not print the round, its national values equal the August figures)",
        aggregation="employed_mean",
        select=(BpsSelection("R2-A1", "formal_employment_province"),),
        valid_range=(0.0, 100.0),
        notes="August 2018 values are the revised (re-weighted) series.",
    ),
    Column(
        "tpt",
        "bps",
        "Open unemployment rate (TPT)",
        unit="percent of labour force",
        source_id="B05; B04",
        survey_round="August (Sakernas)",
        aggregation="labour_force_mean",
        select=(
            BpsSelection(
                "B05",
                "tpt_tpak_province",
                category="^\\s*TPT\\b|\\(TPT\\)|Pengangguran",
                periods=("August",),
            ),
            BpsSelection("B04", "tpt_province", periods=("August",)),
        ),
        valid_range=(0.0, 100.0),
        notes="From B05 (TPT and TPAK table) where it has a value (2017-2023, 2025), else from B04 (TPT table: 2007-2016, 2024); tpt_source says which per cell. The two exports agree in all 276 province-years where both have a value (both carry the revised August 2018 series).",
    ),
    Column(
        "tpt_source",
        "derived",
        "Source id of tpt in this row (B05 or B04)",
        unit="text",
        source_id="B05; B04",
        survey_round="",
        aggregation="text",
        years="rows",
    ),
    Column(
        "tpak",
        "bps",
        "Labour force participation rate (TPAK)",
        unit="percent of population 15+",
        source_id="B05",
        survey_round="August (Sakernas)",
        aggregation="working_age_mean",
        select=(
            BpsSelection(
                "B05",
                "tpt_tpak_province",
                category="^\\s*TPAK\\b|\\(TPAK\\)|Partisipasi",
                periods=("August",),
            ),
        ),
        valid_range=(0.0, 100.0),
        notes="No 2024 file in the bundle; no other source, so 2024 is NaN. August 2018 values are the revised (re-weighted) series.",
    ),
    Column(
        "employed",
        "compiled",
        "Employed persons (Jumlah Penduduk Bekerja)",
        unit="persons",
        source_id="R2-D1",
        survey_round="August (Sakernas) per the compiled panel; round not stated in the source",
        aggregation="sum",
        valid_range=(10000.0, 100000000.0),
        notes="SECONDARY (hand transcription of a third-party compiled panel). Province sums equal the BPS August national totals for 2023 and 2024. Post-split geography from 2024.",
    ),
    Column(
        "employees",
        "compiled",
        "Employees (buruh/karyawan/pegawai)",
        source_column="employees_buruh",
        unit="persons",
        source_id="R2-D1",
        survey_round="August (Sakernas) per the compiled panel",
        aggregation="sum",
        valid_range=(1000.0, 100000000.0),
        notes="SECONDARY, as employed.",
    ),
    Column(
        "grdp_per_capita",
        "bps",
        "GRDP per capita at constant 2010 prices (Seri 2010)",
        unit="thousand IDR",
        source_id="R2-A2",
        survey_round="annual",
        aggregation="popmean",
        select=(BpsSelection("R2-A2", "grdp_per_capita_province", category="Konstan"),),
        valid_range=(1000.0, 1000000.0),
        notes="2011 file empty. Kalimantan Timur 2013-2014 NaN (published without Kalimantan Utara); 91/94 in 2023 NaN (published post-split). Each year's own file: up to 2019 per capita on SP2010-based population, from 2020 on SP2020-based population (the bundle's 2019 file is the earlier vintage), so the series has a level break in 2020 (Papua -20 %, Papua Barat -15 %, mostly the population revision); use year effects or avoid 2019/2020 changes.",
    ),
    Column(
        "hdi",
        "bps",
        "Human Development Index (IPM, new method)",
        unit="index 0-100",
        source_id="R2-A3",
        survey_round="annual",
        aggregation="nan",
        select=(BpsSelection("R2-A3", "hdi_province"),),
        valid_range=(0.0, 100.0),
        notes="Kalimantan Timur 2013-2014 and 91/94 2022-2023 NaN (other geography: the 2022 and 2023 tables already publish the new Papua provinces, so their 91/94 are the rump provinces). Not aggregated by geography='34'. Do not splice with the revised Statistik Indonesia 2026 IPM.",
    ),
    Column(
        "mean_years_schooling",
        "bps",
        "Mean years of schooling, population 25+ (RLS, new method), province rows",
        unit="years",
        source_id="R2-A4",
        survey_round="annual",
        aggregation="popmean",
        select=(BpsSelection("R2-A4", "mean_years_schooling"),),
        valid_range=(0.0, 20.0),
        notes="Kalimantan Timur 2013-2014 NaN (other geography).",
    ),
    Column(
        "gini",
        "bps",
        "Gini ratio of per-capita consumption, urban+rural",
        unit="ratio 0-1",
        source_id="R2-A8",
        survey_round="March (Susenas)",
        aggregation="nan",
        select=(BpsSelection("R2-A8", "gini_province", category=_TOTAL, periods=("March",)),),
        valid_range=(0.0, 1.0),
        notes="March chosen to match the poverty round. Not aggregated by geography='34'.",
    ),
    Column(
        "min_wage",
        "bps",
        "Provincial minimum wage (UMP), monthly",
        unit="IDR per month",
        source_id="R2-A5",
        survey_round="legal value in force in the year",
        aggregation="nan",
        select=(BpsSelection("R2-A5", "minimum_wage_province"),),
        valid_range=(100000.0, 50000000.0),
        notes="In 2024 the table prints Papua's 4,024,270 for 92, 94, 95, 96 and 97 (bundle README known problem; Papua Barat Daya's own 2025 UMP is 3,614,000): kept as published and flagged in quality_flag. Papua Pegunungan 2025 is '-' (NaN). Not aggregated by geography='34'.",
    ),
    Column(
        "bpjstk_pu",
        "bpjstk",
        "Active BPJS-TK participants, wage earners (PU); main series",
        unit="persons",
        source_id="R2-D1; S01",
        survey_round="R2-D1: reference month not stated except 2023 (= December); S01: December 2023",
        aggregation="sum",
        valid_range=(0.0, 100000000.0),
        notes="Default R2-D1 (SECONDARY compiled panel, 2022-2025): it gives four years (within-province change), its provincial attribution tracks employees (PU is below the province's employees in every province-year of matching geography), and its 2023 national sums equal S01's exactly. S01 (bpjstk_source='kemnaker', 2023 only) attributes participants differently (apparently by the employer's registration office): 5.46 m PU in DKI Jakarta against 3.05 m employees there. 91/94 in 2024-2025 are NaN with geography='as-published' (R2-D1 keeps pre-split Papua, see geography_flag) and filled with geography='34'. Reference month stated only for 2023 (December). Inference, not stated: the 2025 national sums (PU 26.44 m, BPU 9.40 m) match the February-May 2025 national statements (S10, N16, N17: PU 25.4-26.3 m, BPU 8.3-9.6 m) rather than a year-end level, while 2024 (PU 29.31 m) fits December 2024, so 2024-2025 changes may mix reference months.",
    ),
    Column(
        "bpjstk_bpu",
        "bpjstk",
        "Active BPJS-TK participants, non-wage workers (BPU); main series",
        unit="persons",
        source_id="R2-D1; S01",
        survey_round="as bpjstk_pu",
        aggregation="sum",
        valid_range=(0.0, 100000000.0),
        notes="As bpjstk_pu.",
    ),
    Column(
        "bpjstk_active",
        "derived",
        "bpjstk_pu + bpjstk_bpu (Jakon construction-project and PMI migrant participants excluded)",
        unit="persons",
        source_id="R2-D1; S01",
        survey_round="as bpjstk_pu",
        aggregation="sum",
        valid_range=(0.0, 100000000.0),
        notes="NaN if either part is missing.",
    ),
    Column(
        "bpjstk_source",
        "bpjstk",
        "Source id of the main BPJS-TK columns in this row (R2-D1 or S01)",
        unit="text",
        source_id="R2-D1; S01",
        survey_round="",
        aggregation="text",
    ),
    Column(
        "bpjstk_pu_kemnaker",
        "bpjstk",
        "Active BPJS-TK PU participants, Kemnaker Satu Data export",
        unit="persons",
        source_id="S01",
        survey_round="December 2023",
        aggregation="sum",
        valid_range=(0.0, 100000000.0),
        notes="Kept for comparison whatever bpjstk_source is. National sums of S01 and R2-D1 are identical (PU 25,004,383; BPU 9,192,755) but the provincial split differs in every province; S01 puts 5.46 m PU participants in DKI Jakarta, which has 3.05 m employees (August 2023).",
    ),
    Column(
        "bpjstk_bpu_kemnaker",
        "bpjstk",
        "Active BPJS-TK BPU participants, Kemnaker Satu Data export",
        unit="persons",
        source_id="S01",
        survey_round="December 2023",
        aggregation="sum",
        valid_range=(0.0, 100000000.0),
        notes="As bpjstk_pu_kemnaker.",
    ),
    Column(
        "coverage_rate",
        "derived",
        "Active BPJS-TK participants (PU + BPU) per 100 employed persons",
        unit="per 100 employed",
        source_id="R2-D1; S01",
        survey_round="BPJS-TK reference month / August Sakernas",
        aggregation="nan",
        valid_range=(0.0, 200.0),
        notes="100 * bpjstk_active / employed. Jakon is excluded because construction-project coverage is registered per project (often for short contracts, at the project's location) and is not tied to a resident worker; adding it would double count workers who also hold PU/BPU cover. Not a share of people (a worker may be counted twice across segments) and can exceed 100 where participants are attributed to another province.",
    ),
    Column(
        "coverage_pu_rate",
        "derived",
        "PU participants per 100 employees (buruh/karyawan/pegawai)",
        unit="per 100 employees",
        source_id="R2-D1; S01",
        survey_round="as coverage_rate",
        aggregation="nan",
        valid_range=(0.0, 200.0),
        notes="PU is the wage-earner segment, so its natural population is employees, not all employed persons. Employees include civil servants, who are mostly insured by TASPEN/ASABRI, so the rate understates coverage of private employees.",
    ),
    Column(
        "coverage_bpu_rate",
        "derived",
        "BPU participants per 100 employed persons who are not employees (employed - employees)",
        unit="per 100 non-employee workers",
        source_id="R2-D1; S01",
        survey_round="as coverage_rate",
        aggregation="nan",
        valid_range=(0.0, 200.0),
        notes="BPU is the non-wage segment (own-account, family and casual workers, employers).",
    ),
    Column(
        "geography_flag",
        "flag",
        "Why a value was set to NaN because its geography differs from the row's province (empty if none)",
        unit="text",
        source_id="",
        survey_round="",
        aggregation="text",
        years="rows",
        notes="Rules: Kalimantan Timur 2013-2014 covariates published without Kalimantan Utara (GRDP, HDI, schooling); 91/94 covariates of tables that already publish the new Papua provinces before 2024 (HDI 2022-2023, GRDP 2023); R2-D1 BPJS-TK values for 91/94 in 2024-2025 are pre-split.",
    ),
    Column(
        "quality_flag",
        "flag",
        "Known problems in a source cell: set to NaN, or kept as published but suspect (empty if none)",
        unit="text",
        source_id="",
        survey_round="",
        aggregation="text",
        notes="2012: p1 NaN (P1 export rows shifted). 2024: min_wage kept but flagged (one value printed for five Papua provinces).",
    ),
    Column(
        "aggregated_from",
        "flag",
        "For rows built by geography='34': the 38-set codes summed or averaged (e.g. '91+92'); empty otherwise",
        unit="text",
        source_id="G02",
        survey_round="",
        aggregation="key",
        years="aggregated",
        notes="Counts (population, poor_thousand, poverty_population, employed, employees, BPJS-TK) are summed. Rates are means weighted by their own denominator, exact up to published rounding: p0, p1, p2 by the Susenas population poor_thousand / p0 (so p0 = 100 * sum of poor / sum of Susenas population; weighting by the population column instead would move Papua 2024 p0 from 25.82 to 26.41), formal_share by employed, tpt by the labour force employed / (1 - tpt/100), tpak by the working-age population (labour force / tpak); the weights use R2-D1 employed (secondary). p0_urban, p0_rural, grdp_per_capita and mean_years_schooling are population-weighted (exact for GRDP per capita, an approximation for the others). hdi, gini, poverty_line and min_wage are not aggregable and are NaN; coverage ratios are recomputed from the summed counts. NaN whenever any part or weight is missing (tpak 2024).",
    ),
)


def _modelled() -> tuple[Column, ...]:
    """The MODELLED extreme-poverty columns (added by ``study.extreme_model.add_extreme_modelled``,
    not by the panel builder): not BPS statistics."""
    series = {
        "extreme": (
            "US$1.90/day PPP 2011 (BPS/Kemenko PMK series, 2021-Mar 2024)",
            "B01; B02; S06; I01; I26; I27; X01; E01; E02; E04",
            "Level calibrated on the 21 exact March-2023 province values only; 90 % interval = jackknife over those 21 provinces "
            "(t, 20 df) widened to the envelope over P1/P2 rounding (+/-0.005) and Beta vs lognormal. 2015-2020 and 2025 "
            "extrapolate the definition outside its published span; the 2022 level is below the published national figures "
            "(validation: tab07_extreme_validation).",
        ),
        "extreme215": (
            "US$2.15/day PPP 2017 (BPS series published July 2025)",
            "B01; B02; S06; I01; I26; I27; E16",
            "Level calibrated on the national March 2024 figure (1.26 %), the series' only anchor; the interval covers rounding "
            "and distribution choice only (no calibration uncertainty can be estimated from one anchor). Never spliced with "
            "the US$1.90 columns.",
        ),
    }
    out = []
    for p, (label, src, note) in series.items():
        for a, where in (
            ("", "province (urban and rural combined with the urban share implied by P0, P0 urban, P0 rural)"),
            ("_urban", "urban area"),
            ("_rural", "rural area (NaN for DKI Jakarta)"),
        ):
            for b, what in (
                ("", "point value"),
                ("_low", "lower bound of the 90 % interval"),
                ("_high", "upper bound of the 90 % interval"),
            ):
                out.append(
                    Column(
                        f"{p}_modelled{a}{b}",
                        "modelled",
                        f"MODELLED (not a BPS statistic) extreme-poverty rate, {label}, {where}: {what}",
                        unit="percent of population",
                        source_id=src,
                        survey_round="March (Susenas)",
                        valid_range=(0.0, 100.0),
                        notes="MODELLED from the published P0, P1, P2: Beta distribution of the normalised shortfall of the poor (reproduces "
                        "P0-P2 exactly), extreme line = CPI-indexed line proportional to each province's poverty line. "
                        + note
                        + " Urban/rural columns are NaN in rows aggregated by geography='34' (poverty-population-weighted means of the "
                        "parts otherwise). Method: jamsostek_analysis/study/extreme_model.py.",
                    )
                )
    out.append(
        Column(
            "extreme_modelled_flag",
            "modelled",
            "Why a MODELLED extreme-poverty value is weak (extrapolated definition, 2022 level, new Papua province, urban share "
            "not identified, aggregated row); empty where not modelled",
            unit="text",
            aggregation="text",
        )
    )
    return tuple(out)


#: the MODELLED extreme-poverty columns (not in :data:`PANEL_COLUMNS`: the study layer adds them)
MODELLED: tuple[Column, ...] = _modelled()
#: their names, in order
MODELLED_COLUMNS: list[str] = [c.name for c in MODELLED]
#: name -> Column (panel and MODELLED columns)
REGISTRY: dict[str, Column] = {c.name: c for c in COLUMNS + MODELLED}
#: the panel's columns, in order
PANEL_COLUMNS: list[str] = [c.name for c in COLUMNS]
#: column -> aggregation rule of aggregate_to_34
AGGREGATION_RULES: dict[str, str] = {c.name: c.aggregation for c in COLUMNS}
#: intermediate cell name (e.g. 'p0', 'tpt_b05') -> its BPS selection
SELECTIONS: dict[str, BpsSelection] = {n: s for c in COLUMNS for n, s in zip(c.selection_names(), c.select)}
#: panel column -> column of the compiled R2-D1 transcription, for the columns taken from it
COMPILED_COLUMNS: dict[str, str] = {c.name: c.source_column or c.name for c in COLUMNS if c.kind == "compiled"}
#: column -> plausibility bounds (inclusive) of every numeric column that has them
VALID_RANGES: dict[str, tuple[float, float]] = {c.name: c.valid_range for c in COLUMNS if c.valid_range is not None}


#: the district (kabupaten/kota) poverty panel: raw/bps/poverty_district (B03), 514 districts on the
#: BPS 2020 codes in every year 2004-2025 (today's boundaries, incl. the Papua and Kalimantan Utara splits)
DISTRICT_COLUMNS: tuple[Column, ...] = (
    Column("p0", "bps", "Poverty headcount ratio P0 of the district", unit="percent of population", source_id="B03",
           survey_round="March (Susenas)", select=(BpsSelection("B03", "poverty_district", title=r"\(P0\)"),),
           valid_range=(0.0, 100.0)),
    Column("p1", "bps", "Poverty gap index P1 (FGT alpha=1) of the district", unit="index (percent scale)",
           source_id="B03", survey_round="March (Susenas)",
           select=(BpsSelection("B03", "poverty_district", title=r"\(P1\)"),), valid_range=(0.0, 50.0)),
    Column("p2", "bps", "Poverty severity index P2 (FGT alpha=2) of the district", unit="index (percent scale)",
           source_id="B03", survey_round="March (Susenas)",
           select=(BpsSelection("B03", "poverty_district", title=r"\(P2\)"),), valid_range=(0.0, 30.0)),
    Column("poverty_line", "bps", "Poverty line (Garis Kemiskinan) of the district", unit="IDR per capita per month",
           source_id="B03", survey_round="March (Susenas)",
           select=(BpsSelection("B03", "poverty_district", title=r"Garis Kemiskinan"),),
           valid_range=(10000.0, 5000000.0)),
)  # fmt: skip


def bps_columns() -> tuple[Column, ...]:
    """The columns read from ``raw/bps`` topic tables, in registry order."""
    return tuple(c for c in COLUMNS if c.kind == "bps")
