"""Spectral's ``oas`` ruleset on every served spec: no error; of its warnings only the two
kinds left on purpose (operations whose summary says it all, and the abolished appointment
operation that answers 410 only)."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from simulator import specs

pytestmark = pytest.mark.server
CLIENTS = Path(__file__).resolve().parents[2] / "clients"
ACCEPTED_WARNINGS = {"operation-description", "operation-success-response"}
SEVERITIES = {0: "error", 1: "warning", 2: "info", 3: "hint"}


def node_tool(name: str) -> Path:
    tool = CLIENTS / "node_modules" / ".bin" / name
    assert tool.exists(), f"{tool} is missing: run `make clients` (npm ci from clients/package-lock.json)"
    return tool


def test_spectral_oas_ruleset_finds_no_error(serve: Any, sqlite_url: str) -> None:
    server = serve(sqlite_url).start()
    found: dict[str, Counter[tuple[str, str]]] = {}
    for surface, (base, _) in specs.SURFACES.items():
        run = subprocess.run(
            [str(node_tool("spectral")), "lint", f"{server.url}{base}/openapi.json", "--ruleset",
             str(CLIENTS / ".spectral.yaml"), "--format", "json", "--quiet", "--fail-severity", "error"],
            capture_output=True, text=True, timeout=300, check=False)
        results = json.loads(run.stdout or "[]")
        found[surface] = Counter((SEVERITIES[r["severity"]], r["code"]) for r in results)
        assert run.returncode == 0, (surface, run.stderr[-2000:], found[surface])
    print({surface: dict(counts) for surface, counts in found.items()})  # the counts, with -s
    assert {kind for counts in found.values() for kind in counts} <= {
        ("warning", code) for code in ACCEPTED_WARNINGS}, found
