"""ASGI middleware that applies the tenant's fault rules (model: ``sandbox/faults.py``).

It sits inside the journal middleware, so the journal records what the caller got, and right
after connexion's routing, before security and validation: it reads the operation routing found
(``scope["extensions"]["connexion_routing"]``, so a path is matched once per request, by the
router) and answers on its own, so an injected error never reaches the operation. The no-fault
path costs a header scan, a token check and a dictionary lookup; the database is read once per
tenant per ``CACHE_SECONDS`` and written only for a request an operation's rule matches (to count
it, see ``faults.roll``). When a tenant's cached rules expire, one load runs and the requests that
arrive meanwhile wait for it instead of each starting their own (under load hundreds would, once
a second). Inside connexion's exception handling, an error of its own is rendered as a problem.

Each applied fault is named in the response's ``X-Sandbox-Fault`` header (which the journal keeps)
and in the scope's ``extensions["sandbox_fault"]``.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from connexion.middleware.abstract import ROUTING_CONTEXT

from simulator.sandbox import faults
from simulator.store.db import Database
from simulator.web.problems import PROBLEM_MEDIA_TYPE, problem_body
from simulator.web.responses import dumps
from simulator.web.tokens import TokenSigner

FAULT_HEADER = b"x-sandbox-fault"
_TENANT_ID = re.compile(rb"ten_[a-z2-7]{12}")


class FaultMiddleware:
    def __init__(self, app: Any, db: Database, signer: TokenSigner) -> None:
        self.app = app
        self.signer = signer
        self.db = db
        self.cache = faults.cache_for(db)
        self._loading: dict[str, asyncio.Future[frozenset[str]]] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(faults.FAULTABLE):
            await self.app(scope, receive, send)
            return
        tenant_id = self._tenant(scope["headers"])
        operations = None if tenant_id is None else self.cache.fresh(tenant_id)
        if tenant_id is not None and operations is None:
            operations = await self._load(tenant_id)
        operation_id = _routed(scope) if operations else None
        if tenant_id is None or operation_id not in (operations or ()):
            await self.app(scope, receive, send)
            return
        hits = await asyncio.to_thread(faults.roll, self.db, tenant_id, str(operation_id))
        await self._apply(hits, str(operation_id), scope, receive, send)

    async def _load(self, tenant_id: str) -> frozenset[str]:
        """The tenant's rules from the database, one load at a time per tenant (and event loop)."""
        loop = asyncio.get_running_loop()
        pending = self._loading.get(tenant_id)
        if pending is None or pending.get_loop() is not loop:
            pending = asyncio.ensure_future(asyncio.to_thread(self.cache.load, tenant_id))
            self._loading[tenant_id] = pending
            pending.add_done_callback(lambda done: self._loading.pop(tenant_id, None)
                                      if self._loading.get(tenant_id) is done else None)
        return await asyncio.shield(pending)  # a caller that goes away leaves the load to others

    def _tenant(self, headers: list[tuple[bytes, bytes]]) -> str | None:
        """The tenant a request names, as the journal finds it: a valid bearer token, else the
        e-SSC's ``X-Sandbox-Tenant`` (a wrong tenant there only faults that tenant's own calls)."""
        for name, value in headers:
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                principal = self.signer.verify(value[7:].decode("latin-1"))
                if principal is not None:
                    return principal.tenant_id
            elif name == b"x-sandbox-tenant" and _TENANT_ID.fullmatch(value):
                return value.decode("latin-1")
        return None

    async def _apply(self, hits: list[faults.Hit], operation_id: str, scope: Any, receive: Any,
                     send: Any) -> None:
        delay = min(sum(h.delay_ms for h in hits), faults.MAX_LATENCY_MS)
        if delay:
            await asyncio.sleep(delay / 1000)
        final = next((h for h in hits if h.rule.kind != "LATENCY"), None)
        labels = [h.rule.label() for h in hits if h.rule.kind == "LATENCY" or h is final]
        extensions = scope.setdefault("extensions", {})
        if labels:
            extensions["sandbox_fault"] = "; ".join(labels)
        if final is None:
            await self.app(scope, receive, _labelled(send, labels))
            return
        await _read_body(receive)  # the journal keeps what was sent: the harness pairs retries by it
        if final.rule.kind == "DROP":
            await _drop(send, labels)
        else:
            await _problem(final.rule, scope["path"], send, labels)


async def _read_body(receive: Any) -> None:
    """Read the request to its end, as a server does before it answers (the body limit in front
    bounds it). The journal records a body as it is read: a create answered by a fault without
    this would show no body, and a client's next, different filing could not be told from its
    retry."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return


def _routed(scope: Any) -> str | None:
    """The operationId connexion's routing found for this request (``None``: no operation). A
    HEAD is routed to its GET's operation by Starlette, but a rule is about the operation's own
    method: a HEAD is never faulted (nor counted against a rule's limit)."""
    if scope["method"] == "HEAD":
        return None
    routing = scope.get("extensions", {}).get(ROUTING_CONTEXT) or {}
    return routing.get("operation_id")


def _labelled(send: Any, labels: list[str]) -> Any:
    if not labels:
        return send

    async def labelled(message: Any) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", []), (FAULT_HEADER, "; ".join(labels).encode())]
            message = {**message, "headers": headers}
        await send(message)

    return labelled


async def _problem(rule: faults.Rule, path: str, send: Any, labels: list[str]) -> None:
    code = f"E_FAULT_INJECTED_{rule.status}"
    body = dumps(problem_body(code, f"Fault {rule.id} answered instead of the operation.",
                              f"故障规则 {rule.id} 代替接口作出了应答。", instance=path)).encode()
    headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode()),
               (b"content-length", str(len(body)).encode()),
               (FAULT_HEADER, "; ".join(labels).encode())]
    if rule.retry_after_s is not None:
        headers.append((b"retry-after", str(rule.retry_after_s).encode()))
    await send({"type": "http.response.start", "status": rule.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _drop(send: Any, labels: list[str]) -> None:
    """Drop the connection. ASGI has no message for that; uvicorn closes the connection when an
    application returns after starting a response without finishing it. The status line and
    headers go out first (the journal records them), the promised body never does: clients see
    an incomplete message, a transport error, and no answer to act on."""
    await send({"type": "http.response.start", "status": 502,
                "headers": [(b"content-length", b"1"), (FAULT_HEADER, "; ".join(labels).encode())]})
