"""The checks a load run applies to a vendor client's journals, on hand-made journal entries."""

from __future__ import annotations

from typing import Any

from simulator.loadtest.client_checks import judge
from simulator.testing import Tenant

T0 = "2026-12-06T10:00:00.000+00:00"


def entry(number: int, status: int, *, at: str = T0, fault: str | None = None, key: str | None = None,
          path: str = "/fwp/v1/applications") -> dict[str, Any]:
    headers = {"idempotency-key": key} if key else {}
    return {"id": number, "wall_time": at, "latency_ms": 5, "method": "POST", "path": path,
            "status": status, "fault": fault, "direction": "INBOUND",
            "request": {"headers": {"user-agent": "vendor/1", **headers}, "body": "{}"},
            "response": {"headers": {}, "body": "{}"}}


def tenant(name: str) -> Tenant:
    return Tenant(None, name, "key", {}, 0)


def rows(*journals: list[dict[str, Any]]) -> dict[str, bool]:
    return {row.objective.split()[0]: row.held for row in judge([(j, tenant(f"t{i}")) for i, j in
                                                                 enumerate(journals)])}


def test_a_server_error_without_a_fault_rule_is_the_clients_doing() -> None:
    held = rows([entry(1, 500, key="k1")])
    assert held["FWP-LOAD-SRV-01"] is False


def test_an_injected_server_error_is_not() -> None:
    later = "2026-12-06T10:00:01.500+00:00"
    held = rows([entry(1, 503, fault="flt_1", key="k1"), entry(2, 201, at=later, key="k1")])
    assert all(held.values()), held


def test_each_tenant_is_judged_on_its_own() -> None:
    """Two instances of a client, each on its tenant: one's 503 followed by the other's filing
    (a new key, 0.1 s later) is no retry; in one journal it would be a fresh-key retry."""
    soon = "2026-12-06T10:00:00.100+00:00"
    first, second = [entry(1, 503, fault="flt_1", key="k1")], [entry(2, 201, at=soon, key="k2")]
    assert all(rows(first, second).values())
    mixed = rows(first + second)
    assert mixed["FWP-IDEM-02"] is False


def test_a_finding_shown_in_the_table_masks_a_token_the_client_sent_in_its_query() -> None:
    """POLL-01 names the polled URL, query included: a token the client put there is not shown."""
    reads = [{**entry(n, 200, at=f"2026-12-06T10:00:0{n}.000+00:00", path="/fwp/v1/messages"),
              "method": "GET", "query": "token=v1.employer.ten_x.emp_y.1767225600.sig"} for n in range(1, 7)]
    [row] = [row for row in judge([(reads, tenant("t0"))]) if row.objective.startswith("FWP-POLL-01")]
    assert not row.held
    assert "/fwp/v1/messages?token=***" in row.measured
    assert "1767225600" not in row.measured
