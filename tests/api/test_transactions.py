"""One write transaction per request: a filing, a correction of state, an officer's act and the
control plane's writes each open exactly one (``Database.write``), reads none. Its one owner is
``web/transactions.py`` (``tests/unit/test_transactions_owner.py`` holds the code to that); these
tests hold the owner to opening exactly one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import has_request_context, request

from simulator.store.db import Database
from simulator.testing import Employer, Officer, Tenant, application_payload, expect


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, str, int]]:
    """Write transactions opened inside a request, by the request's method, path and identity
    (the journal's batches and the callback deliveries write from their own threads)."""
    opened: Counter[tuple[str, str, int]] = Counter()
    alive: list[Any] = []  # an id names one request only while its environ lives: keep them
    original = Database.write

    @contextmanager
    def counting(self: Database) -> Iterator[Any]:
        if has_request_context():
            alive.append(request.environ)
            opened[(request.method, request.path, id(request.environ))] += 1
        with original(self) as conn:
            yield conn

    monkeypatch.setattr(Database, "write", counting)
    return opened


def _per_request(writes: Counter[tuple[str, str, int]]) -> dict[tuple[str, str], list[int]]:
    found: dict[tuple[str, str], list[int]] = {}
    for (method, path, _), count in writes.items():
        found.setdefault((method, path), []).append(count)
    return found


def test_each_write_request_opens_one_transaction(tenant: Tenant, employer: Employer,
                                                  writes: Counter[tuple[str, str, int]]) -> None:
    person = employer.create_foreigner()
    body = application_payload(person["id"], tenant.today())
    filed = expect(employer.post("/applications", body, headers={"Idempotency-Key": "once"}), 201)
    replay = employer.post("/applications", body, headers={"Idempotency-Key": "once"})
    assert replay.headers.get("Idempotent-Replayed") == "true"
    Officer(tenant.http, tenant.id, tenant.headers).accept(filed["id"])
    expect(employer.get(f"/applications/{filed['id']}/status"), 200)
    seen = _per_request(writes)
    app_id = filed["id"]
    assert seen[("POST", "/fwp/v1/foreigners")] == [1]
    assert seen[("POST", "/fwp/v1/applications")] == [1, 1]  # the replay too: its lookup locks
    assert [counts for (method, path), counts in seen.items() if "/officer/" in path] == [[1]]
    assert ("GET", f"/fwp/v1/applications/{app_id}/status") not in seen


def test_each_control_plane_write_opens_one_transaction(tenant: Tenant,
                                                        writes: Counter[tuple[str, str, int]]) -> None:
    base, headers = f"/sandbox/v1/tenants/{tenant.id}", tenant.headers
    tenant.advance(days=1)
    tenant.add_employer()
    rule = expect(tenant.http.post(f"{base}/faults", json={
        "operation_id": "getEmployer", "kind": "ERROR", "status": 503, "probability": 0.0},
        headers=headers), 201)
    expect(tenant.http.delete(f"{base}/faults/{rule['id']}", headers=headers), 204)
    expect(tenant.http.patch(f"{base}/policy", json={"officer": "MANUAL"}, headers=headers), 200)
    seen = {key: counts for key, counts in _per_request(writes).items() if key[1].startswith(base)}
    assert seen == {(method, path): [1] for method, path in [
        ("POST", f"{base}/clock/advance"), ("POST", f"{base}/employers"), ("POST", f"{base}/faults"),
        ("DELETE", f"{base}/faults/{rule['id']}"), ("PATCH", f"{base}/policy")]}
