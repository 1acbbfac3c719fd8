"""How the suite selects itself: a bare run is the fast half, and PostgreSQL's absence is said.

These run pytest on one small API test file in a subprocess, as a developer would, with the
PostgreSQL URL pointed at a port nothing listens on.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMALL = "tests/api/test_employer.py"


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"postgresql://postgres@127.0.0.1:{port}/test"


def run_pytest(*args: str, ci: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "FWP_TEST_DATABASES")}
    env["FWP_TEST_POSTGRES_URL"] = closed_port_url()
    if ci:
        env["CI"] = "true"
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_without_postgres_the_sqlite_half_runs_and_the_rest_is_explained() -> None:
    done = run_pytest("-q", SMALL)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout
    assert " skipped" in done.stdout
    assert "PostgreSQL tests were skipped" in done.stdout
    assert "FWP_TEST_POSTGRES_URL" in done.stdout


def test_under_ci_an_absent_postgres_fails_the_run() -> None:
    done = run_pytest("-q", SMALL, ci=True)
    assert done.returncode != 0
    assert "PostgreSQL at" in done.stdout
    assert "is needed" in done.stdout


def test_the_postgres_marker_selects_exactly_the_postgres_half() -> None:
    everything = run_pytest("--collect-only", "-q", SMALL).stdout
    postgres = run_pytest("--collect-only", "-q", "-m", "postgres", SMALL).stdout
    ids = [line for line in postgres.splitlines() if "::" in line]
    assert ids
    assert all("postgresql" in line for line in ids)
    in_full = [line for line in everything.splitlines() if "::" in line and "postgresql" in line]
    assert len(in_full) == len(ids)


def test_a_bare_run_leaves_out_server_and_browser_tests() -> None:
    bare = run_pytest("--collect-only", "-q", "tests/server").stdout
    assert "deselected" in bare
    assert "tests/server/test_browser.py::" not in bare
    full = run_pytest("--collect-only", "-q", "-m", "", "tests/server").stdout
    assert "tests/server/test_browser.py::" in full
    assert "tests/server/test_serving.py::" in full
