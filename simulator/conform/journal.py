"""Reading a tenant's journal, telling the harness's own requests apart, and masking secrets.

The sandbox masks secret headers and fields in its journal already; the engine masks again, by
*value*, everything it writes (findings, errors, facts, entries), because a client may echo a
secret somewhere no field name betrays it (a query string, a log line it returns as output).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from simulator import __version__
from simulator.testing import Tenant

HARNESS_AGENT = f"fwp-sandbox-conform/{__version__}"
"""The ``User-Agent`` of every request the harness itself makes (stage setup, officer, clock)."""

MASK = "***"
SETTLE_S = 0.6
"""Another worker's journal entries are written within about 0.5 s (simulator/sandbox/journal.py)."""
SETTLE_EMBEDDED_S = 0.05
"""The embedded sandbox has one worker, whose reads flush its own queue: a short grace suffices for
a capture still being recorded just after its answer went out."""
_SECRET_KEY = re.compile(r"(^|[_-])(secret|password|access_token|refresh_token|id_token|admin_key|api_key)$"
                         r"|^(token|authorization|x-sandbox-key|x-sandbox-admin-token)$", re.IGNORECASE)
"""Names whose values are secrets (``token_url`` and ``idempotency-key`` are not)."""


def export(tenant: Tenant, since_id: int = 0) -> list[dict[str, Any]]:
    """The tenant's journal, oldest first, as exported (JSON lines), after entry ``since_id``: the
    export streams from that cursor to the newest entry, so a busy tenant's run is read whole
    (the sandbox keeps a tenant's newest entries; its retention is set per tenant)."""
    response = tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/journal/export",
                               params={"after": since_id}, headers=tenant.headers)
    if response.status_code != 200:
        raise RuntimeError(f"journal export answered {response.status_code}")
    entries = [json.loads(line) for line in response.text.splitlines() if line.strip()]
    return [entry for entry in entries if int(entry["id"]) > since_id]


def settled(tenant: Tenant, quiet_s: float, cap_s: float = 3.0) -> list[dict[str, Any]]:
    """The journal once it stops growing: two exports ``quiet_s`` apart with the same entries.

    A sandbox with several workers writes each worker's entries in batches; a read flushes only the
    reading worker's, the others' land within about half a second. So right after a scenario the
    client's last requests may be missing, and a check would blame the client for not making them.
    ``cap_s`` bounds the wait when callbacks keep adding entries."""
    entries = export(tenant)
    deadline = time.monotonic() + cap_s
    while quiet_s > 0 and time.monotonic() < deadline:
        time.sleep(quiet_s)
        again = export(tenant)
        if _settling(again) == _settling(entries):
            return again
        entries = again
    return entries


def _settling(entries: list[dict[str, Any]]) -> int:
    """How many entries count for settling: not the exports themselves (each is journalled)."""
    return sum(1 for e in entries if not (e.get("path", "").endswith("/journal/export") and by_harness(e)))


def by_harness(entry: dict[str, Any]) -> bool:
    """Whether the harness made this request (its User-Agent), not the client under test."""
    headers = entry.get("request", {}).get("headers") or {}
    return str(headers.get("user-agent", "")).startswith("fwp-sandbox-conform/")


def client_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The client's own requests: inbound, not the harness's; callbacks posted are OUTBOUND."""
    return [entry for entry in entries
            if entry.get("direction", "INBOUND") == "INBOUND" and not by_harness(entry)]


@dataclass
class Masker:
    """Replaces every known secret value, wherever it appears, with ``***``."""

    secrets: set[str] = field(default_factory=set)

    def add(self, *values: Any) -> None:
        for value in values:
            if isinstance(value, str) and len(value) >= 6 and value != MASK:
                self.secrets.add(value)
                if value.lower().startswith("bearer "):
                    self.secrets.add(value[7:])

    def learn(self, data: Any) -> None:
        """Add the values of every secret-named key in ``data`` (nested dicts and lists)."""
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(value, str) and _SECRET_KEY.search(str(key)):
                    self.add(value)
                else:
                    self.learn(value)
        elif isinstance(data, list | tuple):
            for item in data:
                self.learn(item)

    def text(self, value: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            value = value.replace(secret, MASK)
        return value

    def data(self, value: Any) -> Any:
        """A copy of ``value`` with every string masked (keys too: a secret can be a key)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(item) for item in value]
        return value
