"""The console's conformance runs as folders: a run is the tenant's that started it, and a run
id is never a path."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from simulator.console import conform_runs
from simulator.core.errors import DomainError


def folder_of(root: Path, run_id: str, tenant: str, started: str) -> None:
    (root / run_id).mkdir(parents=True)
    (root / run_id / "status.json").write_text(json.dumps(
        {"id": run_id, "tenant_id": tenant, "started": started, "state": "graded"}))
    (root / run_id / "evidence.zip").write_bytes(b"PK")


def test_a_tenant_sees_its_own_runs_newest_first(tmp_path: Path) -> None:
    folder_of(tmp_path, "run_000000000001", "ten_a", "2026-12-06T10:00:00+00:00")
    folder_of(tmp_path, "run_000000000002", "ten_a", "2026-12-06T11:00:00+00:00")
    folder_of(tmp_path, "run_000000000003", "ten_b", "2026-12-06T12:00:00+00:00")
    assert [r["id"] for r in conform_runs.listing(tmp_path, "ten_a")] == [
        "run_000000000002", "run_000000000001"]
    assert conform_runs.report_file(tmp_path, "ten_a", "run_000000000001", "evidence.zip").is_file()


@pytest.mark.parametrize(("tenant", "run_id", "name"), [
    ("ten_b", "run_000000000001", "evidence.zip"),  # another tenant's run
    ("ten_a", "../run_000000000001", "evidence.zip"),  # not a run id
    ("ten_a", "run_000000000001", "status.json"),  # not a report
    ("ten_a", "run_000000000001", "report.html"),  # not written
])
def test_anything_else_is_not_found(tmp_path: Path, tenant: str, run_id: str, name: str) -> None:
    folder_of(tmp_path, "run_000000000001", "ten_a", "2026-12-06T10:00:00+00:00")
    with pytest.raises(DomainError) as raised:
        conform_runs.report_file(tmp_path, tenant, run_id, name)
    assert raised.value.code == "E_NOT_FOUND"


def test_a_run_needs_scenarios_of_the_catalogue(tmp_path: Path) -> None:
    for chosen in ([], ["no-such-scenario"]):
        with pytest.raises(DomainError) as raised:
            conform_runs.start(tmp_path, "ten_a", "http://127.0.0.1:1", None, chosen)
        assert raised.value.field == "scenarios"
    assert list(tmp_path.iterdir()) == []


def running(root: Path, run_id: str, updated: datetime) -> None:
    folder_of(root, run_id, "ten_a", "2026-12-06T10:00:00+00:00")
    status = json.loads((root / run_id / "status.json").read_text())
    status.update(state="running", task={"id": 1}, updated=updated.isoformat(timespec="seconds"))
    (root / run_id / "status.json").write_text(json.dumps(status))


def test_a_run_whose_worker_stopped_writing_is_interrupted_not_running_for_ever(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    running(tmp_path, "run_000000000001", now - timedelta(seconds=conform_runs.STALE_S + 5))
    running(tmp_path, "run_000000000002", now)
    stale = conform_runs.read(tmp_path, "ten_a", "run_000000000001")
    assert (stale["state"], stale["task"], stale["error"]) == ("interrupted", None, conform_runs.INTERRUPTED)
    assert conform_runs.read(tmp_path, "ten_a", "run_000000000002")["state"] == "running"


class _Waiting:
    """An adapter whose task does not change for a long while."""

    def __init__(self) -> None:
        self.task = {"id": 1, "step": "file"}


def test_a_running_worker_rewrites_the_status_though_nothing_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conform_runs, "HEARTBEAT_S", 0.0)
    (tmp_path / "status.json").write_text("{}")
    stop = threading.Event()
    watcher = threading.Thread(target=conform_runs._watch,
                               args=(tmp_path, {"state": "running"}, _Waiting(), stop))
    watcher.start()
    try:
        for _ in range(2):  # the first write shows the task; the next ones only say "alive"
            (tmp_path / "status.json").unlink(missing_ok=True)
            deadline = time.monotonic() + 10
            while not (tmp_path / "status.json").exists():
                assert time.monotonic() < deadline, "the status was not written again"
                time.sleep(0.02)
    finally:
        stop.set()
        watcher.join()
