"""Reading a tenant's journal, telling the harness's own requests apart, and masking secrets.

The sandbox masks the secret headers and fields it knows in its journal already; the engine masks
again everything it writes (findings, errors, facts, entries), by *value* and by *name*. By value,
because a client may echo a secret somewhere no field name betrays it (a log line it returns as
output, a header called ``X-Trace``); the values come from the harness's own credentials and from
the journal itself (:meth:`Masker.learn_journal`: a token the client fetched and then sent as
``?token=`` or in an ``X-Api-Token`` header the sandbox does not know to mask). By name, because a
secret shorter than a value worth replacing everywhere is still a secret in its own field.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from simulator import __version__, issued
from simulator.testing import Tenant

HARNESS_AGENT = f"fwp-sandbox-conform/{__version__}"
"""The ``User-Agent`` of every request the harness itself makes (stage setup, officer, clock)."""

MASK = "***"
SETTLE_S = 0.6
"""Another worker's journal entries are written within about 0.5 s (simulator/sandbox/journal.py)."""
SETTLE_EMBEDDED_S = 0.05
"""The embedded sandbox has one worker, whose reads flush its own queue: a short grace suffices for
a capture still being recorded just after its answer went out."""
_SECRET_WORDS = frozenset({"token", "secret", "password", "passwd", "passphrase", "authorization", "auth",
                           "cookie", "session", "apikey", "credential", "credentials", "jwt"})
_SECRET_KEYS = frozenset({"api", "access", "private", "admin", "sandbox", "signing", "client"})
"""A ``key`` is a secret after one of these words (``x-api-key``, ``admin_key``), not alone
(``idempotency-key``)."""
_DESCRIBING = frozenset({"url", "uri", "endpoint", "type", "scheme", "method", "status", "state", "hint",
                         "expire", "expiry", "ttl", "length", "format", "mode", "name"})
"""A name ending in one of these describes a secret and is none (``token_url``, ``token_type``);
words are compared singular (``token_expires``)."""
_SECRET_PARTS = ("token", "secret", "password", "passwd", "passphrase", "auth", "cookie", "session", "key",
                 "jwt", "credential")
"""Every secret name has one of these in it (a test checks): a text with none needs no regex."""
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_SCHEME = re.compile(r"^(?:bearer|basic|token|digest)\s+(\S+)$", re.IGNORECASE)
_JSON_PAIR = re.compile(r'"((?:[^"\\]|\\.){1,80})"(\s*:\s*)"((?:[^"\\]|\\.)*)"')
_FORM_PAIR = re.compile(r"(^|[?&\s])([A-Za-z][\w.-]{0,79})=([^&\s\"'#]*)")


@functools.lru_cache(maxsize=4096)
def secret_name(name: str) -> bool:
    """Whether a header, query parameter or field called ``name`` holds a secret: it has a word
    such as token, secret, password, auth, cookie or session (``X-Api-Token``, ``sessionId``,
    ``client_secret``), or an api/access/private/admin key, and does not end in a word that
    describes one (``token_url``). Cached: a journal repeats the same few names in every entry."""
    words = [_singular(word.lower()) for word in _WORD.findall(name)]
    if not words or words[-1] in _DESCRIBING:
        return False
    keyed = any(word == "key" and before in _SECRET_KEYS for before, word in itertools.pairwise(words))
    return keyed or not _SECRET_WORDS.isdisjoint(words)


def _singular(word: str) -> str:
    """``tokens`` is ``token``, ``api_keys`` holds ``key``s (``status`` and ``address`` stay)."""
    return word[:-1] if word.endswith("s") and not word.endswith(("ss", "us")) else word


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


LOOK_BACK_S = 3.0
"""How long an entry can land behind one with a higher id: on PostgreSQL ids are taken when a row
is inserted and seen when its transaction commits, so a worker's batch (or a callback attempt's
row) can commit after another's with higher ids; the journal's batches land within about half a
second."""


@dataclass
class Tail:
    """A tenant's journal read forward: each :meth:`read` exports only what came after the last
    entry it returned, so a watcher that polls a busy journal reads each entry once; and every
    :data:`LOOK_BACK_S` it reads again from the last id that cannot have anything land behind it
    any more (``settled``), returning only entries it had not returned, so one that committed
    late is not skipped."""

    tenant: Tenant
    after: int = 0
    look_back_s: float = LOOK_BACK_S
    settled: int = field(init=False)
    _seen: dict[int, float] = field(init=False, default_factory=dict)  # id above settled -> when
    _looked_back: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.settled, self._looked_back = self.after, time.monotonic()

    def read(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        look_back = bool(self._seen) and now - self._looked_back >= self.look_back_s
        since = self.settled if look_back else self.after
        fresh = [e for e in export(self.tenant, since_id=since) if int(e["id"]) not in self._seen]
        for entry in fresh:
            self._seen[int(entry["id"])] = now
        self.after = max([self.after, *self._seen])
        if look_back:
            self._looked_back = now
            old = [i for i, at in self._seen.items() if now - at >= self.look_back_s]
            if old:
                self.settled = max(old)
                self._seen = {i: at for i, at in self._seen.items() if i > self.settled}
        return fresh

    def catch_up(self, quiet_s: float, cap_s: float = 3.0) -> None:
        """Read to the newest entry, once ``quiet_s`` passes with nothing new but the reads
        themselves: another worker's entries land up to half a second late (see :func:`settled`),
        and one that lands after the cursor would pass for something done after it."""
        self.read()
        deadline = time.monotonic() + cap_s
        while quiet_s > 0 and time.monotonic() < deadline:
            time.sleep(quiet_s)
            if _settling(self.read()) == 0:
                return


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
    """Replaces every known secret value, wherever it appears, and every value of a secret-named
    field, header or parameter (:func:`secret_name`), with ``***``."""

    secrets: set[str] = field(default_factory=set)

    def add(self, *values: Any) -> None:
        """Values shorter than 6 characters are left to masking by name: replacing them everywhere
        would blank ordinary words and numbers."""
        for value in values:
            if isinstance(value, str) and len(value) >= 6 and value != MASK:
                self.secrets.add(value)
                credentials = _SCHEME.match(value.strip())  # "Bearer <token>", "Basic <...>"
                if credentials:
                    self.add(credentials.group(1))

    def learn(self, data: Any) -> None:
        """Add the values of every secret-named key in ``data`` (nested dicts and lists)."""
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(value, str) and secret_name(str(key)):
                    self.add(value)
                else:
                    self.learn(value)
        elif isinstance(data, list | tuple):
            for item in data:
                self.learn(item)

    def learn_journal(self, entries: list[dict[str, Any]]) -> None:
        """Add the secrets the entries carry under a secret name: headers (an ``X-Api-Token``, a
        cookie's values), query parameters (``?token=``, raw and decoded), JSON and form fields of
        bodies (a token or session in the answer of a token or login operation, a password sent)."""
        for entry in entries:
            self._learn_pairs(_form_pairs(str(entry.get("query") or "")))
            for part in ("request", "response"):
                exchange = entry.get(part) or {}
                for name, value in (exchange.get("headers") or {}).items():
                    if secret_name(str(name)):
                        self.add(str(value), *_cookie_values(str(value)))
                self._learn_body(exchange.get("body"))

    def _learn_body(self, body: Any) -> None:
        if not isinstance(body, str) or not body:
            return
        try:
            self.learn(json.loads(body))
        except ValueError:
            self._learn_pairs(_form_pairs(body))

    def _learn_pairs(self, pairs: list[tuple[str, str]]) -> None:
        for name, raw in pairs:
            if secret_name(name):
                self.add(raw, unquote_plus(raw))

    def text(self, value: str) -> str:
        """``value`` with every known secret masked, every secret the sandbox issued (by its shape:
        the journal shows a token the client fetched itself masked, so its value cannot be learnt
        there), and the values of secret-named fields."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            value = value.replace(secret, MASK)
        if issued.might_hold(value):
            value = issued.mask_issued(value)
        return _by_name(value)

    def data(self, value: Any) -> Any:
        """A copy of ``value`` with every string masked (keys too: a secret can be a key), and the
        string value of every secret-named key replaced whole."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self._field(str(k), v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(item) for item in value]
        return value

    def _field(self, name: str, value: Any) -> Any:
        """A secret-named field's strings are masked whole, in a list or object under it too."""
        if not secret_name(name):
            return self.data(value)
        if isinstance(value, str):
            return MASK if value else value
        if isinstance(value, dict):
            return {self.text(str(k)): self._field(name, v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._field(name, item) for item in value]
        return value


def _form_pairs(text: str) -> list[tuple[str, str]]:
    """``name=value`` pairs of a query string or form body, values as sent (percent-encoded)."""
    return [(name, raw) for name, _, raw in (pair.partition("=") for pair in text.split("&")) if raw]


def _cookie_values(header: str) -> list[str]:
    """The values of a ``Cookie`` or ``Set-Cookie`` header (``sid=<value>; Path=/``)."""
    return [pair.partition("=")[2].strip() for pair in header.split(";") if "=" in pair]


def _by_name(text: str) -> str:
    """``text`` with the value of every secret-named JSON string field and query or form
    parameter in it replaced: a request body, a query string, a URL quoted in a finding."""
    lowered = text.lower()
    if not any(part in lowered for part in _SECRET_PARTS):
        return text  # the usual body: no name in it can be a secret's (3 times faster)
    if "=" in text:
        text = _FORM_PAIR.sub(lambda m: f"{m[1]}{m[2]}={MASK}" if _masks(m[2], m[3]) else m[0], text)
    if '"' in text:
        text = _JSON_PAIR.sub(lambda m: f'"{m[1]}"{m[2]}"{MASK}"' if _masks(m[1], m[3]) else m[0], text)
    return text


def _masks(name: str, value: str) -> bool:
    return bool(value) and value != MASK and secret_name(name)
