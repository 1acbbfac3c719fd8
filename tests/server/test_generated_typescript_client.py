"""A vendor's TypeScript client from the served specs: openapi-typescript's types and the
openapi-fetch client (pinned in clients/package-lock.json, installed by ``make clients``).
``tsc --noEmit`` accepts clients/walkthrough.ts and refuses each call clients/wrong.ts marks
wrong; compiled, the walk-through's filing runs against the sandbox."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from simulator import specs

pytestmark = pytest.mark.server
CLIENTS = Path(__file__).resolve().parents[2] / "clients"


def node_tool(name: str) -> Path:
    tool = CLIENTS / "node_modules" / ".bin" / name
    assert tool.exists(), f"{tool} is missing: run `make clients` (npm ci from clients/package-lock.json)"
    return tool


def run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done.stdout


def project(into: Path, url: str) -> Path:
    """clients/*.ts beside the types generated from each served spec (``work-permit.ts`` ...)."""
    for name in ("tsconfig.json", "walkthrough.ts", "wrong.ts"):
        shutil.copy(CLIENTS / name, into / name)
    (into / "node_modules").symlink_to(CLIENTS / "node_modules")
    (into / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    for surface, (base, _) in specs.SURFACES.items():
        # --default-non-nullable=false: a field with a default is optional in a request body
        run(node_tool("openapi-typescript"), f"{url}{base}/openapi.json", "-o", f"{surface}.ts",
            "--default-non-nullable=false", cwd=into)
    return into


def test_the_typescript_client_type_checks_and_runs(serve: Any, sqlite_url: str, tmp_path: Path) -> None:
    server = serve(sqlite_url).start()
    into = project(tmp_path, server.url)
    assert "createApplication: {" in (into / "work-permit.ts").read_text(encoding="utf-8")
    run(node_tool("tsc"), "--noEmit", "-p", ".", cwd=into)
    run(node_tool("tsc"), "-p", ".", cwd=into)
    application = json.loads(run("node", "out/walkthrough.js", server.url, cwd=into))
    assert (application["status"], application["derived_category"]) == ("APPROVED", "B")
