"""The console is a web-layer surface: only the app factory mounts it, and it reaches the data
through the models the handlers call, not through the control plane's HTTP or handlers."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_layers import PACKAGE, imports_of

OUTSIDE = [p for p in sorted(PACKAGE.rglob("*.py"))
           if "console" not in p.parts and p.name != "app.py"]
CONSOLE = sorted((PACKAGE / "console").glob("*.py"))


@pytest.mark.parametrize("path", OUTSIDE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_but_the_app_factory_imports_the_console(path: Path) -> None:
    assert not {name for name in imports_of(path) if name.startswith("simulator.console")}


HARNESS = "conform_runs.py"
"""Runs the conformance harness, a client of the sandbox that speaks HTTP by design."""


@pytest.mark.parametrize("path", CONSOLE, ids=lambda p: p.name)
def test_the_console_calls_models_not_handlers_nor_http(path: Path) -> None:
    clients = ("connexion",) if path.name == HARNESS else ("httpx", "requests", "connexion")
    bad = {name for name in imports_of(path)
           if name.endswith("handlers") or name.split(".")[0] in clients}
    assert not bad, f"{path.name} imports {sorted(bad)}"
