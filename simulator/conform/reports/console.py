"""The console summary (rich): scenarios × verdicts, then each finding with its evidence.

A scenario the run closed with one reason (its steps missing from the adapter: SKIPPED; the
adapter or the sandbox failing: ERROR) is one block naming its checks, not the same reason once per
check: an adapter that offers five steps would otherwise print hundreds of identical SKIPPED
blocks, and a hello that fails would print its stack trace once per check."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from simulator.conform.reports.document import findings_first

STYLE = {"PASSED": "green", "FAILED": "bold red", "WARNING": "yellow", "SKIPPED": "dim",
         "ERROR": "bold magenta"}
SHORT = {"PASSED": "pass", "FAILED": "fail", "WARNING": "warn", "SKIPPED": "skip", "ERROR": "err"}


def render(document: dict[str, Any], console: Console) -> None:
    verdicts = list(STYLE)
    table = Table(title=f"fwp-sandbox conformance · catalogue {document['catalogue_version']} · "
                        f"adapter {document['adapter']}", box=box.SIMPLE_HEAD)
    width = max((len(s["id"]) for s in document["scenarios"]), default=8)
    table.add_column("scenario", no_wrap=True, min_width=width)
    table.add_column("verdict", no_wrap=True)
    for verdict in verdicts:
        table.add_column(SHORT[verdict], justify="right", style=STYLE[verdict], no_wrap=True)
    table.add_column("time", justify="right", no_wrap=True)
    for scenario in document["scenarios"]:
        counts = [sum(c["verdict"] == v for c in scenario["checks"]) for v in verdicts]
        table.add_row(scenario["id"], f"[{STYLE[scenario['verdict']]}]{scenario['verdict']}",
                      *[str(n) if n else "" for n in counts], f"{scenario['duration_s']:.1f}s")
    console.print(table)
    closed = {s["id"]: s for s in document["scenarios"]
              if s["reason"] and s["verdict"] in ("SKIPPED", "ERROR")}
    shown: set[str] = set()
    for row in findings_first(document):
        scenario = closed.get(row["scenario"])
        if scenario is None:
            _finding(row, console)
        elif scenario["id"] not in shown:
            shown.add(scenario["id"])
            _closed(scenario, console)
    summary = ", ".join(f"{n} {v}" for v, n in document["summary"].items() if n)
    console.print(f"\n{summary or 'no checks run'} · exit code {document['exit_code']}")


def _closed(scenario: dict[str, Any], console: Console) -> None:
    style = STYLE[scenario["verdict"]]
    ids = [check["id"] for check in scenario["checks"]]
    counted = f"{len(ids)} check{'s' if len(ids) != 1 else ''}"
    console.print(f"\n[{style}]{scenario['verdict']}[/] {scenario['id']}: {counted} "
                  f"[dim]({', '.join(ids)})[/]", highlight=False)
    console.print(f"  {scenario['reason']}", highlight=False, markup=False)


def _finding(row: dict[str, Any], console: Console) -> None:
    check = row["check"]
    style = STYLE[check["verdict"]]
    console.print(f"\n[{style}]{check['verdict']}[/] {check['id']} ({check['level']}) {check['title']}"
                  f"  [dim]{row['scenario']} · {', '.join(check['references'])}[/]", highlight=False)
    if check["reason"]:
        console.print(f"  {check['reason']}", highlight=False, markup=False)
    for finding, cited in zip(check["findings"], row["cited"], strict=True):
        console.print(f"  seen:     {finding['seen']}", highlight=False, markup=False)
        console.print(f"  expected: {finding['expected']}", highlight=False, markup=False)
        console.print(f"  fix:      {finding['fix']}", highlight=False, markup=False)
        for entry in cited:
            query = f"?{entry['query']}" if entry.get("query") else ""
            line = f"#{entry['id']} {entry['tenant_time']} {entry['method']} {entry['path']}{query}"
            fault = f" (fault: {entry['fault']})" if entry.get("fault") else ""
            console.print(f"    {line} → {entry['status']}{fault}", highlight=False, markup=False)
