"""The reference client's HTTP habits: one cached token, one Idempotency-Key per filing reused on
every attempt, Retry-After honoured, exponential backoff on 5xx and dropped connections, and never a blind
retry of a POST without a key (the caller reads the state first).

Each habit is one overridable attribute or method, so that a test can build a client that breaks
exactly one of them (``tests/conform/broken_clients.py``).
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx

from simulator.conform.model import SandboxContext

TAKES_A_KEY = re.compile(r"^/fwp/v1/(foreigners|applications|work-permits/\d+/[a-z-]+)$")
"""The creating POSTs: they carry an Idempotency-Key, so they are retried with it."""


class Unanswered(Exception):
    """A POST without an Idempotency-Key got no usable answer: it may or may not have been applied,
    so it is not re-sent before the caller has looked (RFC 9110 §9.2.2)."""


class Api:
    """The employer API and the e-SSC app's calls of one tenant."""

    backoff: tuple[float, ...] = (0.2, 0.4, 0.8, 1.6, 3.2)
    max_attempts = 6
    honour_retry_after = True
    reuse_token = True
    send_keys = True
    look_before_resending = True

    def __init__(self, context: SandboxContext) -> None:
        self.context = context
        self.http = httpx.Client(base_url=context.base_url, timeout=3)
        self.token: str | None = None
        self.token_expires = 0.0

    def key(self) -> str | None:
        return str(uuid.uuid4()) if self.send_keys else None

    def retry_key(self, key: str | None) -> str | None:
        """The key of the next attempt of the same filing: the same one."""
        return key

    def bearer(self) -> str:
        if self.token is None or not self.reuse_token or time.monotonic() >= self.token_expires:
            employer = self.context.employer
            answer = self.http.post(employer["token_url"], data={
                "grant_type": "client_credentials", "client_id": employer["client_id"],
                "client_secret": employer["client_secret"]})
            answer.raise_for_status()
            token = answer.json()
            self.token = str(token["access_token"])
            self.token_expires = time.monotonic() + float(token.get("expires_in", 3600)) - 30
        return self.token

    def employer(self, method: str, path: str, json: Any = None, key: str | None = None,
                 params: dict[str, Any] | None = None) -> httpx.Response:
        return self.send(method, f"/fwp/v1{path}", json=json, key=key, params=params, auth=True)

    def app(self, method: str, path: str, json: Any = None, token: str | None = None) -> httpx.Response:
        """The e-SSC app's calls: the tenant header, and the holder's session token if any."""
        headers = {"X-Sandbox-Tenant": self.context.tenant_id}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.send(method, f"/ssc/v1{path}", json=json, headers=headers)

    def send(self, method: str, path: str, *, json: Any = None, key: str | None = None,
             params: dict[str, Any] | None = None, auth: bool = False,
             headers: dict[str, str] | None = None) -> httpx.Response:
        for attempt in range(self.max_attempts):
            sent = dict(headers or {})
            if auth:
                sent["Authorization"] = f"Bearer {self.bearer()}"
            if key:
                sent["Idempotency-Key"] = key
            blind = method == "POST" and not key and not TAKES_A_KEY.match(path) and "/oauth/" not in path
            try:
                answer = self.http.request(method, path, json=json, params=params, headers=sent)
            except httpx.TransportError as exc:
                if blind and self.look_before_resending:
                    raise Unanswered(f"{method} {path}: {exc}") from exc
                self.pause(attempt, None)
                key = self.retry_key(key)
                continue
            if answer.status_code == 401 and auth and attempt == 0:
                self.token = None
                continue
            if (answer.status_code < 500 and answer.status_code != 429) or attempt == self.max_attempts - 1:
                return answer
            if blind and self.look_before_resending and answer.status_code not in (429, 503):
                raise Unanswered(f"{method} {path}: {answer.status_code}")
            self.pause(attempt, answer.headers.get("Retry-After"))
            key = self.retry_key(key)
        raise RuntimeError(f"{method} {path}: no answer after {self.max_attempts} attempts")

    def pause(self, attempt: int, retry_after: str | None) -> None:
        if retry_after is not None and self.honour_retry_after:
            time.sleep(float(retry_after))
        else:
            time.sleep(self.backoff[min(attempt, len(self.backoff) - 1)])

    def close(self) -> None:
        self.http.close()


def expect(answer: httpx.Response, *statuses: int) -> Any:
    if answer.status_code not in statuses:
        raise RuntimeError(f"{answer.request.method} {answer.request.url.path} answered "
                           f"{answer.status_code}: {answer.text[:300]}")
    return answer.json() if answer.content else {}
