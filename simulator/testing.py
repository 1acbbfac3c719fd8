"""Helpers a vendor imports into its own pytest suite (and the sandbox's own tests use).

Point :class:`Sandbox` at any httpx-style client: ``httpx.Client(base_url="http://127.0.0.1:8080")``
for a running sandbox, or ``create_app(...).test_client()`` in-process. Everything goes through the
public HTTP API; nothing here reaches into the simulator's internals.

    sandbox = Sandbox(httpx.Client(base_url="http://127.0.0.1:8080"))
    tenant = sandbox.create_tenant(seed=7)
    tenant.freeze_clock("2026-03-02T09:00:00+08:00")
    employer = tenant.employer()
    employer.register()
    foreigner = employer.create_foreigner()
    application = employer.file_application(foreigner["id"], today=tenant.today())
    tenant.officer.accept(application["id"])
    tenant.officer.approve(application["id"])
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEMO_USCC = "91350200776049653A"
"""A unified social credit code that passes both GB 32100 checks (docs/domain.md §3.4)."""


class SandboxError(AssertionError):
    """An unexpected answer from the sandbox; carries the response for the test report."""

    def __init__(self, response: Any, expected: int) -> None:
        self.response = response
        super().__init__(f"expected {expected}, got {response.status_code}: {response.text[:500]}")


def expect(response: Any, status: int) -> Any:
    if response.status_code != status:
        raise SandboxError(response, status)
    return response.json() if response.content else None


def verify_signature(secret: str, header: str | None, body: bytes | str, tolerance: float = 300,
                     now: float | None = None) -> bool:
    """Whether a callback's ``X-Sandbox-Signature`` (``t=<unix seconds>,v1=<hex>``) signs ``body``
    (the raw bytes received) with the tenant's ``secret``, within ``tolerance`` seconds of ``now``.

    ``v1`` is HMAC-SHA256 of ``f"{t}.{body}"`` keyed with the secret; several ``v1`` are accepted,
    any one matching. Refusing old timestamps is what stops a replayed post.
    """
    if not header:
        return False
    raw = body.encode() if isinstance(body, str) else body
    parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
    stamps = [value for key, value in parts if key.strip() == "t"]
    signatures = [value.strip() for key, value in parts if key.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not signatures:
        return False
    stamp = int(stamps[0])
    if abs((time.time() if now is None else now) - stamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), str(stamp).encode() + b"." + raw, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


def foreigner_payload(**overrides: Any) -> dict[str, Any]:
    """A category-B engineer (70 points with :func:`application_payload`'s job)."""
    return {
        "full_name": "MUELLER ANNA", "sex": "F", "birth_date": "1990-05-17", "nationality": "DEU",
        "passport_number": "C01X00T47", "passport_expiry": "2034-01-31", "education": "MASTER",
        "experience_years": 5, "chinese_level": "HSK3", **overrides,
    }


def documents(today: date, **issue_dates: date) -> list[dict[str, Any]]:
    """Fresh, legalised and translated documents for a new application submitted ``today``."""
    defaults = {
        "CRIMINAL_RECORD": today - timedelta(days=30),
        "HEALTH_CERTIFICATE": today - timedelta(days=20),
        "DEGREE_CERTIFICATE": date(2014, 7, 1),
        "EMPLOYMENT_CONTRACT": today - timedelta(days=10),
        "PASSPORT": date(2024, 2, 1),
    }
    defaults.update(issue_dates)
    return [{"type": kind, "issue_date": day.isoformat(), "legalised": kind != "PASSPORT",
             "translated": True} for kind, day in defaults.items()]


def application_payload(foreigner_id: str, today: date, **overrides: Any) -> dict[str, Any]:
    """A pre-entry category-B application by points: 300k CNY (14) + master's (15) + 5 years
    (8) + 12 months (15) + HSK 3 (3) + Shanghai (0) + age 35 (15) = 70."""
    job = {
        "position": "Senior battery engineer", "annual_salary_cny": 300_000,
        "months_in_china_per_year": 12, "province": "31", "city": "Shanghai",
        "contract_start": (today + timedelta(days=60)).isoformat(),
        "contract_end": (today + timedelta(days=60 + 2 * 365)).isoformat(),
    }
    job.update(overrides.pop("job", {}))
    return {
        "type": "NEW_OVERSEAS", "foreigner_id": foreigner_id, "category": "B",
        "qualification_route": "POINTS", "job": job, "documents": documents(today), **overrides,
    }


@dataclass
class Officer:
    http: Any
    tenant_id: str
    headers: dict[str, str]

    def _act(self, application_id: str, action: str, body: Any = None, status: int = 200) -> Any:
        url = f"/sandbox/v1/tenants/{self.tenant_id}/officer/applications/{application_id}/{action}"
        return expect(self.http.post(url, json=body, headers=self.headers), status)

    def accept(self, application_id: str) -> Any:
        return self._act(application_id, "acceptance")

    def return_for_correction(self, application_id: str, defects: list[dict[str, Any]]) -> Any:
        return self._act(application_id, "correction-request", {"defects": defects})

    def request_supplement(self, application_id: str, defects: list[dict[str, Any]]) -> Any:
        return self._act(application_id, "supplement-request", {"defects": defects})

    def approve(self, application_id: str) -> Any:
        return self._act(application_id, "approval")

    def reject(self, application_id: str, reason: str) -> Any:
        return self._act(application_id, "rejection", {"reason": reason})


@dataclass
class Employer:
    http: Any
    employer_id: str
    headers: dict[str, str]

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.http.get(f"/fwp/v1{path}", headers=self.headers, **kwargs)

    def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.http.post(f"/fwp/v1{path}", json=json, headers={**self.headers, **(headers or {})})

    def put(self, path: str, json: Any = None) -> Any:
        return self.http.put(f"/fwp/v1{path}", json=json, headers=self.headers)

    def register(self, uscc: str = DEMO_USCC, **fields: Any) -> Any:
        body = {"uscc": uscc, "name_zh": "厦门示例科技有限公司",
                "name_en": "Xiamen Example Technology Co., Ltd.", "province": "35", **fields}
        return expect(self.put("/employer", body), 200)

    def create_foreigner(self, **overrides: Any) -> Any:
        return expect(self.post("/foreigners", foreigner_payload(**overrides)), 201)

    def file_application(self, foreigner_id: str, today: date, **overrides: Any) -> Any:
        return expect(self.post("/applications", application_payload(foreigner_id, today, **overrides)), 201)


@dataclass
class Tenant:
    http: Any
    id: str
    admin_key: str
    credentials: dict[str, Any]
    seed: int
    headers: dict[str, str] = field(init=False)
    officer: Officer = field(init=False)

    def __post_init__(self) -> None:
        self.headers = {"X-Sandbox-Key": self.admin_key}
        self.officer = Officer(self.http, self.id, self.headers)

    def employer(self, credentials: dict[str, Any] | None = None) -> Employer:
        creds = credentials or self.credentials
        token = expect(self.http.post("/fwp/v1/oauth/token", data={
            "grant_type": "client_credentials", "client_id": creds["client_id"],
            "client_secret": creds["client_secret"]}), 200)
        return Employer(self.http, creds["employer_id"], {"Authorization": f"Bearer {token['access_token']}"})

    def add_employer(self) -> Employer:
        creds = expect(self.http.post(f"/sandbox/v1/tenants/{self.id}/employers", headers=self.headers), 201)
        return self.employer(creds)

    def clock(self) -> Any:
        return expect(self.http.get(f"/sandbox/v1/tenants/{self.id}/clock", headers=self.headers), 200)

    def today(self) -> date:
        return date.fromisoformat(self.clock()["today"])

    def freeze_clock(self, now: str) -> Any:
        return expect(self.http.put(f"/sandbox/v1/tenants/{self.id}/clock",
                                    json={"now": now, "frozen": True}, headers=self.headers), 200)

    def advance(self, days: int = 0, hours: int = 0) -> Any:
        return expect(self.http.post(f"/sandbox/v1/tenants/{self.id}/clock/advance",
                                     json={"days": days, "hours": hours}, headers=self.headers), 200)

    def reset(self) -> Any:
        return expect(self.http.post(f"/sandbox/v1/tenants/{self.id}/reset", headers=self.headers), 200)

    def register_callback(self, url: str, **fields: Any) -> Any:
        """A callback (webhook) of this tenant; the answer carries the signing ``secret``."""
        return expect(self.http.post(f"/sandbox/v1/tenants/{self.id}/callbacks",
                                     json={"url": url, **fields}, headers=self.headers), 201)

    def callback_deliveries(self, **filters: Any) -> list[Any]:
        """The first 100 deliveries of this tenant's callbacks, oldest first."""
        url = f"/sandbox/v1/tenants/{self.id}/callback-deliveries"
        page = expect(self.http.get(url, params={"limit": 100, **filters}, headers=self.headers), 200)
        return list(page["items"])


@dataclass
class Sandbox:
    http: Any
    admin_token: str | None = None

    def create_tenant(self, name: str | None = None, seed: int | None = None,
                      seed_data: bool = False) -> Tenant:
        """A new tenant. Unlike the API's default, no seeded people unless ``seed_data``: a
        test starts from an empty world."""
        body: dict[str, Any] = {k: v for k, v in {"name": name, "seed": seed}.items() if v is not None}
        body["seed_data"] = seed_data
        headers = {"X-Sandbox-Admin-Token": self.admin_token} if self.admin_token else {}
        created = expect(self.http.post("/sandbox/v1/tenants", json=body, headers=headers), 201)
        return Tenant(self.http, created["id"], created["admin_key"], created["employer"], created["seed"])


# Callbacks ------------------------------------------------------------------------------------

@dataclass
class ReceivedCallback:
    at: float
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return dict(json.loads(self.body))

    @property
    def delivery(self) -> str:
        return self.headers["x-sandbox-delivery"]


@dataclass
class CallbackReceiver:
    """A real HTTP server on 127.0.0.1 (an ephemeral port) to register as a callback URL: it records
    every post and answers each with the next status of ``script``, then ``then``."""

    script: list[int] = field(default_factory=list)
    then: int = 200
    calls: list[ReceivedCallback] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    hold: threading.Event | None = None
    """When set, each post is recorded at once but answered only when the event is set (up to 30 s):
    a slow receiver, to see that it holds up nobody else."""
    _arrived: threading.Condition = field(default_factory=threading.Condition, repr=False)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/fwp-events"

    def start(self) -> CallbackReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver.script.pop(0) if receiver.script else receiver.then
                with receiver._arrived:
                    receiver.calls.append(ReceivedCallback(time.monotonic(), {k.lower(): v for k, v in
                                                                      self.headers.items()}, body))
                    receiver._arrived.notify_all()
                if receiver.hold is not None:
                    receiver.hold.wait(30)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()  # answer the held posts, or closing the server waits for them
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def wait_for(self, count: int, timeout: float = 15.0) -> list[ReceivedCallback]:
        """The posts so far, once ``count`` have arrived (woken by each arrival, not polling)."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.calls) >= count, timeout)
            assert len(self.calls) >= count, f"{len(self.calls)} of {count} posts arrived"
            return list(self.calls)
