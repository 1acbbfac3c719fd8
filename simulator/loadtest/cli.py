"""``fwp-sandbox load run``: a workload profile against a sandbox, judged by its objectives.

Without ``--sandbox`` it starts an embedded sandbox (two workers, a temporary SQLite file); it
prepares the run's tenants (simulator/loadtest/stage.py), runs Locust headless as a subprocess
(with ``--workers N``, a master and N workers on loopback), and prints the table of objective,
measured and verdict. Exit code: 0 when every objective held, 1 when one was missed, 2 when the
run itself broke (a bad profile, a sandbox that does not answer, Locust writing no statistics).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.loadtest import LOAD_DIR, available

if TYPE_CHECKING:
    from rich.console import Console

    from simulator.loadtest.verdicts import Row

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h)?$")


def duration(text: str) -> float:
    """``60``, ``60s``, ``2m`` or ``1h`` in seconds."""
    match = _DURATION.match(text.strip())
    if not match or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a duration such as 60s, 2m or 1h")
    return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2) or "s"]


@contextlib.contextmanager
def sandbox_url(given: str | None, workers: int) -> Iterator[str]:
    from simulator.conform.sandbox_embed import EmbeddedSandbox

    if given:
        yield given.rstrip("/")
        return
    with EmbeddedSandbox(workers=workers) as url:
        yield url


def _setup_file(folder: Path, setup: dict[str, Any]) -> Path:
    path = folder / "setup.json"
    path.write_text(json.dumps(setup), encoding="utf-8")
    path.chmod(0o600)
    return path


def _run(args: argparse.Namespace, console: Console) -> int:
    import httpx

    from simulator.conform.journal import HARNESS_AGENT
    from simulator.loadtest import client_checks, stage
    from simulator.loadtest.locust_process import LocustRun, run
    from simulator.loadtest.profiles import ProfileError, load_profile
    from simulator.loadtest.verdicts import judge, read_stats

    if importlib.util.find_spec("locust") is None or not (LOAD_DIR / "locustfile.py").is_file():
        raise ProfileError("load runs need Locust (pip install 'fwp-sandbox[test]') and a checkout's "
                           f"load/ folder (looked in {LOAD_DIR})")
    profile = load_profile(args.profile, objectives=args.objectives)
    vendor = "VendorClient" in profile.users
    if vendor != bool(args.adapter):
        raise ProfileError(f"profile {profile.name}: --adapter goes with a profile that has VendorClient "
                           f"users (it {'has' if vendor else 'has not'})")
    report_dir = Path(args.report_dir)
    plan = stage.StagePlan(vendors=args.users if vendor else 0, vendor_faults=profile.faults)
    with sandbox_url(args.sandbox, args.sandbox_workers) as url, \
            httpx.Client(base_url=url, timeout=30, headers={"User-Agent": HARNESS_AGENT}) as http, \
            tempfile.TemporaryDirectory(prefix="fwp-load-") as private:
        console.print(f"[bold]fwp-sandbox load[/] profile [cyan]{profile.name}[/] on {url}: "
                      f"{args.users} users for {args.duration:g} s"
                      + (f", {args.workers} Locust workers" if args.workers else ""))
        setup = stage.prepare(http, args.admin_token, f"load-{profile.name}", plan)
        spec = LocustRun(profile, url, args.users, args.duration, report_dir,
                         _setup_file(Path(private), setup), workers=args.workers, adapter=args.adapter)
        run(spec, console)
        if not spec.stats_file.is_file():
            log = (report_dir / "locust.log").read_text(encoding="utf-8", errors="replace")[-3000:]
            console.print(f"[red]Locust wrote no statistics[/]; its log:\n{log}")
            return 2
        rows = judge(profile.objectives, read_stats(spec.stats_file))
        if vendor:
            checked, size = client_checks.judge_tenants(http, setup["vendors"])
            console.print(f"the vendor clients' journals: {size} entries")
            rows += checked
    return _report(rows, report_dir, profile.name, console)


def _report(rows: list[Row], report_dir: Path, name: str, console: Console) -> int:
    from simulator.loadtest.verdicts import render

    render(rows, console, f"objectives of profile {name}")
    (report_dir / "objectives.json").write_text(json.dumps([asdict(r) for r in rows], indent=2,
                                                           ensure_ascii=False), encoding="utf-8")
    console.print(f"reports: {report_dir}/report.html, {report_dir}/stats_stats.csv, objectives.json")
    return 0 if all(row.held for row in rows) else 1


def _command(args: argparse.Namespace) -> int:
    """Heavy imports here, not at the top: ``fwp-sandbox serve`` imports this module too."""
    import httpx
    from rich.console import Console

    from simulator.conform.sandbox_embed import SandboxStartError
    from simulator.loadtest.profiles import ProfileError

    console = Console()
    try:
        return _run(args, console)
    except (ProfileError, SandboxStartError, httpx.HTTPError, AssertionError) as exc:
        console.print(f"[red]fwp-sandbox load: {exc}[/]")
        return 2


def add_parser(sub: Any) -> None:
    load = sub.add_parser("load", help="load tests: a workload profile judged by its objectives")
    commands = load.add_subparsers(dest="load_command", required=True)
    go = commands.add_parser("run", help="run a profile (Locust, headless) and judge its objectives")
    go.add_argument("--profile", default="default", help=f"one of {', '.join(available()) or '(none)'}, "
                    "or a YAML file")
    go.add_argument("--users", type=int, default=10, help="peak number of users (default 10)")
    go.add_argument("--duration", type=duration, default=60.0, help="e.g. 60s, 5m (default 60s)")
    go.add_argument("--sandbox", help="a running sandbox's URL (default: start an embedded one)")
    go.add_argument("--sandbox-workers", type=int, default=2, help="workers of the embedded sandbox")
    go.add_argument("--admin-token", default=os.environ.get("FWP_SANDBOX_ADMIN_TOKEN"))
    go.add_argument("--report-dir", default="fwp-load-report")
    go.add_argument("--objectives", type=Path, help="an objectives file instead of the profile's own")
    go.add_argument("--workers", type=int, default=0, help="distributed Locust: a master and N workers")
    go.add_argument("--adapter", help="the vendor client (python:pkg.mod:Class or command:...), for a "
                    "profile with VendorClient users")
    go.set_defaults(run=_command)
