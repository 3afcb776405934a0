"""jamsostek_analysis: BPJS Ketenagakerjaan coverage and (extreme) poverty across Indonesian provinces.

Data flows one way::

    bundle (checksummed, read-only) -> sources/regions (tidy tables) -> panel
        -> models/inference -> power/counterfactual -> figures/tables -> reproduce

Importing the package is cheap: heavy libraries (geopandas, matplotlib, jupyter) are imported
only inside the functions that need them.
"""

__version__ = "0.1.0"
