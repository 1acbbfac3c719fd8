"""A vendor client for the load tests: the reference client, except that its creates carry no
Idempotency-Key, so each retry after an injected 503 is an unkeyed re-send (FWP-IDEM-01)."""

from __future__ import annotations

from scenarios.reference_adapter import ReferenceAdapter
from scenarios.reference_http import Api


class UnkeyedApi(Api):
    send_keys = False


class UnkeyedRetries(ReferenceAdapter):
    name = "unkeyed-retries"
    api_class = UnkeyedApi
