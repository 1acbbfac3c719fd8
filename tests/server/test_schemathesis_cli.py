"""The acceptance check as a user would run it: the schemathesis CLI, every check and the
stateful phase on (schemathesis.toml), against a running sandbox, with a tenant's credentials
and without any (every answer must still be a documented status)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulator import specs
from simulator.testing import Sandbox

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parents[2]


def _st(config: Path, url: str, *headers: str) -> subprocess.CompletedProcess[str]:
    st = Path(sys.executable).with_name("st")
    options = [part for header in headers for part in ("-H", header)]
    return subprocess.run(
        [str(st), "--config-file", str(config), "--no-color", "run", url, *options,
         "--max-examples", "25", "--seed", "20260302", "--phases", "examples,coverage,fuzzing,stateful"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )


def test_schemathesis_cli_finds_no_failure(serve: Any, sqlite_url: str, tmp_path: Path) -> None:
    server = serve(sqlite_url, workers=2).start()
    with httpx.Client(base_url=server.url) as http:
        tenant, doomed = Sandbox(http).create_tenant(seed=13), Sandbox(http).create_tenant(seed=14)
        employer = tenant.employer()
        employer.register()
    config = tmp_path / "schemathesis.toml"
    # every control-plane call goes to the tenant of the key, except the deletion: it gets a
    # tenant of its own, so that the other operations (and the next runs) keep theirs
    config.write_text(f'headers = {{ "X-Sandbox-Key" = "{tenant.admin_key}" }}\n'
                      + (ROOT / "schemathesis.toml").read_text() + f"""
[parameters]
"path.tenantId" = "{tenant.id}"

[[operations]]
include-operation-id = "deleteTenant"
headers = {{ "X-Sandbox-Key" = "{doomed.admin_key}" }}
parameters = {{ "path.tenantId" = "{doomed.id}" }}
""")
    runs = {
        "work-permit": _st(config, f"{server.url}/fwp/v1/openapi.json",
                           f"Authorization: {employer.headers['Authorization']}"),
        "sandbox": _st(config, f"{server.url}/sandbox/v1/openapi.json"),
        "social-security": _st(config, f"{server.url}/ssc/v1/openapi.json",
                               f"Authorization: {employer.headers['Authorization']}",
                               f"X-Sandbox-Tenant: {tenant.id}"),
    }
    with httpx.Client(base_url=server.url) as http:
        # the run deleted the doomed tenant and only it
        assert http.get(f"/sandbox/v1/tenants/{doomed.id}", headers=doomed.headers).status_code == 401
        assert http.get(f"/sandbox/v1/tenants/{tenant.id}", headers=tenant.headers).status_code == 200
    _assert_clean(runs)


def test_schemathesis_cli_without_credentials_finds_no_failure(serve: Any, sqlite_url: str) -> None:
    server = serve(sqlite_url, workers=2).start()
    config = ROOT / "schemathesis.toml"
    _assert_clean({name: _st(config, f"{server.url}{base}/openapi.json")
                   for name, (base, _) in specs.SURFACES.items()})


def _assert_clean(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    for name, run in runs.items():
        report = run.stdout[-3000:] + run.stderr[-2000:]
        assert run.returncode == 0, f"{name}:\n{report}"
        assert "✅ Stateful" in run.stdout, f"{name}:\n{report}"
        summary = run.stdout.split("Test cases:")[-1]
        assert " passed" in summary, report
        assert "failure" not in summary, report
