"""The framework floor: connexion's FlaskApp on the simulator's bundled work-permit spec, with
handlers that return canned, schema-valid responses and touch no database.

Everything that sits in front of a simulator handler is kept: the same bundled spec
(``simulator.specs.load("work-permit")``), ``strict_validation=True``, ``pythonic_params=True``,
``validate_responses=False`` (as in ``fwp-sandbox serve``), and the bearer-token security check. The
spec's ``x-tokenInfoFunc`` is pointed at :func:`token_info`, which verifies an HMAC-signed token
with the simulator's own :class:`~simulator.web.tokens.TokenSigner` (the same work the simulator
does per request, without its runtime/database). ``POST /oauth/token`` hands out such tokens for
any client credentials, so the benchmark prepares this target over HTTP like the others.

Two variants, chosen by the environment (uvicorn workers re-read it):

- ``BENCH_FASTPATH=0`` (default): connexion FlaskApp **as shipped**, the floor the issue asks for.
- ``BENCH_FASTPATH=1``: the same app with the simulator's measured connexion speed-ups applied
  (``simulator.fastpath.install()``, cached validators from ``simulator.web.validation``,
  ``simulator.fastpath.inline()``), i.e. the floor of the simulator's own configuration.

Serve it like the simulator (2 workers)::

    .venv/bin/python -m uvicorn empty_app:create_app --factory --app-dir bench \
        --host 127.0.0.1 --port 8090 --workers 2 --no-access-log

``.venv/bin/python bench/empty_app.py --check`` validates the canned responses against the spec
in-process (``validate_responses=True``) and exits non-zero if connexion rejects them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import connexion
from connexion.resolver import Resolver
from flask import Response

from simulator import specs
from simulator.web.tokens import Principal, TokenSigner

SURFACE = "work-permit"
BASE = "/fwp/v1"
DEFAULT_SECRET = "fwp-sandbox-bench-empty-app"
TOKEN_TTL_SECONDS = 3600

# Valid ids for the spec's patterns (^app_[a-z2-7]{12}$, ^frn_[a-z2-7]{12}$).
APPLICATION_ID = "app_bench2345abc"
FOREIGNER_ID = "frn_bench2345abc"
_AT = "2026-03-02T09:00:00+08:00"

STATUS_VIEW: dict[str, Any] = {
    "id": APPLICATION_ID, "status": "PRE_REVIEW", "updated_at": _AT,
    "allowed_actions": ["withdraw"], "work_permit_number": None,
}
"""What the simulator answers to GET /applications/{id}/status for a fresh application."""

APPLICATION: dict[str, Any] = {
    "id": APPLICATION_ID, "type": "NEW_OVERSEAS", "status": "PRE_REVIEW",
    "foreigner_id": FOREIGNER_ID, "category": "B", "derived_category": "B",
    "qualification_route": "POINTS", "relaxation_reason": None, "bonuses": [],
    "points": {"salary": 14, "education": 15, "experience": 8, "months_in_china": 15, "chinese": 3,
               "location": 0, "age": 15, "bonus": 0, "total": 70},
    "job": {"months_in_china_per_year": 12, "position": "Senior battery engineer",
            "annual_salary_cny": 300000, "province": "31", "city": "Shanghai",
            "contract_start": "2026-05-01", "contract_end": "2028-04-30"},
    "documents": [
        {"type": "CRIMINAL_RECORD", "issue_date": "2026-01-31", "legalised": True, "translated": True},
        {"type": "HEALTH_CERTIFICATE", "issue_date": "2026-02-10", "legalised": True,
         "translated": True},
        {"type": "DEGREE_CERTIFICATE", "issue_date": "2014-07-01", "legalised": True,
         "translated": True},
        {"type": "EMPLOYMENT_CONTRACT", "issue_date": "2026-02-20", "legalised": True,
         "translated": True},
        {"type": "PASSPORT", "issue_date": "2024-02-01", "legalised": False, "translated": True},
    ],
    "defects": None, "decision": None, "work_permit_number": None,
    "history": [
        {"at": _AT, "event": "create", "from_status": None, "to_status": "DRAFT",
         "actor": "EMPLOYER", "note": None},
        {"at": _AT, "event": "submit", "from_status": "DRAFT", "to_status": "SUBMITTED",
         "actor": "EMPLOYER", "note": None},
        {"at": _AT, "event": "start_pre_review", "from_status": "SUBMITTED",
         "to_status": "PRE_REVIEW", "actor": "SYSTEM", "note": None},
    ],
    "created_at": _AT, "submitted_at": _AT, "updated_at": _AT,
}
"""Shaped and sized like the simulator's 201 answer to POST /applications (about 1.5 kB)."""


def _dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


_STATUS_BYTES = _dumps(STATUS_VIEW)
_APPLICATION_BYTES = _dumps(APPLICATION)
_NOT_IMPLEMENTED = _dumps({
    "type": "about:blank", "title": "Not implemented", "status": 501,
    "detail": "The empty-handler benchmark app only answers the benchmarked operations.",
})

_signer = TokenSigner(
    os.environ.get("BENCH_TOKEN_SECRET", DEFAULT_SECRET).encode(), TOKEN_TTL_SECONDS
)


# Security ----------------------------------------------------------------------------------------

def token_info(token: str) -> dict[str, Any] | None:
    """``x-tokenInfoFunc``: the simulator's check (HMAC, expiry, kind) minus its runtime lookup."""
    principal = _signer.verify(token)
    if principal is None or principal.kind != "employer":
        return None
    return {"sub": principal.subject, "tenant_id": principal.tenant_id, "scope": ["employer"]}


# Handlers (names match the spec's operationIds) --------------------------------------------------

def issue_token(body: dict[str, Any] | None = None, **_: Any) -> Response:
    client_id = str((body or {}).get("client_id") or "bench")
    token = _signer.issue(Principal(tenant_id="ten_bench", subject=f"emp_{client_id}"[:40],
                                    kind="employer"), now=time.time())
    payload = {"access_token": token, "token_type": "Bearer",
               "expires_in": TOKEN_TTL_SECONDS, "scope": "employer"}
    return Response(_dumps(payload), status=200, headers={"Cache-Control": "no-store"},
                    mimetype="application/json")


def get_application_status(application_id: str) -> Response:
    return Response(_STATUS_BYTES, status=200, mimetype="application/json")


def create_application(body: dict[str, Any]) -> Response:
    return Response(_APPLICATION_BYTES, status=201, mimetype="application/json",
                    headers={"Location": f"{BASE}/applications/{APPLICATION_ID}"})


def not_implemented(**_: Any) -> Response:
    return Response(_NOT_IMPLEMENTED, status=501, mimetype="application/problem+json")


HANDLERS: dict[str, Callable[..., Response]] = {
    "issue_token": issue_token,
    "get_application_status": get_application_status,
    "create_application": create_application,
}


def _resolve(operation_id: str) -> Callable[..., Response]:
    return HANDLERS.get(operation_id.rpartition(".")[2], not_implemented)


# App factory -------------------------------------------------------------------------------------

def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def bench_spec() -> dict[str, Any]:
    """The bundled spec, unchanged but for the security scheme's ``x-tokenInfoFunc``."""
    spec = specs.load(SURFACE)
    for scheme in spec["components"]["securitySchemes"].values():
        if "x-tokenInfoFunc" in scheme:
            scheme["x-tokenInfoFunc"] = f"{token_info.__module__}.token_info"
    return spec


def create_app(*, fastpath: bool | None = None,
               validate_responses: bool | None = None) -> connexion.FlaskApp:
    fast = _flag("BENCH_FASTPATH") if fastpath is None else fastpath
    validate = _flag("BENCH_VALIDATE_RESPONSES") if validate_responses is None else validate_responses
    options: dict[str, Any] = {}
    if fast:
        from simulator import fastpath as simulator_fastpath
        from simulator.web.validation import validator_map

        simulator_fastpath.install()
        options["validator_map"] = validator_map()
    app = connexion.FlaskApp(
        __name__,
        strict_validation=True,
        validate_responses=validate,
        pythonic_params=True,
        **options,
    )
    app.add_api(bench_spec(), name=SURFACE, resolver=Resolver(_resolve))
    if fast:
        from simulator import fastpath as simulator_fastpath

        simulator_fastpath.inline(app)
    return app


def check() -> int:
    """Serve the benchmarked requests in-process with response validation on."""
    from datetime import date

    from simulator.testing import application_payload

    failures = 0
    for fast in (False, True):
        client = create_app(fastpath=fast, validate_responses=True).test_client()
        token = client.post(f"{BASE}/oauth/token", data={
            "grant_type": "client_credentials", "client_id": "c", "client_secret": "s"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        answers = {
            "GET status": (client.get(f"{BASE}/applications/{APPLICATION_ID}/status",
                                      headers=headers), 200),
            "POST application": (client.post(
                f"{BASE}/applications", headers=headers,
                json=application_payload(FOREIGNER_ID, date(2026, 3, 2))), 201),
            "no token": (client.get(f"{BASE}/applications/{APPLICATION_ID}/status"), 401),
        }
        for label, (response, expected) in answers.items():
            ok = response.status_code == expected
            failures += not ok
            print(f"fastpath={fast!s:5} {label:17} {response.status_code} "
                  f"{'ok' if ok else 'UNEXPECTED: ' + response.text[:300]}")
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="validate the canned responses")
    if parser.parse_args().check:
        raise SystemExit(check())
    parser.print_help()
