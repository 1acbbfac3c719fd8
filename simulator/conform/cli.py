"""``fwp-sandbox conform list | run | verify``: the catalogue, a run with its reports, a bundle check.

``run`` starts an embedded sandbox unless ``--sandbox URL`` names one, and exits 0 when nothing
FAILED or ERRORED, 1 when a check FAILED, 2 on an ERROR (a usage error, an adapter that cannot be
loaded or a sandbox that does not start are ERRORs too: no verdict could be reached).
``verify`` exits 0 when the bundle is intact, 1 when it was edited, 2 when there is no such file;
with ``--require-origin``, 3 when it is intact but signed only with the per-run key it carries
(nobody's key: its origin is not proven), so a script can insist on an operator's signature.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from simulator.conform.model import Catalogue
from simulator.conform.results import EXIT_ERROR, EXIT_FAILED, EXIT_OK

DEFAULT_CATALOGUE = "scenarios.catalogue:CATALOGUE"
ADMIN_TOKEN_ENV = "FWP_SANDBOX_ADMIN_TOKEN"
EXIT_SELF_SIGNED = 3  # conform verify --require-origin: intact, origin not proven


def load_catalogue(path: str) -> Catalogue:
    module, _, attribute = path.partition(":")
    catalogue = getattr(importlib.import_module(module), attribute or "CATALOGUE")
    if not isinstance(catalogue, Catalogue):
        raise TypeError(f"{path} is a {type(catalogue).__name__}, not a Catalogue")
    return catalogue


def _patterns(values: list[str] | None) -> list[str] | None:
    """``--checks A,B --checks C`` → [A, B, C]."""
    found = [part.strip() for value in values or () for part in value.split(",") if part.strip()]
    return found or None


WAIT_SCENARIO_TIMEOUT = 3600.0
"""In wait mode a person makes the system act at each step: an hour per scenario, not a minute."""


def scenario_timeout(adapter: str, given: float | None) -> float | None:
    """``--scenario-timeout`` if given, else an hour for wait mode, else each scenario's own."""
    if given is not None:
        return given
    return WAIT_SCENARIO_TIMEOUT if adapter.split(":", 1)[0] == "wait" else None


def _list(args: argparse.Namespace) -> int:
    """The scenarios and their checks; with ``--traceability`` the reference matrix. JSON always
    carries both (scenarios with their checks, each reference with the checks covering it)."""
    from simulator.conform.reports import traceability

    catalogue = load_catalogue(args.catalogue)
    rows = traceability.scenarios(catalogue)
    if args.format == "json":
        print(json.dumps({"catalogue_version": catalogue.version, "scenarios": rows,
                          "traceability": traceability.matrix(catalogue)}, indent=2, ensure_ascii=False))
        return 0
    if args.format == "markdown":
        print(traceability.readme(catalogue), end="")
        return 0
    if args.traceability:
        print(traceability.text(catalogue), end="")
        return 0
    print(f"catalogue {catalogue.version}")
    for row in rows:
        print(f"\n{row['scenario']}: {row['title']}  (steps: {', '.join(row['steps']) or 'none'})")
        for check in row["checks"]:
            refs = ", ".join(ref["id"] for ref in check["references"])
            print(f"  {check['id']:<14} {check['level']:<6} {check['title']}  [{refs}]")
    return 0


def _run(args: argparse.Namespace) -> int:
    import httpx
    from rich.console import Console

    from simulator.conform import reports
    from simulator.conform.adapters import from_spec
    from simulator.conform.journal import HARNESS_AGENT, SETTLE_EMBEDDED_S, SETTLE_S
    from simulator.conform.runner import Runner, SelectionError, select
    from simulator.conform.sandbox_embed import EmbeddedSandbox, SandboxStartError

    err = Console(stderr=True)
    try:
        catalogue = load_catalogue(args.catalogue)
        select(catalogue, _patterns(args.scenarios), _patterns(args.checks))
        adapter = from_spec(args.adapter, step_timeout=args.step_timeout, hello_timeout=args.hello_timeout)
    except (ImportError, AttributeError, TypeError, ValueError, SelectionError) as exc:
        err.print(f"fwp-sandbox conform run: {exc}", highlight=False, markup=False)
        return EXIT_ERROR
    key = Path(args.signing_key_file).read_bytes().strip() if args.signing_key_file else None
    with ExitStack() as stack:
        stack.callback(adapter.close)
        try:
            url = args.sandbox.rstrip("/") if args.sandbox else stack.enter_context(EmbeddedSandbox())
        except SandboxStartError as exc:
            err.print(f"fwp-sandbox conform run: {exc}", highlight=False, markup=False)
            return EXIT_ERROR
        http = stack.enter_context(httpx.Client(base_url=url, headers={"user-agent": HARNESS_AGENT},
                                                timeout=30.0))
        runner = Runner(http, url, adapter, admin_token=args.admin_token or os.environ.get(ADMIN_TOKEN_ENV),
                        settle_s=SETTLE_S if args.sandbox else SETTLE_EMBEDDED_S,
                        scenario_timeout=scenario_timeout(args.adapter, args.scenario_timeout))
        result = runner.run(catalogue, _patterns(args.scenarios), _patterns(args.checks))
    try:
        reports.write_all(result, catalogue, Path(args.report_dir), Console(), key=key)
    except OSError as exc:
        err.print(f"fwp-sandbox conform run: cannot write the reports: {exc}", highlight=False, markup=False)
        return EXIT_ERROR
    return result.exit_code


def _verify(args: argparse.Namespace) -> int:
    from simulator.conform.reports import evidence, signing_key

    path = Path(args.bundle)
    if not path.is_file():
        print(f"fwp-sandbox conform verify: no such file: {path}", file=sys.stderr)
        return EXIT_ERROR
    key = Path(args.key_file).read_bytes().strip() if args.key_file else signing_key()
    checked = evidence.verify(path.read_bytes(), key)
    for line in checked.problems:
        print(f"FAILED: {line}")
    for line in checked.notes:
        print(f"note: {line}")
    if checked.problems:
        print(f"{path}: NOT verified")
        return EXIT_FAILED
    if not checked.origin_proven and args.require_origin:
        print(f"{path}: intact, but signed with the key it carries: anyone could have made it "
              "(an operator key, --key-file, proves who did)")
        return EXIT_SELF_SIGNED
    print(f"{path}: verified: nothing was edited")
    return EXIT_OK


def add_parser(sub: Any) -> None:
    """Hook ``conform`` into ``fwp-sandbox``'s subcommands."""
    conform = sub.add_parser("conform", help="test a client integration against the catalogue")
    commands = conform.add_subparsers(dest="conform_command", required=True)
    listing = commands.add_parser("list", help="the scenarios and their checks")
    listing.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                         help="markdown: the README's traceability tables")
    listing.add_argument("--traceability", action="store_true",
                         help="each requirement with the checks covering it, and what is not covered and why")
    listing.add_argument("--catalogue", default=DEFAULT_CATALOGUE, help=argparse.SUPPRESS)
    listing.set_defaults(run=_list)
    run = commands.add_parser("run", help="run the catalogue against a client and write the reports")
    run.add_argument("--adapter", required=True,
                     help="python:package.module:Class | command:'<command line>' (run without a shell) "
                          "| wait | wait:<tasks file>")
    run.add_argument("--sandbox", help="a running sandbox's base URL (default: start an embedded one)")
    run.add_argument("--admin-token", help=f"X-Sandbox-Admin-Token to create tenants (or ${ADMIN_TOKEN_ENV})")
    run.add_argument("--scenarios", action="append", help="scenario ids or patterns (comma-separated)")
    run.add_argument("--checks", action="append", help="check ids or patterns, e.g. 'FWP-IDEM-*'")
    run.add_argument("--report-dir", default="fwp-conform-report", help="where the reports go")
    run.add_argument("--step-timeout", type=float, default=30.0, help="seconds a step may take")
    run.add_argument("--hello-timeout", type=float, default=15.0,
                     help="seconds a command adapter may take to write its hello line after it starts")
    run.add_argument("--scenario-timeout", type=float, help="seconds a scenario may take (default: its "
                     f"own, {WAIT_SCENARIO_TIMEOUT:g} with --adapter wait)")
    run.add_argument("--signing-key-file", help="sign the evidence with this key (default: "
                     "$FWP_CONFORM_SIGNING_KEY, else a per-run key)")
    run.add_argument("--catalogue", default=DEFAULT_CATALOGUE, help=argparse.SUPPRESS)
    run.set_defaults(run=_run)
    verify = commands.add_parser("verify", help="check that an evidence.zip was not edited")
    verify.add_argument("bundle")
    verify.add_argument("--key-file", help="the operator's signing key (default: $FWP_CONFORM_SIGNING_KEY)")
    verify.add_argument("--require-origin", action="store_true",
                        help="exit 3 for an intact bundle signed only with the per-run key it "
                             "carries: its origin is not proven (accepted, with a note, without this)")
    verify.set_defaults(run=_verify)
