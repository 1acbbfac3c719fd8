"""Conformance runs started from the console: the harness (``simulator.conform``) in wait mode,
on a thread of the worker that was asked, against this very server over HTTP (the harness is a
client of the sandbox, as from the command line). Each run has a folder under the runs folder:
``status.json`` (rewritten as the run goes: the task wait mode is waiting for, with its
instructions and credentials, and each scenario's verdicts once judged) and, once graded, the
harness's reports (``report.html``, ``evidence.zip``, ...). Any worker serves the pages from the
folder; only the one running it knows more.

The run lives on that worker's thread: a worker that dies (killed, restarted, the server
stopped) takes it along. The running worker rewrites ``status.json`` at least every
:data:`HEARTBEAT_S`; a run still "running" whose file is older than :data:`STALE_S` is shown as
"interrupted", with what to do, instead of running for ever.

No Flask here: the pages are ``conformance.py``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from scenarios.catalogue import CATALOGUE
from simulator.conform import reports
from simulator.conform.adapters import WaitAdapter
from simulator.conform.adapters.wait import POLL_S
from simulator.conform.cli import WAIT_SCENARIO_TIMEOUT
from simulator.conform.journal import HARNESS_AGENT
from simulator.conform.results import RunResult, ScenarioResult
from simulator.conform.runner import Runner, now_iso, select
from simulator.core.errors import DomainError, not_found

STEP_S = 600.0
"""A person makes the system act at each step: ten minutes a step."""
RUN_ID = re.compile(r"run_[0-9a-f]{12}")
HEARTBEAT_S = 5.0
"""The running worker rewrites the status at least this often, a sign it is alive."""
STALE_S = 60.0
"""A "running" status not rewritten for this long: the worker that ran it is gone."""
INTERRUPTED = ("The worker that ran it stopped (the server was stopped or restarted) before it "
               "ended; start the run again.")


def scenarios() -> list[dict[str, Any]]:
    return [{"id": s.id, "title": s.title, "steps": list(s.steps), "checks": len(s.checks)}
            for s in CATALOGUE.scenarios]


def _write(folder: Path, status: dict[str, Any]) -> None:
    """Replace ``status.json`` at once: a worker reading it never sees half a file."""
    part = folder / f"status.json.{threading.get_ident()}"
    part.write_text(json.dumps({**status, "updated": now_iso()}, ensure_ascii=False), encoding="utf-8")
    os.replace(part, folder / "status.json")


def start(root: Path, tenant_id: str, base_url: str, admin_token: str | None,
          chosen: list[str]) -> str:
    known = {s.id for s in CATALOGUE.scenarios}
    if not chosen or not set(chosen) <= known:
        raise DomainError("E_VALIDATION", "Choose one or more scenarios of the catalogue.",
                          "请选择目录中的一个或多个场景。", "scenarios")
    run_id = f"run_{secrets.token_hex(6)}"
    folder = root / run_id
    folder.mkdir(parents=True)
    status = {"id": run_id, "tenant_id": tenant_id, "started": now_iso(), "scenarios": chosen,
              "catalogue_version": CATALOGUE.version, "state": "running", "task": None,
              "task_url": None, "done": [], "counts": None, "exit_code": None, "error": None}
    _write(folder, status)
    threading.Thread(target=_run, args=(folder, status, base_url, admin_token), daemon=True,
                     name=f"fwp-console-{run_id}").start()
    return run_id


def _done(outcome: ScenarioResult) -> dict[str, Any]:
    return {"scenario": outcome.scenario_id, "title": outcome.title, "reason": outcome.reason,
            "checks": [{"id": c.check_id, "verdict": c.verdict.value} for c in outcome.checks]}


def _watch(folder: Path, status: dict[str, Any], adapter: WaitAdapter, stop: threading.Event) -> None:
    """Tell the task wait mode waits for, as it changes (a step done, the next one asked)."""
    shown: Any = object()
    written = 0.0
    while not stop.wait(POLL_S * 2):
        task = adapter.task
        if task != shown or time.monotonic() - written >= HEARTBEAT_S:
            shown = status["task"] = task
            _write(folder, status)
            written = time.monotonic()


def _play(folder: Path, status: dict[str, Any], runner: Runner) -> RunResult:
    """What ``Runner.run`` does, telling each scenario's verdicts as soon as they are judged."""
    runner.masker.add(runner.admin_token)
    result = RunResult(CATALOGUE.version, runner.base_url, runner.adapter.name, now_iso())
    for scenario, checks in select(CATALOGUE, status["scenarios"]):
        result.scenarios.append(runner.run_scenario(scenario, checks))
        status["done"].append(_done(result.scenarios[-1]))
        _write(folder, status)
    result.ended = now_iso()
    return result


def _run(folder: Path, status: dict[str, Any], base_url: str, admin_token: str | None) -> None:
    stop = threading.Event()
    with (folder / "wait.log").open("w", encoding="utf-8") as log:
        adapter = WaitAdapter(step_timeout=STEP_S, out=log)
        status["task_url"] = f"{adapter.url}/task"
        watcher = threading.Thread(target=_watch, args=(folder, status, adapter, stop), daemon=True)
        watcher.start()
        try:
            with httpx.Client(base_url=base_url, headers={"user-agent": HARNESS_AGENT}, timeout=30) as http:
                runner = Runner(http, base_url, adapter, admin_token=admin_token,
                                scenario_timeout=WAIT_SCENARIO_TIMEOUT)
                result = _play(folder, status, runner)
            reports.write_all(result, CATALOGUE, folder)
            status.update(state="graded", counts=result.counts(), exit_code=result.exit_code)
        except Exception as exc:  # noqa: BLE001 - the page says the run broke, and why
            status.update(state="error", error=f"{type(exc).__name__}: {exc}")
        finally:
            stop.set()
            watcher.join()
            adapter.close()
            status["task"] = None
            _write(folder, status)


def read(root: Path, tenant_id: str, run_id: str) -> dict[str, Any]:
    """A run's status, for the tenant that started it only (another's is not found)."""
    path = root / run_id / "status.json"
    if not RUN_ID.fullmatch(run_id) or not path.is_file():
        raise not_found("run", run_id, "runId")
    status: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if status.get("tenant_id") != tenant_id:
        raise not_found("run", run_id, "runId")
    if status.get("state") == "running" and _age(status) > STALE_S:
        status.update(state="interrupted", task=None, error=INTERRUPTED)
    return status


def _age(status: dict[str, Any]) -> float:
    """Seconds since the status was last written (a status without a time: as old as can be)."""
    try:
        written = datetime.fromisoformat(str(status.get("updated") or status["started"]))
    except (KeyError, ValueError):
        return float("inf")
    return (datetime.now(UTC) - written).total_seconds()


def listing(root: Path, tenant_id: str) -> list[dict[str, Any]]:
    """The tenant's runs, newest first."""
    found = []
    for folder in root.glob("run_*") if root.is_dir() else ():
        try:
            found.append(read(root, tenant_id, folder.name))
        except (DomainError, ValueError, OSError):
            continue
    return sorted(found, key=lambda s: s["started"], reverse=True)


def report_file(root: Path, tenant_id: str, run_id: str, name: str) -> Path:
    read(root, tenant_id, run_id)
    path = root / run_id / name
    if name not in ("report.html", "evidence.zip", "report.json") or not path.is_file():
        raise not_found("report", name, "name")
    return path
