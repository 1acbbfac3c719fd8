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

from simulator.conform import journal

Entry = dict[str, Any]

CREATES = re.compile(r"^/fwp/v1/(foreigners|applications"
                     r"|work-permits/\d{18}/(reissue-electronic|extension|change|cancellation))$")
"""The creating POSTs, which honour Idempotency-Key (README, "Idempotency")."""
PERMIT_FILING = re.compile(r"^/fwp/v1/work-permits/(\d{18})/"
                           r"(reissue-electronic|extension|change|cancellation)$")


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


def gap_s(before: Entry, after: Entry) -> float:
    """Seconds between the answer to ``before`` and the start of ``after``."""
    return (started(after) - ended(before)).total_seconds()


def same_call(a: Entry, b: Entry) -> bool:
    return bool(a["method"] == b["method"] and a["path"] == b["path"])


def resource(entry: Entry) -> str:
    """What a read is about: ``/status`` is a view of the application, not another resource."""
    return str(entry["path"]).removesuffix("/status")


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
    return f"#{entry['id']} {entry['method']} {entry['path']} → {entry['status']}"
