"""Judging a run: Locust's CSV statistics against the profile's objectives, as a table of
objective, measured and verdict; the harness's checks on the vendor client's journal join it.

Locust writes ``<prefix>_stats.csv`` with one row per ``(Type, Name)`` (the method and the grouped
URL) and an ``Aggregated`` row; percentiles are ``N/A`` for a row without requests. An objective
on an operation the run never made fails: the profile did not exercise what it promises.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from simulator.loadtest.profiles import Objectives


@dataclass(frozen=True)
class Row:
    objective: str
    measured: str
    held: bool


def read_stats(path: Path) -> dict[str, dict[str, str]]:
    """``"METHOD name"`` (``"Aggregated"`` for the total) → Locust's CSV row."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {(f"{r['Type']} {r['Name']}" if r["Type"] else r["Name"]): r for r in csv.DictReader(handle)}


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "", "N/A") else None
    except ValueError:
        return None


def _latency(rows: dict[str, dict[str, str]], operation: str, column: str, limit: float) -> Row:
    label = f"{operation} p{column.rstrip('%')} ≤ {limit:g} ms"
    row = rows.get(operation)
    measured = _number(row[column]) if row and int(row["Request Count"]) else None
    if measured is None:
        return Row(label, "no requests", False)
    return Row(label, f"{measured:g} ms", measured <= limit)


def judge(objectives: Objectives, rows: dict[str, dict[str, str]]) -> list[Row]:
    """One row per objective, in the file's order: error rate, throughput, then each operation."""
    total = rows.get("Aggregated") or {"Request Count": "0", "Failure Count": "0", "Requests/s": "0"}
    count, failures = int(total["Request Count"]), int(total["Failure Count"])
    rate = failures / count if count else 1.0
    throughput = _number(total["Requests/s"]) or 0.0
    judged = [Row(f"error rate ≤ {objectives.error_rate:.2%}", f"{rate:.2%} ({failures} of {count})",
                  count > 0 and rate <= objectives.error_rate),
              Row(f"throughput ≥ {objectives.min_throughput:g} req/s", f"{throughput:.1f} req/s",
                  throughput >= objectives.min_throughput)]
    for operation, latency in objectives.operations.items():
        if latency.p95_ms is not None:
            judged.append(_latency(rows, operation, "95%", latency.p95_ms))
        if latency.p99_ms is not None:
            judged.append(_latency(rows, operation, "99%", latency.p99_ms))
    return judged


def render(rows: list[Row], console: Console, title: str) -> None:
    table = Table(title=title)
    table.add_column("objective")
    table.add_column("measured", justify="right")
    table.add_column("verdict")
    for row in rows:
        verdict = "[green]held[/]" if row.held else "[red]MISSED[/]"
        table.add_row(escape(row.objective), escape(row.measured), verdict)
    console.print(table)
    missed = [row.objective for row in rows if not row.held]
    console.print(f"[red]{len(missed)} objective(s) missed[/]: " + escape("; ".join(missed)) if missed
                  else f"[green]all {len(rows)} objectives held[/]")
