"""The journal's rows: what a captured request and answer become (tenant, masking, verdict,
column order), and the OUTBOUND row of a callback delivery. Pure functions and a header cache:
``Journal.record`` (``sandbox/journal.py``) runs them once a request has been answered."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from simulator import issued
from simulator.web.tokens import TokenSigner

BODY_LIMIT = 16 * 1024
"""Bytes of each body kept; the rest is cut and the entry says ``truncated``."""
MASK = issued.MASK
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
"""ASGI's raw header pairs, as a tuple: the journal caches what it made of each distinct one."""


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


# --- turning a capture into a row (after the answer, on the request's thread) -----------------

def as_text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return text.replace("\x00", "\ufffd")  # PostgreSQL text cannot hold NUL


def mask_text(text: str, *, cut: bool = False) -> str:
    """Blank secret fields in a JSON or form-encoded text, even a cut one, and every secret the
    sandbox issued wherever it stands (:mod:`simulator.issued`; ``cut``: one the cut ends in too)."""
    if issued.might_hold(text):
        text = issued.mask_issued(text, cut=cut)
    if not ("secret" in text or "password" in text or "_token" in text or "admin_key" in text):
        return text  # the usual case (the parts are _SECRET_PARTS, spelt out: 30% faster than any())
    return _FORM_SECRET.sub(rf"\1\2{MASK}", _JSON_SECRET.sub(rf'\1"{MASK}"', text))


def mask_headers(raw: Headers) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        shown = MASK if key in SECRET_HEADERS else issued.mask_issued(value.decode("latin-1"))
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
        granted = _ACCESS_TOKEN.search(as_text(capture.response_body))
        tenant = _verified(signer, granted.group(1) if granted else None)
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
TENANT_AT = COLUMNS.index("tenant_at")
_HEADER_CACHE = 256
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class HeaderCache:
    """Masked headers as JSON text, and one header's value, per distinct raw header tuple.

    A client sends the same headers request after request (its token, host, agent) and an
    operation mostly answers with the same ones, so the journal masks and encodes each distinct
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
        sent, mask_text(as_text(capture.request_body), cut=capture.request_truncated)
        if capture.request_body else None,
        capture.request_truncated,
        answered, mask_text(as_text(capture.response_body), cut=capture.response_truncated)
        if capture.response_body else None,
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
    cut = len(data) > BODY_LIMIT
    return mask_text(as_text(data[:BODY_LIMIT]), cut=cut), cut


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
