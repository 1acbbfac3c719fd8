"""The README's walk-through, run exactly as written (bash, curl, jq) against a served sandbox."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parents[2]


def blocks(marker: str) -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"<!-- {marker}:start -->", 1)[1].split(f"<!-- {marker}:end -->", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)


def walkthrough_script() -> str:
    found = blocks("walkthrough") + blocks("essc-walkthrough")
    assert len(found) >= 6, "the walk-through lost its code blocks"
    return "set -euo pipefail\n" + "\n".join(found)


def test_readme_walkthrough_runs_end_to_end(serve: Any, sqlite_url: str) -> None:
    server = serve(sqlite_url).start()
    script = walkthrough_script() + (
        '\necho "RESULT $(curl -sf "$SANDBOX/fwp/v1/applications/$APP/status" -H "$AUTH")"'
        '\necho "PERMIT $(curl -sf "$SANDBOX/fwp/v1/work-permits/$PERMIT" -H "$AUTH")"\n'
    )
    run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120,
                         env={"SANDBOX": server.url, "PATH": "/usr/bin:/bin:/usr/local/bin"}, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in run.stdout.splitlines()
             if line.startswith(("RESULT ", "PERMIT "))}
    status, permit = json.loads(lines["RESULT"]), json.loads(lines["PERMIT"])
    assert status["status"] == "APPROVED"
    assert status["allowed_actions"] == ["download_notification_letter"]
    assert permit["status"] == "CANCELLED"
    assert permit["form"] == "ELECTRONIC"
    assert permit["valid_to"] == "2028-04-30"
    assert "RETURNED_FOR_CORRECTION" in run.stdout
    assert '"code": "DOCUMENT_MISSING"' in run.stdout
    assert '"reason": "PERMIT_CANCELLED"' in run.stdout
    assert '"valid": false' in run.stdout
    assert '"late_registration": false' in run.stdout
