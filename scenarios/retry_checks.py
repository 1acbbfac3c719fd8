"""Retry hygiene, judged in every scenario by keys and spacing, whatever the operation.

A fault the scenario injected is never the client's error: what is judged is what the client did
next, i.e. requests it sent once the failure was answered (:func:`views.after_answer`). A create
retried with a fresh Idempotency-Key, a Retry-After not waited for, and 5xx retries without
backoff each have their own check, with the entries as evidence.
"""

from __future__ import annotations

from typing import Any

from scenarios import views
from scenarios.views import Entry
from simulator.conform.model import Check, Evidence, Finding, Level

MIN_BACKOFF_S = 0.1
GROWTH = 1.3
"""From the third retry of a failing call on, a wait is at least this many times the first."""
SHRINK = 0.8
"""No wait is shorter than this share of the one before it."""
TOLERANCE_S = 0.05


def _keyless_creates(evidence: Evidence) -> list[Finding]:
    return [Finding(seen=f"{views.describe(e)} without an Idempotency-Key",
                    expected="every creating POST carries an Idempotency-Key",
                    fix="generate one key per filing, store it with the filing, send it on every attempt",
                    entries=views.ids(e))
            for e in views.client(evidence.entries) if views.is_create(e) and views.key_of(e) is None]


def _retries(entries: list[Entry]) -> list[tuple[Entry, Entry]]:
    """(a failed request, its retry): the client's next attempt of it (:func:`views.attempt_of`:
    for a create, by its key or else its body) that started once the failure was answered. A
    request already in flight then (a concurrent read, another filing) is not a reaction to it."""
    calls = views.client(entries)
    pairs = []
    for index, entry in enumerate(calls):
        if views.failed(entry):
            following = next((e for e in calls[index + 1:]
                              if views.attempt_of(entry, e) and views.after_answer(entry, e)), None)
            if following is not None:
                pairs.append((entry, following))
    return pairs


def _abandoned(entries: list[Entry]) -> list[tuple[Entry, Entry]]:
    """(a request the client gave up on, its resend): the same call sent again before the first was
    answered, i.e. the client's timeout fired while the sandbox was still working (a LATENCY fault).
    The first may still be applied, so it counts as a failed attempt for the key it carried."""
    calls = views.client(entries)
    pairs = []
    for index, entry in enumerate(calls):
        if "LATENCY" not in (entry.get("fault") or ""):
            continue  # two creates in flight at once are two filings unless one was held up
        following = next((e for e in calls[index + 1:] if views.attempt_of(entry, e)), None)
        if following is not None and views.started(following) < views.ended(entry):
            pairs.append((entry, following))
    return pairs


def _fresh_keys(evidence: Evidence) -> list[Finding]:
    found = []
    for first, again in _retries(evidence.entries) + _abandoned(evidence.entries):
        if not views.is_create(first) or views.key_of(first) is None:
            continue  # a create with no key at all is FWP-IDEM-01's finding
        if views.key_of(first) != views.key_of(again):
            held = views.started(again) < views.ended(first)
            given_up = " (given up on while the sandbox held it)" if held else ""
            keyed = "with a new Idempotency-Key" if views.key_of(again) else "without its Idempotency-Key"
            found.append(Finding(
                seen=f"{views.describe(first)}{given_up} was retried as {views.describe(again)} {keyed}: "
                     "had the first attempt gone through, this files twice",
                expected="the retry of a create carries the key of the first attempt",
                fix="keep the key with the pending filing and reuse it on every retry, after a timeout too",
                entries=views.ids(first, again)))
    return found


def _retry_after(evidence: Evidence) -> list[Finding]:
    found = []
    for first, again in _retries(evidence.entries):
        wait = views.retry_after(first)
        if wait is not None and views.gap_s(first, again) < wait - TOLERANCE_S:
            found.append(Finding(
                seen=f"{views.describe(first)} said Retry-After: {wait:g}; the client came back after "
                     f"{views.gap_s(first, again):.2f} s ({views.describe(again)})",
                expected=f"wait at least {wait:g} s before the next attempt",
                fix="read Retry-After (seconds or an HTTP date) on 429 and 503 and sleep that long",
                entries=views.ids(first, again)))
    return found


def _backoff(evidence: Evidence) -> list[Finding]:
    """Each retry of a failing call waits :data:`MIN_BACKOFF_S` at least; no wait is much shorter
    than the one before (:data:`SHRINK`); and from the third retry of a chain on, the waits have
    grown (:data:`GROWTH` times the first at least). Measured from outside, a wait can only be
    stretched (a loaded machine schedules the client's sleep late, never early), and one stretched
    first wait must not make an exponential backoff look flat: so two waits alone are not judged
    on growth, and a chain of three or more is judged on its trend. A chain is one call's attempts
    as :func:`_retries` pairs them (two filings failing on one path are two chains)."""
    found = []
    chains: dict[Any, list[float]] = {}  # a chain's waits so far, by its latest attempt's entry id
    for first, again in _retries(evidence.entries):
        if views.retry_after(first) is not None or first["status"] == 429:
            continue
        gap, before = views.gap_s(first, again), chains.pop(first["id"], [])
        if (gap < MIN_BACKOFF_S or (before and gap < before[-1] * SHRINK - TOLERANCE_S)
                or (len(before) >= 2 and gap < before[0] * GROWTH - TOLERANCE_S)):
            found.append(Finding(
                seen=f"after {views.describe(first)} the client retried in {gap:.2f} s"
                     + (f" (the waits before: {', '.join(f'{b:.2f}' for b in before)} s)" if before else ""),
                expected=f"wait at least {MIN_BACKOFF_S:g} s, and longer after each failure (backoff)",
                fix="back off exponentially on 5xx and dropped connections (0.2, 0.4, 0.8 s ..., "
                    "with jitter)",
                entries=views.ids(first, again)))
        if views.failed(again):
            chains[again["id"]] = [*before, gap]
    return found


def _blind_retries(evidence: Evidence) -> list[Finding]:
    """An unkeyed POST whose outcome is unknown may have been applied: re-sending it unseen can
    apply it twice. Reading the resource first (has it changed?) makes the retry informed."""
    calls = views.client(evidence.entries)
    found = []
    for index, first in enumerate(calls):
        if first["method"] != "POST" or views.is_create(first) or views.key_of(first) is not None \
                or first["path"].endswith("/oauth/token") or not views.unknown_outcome(first):
            continue
        later = calls[index + 1:]
        again = next((e for e in later if views.same_call(first, e)), None)
        if again is None:
            continue
        between = later[:later.index(again)]
        if not any(e["method"] == "GET" and first["path"].startswith(e["path"]) for e in between):
            found.append(Finding(
                seen=f"{views.describe(first)} got no usable answer and was sent again unseen: "
                     f"{views.describe(again)}",
                expected="a POST without an Idempotency-Key re-sent only after reading whether it "
                         "was applied",
                fix="on a dropped connection or 5xx, read the resource (e.g. the application's status) "
                    "before sending the request again",
                entries=views.ids(first, again)))
    return found


IDEM_01 = Check("FWP-IDEM-01", "Every creating POST carries an Idempotency-Key", Level.MUST,
                ("IDEMPOTENCY-KEY", "RFC9110-9.2.2"), _keyless_creates)
IDEM_02 = Check("FWP-IDEM-02", "A retried create reuses the Idempotency-Key of its first attempt",
                Level.MUST, ("IDEMPOTENCY-KEY", "RFC9110-9.2.2"), _fresh_keys)
IDEM_03 = Check("FWP-IDEM-03", "A POST without an Idempotency-Key is not re-sent blindly", Level.MUST,
                ("RFC9110-9.2.2",), _blind_retries)
RETRY_01 = Check("FWP-RETRY-01", "Retry-After is honoured on 429 and 503", Level.MUST,
                 ("RFC9110-10.2.3", "RFC6585-4"), _retry_after)
RETRY_02 = Check("FWP-RETRY-02", "Server errors are retried with backoff, not hammered", Level.SHOULD,
                 ("RFC9110-9.2.2",), _backoff)
