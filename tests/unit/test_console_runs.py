"""The console's conformance runs as folders: a run is the tenant's that started it, and a run
id is never a path."""

from __future__ import annotations

import json
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
