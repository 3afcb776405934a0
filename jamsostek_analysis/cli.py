"""Command-line interface: ``jamsostek-analysis`` (also ``python -m jamsostek_analysis``).

Every command-line handler and every ``print`` of the package live here: a handler parses
arguments, calls library functions (which return data and never print) and prints or writes
the result.

Exit status: 0 success; 2 bad input (bad arguments, or a
:class:`jamsostek_analysis.errors.JamsostekError` from the library: missing or altered file,
unknown column, ...; printed as ``error: ...`` without a traceback); 1 failure (a notebook failed
in ``reproduce``, or an unexpected internal error, printed with its traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2

WEIGHT_TYPES = ("webb", "rademacher", "mammen", "norm")
DEFAULT_SEED = 20240301


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows defaults in the help of every option and keeps the examples' line breaks."""


def _sub(sub: Any, name: str, help: str, description: str, examples: Sequence[str]) -> argparse.ArgumentParser:
    epilog = "example" + ("s" if len(examples) > 1 else "") + ":\n" + "\n".join(f"  {e}" for e in examples)
    return sub.add_parser(name, help=help, description=description, epilog=epilog, formatter_class=_Formatter)


def _add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="data bundle directory (None: $JAMSOSTEK_DATA_DIR, then data/bundle shipped in the repository)",
    )
    p.add_argument(
        "--extra-data",
        type=Path,
        action="append",
        default=None,
        metavar="DIR",
        help="folder of user additions laid out like the bundle (raw/bps/<topic>/...); newer files take "
        "precedence; may be given several times (None: $JAMSOSTEK_EXTRA_DATA)",
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``jamsostek-analysis`` with all subcommands."""
    parser = argparse.ArgumentParser(
        prog="jamsostek-analysis",
        description="BPJS Ketenagakerjaan coverage and poverty across Indonesian provinces: "
        "verify the data bundle, build the province panel, estimate, reproduce the analysis, render the report.",
        epilog="exit status: 0 success, 2 bad input, 1 failure. 'jamsostek-analysis COMMAND --help' for details.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="store_true", help="print the package version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    # data ---------------------------------------------------------------------------------
    p_data = _sub(
        sub,
        "data",
        "inspect, verify and extend the data bundle",
        "Inspect the data bundle (where it is), verify it against its MANIFEST.tsv checksums, or add a new "
        "table export (e.g. next year's BPS CSV) to a user-additions folder.",
        [
            "jamsostek-analysis data verify",
            "jamsostek-analysis data add 'P0 2026.csv' --topic raw/bps/poverty_province --extra-data ~/jamsostek-additions",
        ],
    )
    data_sub = p_data.add_subparsers(dest="data_command", metavar="ACTION")
    data_sub.required = True
    p_verify = _sub(
        data_sub,
        "verify",
        "check every bundle file (and user additions) against its SHA-256 in MANIFEST.tsv",
        "Hash every file of the bundle and of the user additions and compare with MANIFEST.tsv; any "
        "difference is an error (exit 2). Hashes are cached by path, size and mtime.",
        ["jamsostek-analysis data verify --no-cache"],
    )
    _add_data_options(p_verify)
    p_verify.add_argument("--no-cache", action="store_true", help="rehash every file, ignoring the cache")
    p_where = _sub(
        data_sub,
        "where",
        "print the data directories in use and how they were found",
        "Print the bundle folder, its file count and how it was found (--data-dir, $JAMSOSTEK_DATA_DIR or "
        "the copy shipped in data/bundle), and the user-additions folders.",
        ["jamsostek-analysis data where"],
    )
    _add_data_options(p_where)
    p_add = _sub(
        data_sub,
        "add",
        "copy a new table export into the user-additions folder and record its checksum",
        "Copy FILE to <additions>/<topic>/ and record its size and SHA-256 in <additions>/MANIFEST.tsv. The "
        "additions folder is the last --extra-data (or $JAMSOSTEK_EXTRA_DATA entry); a different file of the same "
        "name is never overwritten.",
        [
            "jamsostek-analysis data add 'P0 Menurut Provinsi, 2026.csv' --topic raw/bps/poverty_province --extra-data ~/additions"
        ],
    )
    _add_data_options(p_add)
    p_add.add_argument("file", type=Path, help="the exported file to add")
    p_add.add_argument("--topic", required=True, help="bundle-relative folder, e.g. raw/bps/poverty_province")

    # panel --------------------------------------------------------------------------------
    p_panel = _sub(
        sub,
        "panel",
        "build the province x year panel and write it as CSV",
        "Build the province x year panel from the data bundle (and user additions) and write it as CSV, "
        "optionally with its data dictionary.",
        ["jamsostek-analysis panel --out build/panel.csv --dictionary build/data_dictionary.csv"],
    )
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
    p_panel.add_argument("--dictionary", type=Path, default=None, help="also write the data dictionary (CSV) here")
    p_panel.add_argument(
        "--first-year", type=int, default=None, help="first year of the panel (default: first year with a published P0)"
    )
    p_panel.add_argument(
        "--last-year", type=int, default=None, help="last year of the panel (default: last year with a published P0)"
    )
    p_panel.add_argument(
        "--no-extreme-modelled",
        action="store_true",
        help="leave out the MODELLED extreme-poverty columns (extreme_modelled*, extreme215_modelled*; study/extreme_model.py)",
    )

    # estimate -----------------------------------------------------------------------------
    p_est = _sub(
        sub,
        "estimate",
        "panel regression with few-cluster inference on any panel CSV",
        "Least-squares panel regression (two-way fixed effects, first or long differences) on a long panel CSV "
        "with cluster-robust inference (CRV1 or CR2) and, optionally, the wild cluster restricted bootstrap for "
        "one coefficient. Give one column per --x/--controls flag.",
        [
            "jamsostek-analysis estimate build/panel.csv --y p0 --x coverage_rate --unit province_code --bootstrap 9999",
            "jamsostek-analysis estimate build/panel.csv --y p0 --x coverage_rate --unit province_code --lead 1 "
            "--test coverage_rate_lead1 --bootstrap 9999   # placebo: does next year's coverage 'predict' p0?",
        ],
    )
    p_est.add_argument("data", type=Path, help="panel CSV (one row per unit and period, header row)")
    p_est.add_argument("--y", required=True, help="outcome column")
    p_est.add_argument(
        "--x",
        required=True,
        action="append",
        metavar="COLUMN",
        help="regressor column, one per flag (repeat: --x a --x b); the first is the one tested",
    )
    p_est.add_argument(
        "--controls", action="append", default=[], metavar="COLUMN", help="control column, one per flag (repeatable)"
    )
    p_est.add_argument(
        "--unit",
        required=True,
        help="unit column (e.g. province_code), read as text; it is the default cluster and fixed effect",
    )
    p_est.add_argument("--time", default="year", help="time column (integer periods)")
    p_est.add_argument(
        "--fe",
        nargs="*",
        action="extend",
        default=None,
        metavar="COLUMN",
        help="fixed-effect columns (None: unit and time for twfe, time for fd, none for ld); '--fe' with no "
        "names: intercept only. Put the data file first when using --fe a b",
    )
    p_est.add_argument(
        "--cluster", default=None, help="cluster column (None: the unit column); 'none' for no clustering"
    )
    p_est.add_argument(
        "--model",
        choices=["twfe", "fd", "ld"],
        default="twfe",
        help="levels with fixed effects, first or long differences",
    )
    p_est.add_argument(
        "--vcov",
        choices=["CRV1", "CR2", "iid", "hetero"],
        default=None,
        help="variance estimator (None: CRV1 when clustered, iid otherwise)",
    )
    p_est.add_argument(
        "--cr2-df",
        choices=["bm", "G-1"],
        default="bm",
        help="degrees of freedom of the t reference for --vcov CR2: Bell-McCaffrey or G-1",
    )
    p_est.add_argument("--weights", default=None, help="regression (analytic) weight column")
    p_est.add_argument(
        "--lead", type=_positive_int, default=0, metavar="K", help="add leads <x>_lead1..K of every --x (placebo test)"
    )
    p_est.add_argument("--lag", type=_positive_int, default=0, metavar="K", help="add lags <x>_lag1..K of every --x")
    p_est.add_argument(
        "--bootstrap",
        type=_positive_int,
        default=0,
        metavar="B",
        help="wild cluster restricted bootstrap draws (0: none)",
    )
    p_est.add_argument(
        "--test",
        default=None,
        metavar="TERM",
        help="coefficient the bootstrap tests (None: the first --x), e.g. coverage_rate_lead1 with --lead 1",
    )
    p_est.add_argument("--weight-type", choices=WEIGHT_TYPES, default="webb", help="bootstrap weight distribution")
    p_est.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed of the bootstrap")
    p_est.add_argument("--json", action="store_true", help="print JSON instead of a table")

    # reproduce ----------------------------------------------------------------------------
    p_rep = _sub(
        sub,
        "reproduce",
        "execute every notebook in dependency order; write figures, tables, manifest",
        "Verify the data bundle, then execute the notebooks of notebooks/pipeline.toml in dependency order. "
        "Figures and tables go to figures/, executed notebooks and run_manifest.json to --out. Exit 1 if a "
        "notebook fails.",
        ["jamsostek-analysis reproduce --out build --jobs 2", "jamsostek-analysis reproduce --only 03_main_estimates"],
    )
    _add_data_options(p_rep)
    p_rep.add_argument("--jobs", type=int, default=2, help="notebooks run in parallel")
    p_rep.add_argument("--timeout", type=int, default=600, help="seconds per cell before failing")
    p_rep.add_argument(
        "--only",
        nargs="+",
        action="extend",
        default=None,
        help="run only these notebooks (and what they need); repeatable",
    )
    p_rep.add_argument(
        "--out", type=Path, default=Path("build"), help="folder for executed notebooks and the run manifest"
    )
    p_rep.add_argument("--no-progress", action="store_true", help="no progress bar")
    p_rep.add_argument(
        "--allow-unverified",
        action="store_true",
        help="run although some data files are not listed in any MANIFEST.tsv (they are named on the console "
        "and marked unverified in the run manifest)",
    )

    # report -------------------------------------------------------------------------------
    p_report = _sub(
        sub,
        "report",
        "static HTML site of the last reproduce run (findings, figures, tables, one page per notebook)",
        "Render the executed notebooks of the last reproduce run (--build) and the figures and tables in figures/ "
        "into a static HTML site: index.html with the findings and links, one page per notebook. Nothing is loaded "
        "from the network; open index.html in any browser.",
        ["jamsostek-analysis reproduce --out build && jamsostek-analysis report --build build --out build/report"],
    )
    p_report.add_argument("--out", type=Path, required=True, help="folder of the site (index.html goes here)")
    p_report.add_argument(
        "--build", type=Path, default=Path("build"), help="the --out folder of the reproduce run (executed notebooks)"
    )
    return parser


# --------------------------------------------------------------------------------------------
# handlers


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _cmd_data(args: argparse.Namespace) -> int:
    import warnings

    from jamsostek_analysis.data import bundle as bmod
    from jamsostek_analysis.errors import BundleWarning

    if args.data_command == "where":
        print(bmod.describe_location(args.data_dir, args.extra_data))
        return EXIT_OK
    if args.data_command == "verify":
        import pandas  # noqa: F401  (imported before timing: the summary reports verification time)

        start = time.perf_counter()
        bundle = bmod.DataBundle.locate(args.data_dir, args.extra_data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BundleWarning)
            table = bundle.verify(use_cache=not args.no_cache)
        elapsed = time.perf_counter() - start
        checked = table[table["status"] == "ok"]
        n_extra = int((checked["origin"] != "bundle").sum())
        print(
            f"verified {len(checked)} files ({n_extra} from user additions) against {bmod.MANIFEST_NAME} in {elapsed:.2f} s"
        )
        for note in table.attrs["warnings"]:
            _stderr(f"warning: {note}")
        return EXIT_OK
    added = bmod.add_user_file(args.file, args.topic, args.data_dir, args.extra_data)
    e = added.entry
    print(f"added {e.relpath} ({e.bytes} bytes, sha256 {e.sha256[:12]}...) to {added.folder}")
    if added.replaces is not None:
        print(f"note: it replaces the bundle file {added.replaces}")
    return EXIT_OK


def _cmd_panel(args: argparse.Namespace) -> int:
    from jamsostek_analysis.data.bundle import open_bundle
    from jamsostek_analysis.data.panel import build_province_panel, dictionary_csv_bytes, panel_csv_bytes
    from jamsostek_analysis.output.guard import atomic_write_bytes, check_output_paths

    t0 = time.perf_counter()
    bundle = open_bundle(args.data_dir, args.extra_data)
    paths = check_output_paths({"--out": args.out, "--dictionary": args.dictionary}, bundle=bundle)
    panel = build_province_panel(
        bundle,
        geography=args.geography,
        bpjstk_source=args.bpjstk_source,
        first_year=args.first_year,
        last_year=args.last_year,
    )
    if not args.no_extreme_modelled:
        from jamsostek_analysis.study.extreme_model import add_extreme_modelled, fit_extreme_model, load_model_inputs

        panel = add_extreme_modelled(panel, fit_extreme_model(load_model_inputs(bundle)))
    out = atomic_write_bytes(paths["--out"], panel_csv_bytes(panel))
    years = f"{panel['year'].min()}-{panel['year'].max()}"
    print(
        f"wrote {out} ({len(panel)} rows, {panel['province_code'].nunique()} provinces, {years}) "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    if args.dictionary is not None:
        d = atomic_write_bytes(paths["--dictionary"], dictionary_csv_bytes(panel))
        print(f"wrote {d}")
    return EXIT_OK


def _finite_or_none(v: Any) -> float | None:
    import math

    v = float(v)
    return v if math.isfinite(v) else None


def _bootstrap_record(bres: Any, param: str, args: argparse.Namespace) -> dict[str, Any]:
    ci = bres.conf_int
    cs = getattr(bres, "conf_set", None)  # the confidence set can be a union of intervals; conf_int is its hull
    extra = {} if cs is None else {"conf_set": cs.to_list()}
    return {
        "param": param,
        "pvalue": _finite_or_none(bres.pvalue),
        "conf_int": None if ci is None else [_finite_or_none(ci[0]), _finite_or_none(ci[1])],
        "B": int(bres.B),
        "enumerated": bool(bres.enumerated),
        "weight_type": args.weight_type,
        "seed": int(args.seed),
        **extra,
    }


def _bootstrap_line(boot: dict[str, Any]) -> str:
    ci = boot["conf_int"]
    ci_txt = "n/a" if ci is None else "[" + ", ".join("unbounded" if v is None else f"{v:.6g}" for v in ci) + "]"
    pieces = boot.get("conf_set")
    if pieces is not None and len(pieces) != 1:  # several pieces (or empty): print the set, not its hull
        ci_txt = " U ".join(
            "[" + ", ".join("unbounded" if v is None else f"{v:.6g}" for v in pc) + "]" for pc in pieces
        )
        ci_txt = (ci_txt or "empty") + " (confidence set; the bootstrap p-value is not monotone in the null value)"
    p = "n/a" if boot["pvalue"] is None else format(boot["pvalue"], ".4f")
    enum = ", all sign patterns enumerated" if boot["enumerated"] else ""
    return (
        f"Wild cluster restricted bootstrap for {boot['param']} ({boot['weight_type']} weights, "
        f"B={boot['B']}{enum}, seed {boot['seed']}): p = {p}, 95% CI {ci_txt}"
    )


def _cmd_estimate(args: argparse.Namespace) -> int:
    from jamsostek_analysis.data.userfiles import read_panel_csv
    from jamsostek_analysis.errors import EstimationError
    from jamsostek_analysis.estimation.limits import check_bootstrap_draws, check_seed
    from jamsostek_analysis.estimation.models import fit_panel

    check_bootstrap_draws(args.bootstrap)
    check_seed(args.seed)
    path = Path(args.data)
    df = read_panel_csv(path, text_columns=[args.unit])
    cluster: Any
    if args.cluster is None:
        cluster = args.unit
    elif str(args.cluster).lower() == "none":
        cluster = None
    else:
        cluster = args.cluster
    try:
        res = fit_panel(
            df,
            args.y,
            list(args.x),
            controls=list(args.controls),
            unit=args.unit,
            time=args.time,
            fe=args.fe,
            model=args.model,
            cluster=cluster,
            vcov=args.vcov,
            weights=args.weights,
            cr2_df=args.cr2_df,
            leads=args.lead,
            lags=args.lag,
        )
    except EstimationError as exc:
        raise EstimationError(f"{path}: {exc}") from exc
    boot = None
    if args.bootstrap > 0:
        param = args.test if args.test is not None else res.x[0]
        if param not in list(res.params.index):
            raise EstimationError(
                f"{path}: --test {param!r} is not a coefficient; expected one of {list(res.params.index)}"
            )
        if res.cluster is None:
            raise EstimationError(f"{path}: --bootstrap needs clustering (do not use --cluster none)")
        check_bootstrap_draws(args.bootstrap, res.n_clusters)
        from jamsostek_analysis.estimation.wildboot import wild_cluster_bootstrap

        bres = wild_cluster_bootstrap(res, param=param, B=args.bootstrap, weight_type=args.weight_type, seed=args.seed)
        boot = _bootstrap_record(bres, param, args)
    elif args.test is not None:
        raise EstimationError("--test names the coefficient the bootstrap tests; give --bootstrap B too")
    if args.json:
        out = res.to_dict()
        out["data_file"] = str(path)
        if boot is not None:
            out["bootstrap"] = boot
        print(json.dumps(out, indent=2))
    else:
        print(f"Data: {path}")
        print(res.summary())
        if boot is not None:
            print(_bootstrap_line(boot))
    return EXIT_OK


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from jamsostek_analysis.pipeline.reproduce import reproduce

    report = reproduce(
        args.out,
        data_dir=args.data_dir,
        extra_data=args.extra_data,
        jobs=args.jobs,
        timeout=args.timeout,
        only=args.only,
        notebooks_dir=getattr(args, "notebooks_dir", None),
        progress=not args.no_progress,
        log=_stderr,
        allow_unverified=getattr(args, "allow_unverified", False),
    )
    print(("reproduce: all notebooks ran" if report.ok else "reproduce: FAILED") + "\n" + report.message())
    return EXIT_OK if report.ok else EXIT_FAILURE


def _cmd_report(args: argparse.Namespace) -> int:
    from jamsostek_analysis.pipeline.report import build_report

    site = build_report(args.build, args.out)
    n_fig = len(site.figures)
    print(f"wrote {site.index} ({len(site.pages)} notebook pages, {n_fig} figures, {len(site.tables)} tables)")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "data": _cmd_data,
    "panel": _cmd_panel,
    "estimate": _cmd_estimate,
    "reproduce": _cmd_reproduce,
    "report": _cmd_report,
}


def run(args: argparse.Namespace) -> int:
    """Run the handler of ``args.command`` (parsed by :func:`build_parser`); returns the exit status.

    A :class:`~jamsostek_analysis.errors.JamsostekError` propagates (``main`` turns it into exit 2).
    """
    return COMMANDS[args.command](args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status (0 success, 2 bad input, 1 failure)."""
    from jamsostek_analysis.errors import JamsostekError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 after --help, 2 on bad arguments
        return int(exc.code or 0)
    if args.version:
        from jamsostek_analysis import __version__

        print(__version__)
        return EXIT_OK
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return run(args)
    except JamsostekError as exc:
        _stderr(f"error: {exc}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _stderr("interrupted")
        return 130
    except Exception:  # an internal failure, not bad input: show where
        _stderr(traceback.format_exc().rstrip())
        _stderr("error: internal failure (exit 1); please report it with the traceback above")
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
