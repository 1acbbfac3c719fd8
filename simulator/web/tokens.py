"""Self-contained, HMAC-signed bearer tokens.

A token names its tenant, employer and expiry and is signed with a secret kept in the database,
so every worker process verifies it without a database round trip.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    subject: str
    kind: str  # "employer"


class TokenSigner:
    VERSION = "v1"

    CACHE_SIZE = 4096
    """Verified tokens remembered (a client sends the same token on every request, and the
    security layer and the fault middleware both verify it): a hit skips the HMAC."""

    def __init__(self, secret: bytes, ttl_seconds: int) -> None:
        self._secret = secret
        self.ttl_seconds = ttl_seconds
        self._verified: dict[str, tuple[Principal, int]] = {}

    @property
    def secret(self) -> bytes:
        """The server's signing secret, also used to sign permit QR codes."""
        return self._secret

    def _sign(self, payload: str) -> str:
        mac = hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def issue(self, principal: Principal, now: float | None = None) -> str:
        expires = int((now or time.time()) + self.ttl_seconds)
        fields = [self.VERSION, principal.kind, principal.tenant_id, principal.subject, str(expires)]
        payload = ".".join(fields)
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str, now: float | None = None) -> Principal | None:
        known = self._verified.get(token)
        if known is not None:  # signature checked before; the expiry is checked every time
            return known[0] if known[1] >= (now or time.time()) else None
        parts = token.split(".")
        if len(parts) != 6 or parts[0] != self.VERSION:
            return None
        payload, signature = ".".join(parts[:5]), parts[5]
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        _, kind, tenant_id, subject, expires = parts[:5]
        if not expires.isdigit() or int(expires) < (now or time.time()):
            return None
        principal = Principal(tenant_id=tenant_id, subject=subject, kind=kind)
        if len(self._verified) >= self.CACHE_SIZE:
            self._verified.clear()  # simple and bounded; a miss only costs the HMAC again
        self._verified[token] = (principal, int(expires))
        return principal


def secret_hash(secret: str) -> str:
    """Secrets are stored only as SHA-256 digests."""
    return hashlib.sha256(secret.encode()).hexdigest()
