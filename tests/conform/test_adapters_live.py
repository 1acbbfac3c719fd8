"""The command and wait adapters against the embedded sandbox, through the whole catalogue: the
Node.js example (written from the README's protocol alone) and a separate operator process in
wait mode get the reference client's verdicts: every check PASSED."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from catalogue_support import not_passed, run, verdicts

from scenarios.reference_adapter import ReferenceAdapter
from simulator.conform.adapters import CommandAdapter, PythonAdapter, WaitAdapter
from simulator.conform.model import Verdict
from simulator.conform.sandbox_embed import EmbeddedSandbox

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with EmbeddedSandbox() as url:
        yield url


@pytest.fixture(scope="module")
def reference(sandbox_url: str) -> dict[tuple[str, str], Verdict]:
    return verdicts(run(sandbox_url, PythonAdapter(ReferenceAdapter())))


def test_the_node_example_passes_the_whole_catalogue(sandbox_url: str,
                                                     reference: dict[tuple[str, str], Verdict]) -> None:
    node = shutil.which("node")
    assert node, "Node.js 20 is needed for the example adapter (apt-get install nodejs)"
    adapter = CommandAdapter(f"{node} {ROOT / 'examples/node-adapter/adapter.js'}")
    result = run(sandbox_url, adapter)
    assert not_passed(result) == []
    assert verdicts(result) == reference


def test_wait_mode_with_a_separate_operator_process(sandbox_url: str,
                                                    reference: dict[tuple[str, str], Verdict]) -> None:
    printed = io.StringIO()
    adapter = WaitAdapter(step_timeout=30, out=printed)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
    operator = subprocess.Popen([sys.executable, str(ROOT / "tests/conform/wait_driver.py"), adapter.url],
                                env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        result = run(sandbox_url, adapter)
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
