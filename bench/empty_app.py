"""The framework floor: connexion's FlaskApp on the simulator's bundled work-permit and
social-security specs, with handlers that return canned, schema-valid responses and touch no
database.

Everything that sits in front of a simulator handler is kept: the same bundled specs
(``simulator.specs.load("work-permit")`` at ``/fwp/v1``, ``simulator.specs.load("social-security")``
at ``/ssc/v1``, mounted in the simulator's order), ``strict_validation=True``,
``pythonic_params=True``, ``validate_responses=False`` (as in ``fwp-sandbox serve``), and the
bearer-token security checks. The specs' ``x-tokenInfoFunc`` (employer OAuth2) and
``x-bearerInfoFunc`` (the e-SSC holder's bearer token) are pointed at :func:`token_info` and
:func:`essc_token_info`, which verify an HMAC-signed token with the simulator's own
:class:`~simulator.web.tokens.TokenSigner` and check its kind (the same work the simulator does per
request, without its runtime/database). ``POST /fwp/v1/oauth/token`` (employer) and
``POST /ssc/v1/essc/sessions`` (e-SSC holder) hand out such tokens for any credentials, so the
benchmark prepares this target over HTTP like the others. The simulator's third surface, the
sandbox control plane, is not mounted: no benchmarked request goes there.

Two variants, chosen by the environment (uvicorn workers re-read it):

- ``BENCH_FASTPATH=0`` (default): connexion FlaskApp **as shipped**, the floor the issue asks for.
- ``BENCH_FASTPATH=1``: the same app with the simulator's measured connexion speed-ups applied
  (``simulator.speedups.install()``, cached validators from ``simulator.web.validation``,
  ``simulator.speedups.install_app()``), i.e. the floor of the
  simulator's own configuration.

Serve it like the simulator (2 workers)::

    .venv/bin/python -m uvicorn empty_app:create_app --factory --app-dir bench \
        --host 127.0.0.1 --port 8090 --workers 2 --no-access-log

``.venv/bin/python bench/empty_app.py --check`` validates the canned responses against the spec
in-process (``validate_responses=True``) and exits non-zero if connexion rejects them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import connexion
from canned import (
    APPLICATION,
    APPLICATION_ID,
    BASE,
    ELECTRONIC_CARD,
    ESSC_ACCOUNT_ID,
    FOREIGNER_ID,
    SSC_BASE,
    STATUS_VIEW,
    TENANT_ID,
    dumps,
)
from connexion.resolver import Resolver
from flask import Response

from simulator import specs
from simulator.web.tokens import Principal, TokenSigner

SURFACE = "work-permit"
SSC_SURFACE = "social-security"
DEFAULT_SECRET = "fwp-sandbox-bench-empty-app"
TOKEN_TTL_SECONDS = 3600

_dumps = dumps
_STATUS_BYTES = _dumps(STATUS_VIEW)
_APPLICATION_BYTES = _dumps(APPLICATION)
_CARD_BYTES = _dumps(ELECTRONIC_CARD)
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


def essc_token_info(token: str) -> dict[str, Any] | None:
    """``x-bearerInfoFunc`` of ``EsscAuth``: as ``simulator.web.auth.essc_token_info``, minus the
    runtime lookup of the signer."""
    principal = _signer.verify(token)
    if principal is None or principal.kind != "essc":
        return None
    return {"sub": principal.subject, "tenant_id": principal.tenant_id}


# Handlers (names match the spec's operationIds) --------------------------------------------------

def issue_token(body: dict[str, Any] | None = None, **_: Any) -> Response:
    client_id = str((body or {}).get("client_id") or "bench")
    token = _signer.issue(Principal(tenant_id="ten_bench", subject=f"emp_{client_id}"[:40],
                                    kind="employer"), now=time.time())
    payload = {"access_token": token, "token_type": "Bearer",
               "expires_in": TOKEN_TTL_SECONDS, "scope": "employer"}
    return Response(_dumps(payload), status=200, headers={"Cache-Control": "no-store"},
                    mimetype="application/json")


def essc_login(body: dict[str, Any]) -> Response:
    """``POST /essc/sessions``: an e-SSC holder's token for any credentials (the tenant header is
    checked by the spec's pattern only)."""
    token = _signer.issue(Principal(tenant_id=TENANT_ID, subject=ESSC_ACCOUNT_ID, kind="essc"),
                          now=time.time())
    payload = {"access_token": token, "token_type": "Bearer",
               "expires_in": TOKEN_TTL_SECONDS, "scope": "essc"}
    return Response(_dumps(payload), status=200, headers={"Cache-Control": "no-store"},
                    mimetype="application/json")


def get_essc_card() -> Response:
    return Response(_CARD_BYTES, status=200, mimetype="application/json")


def get_application_status(application_id: str) -> Response:
    return Response(_STATUS_BYTES, status=200, mimetype="application/json")


def create_application(body: dict[str, Any]) -> Response:
    return Response(_APPLICATION_BYTES, status=201, mimetype="application/json",
                    headers={"Location": f"{BASE}/applications/{APPLICATION_ID}"})


def not_implemented(**_: Any) -> Response:
    return Response(_NOT_IMPLEMENTED, status=501, mimetype="application/problem+json")


HANDLERS: dict[str, Callable[..., Response]] = {
    "issueToken": issue_token,
    "getApplicationStatus": get_application_status,
    "createApplication": create_application,
    "login": essc_login,
    "getEsscCard": get_essc_card,
}


def _resolve(operation_id: str) -> Callable[..., Response]:
    return HANDLERS.get(operation_id) or not_implemented


# App factory -------------------------------------------------------------------------------------

def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


SECURITY_FUNCTIONS = {"EmployerAuth": ("x-tokenInfoFunc", token_info),
                      "EsscAuth": ("x-bearerInfoFunc", essc_token_info)}


def bench_spec(surface: str = SURFACE) -> dict[str, Any]:
    """The bundled spec with the security schemes' ``x-tokenInfoFunc`` (employer OAuth2) and
    ``x-bearerInfoFunc`` (e-SSC bearer) pointing at this module's checks, as
    ``simulator.web.resolver.for_connexion`` points them at the simulator's."""
    spec = specs.load(surface)
    for name, scheme in spec["components"]["securitySchemes"].items():
        if name in SECURITY_FUNCTIONS:
            key, function = SECURITY_FUNCTIONS[name]
            scheme[key] = f"{function.__module__}.{function.__name__}"
    return spec


def create_app(*, fastpath: bool | None = None,
               validate_responses: bool | None = None) -> connexion.FlaskApp:
    fast = _flag("BENCH_FASTPATH") if fastpath is None else fastpath
    validate = _flag("BENCH_VALIDATE_RESPONSES") if validate_responses is None else validate_responses
    options: dict[str, Any] = {}
    if fast:
        from simulator import speedups
        from simulator.web.validation import validator_map

        speedups.install()
        options["validator_map"] = validator_map()
    app = connexion.FlaskApp(
        __name__,
        strict_validation=True,
        validate_responses=validate,
        pythonic_params=True,
        **options,
    )
    for surface in (SURFACE, SSC_SURFACE):  # the simulator's order (simulator.specs.SURFACES)
        app.add_api(bench_spec(surface), name=surface, resolver=Resolver(_resolve))
    if fast:
        from simulator import speedups

        speedups.install_app(app)
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
        session = client.post(f"{SSC_BASE}/essc/sessions", headers={"X-Sandbox-Tenant": TENANT_ID},
                              json={"id_type": "WORK_PERMIT_NUMBER",
                                    "id_number": "312026000000000348", "password": "Secret2026"})
        holder = {"Authorization": f"Bearer {session.json()['access_token']}"}
        answers = {
            "GET status": (client.get(f"{BASE}/applications/{APPLICATION_ID}/status",
                                      headers=headers), 200),
            "POST application": (client.post(
                f"{BASE}/applications", headers=headers,
                json=application_payload(FOREIGNER_ID, date(2026, 3, 2))), 201),
            "no token": (client.get(f"{BASE}/applications/{APPLICATION_ID}/status"), 401),
            "e-SSC card read": (client.get(f"{SSC_BASE}/essc/card", headers=holder), 200),
            "e-SSC, no token": (client.get(f"{SSC_BASE}/essc/card"), 401),
            "e-SSC, employer": (client.get(f"{SSC_BASE}/essc/card", headers=headers), 401),
            "employer, e-SSC": (client.get(f"{BASE}/applications/{APPLICATION_ID}/status",
                                           headers=holder), 401),
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
