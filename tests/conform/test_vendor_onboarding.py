"""A vendor's first hour with the harness, on the embedded sandbox: the README's commands for the
Node.js examples run as written (from the checkout's root, through the CLI), and an adapter that
answers a step with a misnamed field is told that, not told to read the state again."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from catalogue_support import run

from scenarios.reference_adapter import ReferenceAdapter
from simulator.conform.adapters import PythonAdapter
from simulator.conform.model import SandboxContext, Verdict
from simulator.conform.sandbox_embed import EmbeddedSandbox

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with EmbeddedSandbox() as url:
        yield url


def readme_command(script: str) -> list[str]:
    """The README's command line for ``examples/node-adapter/<script>``, as a vendor copies it."""
    pattern = rf"^fwp-sandbox conform run --adapter \"command:node examples/node-adapter/{script}\".*$"
    [line] = re.findall(pattern, README, re.MULTILINE)
    return shlex.split(line)


@pytest.mark.parametrize(("script", "name", "scenario"), [
    ("minimal.js", "minimal-node", "permit-expiry"),
    ("adapter.js", "node-example", None),
])
def test_the_readme_commands_for_the_node_examples_run_as_written(
        sandbox_url: str, tmp_path: Path, script: str, name: str, scenario: str | None) -> None:
    assert shutil.which("node"), "Node.js 20 is needed for the example adapters (apt-get install nodejs)"
    command = readme_command(script)
    assert command[:3] == ["fwp-sandbox", "conform", "run"]
    if scenario is None:  # the whole catalogue is test_adapters_live's: one scenario is enough here
        command += ["--scenarios", "withdrawal"]
    environment = {**os.environ, "COLUMNS": "160"}
    done = subprocess.run([sys.executable, "-m", "simulator", *command[1:], "--sandbox", sandbox_url,
                           "--report-dir", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=environment, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["adapter"] == f"command:{name}"  # the hello's name, as the schema says
    played = [s for s in report["scenarios"] if s["verdict"] != "SKIPPED"]
    assert [s["id"] for s in played] == [scenario or "withdrawal"]
    assert {c["verdict"] for c in played[0]["checks"]} == {"PASSED"}


class RenamesStatus(ReferenceAdapter):
    """Reports the status under a name of its own."""

    def track_application(self, sandbox: SandboxContext, application: str) -> dict[str, Any]:
        report = super().track_application(sandbox, application)
        return {"state": report.pop("status"), **report}


def test_an_output_field_under_another_name_is_told_as_missing(sandbox_url: str) -> None:
    result = run(sandbox_url, PythonAdapter(RenamesStatus()), scenarios=["withdrawal"])
    checks = {c.check_id: c for c in result.scenarios[0].checks}
    assert [c for c, r in checks.items() if r.verdict is not Verdict.PASSED] == ["FWP-OUT-01"]
    [finding, *_] = checks["FWP-OUT-01"].findings
    assert "(status missing from its track_application output, which had: state, permit_number, reason)" in (
        finding.seen)
    assert finding.fix.startswith("answer track_application with every output field of the step (status, "
                                  "permit_number, permit_valid_to, reason)")
