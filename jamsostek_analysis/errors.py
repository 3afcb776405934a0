"""Exceptions. Every message names the file, row or column at fault and what was expected."""


class JamsostekError(Exception):
    """Base class of all errors the package raises on bad input."""


class BundleError(JamsostekError):
    """The data bundle is missing, incomplete or altered (checksum mismatch)."""


class ParseError(JamsostekError, ValueError):
    """A table export could not be parsed; the message names file, row and/or column."""


class RegionError(JamsostekError, KeyError):
    """A region name or code could not be resolved."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class PanelError(JamsostekError, ValueError):
    """The panel could not be built (duplicate province-year, conflicting sources, ...)."""


class EstimationError(JamsostekError, ValueError):
    """Bad input to an estimator (missing column, non-numeric values, one cluster, collinearity)."""


class ReproduceError(JamsostekError):
    """The pipeline declaration is invalid or a notebook is missing."""


class OutputError(JamsostekError, ValueError):
    """A figure or table could not be written (bad name, unknown format or kind)."""


class FigureInputError(JamsostekError, ValueError):
    """A figure builder got a table without the columns it needs."""


class FigureDataError(JamsostekError, ValueError):
    """A figure builder got a table without the columns or rows it needs."""


class BundleWarning(UserWarning):
    """Files present in a bundle folder but not listed in its ``MANIFEST.tsv``."""


class PanelWindowWarning(UserWarning):
    """Published cells fall outside the panel's year window and are not used (names column, file, years)."""
