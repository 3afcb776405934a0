"""Source readers: raw exports and curated tables -> tidy long DataFrames.

Modules (one per source family):

* :mod:`jamsostek_analysis.data.sources.bps` -- BPS web-table exports under ``raw/bps/``.
* ``bi`` -- Bank Indonesia's monthly year-on-year inflation export (``raw/bi/``).
* ``kemnaker`` -- Kemnaker Satu Data BPJS-TK participants (S01).
* ``compiled`` -- ``raw/compiled/`` secondary tables.
* ``curated`` -- ``curated/*.csv``.
"""

from jamsostek_analysis.data.sources.bi import chain_yoy_index, read_bi_inflation
from jamsostek_analysis.data.sources.bps import COLUMNS as BPS_COLUMNS
from jamsostek_analysis.data.sources.bps import bps_topics, read_bps_table, read_bps_topic
from jamsostek_analysis.data.sources.compiled import read_compiled_panel
from jamsostek_analysis.data.sources.curated import read_curated, read_sources
from jamsostek_analysis.data.sources.kemnaker import read_kemnaker_participants

__all__ = [
    "BPS_COLUMNS",
    "bps_topics",
    "chain_yoy_index",
    "read_bi_inflation",
    "read_bps_table",
    "read_bps_topic",
    "read_compiled_panel",
    "read_curated",
    "read_kemnaker_participants",
    "read_sources",
]
