"""``fwp-sandbox conform list | run``: the listing, a run on the embedded sandbox with its exit
code and reports, ERROR (exit 2) when no verdict can be reached, and no secret in any output."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from simulator.cli import main
from simulator.conform.sandbox_embed import EmbeddedSandbox, free_port

HERE = Path(__file__).resolve().parent
TINY = ["--catalogue", "tiny:CATALOGUE"]
ADMIN_TOKEN = "known-admin-token-4f1c9e"


def conform(*args: str, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(HERE), "COLUMNS": "160", **(env or {})}
    return subprocess.run([sys.executable, "-m", "simulator", "conform", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd, env=environment, check=False)


def test_list_prints_scenarios_checks_levels_and_references(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conform", "list", *TINY]) == 0
    text = capsys.readouterr().out
    assert "tiny-filing: File one application  (steps: file_new_application)" in text
    assert "TINY-IDEM-01   MUST   Creates carry an Idempotency-Key  [TINY-RFC9110]" in text
    assert main(["conform", "list", "--format", "json", *TINY]) == 0
    listing = json.loads(capsys.readouterr().out)
    check = listing["scenarios"][0]["checks"][0]
    assert check == {"id": "TINY-IDEM-01", "title": "Creates carry an Idempotency-Key", "level": "MUST",
                     "references": [{"id": "TINY-RFC9110", "title": "Idempotent methods"}]}


@pytest.mark.parametrize(("args", "message"), [
    (["--adapter", "python:tiny:TinyAdapter", "--checks", "TINY-NOPE"], "'TINY-NOPE' matches nothing"),
    (["--adapter", "ruby:client.rb"], "unknown adapter 'ruby:client.rb'"),
    (["--adapter", "python:tiny:Missing"], "Missing"),
    (["--adapter", "command:no-such-program-4f1c adapter.js"], "cannot run 'no-such-program-4f1c'"),
])
def test_a_run_that_cannot_start_is_an_error(args: list[str], message: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conform", "run", *args, *TINY, "--report-dir", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_reports_that_cannot_be_written_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    done = conform("run", "--adapter", "python:tiny:TinyAdapter", *TINY, "--sandbox",
                   f"http://127.0.0.1:{free_port()}", "--report-dir", str(tmp_path / "taken"))
    assert done.returncode == 2
    assert "cannot write the reports" in done.stderr


def test_an_unreachable_sandbox_errors_every_check(tmp_path: Path) -> None:
    done = conform("run", "--adapter", "python:tiny:TinyAdapter", *TINY, "--sandbox",
                   f"http://127.0.0.1:{free_port()}", "--report-dir", str(tmp_path))
    assert done.returncode == 2, done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["summary"]["ERROR"] == 2  # the SKIPPED scenario still skips: its step is missing
    assert report["scenarios"][0]["reason"].startswith("setting the stage failed")


@pytest.mark.server
def test_run_on_the_embedded_sandbox_writes_every_report(tmp_path: Path) -> None:
    done = conform("run", "--adapter", "python:tiny:NoKeyAdapter", *TINY, "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "evidence.zip", "junit.xml", "report.html", "report.json", "traceability.json", "traceability.md"]
    assert "FAILED TINY-IDEM-01 (MUST)" in done.stdout
    assert conform("verify", str(tmp_path / "out/evidence.zip")).returncode == 0


@pytest.mark.server
def test_no_secret_in_any_output(tmp_path: Path) -> None:
    """A known admin token, the tenant's client secret and the access token (the adapter writes
    down the ones it got): none appears in the console, the reports or the evidence."""
    known = tmp_path / "secrets.txt"
    with EmbeddedSandbox(admin_token=ADMIN_TOKEN) as url:
        listed = httpx.get(f"{url}/sandbox/v1/tenants", headers={"X-Sandbox-Admin-Token": ADMIN_TOKEN})
        assert listed.json()["items"] == []  # --no-demo: no demo tenant, no secrets printed
        done = conform("run", "--adapter", "python:tiny:NoKeyAdapter", *TINY, "--sandbox", url,
                       "--admin-token", ADMIN_TOKEN, "--report-dir", str(tmp_path / "out"),
                       env={"TINY_SECRETS_FILE": str(known)})
    assert done.returncode == 1, done.stdout + done.stderr
    secrets = {ADMIN_TOKEN, *known.read_text().split()}
    assert len(secrets) == 3
    outputs = {"stdout": done.stdout, "stderr": done.stderr}
    for path in (tmp_path / "out").iterdir():
        outputs[path.name] = path.read_bytes().decode("utf-8", "replace")
    with zipfile.ZipFile(io.BytesIO((tmp_path / "out/evidence.zip").read_bytes())) as bundle:
        outputs.update({f"evidence:{n}": bundle.read(n).decode() for n in bundle.namelist()})
    leaks = [(name, secret[:4]) for name, text in outputs.items() for secret in secrets if secret in text]
    assert leaks == []
    assert "***" in outputs["evidence:journal.jsonl"]  # the masked token request is in the evidence


def test_the_hello_timeout_is_the_operators_to_set(tmp_path: Path) -> None:
    """A slow-starting adapter (a JVM on a busy runner) may need longer than the default 15 s to
    say hello; an operator in a hurry may want less."""
    slow = tmp_path / "slow.py"
    slow.write_text("import time; time.sleep(30)\n", encoding="utf-8")
    done = conform("run", "--adapter", f"command:{sys.executable} {slow}", "--hello-timeout", "0.5", *TINY,
                   "--sandbox", f"http://127.0.0.1:{free_port()}", "--report-dir", str(tmp_path / "out"))
    assert done.returncode == 2, done.stderr
    reasons = [s["reason"] for s in json.loads((tmp_path / "out/report.json").read_text())["scenarios"]]
    assert any("timed out after 0.5 s waiting for the hello line" in str(r) for r in reasons), reasons
