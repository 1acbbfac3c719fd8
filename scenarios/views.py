"""Ways of reading a scenario's journal that several checks share.

Everything here looks at the client's own requests (the harness's are told apart by their
User-Agent, :func:`simulator.conform.journal.client_entries`) to the two public APIs, and at the
callbacks the sandbox posted (``direction`` OUTBOUND).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from simulator.conform import journal

Entry = dict[str, Any]

CREATES = re.compile(r"^/fwp/v1/(foreigners|applications"
                     r"|work-permits/\d{18}/(reissue-electronic|extension|change|cancellation))$")
"""The creating POSTs, which honour Idempotency-Key (README, "Idempotency")."""
PERMIT_FILING = re.compile(r"^/fwp/v1/work-permits/(\d{18})/"
                           r"(reissue-electronic|extension|change|cancellation)$")
RESOLUTION = timedelta(milliseconds=1)
"""The journal's wall times are cut to the millisecond (``wall_time``: when the request arrived;
``latency_ms``: until the answer's last byte went out), so a request sent right after an answer
can seem to start up to 1 ms before that answer ended."""


def chronological(entries: list[Entry]) -> list[Entry]:
    """In the order the requests arrived. Journal ids follow the order entries were written, and
    each worker of a sandbox writes its own in batches: with several workers, id order is not
    arrival order."""
    return sorted(entries, key=lambda e: (started(e), int(e["id"])))


def client(entries: list[Entry]) -> list[Entry]:
    """The client's requests to /fwp and /ssc, in the order they arrived."""
    return chronological([e for e in journal.client_entries(entries)
                          if e["path"].startswith(("/fwp/", "/ssc/"))])


def harness(entries: list[Entry], method: str, suffix: str) -> list[Entry]:
    """The harness's own control-plane requests that set the stage (officer, clock), so that a
    finding about something the client did not do can cite the situation it ignored."""
    return chronological([e for e in entries if journal.by_harness(e) and e["method"] == method
                          and e["path"].endswith(suffix) and 200 <= e["status"] < 300])


def outbound(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.get("direction") == "OUTBOUND"]


def header(entry: Entry, name: str, part: str = "request") -> str | None:
    headers: dict[str, Any] = entry.get(part, {}).get("headers") or {}
    return next((str(v) for k, v in headers.items() if k.lower() == name), None)


def body(entry: Entry, part: str = "request") -> Any:
    try:
        return json.loads(entry.get(part, {}).get("body") or "null")
    except ValueError:
        return None


def text(entry: Entry) -> str:
    """The request's path, query and body, to look for an id anywhere in it."""
    return f"{entry['path']}?{entry.get('query') or ''} {entry.get('request', {}).get('body') or ''}"


def is_create(entry: Entry) -> bool:
    return entry["method"] == "POST" and CREATES.match(str(entry["path"])) is not None


def key_of(entry: Entry) -> str | None:
    return header(entry, "idempotency-key")


def replayed(entry: Entry) -> bool:
    return (header(entry, "idempotent-replayed", "response") or "").lower() == "true"


def started(entry: Entry) -> datetime:
    return datetime.fromisoformat(entry["wall_time"])


def ended(entry: Entry) -> datetime:
    return started(entry) + timedelta(milliseconds=float(entry.get("latency_ms") or 0))


def after_answer(first: Entry, later: Entry) -> bool:
    """Whether ``later`` started once ``first`` had been answered: only then can it be the client's
    reaction to that answer. A request that was already in flight (sent with the same token, or
    another filing sent alongside) cannot be."""
    return started(later) >= ended(first) - RESOLUTION


def gap_s(before: Entry, after: Entry) -> float:
    """Seconds between the answer to ``before`` and the start of ``after``."""
    return (started(after) - ended(before)).total_seconds()


def query_of(entry: Entry) -> tuple[tuple[str, str], ...]:
    """The query's parameters, sorted: their order does not change what is asked, a cursor does."""
    return tuple(sorted(parse_qsl(str(entry.get("query") or ""), keep_blank_values=True)))


def same_call(a: Entry, b: Entry) -> bool:
    """The same method on the same URL: the next page of a list is another call, not a retry."""
    return bool(a["method"] == b["method"] and a["path"] == b["path"] and query_of(a) == query_of(b))


def sent_body(entry: Entry) -> str | None:
    """The request's body when the journal holds all of it; ``None`` when there is none, or it was
    cut (over 16 KiB), or it was lost (a request the client gave up on)."""
    request = entry.get("request", {})
    return None if request.get("truncated") else request.get("body") or None


def same_filing(first: Entry, later: Entry) -> bool:
    """Whether the create ``later`` is another attempt of the create ``first``, not another filing.

    The same Idempotency-Key says so. With another key (or none) the body decides: a retry sends
    the same filing again, another filing sends another body. When either body is unknown
    (:func:`sent_body`), nothing tells them apart and ``later`` counts as an attempt."""
    key = key_of(first)
    if key is not None and key == key_of(later):
        return True
    bodies = sent_body(first), sent_body(later)
    return None in bodies or bodies[0] == bodies[1]


def attempt_of(first: Entry, later: Entry) -> bool:
    """Whether ``later`` is ``first`` sent again: the same call and, for a create, the same filing."""
    return same_call(first, later) and (not is_create(first) or same_filing(first, later))


def resource(entry: Entry) -> str:
    """What a read is about: ``/status`` is a view of the application, not another resource."""
    return str(entry["path"]).removesuffix("/status")


def polled(entry: Entry) -> str:
    """What a read asks for: the resource and its query, whose parameters' order does not matter;
    the next page of a list (another ``cursor``) is another read, not the same one again."""
    query = "&".join(f"{name}={value}" for name, value in query_of(entry))
    return f"{resource(entry)}?{query}" if query else resource(entry)


def read_answered(entry: Entry) -> bool:
    """A GET that got what it asked (2xx, or 304: nothing changed). Only such reads are polls: a
    failed one (no answer, 5xx, 429) is a retry, judged by FWP-RETRY-01/02, a 401 by the tokens'
    checks."""
    return bool(entry["method"] == "GET" and (200 <= entry["status"] < 300 or entry["status"] == 304))


def retry_after(entry: Entry) -> float | None:
    value = header(entry, "retry-after", "response")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def failed(entry: Entry) -> bool:
    """An answer whose outcome the client cannot know succeeded: 5xx, 429, or none at all."""
    return entry["status"] >= 500 or entry["status"] in (0, 429)


def unknown_outcome(entry: Entry) -> bool:
    """No answer, or a 5xx that does not say the request was refused unprocessed (429 and 503 do)."""
    return failed(entry) and entry["status"] not in (429, 503)


def ids(*entries: Entry) -> tuple[int, ...]:
    return tuple(int(e["id"]) for e in entries)


def describe(entry: Entry) -> str:
    """``#id METHOD path → status``; a connection the sandbox dropped (journalled as 502) says so,
    since the client saw no status at all."""
    dropped = " (connection dropped)" if "DROP" in (entry.get("fault") or "") else ""
    return f"#{entry['id']} {entry['method']} {entry['path']} → {entry['status']}{dropped}"
