"""Command-line interface: ``jamsostek-analysis`` (also ``python -m jamsostek_analysis``).

Every subcommand is a thin wrapper around library functions; it parses arguments, calls the
library and prints or writes the result. Errors raised by the library as
:class:`jamsostek_analysis.errors.JamsostekError` are printed without a traceback and give
exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="data bundle directory (default: $JAMSOSTEK_DATA_DIR, then data/bundle shipped in the repository)",
    )
    p.add_argument(
        "--extra-data",
        type=Path,
        action="append",
        default=None,
        metavar="DIR",
        help="folder of user additions laid out like the bundle (raw/bps/<topic>/...); newer files take "
        "precedence; may be given several times (default: $JAMSOSTEK_EXTRA_DATA)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``jamsostek-analysis`` with all subcommands."""
    parser = argparse.ArgumentParser(
        prog="jamsostek-analysis",
        description="BPJS Ketenagakerjaan coverage and poverty across Indonesian provinces: "
        "verify the data bundle, build the province panel, estimate, reproduce the analysis.",
    )
    parser.add_argument("--version", action="store_true", help="print the package version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    # data ---------------------------------------------------------------------------------
    p_data = sub.add_parser("data", help="inspect and verify the data bundle")
    data_sub = p_data.add_subparsers(dest="data_command", metavar="ACTION")
    p_verify = data_sub.add_parser(
        "verify", help="check every bundle file (and user additions) against its SHA-256 in MANIFEST.tsv"
    )
    _add_data_options(p_verify)
    p_verify.add_argument("--no-cache", action="store_true", help="rehash every file, ignoring the cache")
    p_where = data_sub.add_parser("where", help="print the data directories in use and how they were found")
    _add_data_options(p_where)
    p_add = data_sub.add_parser(
        "add",
        help="copy a new table export (e.g. a new year's BPS CSV) into the user-additions folder and record its checksum",
    )
    _add_data_options(p_add)
    p_add.add_argument("file", type=Path, help="the exported file to add")
    p_add.add_argument("--topic", required=True, help="bundle-relative folder, e.g. raw/bps/poverty_province")

    # panel --------------------------------------------------------------------------------
    p_panel = sub.add_parser("panel", help="build the province x year panel and write it as CSV")
    _add_data_options(p_panel)
    p_panel.add_argument("--out", type=Path, required=True, help="output CSV file")
    p_panel.add_argument(
        "--geography",
        choices=["as-published", "34"],
        default="as-published",
        help="'as-published': 34 provinces to 2023, 38 from 2024 as BPS publishes; '34': aggregate the 2022 "
        "Papua split back to the 34-province set",
    )
    p_panel.add_argument(
        "--bpjstk-source",
        choices=["compiled", "kemnaker"],
        default="compiled",
        help="BPJS-TK participants by province: compiled 2022-2025 panel (R2-D1) or the Kemnaker December 2023 export (S01)",
    )
    p_panel.add_argument("--dictionary", type=Path, default=None, help="also write the data dictionary (CSV)")

    # estimate -----------------------------------------------------------------------------
    p_est = sub.add_parser("estimate", help="panel regression with few-cluster inference on any panel CSV")
    p_est.add_argument("data", type=Path, help="panel CSV (one row per unit and period)")
    p_est.add_argument("--y", required=True, help="outcome column")
    p_est.add_argument("--x", required=True, nargs="+", help="regressor column(s); the first is the one tested")
    p_est.add_argument("--controls", nargs="*", default=[], help="control columns")
    p_est.add_argument("--fe", nargs="*", default=None, help="fixed-effect columns (default: unit and time)")
    p_est.add_argument("--unit", default="province_code", help="unit column (default province_code)")
    p_est.add_argument("--time", default="year", help="time column (default year)")
    p_est.add_argument("--cluster", default=None, help="cluster column (default: the unit column); 'none' for iid")
    p_est.add_argument("--model", choices=["twfe", "fd", "ld"], default="twfe")
    p_est.add_argument("--vcov", choices=["CRV1", "CR2", "iid", "hetero"], default=None)
    p_est.add_argument(
        "--cr2-df",
        choices=["bm", "G-1"],
        default="bm",
        help="degrees of freedom of the t reference for --vcov CR2: Bell-McCaffrey (default) or G-1",
    )
    p_est.add_argument("--weights", default=None, help="regression weight column")
    p_est.add_argument("--bootstrap", type=int, default=0, metavar="B", help="wild cluster restricted bootstrap draws")
    p_est.add_argument("--weight-type", choices=["rademacher", "webb"], default="webb")
    p_est.add_argument("--seed", type=int, default=20240301)
    p_est.add_argument("--json", action="store_true", help="print JSON instead of a table")

    # reproduce ----------------------------------------------------------------------------
    p_rep = sub.add_parser("reproduce", help="execute every notebook in dependency order; write figures, tables, manifest")
    _add_data_options(p_rep)
    p_rep.add_argument("--jobs", type=int, default=2, help="notebooks run in parallel (default 2)")
    p_rep.add_argument("--timeout", type=int, default=600, help="seconds per cell before failing")
    p_rep.add_argument(
        "--only", nargs="+", action="extend", default=None, help="run only these notebooks (and what they need); repeatable"
    )
    p_rep.add_argument("--out", type=Path, default=Path("build"), help="folder for executed notebooks and the run manifest")
    p_rep.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _cmd_data(args: argparse.Namespace) -> int:
    from jamsostek_analysis.data import bundle

    return bundle.cli_data(args)


def _cmd_panel(args: argparse.Namespace) -> int:
    from jamsostek_analysis.data import panel

    return panel.cli_panel(args)


def _cmd_estimate(args: argparse.Namespace) -> int:
    from jamsostek_analysis.estimation import models

    return models.cli_estimate(args)


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from jamsostek_analysis.pipeline import reproduce

    return reproduce.cli_reproduce(args)


COMMANDS = {"data": _cmd_data, "panel": _cmd_panel, "estimate": _cmd_estimate, "reproduce": _cmd_reproduce}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    from jamsostek_analysis.errors import JamsostekError

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from jamsostek_analysis import __version__

        print(__version__)
        return 0
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "data" and getattr(args, "data_command", None) is None:
        parser.parse_args(["data", "--help"])
    try:
        return COMMANDS[args.command](args)
    except JamsostekError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
