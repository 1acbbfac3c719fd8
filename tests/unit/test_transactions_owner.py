"""A request's write transaction has one owner, ``simulator/web/transactions.py``: no handler and no
model a handler calls opens ``Database.write()`` or begins a tenant scope (``tenancy.begin``)
itself. The work that is not a request keeps its own, each module named here with the reason."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from simulator import specs

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "simulator"

OPENS_WRITES = {
    "web/transactions.py": "the owner of every request's write transaction",
    "store/db.py": "the signing secret, made with the schema before any worker serves",
    "cli.py": "the demo tenant, made before the server serves",
    "sandbox/dispatcher.py": "the callback dispatcher's thread",
    "sandbox/officer_clock.py": "the automatic officer's sweep, a background thread",
    "sandbox/journal.py": "the journal's writer thread",
    "sandbox/traffic_trim.py": "the retention pass's deletes (the journal's too), run by the journal's "
                               "writer thread or a delivery thread",
    "sandbox/random_personas.py": "bulk seeding from `fwp-sandbox seed`, not a request",
    "sandbox/faults.py": "the fault dice, rolled by the fault middleware before the handler: their "
                         "count commits even when the rolled fault drops the request",
}
"""Modules that may open a write transaction (``<something>.write()``), and why."""

BEGINS_SCOPES = {
    "web/transactions.py": "the owner: a request's tenant scope",
    "sandbox/tenants.py": "seeding a new or reset tenant's people inside the control plane's write",
    "services/workpermit/officer.py": "the automatic officer's steps, each with its own sequence "
                                      "block, inside the transaction that moved the clock",
    "sandbox/random_personas.py": "bulk seeding from `fwp-sandbox seed`, not a request",
}
"""Modules that may call ``tenancy.begin``, and why."""


def _calls(source: str) -> tuple[list[int], list[int]]:
    """The lines that open a write transaction and those that begin a tenant scope."""
    writes, begins = [], []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr == "write" and not node.args and not node.keywords:
            writes.append(node.lineno)
        elif node.func.attr == "begin" and ast.unparse(node.func.value).endswith("tenancy"):
            begins.append(node.lineno)
    return writes, begins


def _source(module: str) -> str:
    return (PACKAGE / module).read_text(encoding="utf-8")


MODULES = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("module", MODULES)
def test_only_the_owner_and_background_work_open_write_transactions(module: str) -> None:
    writes, begins = _calls(_source(module))
    assert module in OPENS_WRITES or not writes, (
        f"{module} opens a write transaction at lines {writes}: go through simulator.web.transactions")
    assert module in BEGINS_SCOPES or not begins, (
        f"{module} calls tenancy.begin at lines {begins}: go through simulator.web.transactions")


HANDLERS = sorted({name for names in specs.HANDLER_MODULES.values() for name in names})


@pytest.mark.parametrize("name", HANDLERS)
def test_no_handler_module_is_excused(name: str) -> None:
    module = name.removeprefix("simulator.").replace(".", "/") + ".py"
    assert (PACKAGE / module).exists()
    assert module not in OPENS_WRITES
    assert module not in BEGINS_SCOPES


def test_every_excuse_is_still_needed() -> None:
    """A module that no longer opens its own transaction leaves the list, so the list stays the
    map of who does."""
    stale = [m for m in OPENS_WRITES if not _calls(_source(m))[0]]
    stale += [m for m in BEGINS_SCOPES if not _calls(_source(m))[1]]
    assert not stale


def test_the_check_sees_both_forms() -> None:
    """The detector itself: a handler that opened its own transaction would be seen."""
    source = ("def h(db, conn):\n    with runtime.current().db.write() as c:\n"
              "        scope = tenancy.begin(c, 't')\n    sys.stdout.write('x')\n")
    assert _calls(source) == ([2], [3])
