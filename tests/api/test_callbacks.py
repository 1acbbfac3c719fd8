"""Callbacks (webhooks) end to end, against a real HTTP receiver on 127.0.0.1: signatures, retries
with backoff, chaos (drop, duplicate, delay, reorder) reproducible from the seed, order, the
outbox's transactions, the journal, and tenants kept apart."""

from __future__ import annotations

import json
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.sql import schema
from test_errors import expect_problem

from simulator.sandbox import callbacks as callback_model
from simulator.settings import Settings
from simulator.testing import (
    CallbackReceiver,
    Employer,
    ReceivedCallback,
    Sandbox,
    Tenant,
    expect,
    verify_signature,
)

SEED = 20260302
WAIT = 15.0


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    started = CallbackReceiver().start()
    yield started
    started.stop()


@pytest.fixture
def receivers() -> Iterator[Callable[[], CallbackReceiver]]:
    made: list[CallbackReceiver] = []

    def make() -> CallbackReceiver:
        made.append(CallbackReceiver().start())
        return made[-1]

    yield make
    for one in made:
        one.stop()


def base(tenant: Tenant) -> str:
    return f"/sandbox/v1/tenants/{tenant.id}"


def configure(tenant: Tenant, **body: Any) -> dict[str, Any]:
    return dict(expect(tenant.http.put(f"{base(tenant)}/callback-settings", json=body,
                                       headers=tenant.headers), 200))


def ping(tenant: Tenant, callback_id: str) -> dict[str, Any]:
    return dict(expect(tenant.http.post(f"{base(tenant)}/callbacks/{callback_id}/ping",
                                        headers=tenant.headers), 202))


def settled(tenant: Tenant, count: int, timeout: float = WAIT, **filters: Any) -> list[dict[str, Any]]:
    """The tenant's deliveries, once ``count`` exist and none is PENDING."""
    deadline = time.monotonic() + timeout
    while True:
        found = tenant.callback_deliveries(**filters)
        if len(found) >= count and all(d["status"] != "PENDING" for d in found):
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.02)


def fast(tenant: Tenant, **chaos: Any) -> None:
    configure(tenant, max_attempts=5, base_delay_ms=20, timeout_ms=2000, chaos=chaos)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Signatures, headers, secret ---------------------------------------------------------------------

def test_signature_verifies_with_the_tenant_secret_only(tenant: Tenant, receiver: CallbackReceiver) -> None:
    callback = tenant.register_callback(receiver.url)
    delivery = ping(tenant, callback["id"])
    [post] = receiver.wait_for(1)
    signature = post.headers["x-sandbox-signature"]
    assert verify_signature(callback["secret"], signature, post.body, tolerance=60)
    assert not verify_signature("whsec_wrong", signature, post.body, tolerance=60)
    assert not verify_signature(callback["secret"], signature, post.body + b" ", tolerance=60)
    assert not verify_signature(callback["secret"], signature, post.body, tolerance=60,
                                now=time.time() + 3600)  # a replay an hour later
    assert (post.headers["x-sandbox-delivery"], post.headers["x-sandbox-attempt"]) == (delivery["id"], "1")
    assert post.headers["x-sandbox-event-id"] == post.event["id"] == delivery["event_id"]
    assert post.headers["x-sandbox-event"] == post.event["type"] == "ping"
    assert post.headers["content-type"] == "application/json"
    assert post.event["tenant_id"] == tenant.id

    url = f"{base(tenant)}/callback-secret"
    assert expect(tenant.http.get(url, headers=tenant.headers), 200)["secret"] == callback["secret"]
    rotated = expect(tenant.http.post(f"{url}/rotation", headers=tenant.headers), 200)["secret"]
    assert rotated != callback["secret"]
    ping(tenant, callback["id"])
    second = receiver.wait_for(2)[1]
    assert verify_signature(rotated, second.headers["x-sandbox-signature"], second.body)
    assert not verify_signature(callback["secret"], second.headers["x-sandbox-signature"], second.body)


# Retries -------------------------------------------------------------------------------------------

def test_failing_twice_then_succeeding_is_delivered_on_the_third_attempt(
        tenant: Tenant, receiver: CallbackReceiver) -> None:
    configure(tenant, max_attempts=5, base_delay_ms=100)
    receiver.script = [500, 503]
    callback = tenant.register_callback(receiver.url)
    ping(tenant, callback["id"])
    [delivery] = settled(tenant, 1)
    assert (delivery["status"], delivery["attempt_count"]) == ("DELIVERED", 3)
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 503, 200]
    assert [a["number"] for a in delivery["attempts"]] == [1, 2, 3]
    posts = receiver.wait_for(3)
    assert [p.headers["x-sandbox-attempt"] for p in posts] == ["1", "2", "3"]
    assert len({p.event["id"] for p in posts}) == 1  # the same event every time
    first_gap, second_gap = posts[1].at - posts[0].at, posts[2].at - posts[1].at
    assert first_gap >= 0.09
    assert second_gap >= 0.19
    assert second_gap > first_gap


def test_a_receiver_that_hangs_holds_up_no_other_tenant(
        sandbox: Sandbox, receivers: Callable[[], CallbackReceiver]) -> None:
    """One tenant's receiver takes its time answering (as a dead endpoint does until the timeout):
    another tenant's callback is posted meanwhile, not after it."""
    slow, quick = receivers(), receivers()
    slow.hold = threading.Event()
    held, waiting = sandbox.create_tenant(seed=SEED), sandbox.create_tenant(seed=SEED + 1)
    configure(held, timeout_ms=10000)
    ping(held, held.register_callback(slow.url)["id"])
    slow.wait_for(1)  # its post is in flight, unanswered
    ping(waiting, waiting.register_callback(quick.url)["id"])
    [post] = quick.wait_for(1, timeout=8)
    assert post.event["tenant_id"] == waiting.id
    assert not slow.hold.is_set()  # the slow one was still unanswered when the other arrived
    slow.hold.set()
    [delivery] = settled(held, 1)
    assert delivery["status"] == "DELIVERED"


def test_max_attempts_reached_is_failed(tenant: Tenant, receiver: CallbackReceiver) -> None:
    configure(tenant, max_attempts=3, base_delay_ms=10)
    receiver.then = 500
    callback = tenant.register_callback(receiver.url)
    ping(tenant, callback["id"])
    [delivery] = settled(tenant, 1)
    assert (delivery["status"], delivery["attempt_count"], delivery["next_attempt_at"]) == ("FAILED", 3, None)
    assert len(receiver.wait_for(3)) == 3
    assert len(receiver.calls) == 3  # and no more: FAILED is final, each post recorded after it was sent


def test_no_answer_is_an_attempt_with_the_transport_error(tenant: Tenant) -> None:
    configure(tenant, max_attempts=2, base_delay_ms=10)
    callback = tenant.register_callback(f"http://127.0.0.1:{closed_port()}/nobody")
    ping(tenant, callback["id"])
    [delivery] = settled(tenant, 1)
    assert delivery["status"] == "FAILED"
    assert all(a["status_code"] is None and "Connect" in a["error"] for a in delivery["attempts"])
    journal = expect(tenant.http.get(f"{base(tenant)}/journal", params={"direction": "OUTBOUND"},
                                     headers=tenant.headers), 200)["items"]
    assert [e["status"] for e in journal] == [0, 0]
    assert "Connect" in journal[0]["errors"][0]["message"]


def test_redelivery_sends_the_event_again(tenant: Tenant, receiver: CallbackReceiver) -> None:
    callback = tenant.register_callback(receiver.url)
    first = ping(tenant, callback["id"])
    settled(tenant, 1)
    again = expect(tenant.http.post(f"{base(tenant)}/callback-deliveries/{first['id']}/redelivery",
                                    headers=tenant.headers), 202)
    assert (again["redelivery_of"], again["event_id"]) == (first["id"], first["event_id"])
    assert again["id"] != first["id"]
    posts = receiver.wait_for(2)
    assert [p.delivery for p in posts] == [first["id"], again["id"]]
    assert posts[0].body == posts[1].body
    missing = tenant.http.post(f"{base(tenant)}/callback-deliveries/dlv_aaaaaaaaaaaa/redelivery",
                               headers=tenant.headers)
    expect_problem(missing, 404, "E_NOT_FOUND", "deliveryId")



def test_a_claim_copies_no_table(tenant: Tenant, receiver: CallbackReceiver,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The claim's aliases of the deliveries table are made once: made per claim, each copied
    every column into garbage cycles, the largest churn a soak's worker had (bench/README.md)."""
    copied: list[str] = []
    real = schema.Column._make_proxy

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        copied.extend(frame.filename for frame in traceback.extract_stack()
                      if frame.filename.endswith("dispatcher.py"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(schema.Column, "_make_proxy", counting)
    callback = tenant.register_callback(receiver.url)
    for _ in range(3):
        ping(tenant, callback["id"])
    assert [d["status"] for d in settled(tenant, 3)] == ["DELIVERED"] * 3
    assert copied == []

# Chaos, reproducible from the seed ------------------------------------------------------------------

def twin_tenants(sandbox: Sandbox, receivers: Callable[[], CallbackReceiver],
                 **chaos: Any) -> list[tuple[Tenant, CallbackReceiver, str]]:
    """Two tenants with the same seed and chaos, each with its own receiver."""
    made = []
    for _ in range(2):
        tenant, receiver = sandbox.create_tenant(seed=SEED), receivers()
        fast(tenant, **chaos)
        made.append((tenant, receiver, tenant.register_callback(receiver.url)["id"]))
    return made


def test_drop_never_sends_and_is_reproducible(sandbox: Sandbox,
                                              receivers: Callable[[], CallbackReceiver]) -> None:
    patterns = []
    for tenant, receiver, callback_id in twin_tenants(sandbox, receivers, drop=0.5):
        for _ in range(8):
            ping(tenant, callback_id)
        found = settled(tenant, 8)
        dropped = {d["id"] for d in found if d["status"] == "DROPPED"}
        assert all(d["chaos"]["dropped"] == (d["id"] in dropped) and
                   (d["attempts"] == []) == (d["id"] in dropped) for d in found)
        sent = receiver.wait_for(8 - len(dropped))  # settled: every post was made before its record
        assert {p.delivery for p in receiver.calls} == {d["id"] for d in found} - dropped
        assert len(sent) == 8 - len(dropped)
        patterns.append([d["status"] for d in found])
    assert patterns[0] == patterns[1]
    assert "DROPPED" in patterns[0]
    assert "DELIVERED" in patterns[0]


def test_duplicate_arrives_twice_and_is_reproducible(
        sandbox: Sandbox, receivers: Callable[[], CallbackReceiver]) -> None:
    patterns = []
    for tenant, receiver, callback_id in twin_tenants(sandbox, receivers, duplicate=0.5):
        for _ in range(6):
            ping(tenant, callback_id)
        found = settled(tenant, 6)
        doubled = [d["id"] for d in found if d["chaos"]["duplicate"]]
        receiver.wait_for(6 + len(doubled))  # settled: the duplicate is posted before the record
        for delivery in found:
            copies = [p for p in receiver.calls if p.delivery == delivery["id"]]
            assert len(copies) == (2 if delivery["id"] in doubled else 1)
            assert [a["duplicate"] for a in delivery["attempts"]] == [False, True][:len(copies)]
            assert len({p.headers["x-sandbox-signature"] for p in copies}) == 1  # the same post again
        patterns.append([d["chaos"]["duplicate"] for d in found])
    assert patterns[0] == patterns[1]
    assert True in patterns[0]
    assert False in patterns[0]


def test_delay_holds_deliveries_back_within_the_range(
        sandbox: Sandbox, receivers: Callable[[], CallbackReceiver]) -> None:
    patterns = []
    for tenant, receiver, callback_id in twin_tenants(sandbox, receivers, delay=1.0, delay_min_ms=200,
                                                      delay_max_ms=600):
        queued = []
        for _ in range(3):
            queued.append((time.monotonic(), ping(tenant, callback_id)))
        receiver.wait_for(3)
        for sent_at, delivery in queued:
            delay = delivery["chaos"]["delay_ms"]
            assert 200 <= delay <= 600
            [post] = [p for p in receiver.calls if p.delivery == delivery["id"]]
            assert post.at - sent_at >= delay / 1000 - 0.01
        patterns.append([d["chaos"]["delay_ms"] for _, d in queued])
    assert patterns[0] == patterns[1]


def test_reorder_lets_later_deliveries_overtake(sandbox: Sandbox,
                                                receivers: Callable[[], CallbackReceiver]) -> None:
    patterns = []
    for tenant, receiver, callback_id in twin_tenants(sandbox, receivers, reorder=0.5,
                                                      reorder_hold_ms=2000):
        queued = [ping(tenant, callback_id)["id"] for _ in range(8)]
        found = settled(tenant, 8)
        arrived = [p.delivery for p in receiver.wait_for(8)]
        held = {d["id"] for d in found if d["chaos"]["reordered"]}
        in_order = [d for d in queued if d not in held]
        assert [d for d in arrived if d not in held] == in_order
        for delivery in held:
            later = [d for d in in_order if queued.index(d) > queued.index(delivery)]
            if later:  # overtaken by the next delivery that was not held
                assert arrived.index(later[0]) < arrived.index(delivery)
        assert arrived != queued
        patterns.append([d["chaos"]["reordered"] for d in found])
    assert patterns[0] == patterns[1]


# URLs --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["ftp://127.0.0.1/hook", "http://example.com/hook", "http://10.0.0.8/hook",
                                 "http://user:pw@127.0.0.1/hook", "not a url", "http://127.0.0.1:99999/",
                                 "//127.0.0.1/hook", "http://[::2]/hook", "http://127.0.0.1/a\tb"])
def test_a_url_off_the_loopback_or_malformed_is_refused(tenant: Tenant, url: str) -> None:
    response = tenant.http.post(f"{base(tenant)}/callbacks", json={"url": url}, headers=tenant.headers)
    expect_problem(response, 422, "E_CALLBACK_URL_REFUSED", "url")
    assert expect(tenant.http.get(f"{base(tenant)}/callbacks", headers=tenant.headers), 200)["items"] == []


@pytest.mark.parametrize("url", ["http://localhost:8000/x", "https://[::1]:8443/x", "HTTP://127.0.0.1/x"])
def test_loopback_urls_are_accepted(tenant: Tenant, url: str) -> None:
    assert tenant.register_callback(url)["url"] == url


def test_callback_hosts_setting_allows_more_hosts() -> None:
    allowed = Settings.from_env({"FWP_CALLBACK_HOSTS": " Hooks.Example.test ,[fd00::1]"}).callback_hosts
    assert allowed == ("hooks.example.test", "fd00::1")
    assert callback_model.check_url("https://hooks.example.test/in", allowed)
    assert callback_model.check_url("http://[fd00::1]:9/in", allowed)
    with pytest.raises(Exception, match="E_CALLBACK_URL_REFUSED"):
        callback_model.check_url("https://other.example.test/in", allowed)
    assert callback_model.check_url("https://anywhere.test/", ("*",))


# Events of the work-permit service ---------------------------------------------------------------

def statuses(posts: list[ReceivedCallback]) -> list[tuple[str, str | None, str]]:
    return [(p.event["type"].split(".")[0], p.event["data"]["from_status"], p.event["data"]["to_status"])
            for p in posts]


def test_an_application_from_submission_to_approval_arrives_in_order(
        tenant: Tenant, employer: Employer, receiver: CallbackReceiver) -> None:
    callback = tenant.register_callback(receiver.url)
    foreigner = employer.create_foreigner()
    application = employer.file_application(foreigner["id"], tenant.today())
    defect = {"code": "ILLEGIBLE", "document_type": "DEGREE_CERTIFICATE", "message": "Unreadable"}
    tenant.officer.return_for_correction(application["id"], [defect])
    body = {"documents": expect(employer.get(f"/applications/{application['id']}"), 200)["documents"]}
    expect(employer.post(f"/applications/{application['id']}/corrections", body), 200)
    tenant.officer.accept(application["id"])
    number = tenant.officer.approve(application["id"])["work_permit_number"]
    posts = receiver.wait_for(9)
    assert statuses(posts) == [
        ("application", None, "DRAFT"), ("application", "DRAFT", "SUBMITTED"),
        ("application", "SUBMITTED", "PRE_REVIEW"), ("application", "PRE_REVIEW", "RETURNED_FOR_CORRECTION"),
        ("application", "RETURNED_FOR_CORRECTION", "PRE_REVIEW"), ("application", "PRE_REVIEW", "ACCEPTED"),
        ("application", "ACCEPTED", "UNDER_REVIEW"), ("application", "UNDER_REVIEW", "APPROVED"),
        ("permit", None, "NOTICE_ISSUED")]
    assert {p.event["data"]["application"]["id"] for p in posts[:8]} == {application["id"]}
    assert [p.event["data"]["actor"] for p in posts[:8]] == [
        "EMPLOYER", "EMPLOYER", "SYSTEM", "OFFICER", "EMPLOYER", "OFFICER", "SYSTEM", "OFFICER"]
    issued = posts[8].event["data"]
    assert (issued["change"], issued["work_permit"]["number"]) == ("ISSUED", number)
    assert issued["work_permit"]["application_id"] == application["id"]
    assert all(p.event["occurred_at"] == "2026-03-02T09:00:00+08:00" for p in posts)
    assert all(verify_signature(callback["secret"], p.headers["x-sandbox-signature"], p.body) for p in posts)


def approved_permit(tenant: Tenant, employer: Employer) -> tuple[str, str]:
    application = employer.file_application(employer.create_foreigner()["id"], tenant.today())
    tenant.officer.accept(application["id"])
    return application["id"], tenant.officer.approve(application["id"])["work_permit_number"]


def test_permit_events_follow_filters_and_the_clock(tenant: Tenant, employer: Employer,
                                                    receivers: Callable[[], CallbackReceiver]) -> None:
    permits_only, others = receivers(), receivers()
    permits_callback = tenant.register_callback(permits_only.url, event_types=["permit.status_changed"])
    other_employer = tenant.add_employer()
    tenant.register_callback(others.url, employer_id=other_employer.employer_id)
    _, number = approved_permit(tenant, employer)
    expect(employer.post(f"/work-permits/{number}/entry", {"entry_date": tenant.today().isoformat()}), 200)
    valid_to = expect(employer.get(f"/work-permits/{number}"), 200)["valid_to"]
    tenant.advance(days=1000)  # past valid_to
    posts = permits_only.wait_for(3)
    changes = [(p.event["data"]["change"], p.event["data"]["to_status"]) for p in posts]
    assert changes == [("ISSUED", "NOTICE_ISSUED"), ("ENTRY_RECORDED", "PENDING_ORIGINALS_CHECK"),
                       ("EXPIRED", "EXPIRED")]
    midnight = f"{date.fromisoformat(valid_to) + timedelta(days=1)}T00:00:00+08:00"
    assert posts[2].event["occurred_at"] == midnight
    assert posts[2].event["data"]["from_status"] == "PENDING_ORIGINALS_CHECK"
    assert {d["callback_id"] for d in settled(tenant, 3)} == {permits_callback["id"]}
    assert others.calls == []  # another employer's callback hears nothing of this one


def test_a_rolled_back_request_sends_nothing(tenant: Tenant, employer: Employer,
                                             receiver: CallbackReceiver) -> None:
    """Approving an extension of a permit revoked meanwhile queues APPROVED, then fails applying it:
    the transaction rolls back, and with it the event."""
    _, number = approved_permit(tenant, employer)
    extension = expect(employer.post(f"/work-permits/{number}/extension", {"new_contract_end": "2031-01-01"}),
                       201)
    tenant.officer.accept(extension["id"])
    tenant.register_callback(receiver.url)
    revoke = tenant.http.post(f"{base(tenant)}/officer/work-permits/{number}/revocation",
                              json={"reason": "Fraud"}, headers=tenant.headers)
    expect(revoke, 200)
    refused = tenant.http.post(f"{base(tenant)}/officer/applications/{extension['id']}/approval",
                               headers=tenant.headers)
    expect_problem(refused, 409, "E_PERMIT_NOT_ACTIVE", "permitNumber")
    found = settled(tenant, 1)
    assert [d["payload"]["data"]["change"] for d in found] == ["REVOKED"]
    assert [p.event["data"]["to_status"] for p in receiver.calls] == ["REVOKED"]


# Journal, isolation, management ---------------------------------------------------------------------

def test_each_attempt_is_an_outbound_journal_entry(tenant: Tenant, receiver: CallbackReceiver) -> None:
    receiver.script = [500]
    fast(tenant)
    callback = tenant.register_callback(receiver.url)
    delivery = ping(tenant, callback["id"])
    settled(tenant, 1)
    url = f"{base(tenant)}/journal"
    outbound = expect(tenant.http.get(url, params={"direction": "OUTBOUND", "order": "oldest"},
                                      headers=tenant.headers), 200)["items"]
    assert [(e["method"], e["path"], e["status"], e["operation_id"], e["direction"]) for e in outbound] == [
        ("POST", receiver.url, 500, "callback:ping", "OUTBOUND"),
        ("POST", receiver.url, 200, "callback:ping", "OUTBOUND")]
    assert outbound[1]["request"]["headers"]["x-sandbox-attempt"] == "2"
    assert outbound[1]["request"]["headers"]["x-sandbox-delivery"] == delivery["id"]
    assert json.loads(outbound[1]["request"]["body"])["id"] == delivery["event_id"]
    assert outbound[1]["response"]["body"] == "ok"
    assert outbound[1]["latency_ms"] > 0
    by_operation = expect(tenant.http.get(url, params={"operation_id": "callback:ping"},
                                          headers=tenant.headers), 200)["items"]
    assert len(by_operation) == 2
    inbound = expect(tenant.http.get(url, params={"direction": "INBOUND", "limit": 100},
                                     headers=tenant.headers), 200)["items"]
    assert inbound
    assert all(e["direction"] == "INBOUND" for e in inbound)
    exported = tenant.http.get(f"{url}/export", params={"direction": "OUTBOUND"}, headers=tenant.headers)
    assert [json.loads(line)["status"] for line in exported.text.splitlines()] == [500, 200]
    everything = json.dumps(inbound + outbound)
    assert callback["secret"] not in everything  # the secret is never journalled


def test_two_tenants_callbacks_never_mix(sandbox: Sandbox, receivers: Callable[[], CallbackReceiver]) -> None:
    first, second = sandbox.create_tenant(seed=1), sandbox.create_tenant(seed=2)
    first_receiver, second_receiver = receivers(), receivers()
    first_callback = first.register_callback(first_receiver.url)
    second_callback = second.register_callback(second_receiver.url)
    assert first_callback["secret"] != second_callback["secret"]
    for _ in range(3):
        ping(first, first_callback["id"])
    ping(second, second_callback["id"])
    first_posts, second_posts = first_receiver.wait_for(3), second_receiver.wait_for(1)
    settled(first, 3)
    settled(second, 1)  # every post made is recorded: the receivers have all they will get
    assert {p.event["tenant_id"] for p in first_receiver.calls} == {first.id}
    assert [p.event["tenant_id"] for p in second_receiver.calls] == [second.id]
    assert not verify_signature(second_callback["secret"], first_posts[0].headers["x-sandbox-signature"],
                                first_posts[0].body)
    assert len(second.callback_deliveries()) == 1
    foreign = first.http.get(f"{base(second)}/callback-deliveries", headers=first.headers)
    expect_problem(foreign, 403, "E_FORBIDDEN", "tenantId")
    delivery = second_posts[0].delivery
    expect_problem(first.http.get(f"{base(first)}/callback-deliveries/{delivery}", headers=first.headers),
                   404, "E_NOT_FOUND", "deliveryId")
    expect_problem(first.http.get(f"{base(first)}/callbacks/{second_callback['id']}", headers=first.headers),
                   404, "E_NOT_FOUND", "callbackId")


def test_callbacks_are_managed_and_bounded(tenant: Tenant) -> None:
    url = f"{base(tenant)}/callbacks"
    made = tenant.register_callback("http://127.0.0.1:9/a", description="ci",
                                    event_types=["permit.status_changed"])
    assert expect(tenant.http.get(f"{url}/{made['id']}", headers=tenant.headers), 200) == {
        key: value for key, value in made.items() if key != "secret"}
    unknown = tenant.http.post(url, json={"url": "http://127.0.0.1:9/a", "employer_id": "emp_aaaaaaaaaaaa"},
                               headers=tenant.headers)
    expect_problem(unknown, 404, "E_NOT_FOUND", "employer_id")
    for _ in range(19):
        tenant.register_callback("http://127.0.0.1:9/b")
    expect_problem(tenant.http.post(url, json={"url": "http://127.0.0.1:9/c"}, headers=tenant.headers),
                   409, "E_CALLBACK_LIMIT")
    assert tenant.http.delete(f"{url}/{made['id']}", headers=tenant.headers).status_code == 204
    expect_problem(tenant.http.get(f"{url}/{made['id']}", headers=tenant.headers), 404, "E_NOT_FOUND",
                   "callbackId")
    assert len(expect(tenant.http.get(url, headers=tenant.headers), 200)["items"]) == 19
    tenant.reset()
    assert expect(tenant.http.get(url, headers=tenant.headers), 200)["items"] == []


def test_settings_default_replace_and_refuse_a_reversed_range(tenant: Tenant) -> None:
    url = f"{base(tenant)}/callback-settings"
    defaults = expect(tenant.http.get(url, headers=tenant.headers), 200)
    assert (defaults["max_attempts"], defaults["base_delay_ms"], defaults["chaos"]["drop"]) == (5, 1000, 0)
    changed = configure(tenant, max_attempts=2, chaos={"drop": 0.25})
    assert (changed["max_attempts"], changed["base_delay_ms"], changed["chaos"]["drop"]) == (2, 1000, 0.25)
    reversed_range = tenant.http.put(url, json={"chaos": {"delay_min_ms": 500, "delay_max_ms": 100}},
                                     headers=tenant.headers)
    expect_problem(reversed_range, 422, "E_CALLBACK_SETTINGS_INVALID", "chaos.delay_min_ms")
    assert expect(tenant.http.get(url, headers=tenant.headers), 200) == changed
