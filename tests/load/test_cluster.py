"""The sandbox past one machine: two ``fwp-sandbox serve`` instances on one PostgreSQL behind
HAProxy (``fwp-sandbox cluster``). Each promise of a stateless instance is shown by reaching the
instances directly as well as through the balancer."""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from simulator.cli import main
from simulator.cluster import Cluster, ClusterError
from simulator.conform.journal import settled
from simulator.testing import (
    CallbackReceiver,
    Sandbox,
    Tenant,
    application_payload,
    expect,
    foreigner_payload,
)

pytestmark = [pytest.mark.server, pytest.mark.postgres]
MONDAY = "2026-03-02T09:00:00+08:00"
EVE_OF_DUE = "2026-03-08T23:59:59+08:00"  # a second before the automatic officer's pre-review is due
_passports = itertools.count(1)


@pytest.fixture(scope="module")
def cluster(postgres_url: str) -> Iterator[Cluster]:
    """One cluster for the module (each test makes its own tenant): starting one takes seconds."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FWP_OFFICER_SWEEP_SECONDS", "0.2")  # both instances sweep, often
        with Cluster(postgres_url, instances=2) as running:
            yield running


@pytest.fixture
def clients(cluster: Cluster) -> Iterator[list[httpx.Client]]:
    """The balancer, then each instance directly."""
    opened = [httpx.Client(base_url=url, timeout=30) for url in [cluster.url, *cluster.instance_urls]]
    yield opened
    for client in opened:
        client.close()


def on(client: httpx.Client, tenant: Tenant) -> Tenant:
    return Tenant(client, tenant.id, tenant.admin_key, tenant.credentials, tenant.seed)


def new_tenant(balancer: httpx.Client) -> Tenant:
    tenant = Sandbox(balancer).create_tenant(name="cluster", seed=11)
    tenant.freeze_clock(MONDAY)
    tenant.employer().register()
    return tenant


def file(tenant: Tenant, key: str | None = None) -> str:
    employer = tenant.employer()
    passport = f"C{next(_passports):08d}"
    person = expect(employer.post("/foreigners", foreigner_payload(passport_number=passport)), 201)
    headers = {"Idempotency-Key": key} if key else None
    body = application_payload(person["id"], tenant.today())
    return str(expect(employer.post("/applications", body, headers=headers), 201)["id"])


def test_instances_share_state_and_idempotency_keys(clients: list[httpx.Client]) -> None:
    balancer, first, second = clients
    tenant = new_tenant(balancer)
    application = file(on(first, tenant))
    for client in (second, balancer):
        read = expect(on(client, tenant).employer().get(f"/applications/{application}"), 200)
        assert read["id"] == application
    employer_a, employer_b = on(first, tenant).employer(), on(second, tenant).employer()
    body, key = foreigner_payload(passport_number="K12345678"), {"Idempotency-Key": "cluster-key-1"}
    created = employer_a.post("/foreigners", body, headers=key)
    replayed = employer_b.post("/foreigners", body, headers=key)
    assert (created.status_code, replayed.status_code) == (201, 201)
    assert replayed.json()["id"] == created.json()["id"]
    assert replayed.headers["idempotent-replayed"] == "true"


def test_each_callback_is_delivered_once(clients: list[httpx.Client]) -> None:
    balancer, first, second = clients
    tenant = new_tenant(balancer)
    receiver = CallbackReceiver().start()
    try:
        tenant.register_callback(receiver.url)
        for index in range(4):  # the officer's steps alternate between the instances
            instance = on((first, second)[index % 2], tenant)
            application = file(instance)
            instance.officer.accept(application)
            on((second, first)[index % 2], tenant).officer.approve(application)
        deadline = time.monotonic() + 20
        while len(receiver.calls) < 8 or tenant.callback_deliveries(status="PENDING"):
            assert time.monotonic() < deadline, f"{len(receiver.calls)} callbacks arrived"
            time.sleep(0.1)
        time.sleep(1.5)  # a second delivery would come from the other instance's sweep
    finally:
        receiver.stop()
    events = Counter(call.event["id"] for call in receiver.calls)
    assert set(events.values()) == {1}, f"delivered more than once: {events}"
    deliveries = tenant.callback_deliveries()
    assert len(events) == len(deliveries) >= 8  # at least the two status changes of each application
    assert {d["status"] for d in deliveries} == {"DELIVERED"}


def test_the_officer_clock_sweep_acts_once(clients: list[httpx.Client]) -> None:
    balancer, _, _ = clients
    tenant = new_tenant(balancer)
    expect(balancer.patch(f"/sandbox/v1/tenants/{tenant.id}/policy", headers=tenant.headers,
                          json={"officer": "AUTOMATIC"}), 200)
    application = file(tenant)
    expect(balancer.put(f"/sandbox/v1/tenants/{tenant.id}/clock", headers=tenant.headers,
                        json={"now": EVE_OF_DUE, "frozen": False}), 200)
    employer, deadline = tenant.employer(), time.monotonic() + 20
    while expect(employer.get(f"/applications/{application}/status"), 200)["status"] == "PRE_REVIEW":
        assert time.monotonic() < deadline, "no instance's sweep moved the officer"
        time.sleep(0.1)
    time.sleep(1.0)  # both instances have swept several times since
    history = expect(employer.get(f"/applications/{application}"), 200)["history"]
    assert [h["event"] for h in history].count("accept") == 1, history


def test_the_journal_is_complete_across_instances(clients: list[httpx.Client]) -> None:
    balancer, first, _ = clients
    tenant = new_tenant(balancer)
    employer = tenant.employer()
    for _ in range(30):
        expect(employer.get("/employer"), 200)
    entries = settled(on(first, tenant), 0.6)
    reads = [e for e in entries if e["method"] == "GET" and e["path"] == "/fwp/v1/employer"]
    assert len(reads) == 30, json.dumps(reads[:2])[:500]
    assert len({e["id"] for e in reads}) == 30


def test_sqlite_is_refused(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ClusterError, match="PostgreSQL"):
        Cluster(f"sqlite:///{tmp_path}/one.db")
    assert main(["cluster", "--database", f"sqlite:///{tmp_path}/one.db"]) == 2
    assert "needs PostgreSQL" in capsys.readouterr().err
