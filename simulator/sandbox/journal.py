"""The journal: every request and response of a tenant, recorded off the request path.

The ASGI middleware (``web/journal_middleware.py``) only copies what it saw into a
:class:`Capture` and appends it to an in-process queue. A background thread, every
:data:`INTERVAL` seconds, turns captures into rows (tenant, masking, verdict) and writes them in
one transaction of multi-row ``INSERT``s; it also reads the tenant clocks in that transaction. The
queue is bounded: when it is full a capture is dropped and counted, never waited for.

Cost: the writer shares the GIL and two cores with the requests it records, so every
microsecond per row counts against the request path. Rows are built straight into column order
(:func:`values_of`); each distinct raw header tuple is masked and JSON-encoded once
(:class:`HeaderCache`: clients repeat their headers); texts without any secret name skip the
masking regexes after four substring scans; a frozen tenant clock is formatted once per batch
(:func:`tenant_times`). Under wrk load this cut the writer thread's CPU by about 40% (about 40 to
25 µs per request, of ~600 µs in all).

Consistency: a read through the control plane first flushes its own worker's queue, so a client
sees its own requests at once when served by one worker; another worker's requests appear within
one flush interval plus a write (about 0.5 s at most under load).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, select

from simulator.core.clock import SHANGHAI, Clock
from simulator.store.db import Database
from simulator.store.schema import journal, tenants
from simulator.store.tenancy import clock_from_row
from simulator.web.tokens import TokenSigner

log = logging.getLogger("simulator.journal")

BODY_LIMIT = 16 * 1024
"""Bytes of each body kept; the rest is cut and the entry says ``truncated``."""
MAX_PENDING = 10_000
INTERVAL = 0.2
MASK = "***"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie",
                            "x-sandbox-key", "x-sandbox-admin-token"})
SECRET_FIELDS = ("client_secret", "password", "new_password", "old_password", "access_token",
                 "refresh_token", "admin_key", "secret")
SPEC_CODES = frozenset({"E_VALIDATION", "E_MALFORMED_JSON", "E_UNSUPPORTED_MEDIA_TYPE",
                        "E_NOT_ACCEPTABLE"})
BROKEN_RESPONSE = "The sandbox produced a response that breaks its spec"

_NAMES = "|".join(SECRET_FIELDS)
_JSON_SECRET = re.compile(rf'("(?:{_NAMES})"\s*:\s*)"(?:[^"\\]|\\.)*"?')
_FORM_SECRET = re.compile(rf"(^|&)((?:{_NAMES})=)[^&]*")
_SECRET_PARTS = ("secret", "password", "_token", "admin_key")
"""Every name of SECRET_FIELDS contains one of these (a test checks): four substring scans rule a
text out four times faster than a regex alternation of every name."""
_TENANT_ID = re.compile(r"ten_[a-z2-7]{12}")
_TENANT_PATH = re.compile(r"/sandbox/v1/tenants/(ten_[a-z2-7]{12})(?:/|$)")
_ACCESS_TOKEN = re.compile(r'"access_token"\s*:\s*"([^"]+)"')


Headers = tuple[tuple[bytes, bytes], ...]
"""ASGI's raw header pairs, as a tuple: the writer caches what it made of each distinct one."""


@dataclass(slots=True)
class Capture:
    """What the middleware saw, raw: the cheap part, done on the request path."""

    wall_at: float
    method: str
    path: str
    query: bytes
    request_headers: Headers
    request_body: bytes
    request_truncated: bool
    status: int
    response_headers: Headers
    response_body: bytes
    response_truncated: bool
    latency_ms: float
    operation_id: str | None  # what connexion's routing found
    token_tenant: str | None  # the tenant of the credentials connexion's security accepted
    fault: str | None  # the fault rule applied, if any


# --- turning a capture into a row (in the writer thread) ---------------------------------------

def as_text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return text.replace("\x00", "\ufffd")  # PostgreSQL text cannot hold NUL


def mask_text(text: str) -> str:
    """Blank secret fields in a JSON or form-encoded text, even a cut one."""
    if not ("secret" in text or "password" in text or "_token" in text or "admin_key" in text):
        return text  # the usual case (the parts are _SECRET_PARTS, spelt out: 30% faster than any())
    return _FORM_SECRET.sub(rf"\1\2{MASK}", _JSON_SECRET.sub(rf'\1"{MASK}"', text))


def mask_headers(raw: Headers) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        shown = MASK if key in SECRET_HEADERS else value.decode("latin-1")
        if "\x00" in shown or "\x00" in key:  # PostgreSQL text cannot hold NUL
            key, shown = as_text(key), as_text(shown)
        headers[key] = f"{headers[key]}, {shown}" if key in headers else shown
    return headers


def _header(raw: Headers, name: bytes) -> str | None:
    for key, value in raw:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _verified(signer: TokenSigner, token: str | None) -> str | None:
    principal = signer.verify(token) if token else None
    return principal.tenant_id if principal else None


def tenant_of(capture: Capture, signer: TokenSigner) -> str | None:
    """The tenant a request belongs to, from what it carries; ``None``: not journalled.

    On a control-plane path the path names the tenant, but only a key of that tenant (checked by
    the security layer, whose verdict connexion leaves in the scope) makes it theirs.
    """
    known = capture.token_tenant
    in_path = _TENANT_PATH.match(capture.path)
    if in_path:
        return known if known == in_path.group(1) else None
    if known:
        return known
    named = _header(capture.request_headers, b"x-sandbox-tenant")
    if named and _TENANT_ID.fullmatch(named):
        return named
    bearer = _header(capture.request_headers, b"authorization") or ""
    tenant = _verified(signer, bearer[7:] if bearer[:7].lower() == "bearer " else None)
    if tenant is None and capture.path.endswith("/oauth/token") and capture.status == 200:
        issued = _ACCESS_TOKEN.search(as_text(capture.response_body))
        tenant = _verified(signer, issued.group(1) if issued else None)
    if tenant is None and capture.status == 201 and capture.path == "/sandbox/v1/tenants":
        created = _TENANT_PATH.match(_header(capture.response_headers, b"location") or "")
        tenant = created.group(1) if created else None
    return tenant


def verdict_of(capture: Capture, content_type: str | None) -> tuple[str, list[dict[str, Any]] | None]:
    """``invalid_request`` / ``invalid_response`` with the problem's errors, else ``valid``."""
    if capture.status < 400 or not (content_type or "").startswith("application/problem+json"):
        return "valid", None
    try:
        problem = json.loads(capture.response_body)
    except ValueError:
        return "valid", None
    code, detail = problem.get("code"), str(problem.get("detail") or "")
    if code in SPEC_CODES:
        return "invalid_request", problem.get("errors") or [{"field": problem.get("field"),
                                                             "message": detail}]
    if code == "E_INTERNAL" and detail.startswith(BROKEN_RESPONSE):
        return "invalid_response", [{"field": None, "message": detail}]
    return "valid", None


COLUMNS = ("tenant_id", "wall_at", "tenant_at", "operation_id", "method", "path", "query", "status",
           "latency_ms", "request_headers", "request_body", "request_truncated", "response_headers",
           "response_body", "response_truncated", "verdict", "errors", "scenario", "fault",
           "direction")
"""The journal's columns but ``id``, in the order of :func:`values_of`'s row."""
_TENANT_AT = COLUMNS.index("tenant_at")
_HEADER_CACHE = 256
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class HeaderCache:
    """Masked headers as JSON text, and one header's value, per distinct raw header tuple.

    A client sends the same headers request after request (its token, host, agent) and an
    operation mostly answers with the same ones, so the writer masks and encodes each distinct
    tuple once: that was a third of its time per row. Bounded: emptied when full.
    """

    def __init__(self, name: bytes) -> None:
        self.name = name
        self.known: dict[Headers, tuple[str, str | None]] = {}

    def __call__(self, raw: Headers) -> tuple[str, str | None]:
        try:
            found = self.known.get(raw)
        except TypeError:  # ASGI allows [name, value] lists as pairs: not hashable, not cached
            return _dumps(mask_headers(raw)), _header(raw, self.name)
        if found is None:
            found = _dumps(mask_headers(raw)), _header(raw, self.name)
            if len(self.known) >= _HEADER_CACHE:
                self.known.clear()
            self.known[raw] = found
        return found


def values_of(capture: Capture, tenant_id: str, request_headers: HeaderCache,
              response_headers: HeaderCache) -> list[Any]:
    """The row of :data:`COLUMNS`, JSON columns encoded; ``tenant_at`` is set when written."""
    sent, scenario = request_headers(capture.request_headers)
    answered, content_type = response_headers(capture.response_headers)
    verdict, errors = verdict_of(capture, content_type)
    return [
        tenant_id, capture.wall_at, None,
        capture.operation_id,
        capture.method, as_text(capture.path),
        mask_text(as_text(capture.query)) if capture.query else "", capture.status,
        round(capture.latency_ms, 3),
        sent, mask_text(as_text(capture.request_body)) if capture.request_body else None,
        capture.request_truncated,
        answered, mask_text(as_text(capture.response_body)) if capture.response_body else None,
        capture.response_truncated,
        verdict, _NULL if errors is None else _dumps(errors),
        as_text(scenario)[:100] if scenario else None,
        capture.fault, "INBOUND",
    ]


_NULL = _dumps(None)  # what SQLAlchemy's JSON type stores for None


def _cut(raw: bytes | str | None) -> tuple[str | None, bool]:
    data = raw.encode() if isinstance(raw, str) else raw
    if not data:
        return None, False
    return mask_text(as_text(data[:BODY_LIMIT])), len(data) > BODY_LIMIT


def outbound_row(tenant_id: str, tenant_at: str, *, wall_at: float, operation_id: str, url: str,
                 status: int, latency_ms: float, request_headers: dict[str, str], request_body: str,
                 response_headers: dict[str, str], response_body: bytes | None, error: str | None,
                 fault: str | None) -> dict[str, Any]:
    """A callback delivery attempt the sandbox made (simulator/sandbox/deliveries.py), written by
    the delivery thread itself: method POST, the URL as path, status 0 when no answer came."""
    sent, sent_cut = _cut(request_body)
    answer, answer_cut = _cut(response_body)
    return {
        "tenant_id": tenant_id, "wall_at": wall_at, "tenant_at": tenant_at,
        "operation_id": operation_id, "method": "POST", "path": as_text(url), "query": "",
        "status": status, "latency_ms": round(latency_ms, 3),
        "request_headers": {k.lower(): as_text(v) for k, v in request_headers.items()},
        "request_body": sent, "request_truncated": sent_cut,
        "response_headers": {k.lower(): as_text(v) for k, v in response_headers.items()},
        "response_body": answer, "response_truncated": answer_cut, "verdict": "valid",
        "errors": [{"field": None, "message": error}] if error else None, "scenario": None,
        "fault": fault, "direction": "OUTBOUND",
    }


# --- the queue and its writer -------------------------------------------------------------------

@dataclass
class Journal:
    db: Database
    signer: TokenSigner
    max_pending: int = MAX_PENDING
    interval: float = INTERVAL
    dropped: int = 0
    _pending: deque[Capture] = field(default_factory=deque)
    _flush_lock: threading.Lock = field(default_factory=threading.Lock)
    _wake: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _request_headers: HeaderCache = field(default_factory=lambda: HeaderCache(b"x-sandbox-scenario"))
    _response_headers: HeaderCache = field(default_factory=lambda: HeaderCache(b"content-type"))

    def record(self, capture: Capture) -> None:
        """Called on the request path: an append, nothing else (the writer thread does the rest)."""
        if len(self._pending) >= self.max_pending:
            self.dropped += 1
            return
        self._pending.append(capture)
        if self._thread is None or not self._thread.is_alive():
            self._start()

    def _start(self) -> None:
        self._wake.clear()
        self._thread = threading.Thread(target=self._run, name="fwp-journal", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._wake.wait(self.interval):
            self._flush_quietly()
        self._flush_quietly()

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except Exception:
            log.exception("journal batch lost")

    def flush(self) -> int:
        """Write every pending capture now; returns how many rows were written."""
        with self._flush_lock:
            batch = [self._pending.popleft() for _ in range(len(self._pending))]
            sent, answered = self._request_headers, self._response_headers
            rows = [values_of(c, t, sent, answered) for c in batch if (t := tenant_of(c, self.signer))]
            if not rows:
                return 0
            with self.db.write() as conn:
                named = {r[0] for r in rows}
                clocks = {r.id: tenant_times(clock_from_row(r.clock_base_tenant, r.clock_base_wall,
                                                            r.clock_frozen))
                          for r in conn.execute(select(
                              tenants.c.id, tenants.c.clock_base_tenant, tenants.c.clock_base_wall,
                              tenants.c.clock_frozen).where(tenants.c.id.in_(named)))}
                rows = [r for r in rows if r[0] in clocks]  # named tenants that exist
                for row in rows:
                    row[_TENANT_AT] = clocks[row[0]](row[1])
                if rows:
                    insert_rows(conn, rows)
            return len(rows)

    def close(self) -> None:
        """Stop the writer after a last flush (ASGI lifespan shutdown)."""
        thread, self._thread = self._thread, None
        self._wake.set()
        if thread is not None:
            thread.join(timeout=5)
        self._flush_quietly()


INSERT_SIZES = (256, 64, 16, 4, 1)
"""Rows per multi-row ``INSERT`` (20 columns each: at most 5,120 parameters, under SQLite's
32,766). A batch is cut into these sizes only: each distinct statement is prepared and kept in the
driver's statement cache, and a 256-row one is large (one per batch size cost ~50 MB a worker)."""
_INSERTS: dict[tuple[str, int], str] = {}


def insert_rows(conn: Connection, rows: list[list[Any]]) -> None:
    """Rows of :data:`COLUMNS` in multi-row ``INSERT``s on the driver's cursor.

    Not SQLAlchemy's ``execute`` (its per-row parameter processing cost as much as building the
    rows), and not ``executemany``: SQLite's driver releases the GIL on every row's step, and the
    writer shares the GIL with the event loop it records, which then lost its turn (and the CPU
    caches) hundreds of times per batch. One statement of many rows takes and releases it once.
    """
    cursor = conn.connection.cursor()
    try:
        first = 0
        for size in INSERT_SIZES:
            while len(rows) - first >= size:
                chunk = rows[first:first + size]
                cursor.execute(_insert_sql(conn.dialect.paramstyle, size),
                               [value for row in chunk for value in row])
                first += size
    finally:
        cursor.close()


def _insert_sql(paramstyle: str, count: int) -> str:
    sql = _INSERTS.get((paramstyle, count))
    if sql is None:
        mark = "?" if paramstyle == "qmark" else "%s"
        one = f"({', '.join(mark for _ in COLUMNS)})"
        sql = _INSERTS[(paramstyle, count)] = (
            f"INSERT INTO {journal.name} ({', '.join(COLUMNS)}) VALUES {', '.join([one] * count)}")
    return sql


def tenant_time(clock: Clock, wall_at: float) -> str:
    """What the tenant clock read at the wall time ``wall_at``."""
    return tenant_times(clock)(wall_at)


def tenant_times(clock: Clock) -> Callable[[float], str]:
    """:func:`tenant_time` of one clock, for many wall times: a frozen clock's text is made once."""
    if clock.frozen:
        frozen = clock.base_tenant.astimezone(SHANGHAI).isoformat(timespec="milliseconds")
        return lambda _wall_at: frozen
    ahead = clock.base_tenant - clock.base_wall

    def at(wall_at: float) -> str:
        moment = datetime.fromtimestamp(wall_at, UTC) + ahead
        return moment.astimezone(SHANGHAI).isoformat(timespec="milliseconds")

    return at


_journals: WeakKeyDictionary[Database, Journal] = WeakKeyDictionary()


def for_database(db: Database, signer: TokenSigner) -> Journal:
    """The one journal writer of a database in this process."""
    found = _journals.get(db)
    if found is None:
        found = _journals[db] = Journal(db, signer)
    return found


def flush(db: Database) -> None:
    """Flush-before-read: this worker's pending entries, if it journals."""
    found = _journals.get(db)
    if found is not None:
        found.flush()
