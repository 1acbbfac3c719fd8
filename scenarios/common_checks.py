"""Checks every scenario applies besides retry hygiene: tokens, polling, request quality,
abolished steps and duplicate filings."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta

from scenarios import views
from scenarios.views import Entry
from simulator.conform.model import Check, Evidence, Finding, Level

APPLICATION = re.compile(r"^/fwp/v1/applications/(app_[A-Za-z0-9]+)$")
CALLBACK_READS = 2
POLL_WINDOW_S = 10.0
POLL_MAX_READS = 5
ABOLISHED_CODES = ("E_POST_ENTRY_CANCELLED", "E_APPOINTMENT_NOT_REQUIRED")


def _tokens(evidence: Evidence) -> list[Finding]:
    calls = views.client(evidence.entries)
    found, valid_until, holder = [], None, None
    for entry in calls:
        if entry["status"] == 401:
            valid_until = None
        if entry["path"] != "/fwp/v1/oauth/token" or entry["status"] != 200:
            continue
        if valid_until is not None and holder is not None and views.started(entry) < valid_until:
            found.append(Finding(
                seen=f"a new token ({views.describe(entry)}) while the one of #{holder['id']} was "
                     "still valid",
                expected="one token per client, reused until it expires or is refused (401)",
                fix="cache the access token with its expiry (expires_in) and fetch a new one only then",
                entries=views.ids(holder, entry)))
        lifetime = float((views.body(entry, "response") or {}).get("expires_in") or 0)
        valid_until = views.started(entry) + timedelta(seconds=lifetime)
        holder = entry
    return found


def _refused_tokens(evidence: Evidence) -> list[Finding]:
    """After a 401 of the employer API, exactly one new token before the next call: none means the
    refused token is sent again, several mean a token per attempt (or a stampede of workers).

    The next call is the first that started once the 401 was answered: a call already in flight
    then carried the old token before the client could know it was refused. A token fetched since
    the refused call was sent counts, so one fetch shared by two calls refused at once is one."""
    calls = views.client(evidence.entries)
    found = []
    for index, refused in enumerate(calls):
        if refused["status"] != 401 or not refused["path"].startswith("/fwp/") or _is_token(refused):
            continue
        later = calls[index + 1:]
        following = next((e for e in later if not _is_token(e) and e["path"].startswith("/fwp/")
                          and views.after_answer(refused, e)), None)
        fetched = [e for e in later[:later.index(following)] if _is_token(e) and e["status"] == 200] \
            if following is not None else [e for e in later if _is_token(e) and e["status"] == 200]
        if following is None and not fetched:
            continue  # the client stopped calling: nothing was sent with the refused token
        if len(fetched) != 1:
            found.append(Finding(
                seen=f"{views.describe(refused)}, then {len(fetched)} new token(s) before "
                     + (views.describe(following) if following is not None else "the end"),
                expected="a 401 answered by fetching one new token, then the request sent again with it",
                fix="on 401 drop the cached token, fetch one new token (shared by every caller) and "
                    "retry once",
                entries=views.ids(refused, *fetched, *([following] if following is not None else []))))
    return found


def _is_token(entry: Entry) -> bool:
    return bool(entry["method"] == "POST" and entry["path"] == "/fwp/v1/oauth/token")


def _polling(evidence: Evidence) -> list[Finding]:
    """Successful reads of one resource with one query (:func:`views.polled`), more than
    POLL_MAX_READS within POLL_WINDOW_S: paging through a list is not polling, nor is retrying a
    failed read (the retry checks judge that)."""
    reads: dict[str, list[Entry]] = defaultdict(list)
    for entry in views.client(evidence.entries):
        if views.read_answered(entry):
            reads[views.polled(entry)].append(entry)
    found = []
    for resource, seen in reads.items():
        for index in range(len(seen) - POLL_MAX_READS):
            window = seen[index:index + POLL_MAX_READS + 1]
            if (views.started(window[-1]) - views.started(window[0])).total_seconds() <= POLL_WINDOW_S:
                found.append(Finding(
                    seen=f"{resource} read {len(seen)} times, {POLL_MAX_READS + 1} of them within "
                         f"{POLL_WINDOW_S:g} s",
                    expected=f"at most {POLL_MAX_READS} reads of one resource in {POLL_WINDOW_S:g} s",
                    fix="subscribe to callbacks, or poll with a bounded, growing interval",
                    entries=views.ids(*window)))
                break
    return found


def _invalid(evidence: Evidence) -> list[Finding]:
    return [Finding(seen=f"{views.describe(e)}: {e.get('errors') or 'refused by the spec'}",
                    expected="every request valid against the OpenAPI spec",
                    fix="validate requests against specs/*.yaml (the journal's verdict names the field)",
                    entries=views.ids(e))
            for e in views.client(evidence.entries) if e.get("verdict") == "invalid_request"
            and not e.get("fault")]  # a faulted call is the scenario's doing: a request the client
    # gave up on during injected latency reaches the operation with its body gone


def _abolished(evidence: Evidence) -> list[Finding]:
    found = []
    for entry in views.client(evidence.entries):
        code = (views.body(entry, "response") or {}).get("code") if isinstance(
            views.body(entry, "response"), dict) else None
        post_entry = isinstance(views.body(entry), dict) and views.body(entry).get("type") == "POST_ENTRY"
        if entry["path"] == "/fwp/v1/appointments" or code in ABOLISHED_CODES or post_entry:
            found.append(Finding(
                seen=f"{views.describe(entry)}: a step Notice 75 abolished",
                expected="no appointment and no post-entry application: the pre-entry approval "
                         "issues the notification letter and the permit",
                fix="remove the appointment and post-entry steps from the workflow",
                entries=views.ids(entry)))
    return found


def _duplicates(evidence: Evidence) -> list[Finding]:
    return [*_duplicate_permit_filings(evidence.entries), *_duplicate_applications(evidence.entries)]


def _duplicate_permit_filings(entries: list[Entry]) -> list[Finding]:
    """A second filing of the same kind on one permit after the first was accepted (201), other
    than a replay with the first one's key, is a duplicate case at the Service System."""
    accepted: dict[str, Entry] = {}
    found = []
    for entry in views.client(entries):
        if entry["method"] != "POST" or not views.PERMIT_FILING.match(entry["path"]):
            continue
        first = accepted.get(entry["path"])
        if first is not None and not (views.replayed(entry) and views.key_of(entry) == views.key_of(first)):
            found.append(Finding(
                seen=f"{views.describe(entry)} after {views.describe(first)} was accepted",
                expected="one filing per permit and kind",
                fix="remember what was filed (and its key) before filing again",
                entries=views.ids(first, entry)))
        elif first is None and entry["status"] == 201:
            accepted[entry["path"]] = entry
    return found


NOT_PENDING = frozenset({"DRAFT", "APPROVED", "REJECTED", "WITHDRAWN"})
"""An application in one of these is not (or no longer) before the officer: a new one for the
person may follow (a draft is the client's own, never submitted)."""
CORRECTION_ROUND = "RETURNED_FOR_CORRECTION"
"""Filing anew instead of correcting is FWP-CORR-02's finding, not a duplicate's."""


def _duplicate_applications(entries: list[Entry]) -> list[Finding]:
    """A second application of one type for one person accepted (201) while the first is still
    pending, other than a replay with the first one's key: two workers that each took the same
    hire. The person is the passport the foreigner record was registered with (a client may
    register the person twice), else the foreigner id; an application's status is the last one an
    answer showed (the client's reads and withdrawals, the officer's decisions) before the second
    filing started. A decision no answer showed (the automatic officer's) is not seen: the
    catalogue's officer decides through the control plane, whose answers the journal keeps."""
    people: dict[str, str] = {}
    statuses: dict[str, str] = {}
    pending: dict[tuple[str, str], tuple[Entry, str]] = {}
    found = []
    for entry in views.chronological(entries):
        answer = views.body(entry, "response")
        if views.client([entry]) and entry["method"] == "POST" and entry["status"] == 201:
            sent = views.body(entry) or {}
            if entry["path"] == "/fwp/v1/foreigners" and isinstance(answer, dict):
                if sent.get("passport_number"):  # else (a body the journal cut) the foreigner id
                    people[str(answer.get("id"))] = f"{sent.get('nationality')} {sent['passport_number']}"
            elif entry["path"] == "/fwp/v1/applications" and isinstance(answer, dict):
                foreigner = str(sent.get("foreigner_id"))
                kind = (people.get(foreigner, foreigner), str(sent.get("type")))
                first = pending.get(kind)
                if first is None or statuses.get(first[1]) in NOT_PENDING:
                    pending[kind] = (entry, str(answer.get("id")))
                elif answer.get("id") != first[1] and statuses.get(first[1]) != CORRECTION_ROUND:
                    found.append(Finding(
                        seen=f"{views.describe(entry)}: a second {kind[1]} application for the person of "
                             f"#{first[0]['id']} while that one ({first[1]}) was "
                             f"{statuses.get(first[1], 'pending')}",
                        expected="one pending application of a kind per person",
                        fix="remember what was filed for whom (and its Idempotency-Key) before filing; "
                            "file again only after a rejection or a withdrawal",
                        entries=views.ids(first[0], entry)))
        if isinstance(answer, dict) and isinstance(answer.get("status"), str):
            statuses[str(answer.get("id"))] = answer["status"]
    return found


TOKEN_01 = Check("FWP-TOKEN-01", "An access token is reused for its lifetime", Level.SHOULD,
                 ("RFC6749-4.4",), _tokens)
def _polling_despite_callbacks(evidence: Evidence) -> list[Finding]:
    """With callbacks subscribed, an application is read when a callback says it changed, or when
    the client is asked (a dropped callback is made up that way): two successful reads with no
    callback about it between are a handler's read and a report's; a third is a polling loop."""
    if not evidence.facts.get("callbacks_subscribed"):
        return []
    found: list[Finding] = []
    reads: dict[str, list[Entry]] = defaultdict(list)
    for entry in views.chronological(evidence.entries):
        if entry.get("direction") == "OUTBOUND":
            told = entry["request"].get("body") or ""
            reads = defaultdict(list, {app: seen for app, seen in reads.items() if app not in told})
            continue
        match = APPLICATION.match(views.resource(entry))
        if not (views.client([entry]) and views.read_answered(entry) and match):
            continue  # a failed read (a fault) and its retry are one read, judged by the retry checks
        seen = reads[match.group(1)]
        seen.append(entry)
        if len(seen) == CALLBACK_READS + 1:
            found.append(Finding(
                seen=f"{views.describe(entry)}: read {len(seen)} times with no callback about it between",
                expected=f"with callbacks subscribed, at most {CALLBACK_READS} reads of an application "
                         "between callbacks about it (on the callback, and when asked)",
                fix="drop the polling loop; act on application.status_changed",
                entries=views.ids(*seen)))
    return found


TOKEN_02 = Check("FWP-TOKEN-02", "A 401 is answered by one new token, then the request again",
                 Level.MUST, ("RFC6749-4.4", "RFC6750-3.1"), _refused_tokens)
POLL_01 = Check("FWP-POLL-01", "Reads of one resource stay at a bounded rate", Level.SHOULD,
                ("FWP-POLLING",), _polling)
POLL_02 = Check("FWP-POLL-02", "No polling while callbacks are subscribed", Level.MUST, ("FWP-POLLING",),
                _polling_despite_callbacks)
REQ_01 = Check("FWP-REQ-01", "Every request is valid against the spec", Level.MUST, ("FWP-SPEC",), _invalid)
ABOL_01 = Check("FWP-ABOL-01", "No abolished step (appointment, post-entry application)", Level.MUST,
                ("NOTICE-75-5", "NOTICE-75-8"), _abolished)
DUP_01 = Check("FWP-DUP-01", "A filing is made once", Level.MUST,
               ("NOTICE-75-4", "DOMAIN-5.3"), _duplicates)
