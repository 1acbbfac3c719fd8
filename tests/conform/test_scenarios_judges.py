"""The catalogue's judges on hand-made journals: each behaviour told apart from its look-alike.

Fast and exact where the broken-client runs are broad: honouring Retry-After and hammering get
different verdicts, a fresh-key retry is an idempotency finding citing both attempts, polling is
any repeated read of one resource, a correction must supply what was asked, a replay is not a
second filing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from scenarios.common_checks import DUP_01, POLL_01
from scenarios.pre_entry import CORR_01, CORR_02
from scenarios.retry_checks import IDEM_01, IDEM_02, IDEM_03, RETRY_01, RETRY_02
from simulator.conform.journal import HARNESS_AGENT
from simulator.conform.model import Check, Evidence, Finding

START = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
PERMIT = "312022000000000052"


def entry(number: int, at: float, method: str, path: str, status: int, *, key: str | None = None,
          body: Any = None, answer: Any = None, retry_after: int | None = None,
          replayed: bool = False) -> dict[str, Any]:
    request = {"user-agent": "vendor/1", **({"idempotency-key": key} if key else {})}
    response = {**({"retry-after": str(retry_after)} if retry_after else {}),
                **({"idempotent-replayed": "true"} if replayed else {})}
    return {"id": number, "wall_time": (START + timedelta(seconds=at)).isoformat(), "latency_ms": 2.0,
            "method": method, "path": path, "query": "", "status": status, "direction": "INBOUND",
            "verdict": "valid", "request": {"headers": request, "body": json.dumps(body) if body else None},
            "response": {"headers": response, "body": json.dumps(answer) if answer else None}}


def judge(check: Check, *entries: dict[str, Any], **facts: Any) -> list[Finding]:
    return check.judge(Evidence(list(entries), None, facts))  # type: ignore[arg-type]


FILE = "/fwp/v1/applications"
FAULTED = entry(1, 0.0, "POST", FILE, 503, key="k1", retry_after=1)


def test_honouring_retry_after_and_hammering_get_different_verdicts() -> None:
    honours = entry(2, 1.01, "POST", FILE, 201, key="k1")
    hammers = entry(2, 0.01, "POST", FILE, 201, key="k1")
    assert judge(RETRY_01, FAULTED, honours) == []
    found = judge(RETRY_01, FAULTED, hammers)
    assert [f.entries for f in found] == [(1, 2)]
    assert judge(IDEM_02, FAULTED, hammers) == []  # the same key: its idempotency is fine


def test_a_retry_with_a_fresh_key_is_an_idempotency_finding_citing_both_attempts() -> None:
    fresh = entry(2, 1.5, "POST", FILE, 201, key="k2")
    found = judge(IDEM_02, FAULTED, fresh)
    assert [f.entries for f in found] == [(1, 2)]
    assert "new Idempotency-Key" in found[0].seen
    assert judge(RETRY_01, FAULTED, fresh) == []
    assert judge(IDEM_01, FAULTED, fresh) == []


MESSAGES = "/fwp/v1/messages"


def attempts(*at: float) -> list[dict[str, Any]]:
    """A read failing (502) at each time but the last, which succeeds (answers take no time)."""
    return [entry(n, t, "GET", MESSAGES, 200 if n == len(at) else 502) for n, t in enumerate(at, 1)]


def test_backoff_must_wait_and_grow() -> None:
    assert judge(RETRY_02, *attempts(0.0, 0.21, 0.62, 1.43)) == []  # 0.2, 0.4, 0.8 s
    flat = judge(RETRY_02, *attempts(0.0, 0.3, 0.6, 0.9))  # a fixed 0.3 s: no backoff
    assert [f.entries for f in flat] == [(3, 4)]
    assert "(the waits before: 0.30, 0.30 s)" in flat[0].seen
    shrinking = judge(RETRY_02, *attempts(0.0, 0.5, 0.7))  # 0.5 s, then 0.2 s
    assert [f.entries for f in shrinking] == [(2, 3)]
    assert [f.entries for f in judge(RETRY_02, *attempts(0.0, 0.01))] == [(1, 2)]  # hammered


def test_a_finding_on_a_dropped_connection_says_it_was_dropped() -> None:
    """The journal records a drop as 502; the client saw no status at all."""
    dropped = {**entry(1, 0.0, "POST", FILE, 502, key="k1"), "fault": "DROP flt_x"}
    [found] = judge(RETRY_02, dropped, entry(2, 0.01, "POST", FILE, 201, key="k1"))
    assert found.seen.startswith(f"after #1 POST {FILE} → 502 (connection dropped) the client retried in")
    [refused] = judge(RETRY_02, entry(1, 0.0, "POST", FILE, 502, key="k1"), entry(2, 0.01, "POST", FILE, 201,
                                                                                  key="k1"))
    assert refused.seen.startswith(f"after #1 POST {FILE} → 502 the client retried in")


def test_a_first_wait_stretched_by_a_loaded_machine_does_not_make_a_backoff_flat() -> None:
    """0.2, 0.4, 0.8 s meant; the first sleep woke 0.28 s late (seen on a 2-core machine at load
    average 12): 0.48, 0.42, 0.8 s is still the client's backoff."""
    assert judge(RETRY_02, *attempts(0.0, 0.48, 0.90, 1.70)) == []
    assert judge(RETRY_02, *attempts(0.0, 0.40, 0.81)) == []  # two waits: not judged on growth


def test_polling_is_any_repeated_read_of_one_resource_not_one_url() -> None:
    application = "/fwp/v1/applications/app_aaaaaaaaaaaa"
    reads = [entry(n, n * 0.5, "GET", application + ("/status" if n % 2 else ""), 200) for n in range(1, 7)]
    found = judge(POLL_01, *reads)
    assert len(found) == 1
    assert found[0].entries == tuple(range(1, 7))
    assert judge(POLL_01, *reads[:5]) == []
    spaced = [entry(n, n * 3.0, "GET", application, 200) for n in range(1, 7)]
    assert judge(POLL_01, *spaced) == []


def read(number: int, at: float, path: str, status: int = 200, query: str = "") -> dict[str, Any]:
    return {**entry(number, at, "GET", path, status), "query": query}


def test_paging_through_a_list_is_not_polling_it() -> None:
    pages = [read(n, n * 0.1, "/fwp/v1/messages", query=f"limit=50&cursor=c{n}") for n in range(1, 9)]
    assert judge(POLL_01, *pages) == []


def test_the_same_query_in_another_order_is_the_same_read() -> None:
    orders = ("limit=50&type=REMINDER", "type=REMINDER&limit=50")
    hammered = [read(n, n * 0.1, "/fwp/v1/messages", query=orders[n % 2]) for n in range(1, 7)]
    [found] = judge(POLL_01, *hammered)
    assert found.entries == tuple(range(1, 7))


def test_failed_reads_are_retries_not_polls_but_a_hammered_status_still_is() -> None:
    status = "/fwp/v1/applications/app_aaaaaaaaaaaa/status"
    faulted = [read(n, n * 0.5, status, 503 if n % 2 else 200) for n in range(1, 9)]
    assert judge(POLL_01, *faulted) == []  # 4 answered reads in 4 s; the 503s are RETRY-01's
    hammered = [read(n, n * 0.5, status, 304 if n % 2 else 200) for n in range(1, 9)]
    assert [f.entries for f in judge(POLL_01, *hammered)] == [tuple(range(1, 7))]


def test_a_correction_must_supply_what_the_defect_list_asked_for() -> None:
    path = "/fwp/v1/applications/app_aaaaaaaaaaaa/corrections"
    asked = [{"code": "DOCUMENT_MISSING", "document_type": "WORK_EXPERIENCE_CERTIFICATE", "message": "x"}]
    facts = {"application_id": "app_aaaaaaaaaaaa", "defects": asked}
    without = entry(1, 0, "POST", path, 200, body={"documents": [{"type": "PASSPORT"}], "note": "done"})
    supplied = entry(1, 0, "POST", path, 200, body={"documents": [{"type": "WORK_EXPERIENCE_CERTIFICATE"}]})
    assert [f.entries for f in judge(CORR_01, without, **facts)] == [(1,)]
    assert judge(CORR_01, supplied, **facts) == []


def test_a_replay_with_the_first_key_is_not_a_second_filing() -> None:
    path = f"/fwp/v1/work-permits/{PERMIT}/extension"
    first = entry(1, 0, "POST", path, 201, key="k1", answer={"id": "app_bbbbbbbbbbbb"})
    replay = entry(2, 5, "POST", path, 201, key="k1", replayed=True)
    again = entry(3, 9, "POST", path, 409, key="k9")
    assert judge(DUP_01, first, replay) == []
    assert [f.entries for f in judge(DUP_01, first, replay, again)] == [(1, 3)]


def test_an_unkeyed_post_with_no_answer_is_resent_only_after_looking() -> None:
    path = "/fwp/v1/applications/app_aaaaaaaaaaaa/corrections"
    dropped = entry(1, 0.0, "POST", path, 502)
    look = entry(2, 0.2, "GET", "/fwp/v1/applications/app_aaaaaaaaaaaa", 200)
    resent = entry(3, 0.25, "POST", path, 200)
    assert judge(IDEM_03, dropped, look, resent) == []
    assert [f.entries for f in judge(IDEM_03, dropped, resent)] == [(1, 3)]
    refused_unprocessed = entry(1, 0.0, "POST", path, 503, retry_after=1)
    assert judge(IDEM_03, refused_unprocessed, entry(3, 1.1, "POST", path, 200)) == []


def test_order_is_arrival_not_journal_id() -> None:
    """With several workers, a read written after the resend still came before it."""
    path = "/fwp/v1/applications/app_aaaaaaaaaaaa/corrections"
    dropped = entry(1, 0.0, "POST", path, 502)
    resent = entry(2, 0.25, "POST", path, 200)
    look_written_late = entry(3, 0.2, "GET", "/fwp/v1/applications/app_aaaaaaaaaaaa", 200)
    assert judge(IDEM_03, dropped, resent, look_written_late) == []


def test_two_filings_failing_on_one_path_are_two_backoff_chains() -> None:
    """Filing A backs off 0.2, 0.4, 0.8 s and gives up; filing B, failing next, starts its own
    backoff at 0.2 s: not a wait shorter than A's last."""
    a = {"key": "kA", "body": {"person": "A"}}
    b = {"key": "kB", "body": {"person": "B"}}
    entries = [entry(1, 0.0, "POST", FILE, 503, **a), entry(2, 0.2, "POST", FILE, 503, **a),
               entry(3, 0.6, "POST", FILE, 503, **a), entry(4, 1.4, "POST", FILE, 503, **a),
               entry(5, 1.5, "POST", FILE, 503, **b), entry(6, 1.7, "POST", FILE, 201, **b)]
    assert judge(RETRY_02, *entries) == []
    flat_a = [entry(1, 0.0, "POST", FILE, 503, **a), entry(2, 0.3, "POST", FILE, 503, **a),
              entry(3, 0.6, "POST", FILE, 503, **a), entry(4, 0.9, "POST", FILE, 201, **a)]
    assert [f.entries for f in judge(RETRY_02, *flat_a)] == [(3, 4)]  # one chain, still judged


def _hire(number: int, at: float, foreigner: str, passport: str) -> dict[str, Any]:
    return entry(number, at, "POST", "/fwp/v1/foreigners", 201, key=f"f{number}",
                 body={"nationality": "DEU", "passport_number": passport}, answer={"id": foreigner})


def _filing(number: int, at: float, foreigner: str, application: str, *, key: str,
            replayed: bool = False, kind: str = "NEW_OVERSEAS") -> dict[str, Any]:
    return entry(number, at, "POST", FILE, 201, key=key, replayed=replayed,
                 body={"type": kind, "foreigner_id": foreigner},
                 answer={"id": application, "status": "PRE_REVIEW"})


def _officer(number: int, at: float, application: str, status: str) -> dict[str, Any]:
    done = entry(number, at, "POST", f"/sandbox/v1/tenants/t/officer/applications/{application}/x", 200,
                 answer={"id": application, "status": status})
    done["request"]["headers"]["user-agent"] = HARNESS_AGENT
    return done


def test_a_second_application_for_a_person_while_the_first_is_pending_is_a_duplicate() -> None:
    """Two workers took the same hire: each registered the person and filed, with its own keys."""
    first = [_hire(1, 0, "frn_a", "C01X00T47"), _filing(2, 1, "frn_a", "app_a", key="k1")]
    again = [_hire(3, 2, "frn_b", "C01X00T47"), _filing(4, 3, "frn_b", "app_b", key="k2")]
    found = judge(DUP_01, *first, *again)
    assert [f.entries for f in found] == [(2, 4)]
    assert "while that one (app_a) was PRE_REVIEW" in found[0].seen
    replay = _filing(3, 2, "frn_a", "app_a", key="k1", replayed=True)
    assert judge(DUP_01, *first, replay) == []
    other_person = [_hire(3, 2, "frn_b", "C01X00T48"), _filing(4, 3, "frn_b", "app_b", key="k2")]
    assert judge(DUP_01, *first, *other_person) == []
    other_kind = _filing(3, 2, "frn_a", "app_b", key="k2", kind="NEW_IN_CHINA")
    assert judge(DUP_01, *first, other_kind) == []


def test_a_new_application_after_a_decision_is_not_a_duplicate_nor_a_refile_during_a_correction() -> None:
    first = [_hire(1, 0, "frn_a", "C01X00T47"), _filing(2, 1, "frn_a", "app_a", key="k1")]
    for decided in ("REJECTED", "WITHDRAWN", "APPROVED"):
        assert judge(DUP_01, *first, _officer(3, 2, "app_a", decided),
                     _filing(4, 3, "frn_a", "app_b", key="k2")) == [], decided
    draft = [_hire(1, 0, "frn_a", "C01X00T47"), _filing(2, 1, "frn_a", "app_a", key="k1")]
    draft[1]["response"]["body"] = json.dumps({"id": "app_a", "status": "DRAFT"})  # never submitted
    assert judge(DUP_01, *draft, _filing(3, 2, "frn_a", "app_b", key="k2")) == []
    unread = [_hire(1, 0, "frn_a", "C01X00T47"), _hire(2, 0.5, "frn_b", "C01X00T48")]
    for hire in unread:
        hire["request"]["body"] = None  # bodies the journal did not keep: two people, not one
    assert judge(DUP_01, *unread, _filing(3, 1, "frn_a", "app_a", key="k1"),
                 _filing(4, 2, "frn_b", "app_b", key="k2")) == []
    # the decision came after the second filing started: it was a duplicate when it was made
    late = [_filing(3, 2, "frn_a", "app_b", key="k2"), _officer(4, 3, "app_a", "REJECTED")]
    assert [f.entries for f in judge(DUP_01, *first, *late)] == [(2, 3)]
    # a new filing instead of a correction is FWP-CORR-02's finding
    assert judge(DUP_01, *first, _officer(3, 2, "app_a", "RETURNED_FOR_CORRECTION"),
                 _filing(4, 3, "frn_a", "app_b", key="k2")) == []


def test_only_a_filing_after_the_correction_request_is_a_refile_instead_of_a_correction() -> None:
    first = _filing(1, 0, "frn_a", "app_a", key="k1")
    asked = _officer(3, 2, "app_a", "RETURNED_FOR_CORRECTION")
    asked["path"] = "/sandbox/v1/tenants/t/officer/applications/app_a/correction-request"
    corrected = entry(5, 4, "POST", "/fwp/v1/applications/app_a/corrections", 200)
    before = _filing(2, 1, "frn_a", "app_b", key="k2")  # a hire filed twice: FWP-DUP-01's
    after = _filing(4, 3, "frn_a", "app_c", key="k3")
    facts = {"application_id": "app_a"}
    assert judge(CORR_02, first, before, asked, corrected, **facts) == []
    assert [f.entries for f in judge(CORR_02, first, before, asked, after, corrected, **facts)] == [(3, 4)]
