"""Resilience's judges on hand-made journals: a timeout's resend, a refused token, polling despite
callbacks, and a request the scenario's fault spoilt, each told apart from its look-alike."""

from __future__ import annotations

from typing import Any

from test_scenarios_judges import entry, judge

from scenarios.common_checks import POLL_02, REQ_01, TOKEN_02
from scenarios.retry_checks import IDEM_02, RETRY_02

FILE = "/fwp/v1/applications"
APP = "/fwp/v1/applications/app_aaaaaaaaaaaa"
TOKEN = "/fwp/v1/oauth/token"


def slow(number: int, key: str) -> dict[str, Any]:
    """A create the client gave up on after 3 s; the sandbox answered it 4 s late, its body gone."""
    return {**entry(number, 0.0, "POST", FILE, 400, key=key), "latency_ms": 4000.0,
            "fault": "LATENCY flt_aaaaaaaaaaaa", "verdict": "invalid_request"}


def test_a_create_resent_after_a_timeout_must_carry_its_first_key() -> None:
    same, fresh = entry(2, 3.2, "POST", FILE, 201, key="k1"), entry(2, 3.2, "POST", FILE, 201, key="k2")
    assert judge(IDEM_02, slow(1, "k1"), same) == []
    assert [f.entries for f in judge(IDEM_02, slow(1, "k1"), fresh)] == [(1, 2)]
    assert judge(RETRY_02, slow(1, "k1"), fresh) == []  # the timeout was the wait, not a hammering
    answered = entry(1, 0.0, "POST", FILE, 201, key="k1")  # answered before the next: a new filing
    assert judge(IDEM_02, answered, entry(2, 3.2, "POST", FILE, 201, key="k2")) == []
    parallel = {**slow(1, "k1"), "fault": None, "status": 201}  # two filings in flight, none held up
    assert judge(IDEM_02, parallel, fresh) == []


def test_a_request_spoilt_by_an_injected_fault_is_not_the_client_s_invalid_request() -> None:
    assert judge(REQ_01, slow(1, "k1")) == []
    assert len(judge(REQ_01, {**slow(1, "k1"), "fault": None})) == 1


def test_a_401_is_answered_by_exactly_one_new_token() -> None:
    refused = entry(1, 0.0, "GET", APP, 401)
    again = entry(9, 0.2, "GET", APP, 200)
    token = [entry(n, 0.05 * n, "POST", TOKEN, 200, answer={"expires_in": 3600}) for n in (2, 3)]
    assert judge(TOKEN_02, refused, token[0], again) == []
    assert "0 new token(s)" in judge(TOKEN_02, refused, again)[0].seen
    assert [f.entries for f in judge(TOKEN_02, refused, *token, again)] == [(1, 2, 3, 9)]
    assert judge(TOKEN_02, entry(1, 0.0, "POST", TOKEN, 401)) == []  # bad credentials: not a token refused


def test_a_call_in_flight_when_the_401_came_is_not_the_client_s_next_call() -> None:
    """A read sent with the old token before the refusal was answered is not the refused token sent
    again; a call sent after it, with no new token, is."""
    refused = {**entry(1, 0.0, "GET", APP, 401), "latency_ms": 30.0}
    in_flight = entry(2, 0.01, "GET", "/fwp/v1/messages", 200)
    token = entry(3, 0.05, "POST", TOKEN, 200, answer={"expires_in": 3600})
    assert judge(TOKEN_02, refused, in_flight, token, entry(4, 0.1, "GET", APP, 200)) == []
    [found] = judge(TOKEN_02, refused, in_flight, entry(4, 0.1, "GET", APP, 401))
    assert (found.entries, "0 new token(s)" in found.seen) == ((1, 4), True)
    answered_first = {**in_flight, "wall_time": entry(2, 0.031, "GET", APP, 200)["wall_time"]}
    assert [f.entries for f in judge(TOKEN_02, refused, answered_first)] == [(1, 2)]


def test_two_calls_refused_at_once_share_one_new_token() -> None:
    first, second = ({**entry(n, 0.001 * n, "GET", APP, 401), "latency_ms": 30.0} for n in (1, 2))
    token = entry(3, 0.032, "POST", TOKEN, 200, answer={"expires_in": 3600})
    again = [entry(n, 0.1 + n * 0.01, "GET", APP, 200) for n in (4, 5)]
    assert judge(TOKEN_02, first, second, token, *again) == []
    stampede = entry(6, 0.033, "POST", TOKEN, 200, answer={"expires_in": 3600})
    assert [f.entries for f in judge(TOKEN_02, first, second, token, stampede, *again)] == [
        (1, 3, 6, 4), (2, 3, 6, 4)]


def filing(number: int, at: float, status: int, key: str | None, name: str) -> dict[str, Any]:
    return {**entry(number, at, "POST", FILE, status, key=key, body={"person": name}), "latency_ms": 50.0}


def test_another_filing_in_flight_or_with_another_body_is_not_the_retry_of_a_create() -> None:
    failed = filing(1, 0.0, 500, "k1", "LI")
    alongside = filing(2, 0.01, 201, "k2", "WANG")  # sent before the 500 was answered
    later_other = filing(3, 0.2, 201, "k3", "ZHAO")  # after it, but another person's filing
    retry = filing(4, 0.5, 201, "k1", "LI")
    assert judge(IDEM_02, failed, alongside, later_other, retry) == []
    assert judge(RETRY_02, failed, alongside, retry) == []  # the retry waited 0.45 s: a backoff


def test_a_create_retried_with_another_key_or_none_still_fails() -> None:
    failed = filing(1, 0.0, 500, "k1", "LI")
    alongside = filing(2, 0.01, 201, "k2", "WANG")
    for key, words in (("k9", "with a new Idempotency-Key"), (None, "without its Idempotency-Key")):
        [found] = judge(IDEM_02, failed, alongside, filing(3, 0.5, 201, key, "LI"))
        assert (found.entries, words in found.seen) == ((1, 3), True)
    assert judge(IDEM_02, {**failed, "request": {"headers": {}, "body": None}},
                 filing(3, 0.5, 201, None, "LI")) == []  # no key at all: FWP-IDEM-01's finding


def test_with_callbacks_an_application_is_read_again_only_after_a_callback_about_it() -> None:
    """A read on the callback and one when asked are fine; a third with no callback is a loop."""
    reads = [entry(n, n * 1.0, "GET", APP, 200) for n in (1, 2, 4)]
    told = {**entry(3, 3.0, "POST", "http://127.0.0.1:9/hook", 204, body={"id": "app_aaaaaaaaaaaa"}),
            "direction": "OUTBOUND"}
    other = {**told, "request": {"headers": {}, "body": '{"id": "app_bbbbbbbbbbbb"}'}}
    assert judge(POLL_02, *reads[:2], callbacks_subscribed=True) == []
    assert judge(POLL_02, *reads[:2], told, reads[2], callbacks_subscribed=True) == []
    found = judge(POLL_02, *reads[:2], other, reads[2], callbacks_subscribed=True)
    assert [f.entries for f in found] == [(1, 2, 4)]
    assert judge(POLL_02, *reads) == []  # no callbacks: polling is POLL-01's business


def test_with_callbacks_a_failed_read_and_its_retry_are_one_read() -> None:
    reads = [entry(1, 1.0, "GET", APP, 200), entry(2, 2.0, "GET", APP, 500), entry(3, 2.5, "GET", APP, 0),
             entry(4, 3.0, "GET", APP, 200)]
    assert judge(POLL_02, *reads, callbacks_subscribed=True) == []
    again = entry(5, 4.0, "GET", APP, 200)
    assert [f.entries for f in judge(POLL_02, *reads, again, callbacks_subscribed=True)] == [(1, 4, 5)]
