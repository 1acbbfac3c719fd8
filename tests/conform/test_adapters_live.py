"""The command and wait adapters against the embedded sandbox, through the whole catalogue: the
Node.js example (written from the README's protocol alone) and a separate operator process in
wait mode get the reference client's verdicts: every check PASSED, on the embedded sandbox and
on a served one on PostgreSQL with two workers."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from catalogue_support import databases, not_passed, run, served, verdicts

from scenarios.reference_adapter import ReferenceAdapter
from simulator.conform.adapters import CommandAdapter, PythonAdapter, WaitAdapter
from simulator.conform.journal import HARNESS_AGENT, SETTLE_EMBEDDED_S, SETTLE_S
from simulator.conform.model import Adapter, SandboxContext, Verdict
from simulator.conform.sandbox_embed import EmbeddedSandbox
from simulator.testing import Sandbox

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=databases())
def sandbox(request: pytest.FixtureRequest) -> Iterator[tuple[str, float]]:
    """The embedded sandbox (SQLite, one worker), or a served one on PostgreSQL with two workers
    (journal entries written late by the other worker; faults seen by each worker in turn)."""
    if request.param == "sqlite":
        with EmbeddedSandbox() as url:
            yield url, SETTLE_EMBEDDED_S
    else:
        with served(str(request.getfixturevalue("postgres_url")), workers=2) as url:
            yield url, SETTLE_S


@pytest.fixture(scope="module")
def reference(sandbox: tuple[str, float]) -> dict[tuple[str, str], Verdict]:
    result = run(sandbox[0], PythonAdapter(ReferenceAdapter()), settle_s=sandbox[1])
    assert not_passed(result) == []
    return verdicts(result)


def test_the_node_example_passes_the_whole_catalogue(sandbox: tuple[str, float],
                                                     reference: dict[tuple[str, str], Verdict]) -> None:
    node = shutil.which("node")
    assert node, "Node.js 20 is needed for the example adapter (apt-get install nodejs)"
    adapter = CommandAdapter(f"{node} {ROOT / 'examples/node-adapter/adapter.js'}")
    result = run(sandbox[0], adapter, settle_s=sandbox[1])
    assert not_passed(result) == []
    assert verdicts(result) == reference


def test_wait_mode_with_a_separate_operator_process(sandbox: tuple[str, float],
                                                    reference: dict[tuple[str, str], Verdict]) -> None:
    printed = io.StringIO()
    adapter = WaitAdapter(step_timeout=30, out=printed, settle_s=sandbox[1])
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
    operator = subprocess.Popen([sys.executable, str(ROOT / "tests/conform/wait_driver.py"), adapter.url],
                                env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        result = run(sandbox[0], adapter, settle_s=sandbox[1])
    finally:
        operator.kill()
        _, errors = operator.communicate(timeout=10)
    assert not_passed(result) == [], errors.decode()[-2000:]
    assert verdicts(result) == reference
    assert f"{adapter.url}/task" in printed.getvalue()
    console = printed.getvalue()
    assert "cs_" not in console, "the console shows where the credentials are, not them"
    assert '"password": "***"' in console
    assert "Secret2026" not in console


def _context(url: str) -> tuple[SandboxContext, dict[str, Any]]:
    """A seeded tenant of its own, and its personas."""
    with httpx.Client(base_url=url, headers={"User-Agent": HARNESS_AGENT}, timeout=30) as http:
        tenant = Sandbox(http).create_tenant(seed=2024, seed_data=True)
        tenant.freeze_clock("2026-03-02T09:00:00+08:00")
        tenant.employer().register()
        cast = http.get(f"/sandbox/v1/tenants/{tenant.id}/personas", headers=tenant.headers).json()["items"]
    personas = {p["persona"]: p for p in cast if "persona" in p}
    creds, api = tenant.credentials, f"{url}/fwp/v1"
    employer = {"client_id": creds["client_id"], "client_secret": creds["client_secret"],
                "employer_id": creds["employer_id"], "token_url": f"{api}/oauth/token", "api": api}
    return SandboxContext(url, tenant.id, employer, f"{url}/ssc/v1"), personas


@pytest.mark.parametrize("kind", ["python", "node"])
def test_the_steps_no_scenario_uses_yet_work_in_both_example_clients(sandbox: tuple[str, float],
                                                                     kind: str) -> None:
    context, personas = _context(sandbox[0])
    holder, leaving = personas["LEGACY_PHYSICAL_PERMIT_HOLDER"], personas["LEGACY_PERMIT_NEAR_EXPIRY"]
    adapter: Adapter = PythonAdapter(ReferenceAdapter()) if kind == "python" else \
        CommandAdapter(f"{shutil.which('node')} {ROOT / 'examples/node-adapter/adapter.js'}")
    try:
        insured = adapter.call("register_insurance", {"person": {"foreigner_id": holder["foreigner_id"],
                                                                 "insured_from": "2026-03-02"}}, context)
        changed = adapter.call("change", {"permit": holder["work_permit_number"], "changes": {
            "event_date": "2026-03-01", "position": "Lead battery engineer"}}, context)
        cancelled = adapter.call("cancel", {"permit": leaving["work_permit_number"],
                                            "reason": "CONTRACT_ENDED", "contract_end_date": "2026-02-27"},
                                 context)
    finally:
        adapter.close()
    assert len(insured["ssn"]) == 18
    assert changed["application_id"].startswith("app_")
    assert cancelled["application_id"].startswith("app_")
