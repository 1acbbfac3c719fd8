"""FWP-PII-01: the client sends no person the tenant does not know (possibly real personal data).

A sandbox tenant is a test bed: the people in it are the ones the harness handed the client (the
step inputs), the tenant's seeded personas (``GET /personas``) and what the sandbox itself issued
(permit numbers, social security numbers). A passport number, a name or an id number outside those
is most likely a person from the vendor's own fixtures or, worse, production: real personal data
in a shared sandbox. A SHOULD, so a WARNING: the harness cannot prove the person is real.
"""

from __future__ import annotations

from typing import Any

from scenarios import views
from simulator.conform.model import Check, Evidence, Finding, Level

IDENTIFIERS = ("full_name", "passport_number", "id_number", "work_permit_number", "pr_card_number", "ssn")
"""The request fields that name a person (registration, changes, the e-SSC's logins)."""
ISSUED = ("work_permit_number", "ssn")
"""The identifiers the sandbox itself issues (an answer's other fields may echo the client's)."""


def _strings(data: Any) -> set[str]:
    """Every string anywhere in ``data`` (nested dicts and lists), upper-cased and trimmed."""
    if isinstance(data, str):
        return {data.strip().upper()}
    if isinstance(data, dict):
        return set().union(*(_strings(v) for v in data.values())) if data else set()
    if isinstance(data, list | tuple):
        return set().union(*(_strings(v) for v in data)) if data else set()
    return set()


def _named(data: Any, found: list[tuple[str, str]],
           fields: tuple[str, ...] = IDENTIFIERS) -> list[tuple[str, str]]:
    """(field, value) of every one of ``fields`` in a body, nested ones included."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in fields and isinstance(value, str) and value.strip():
                found.append((key, value))
            else:
                _named(value, found, fields)
    elif isinstance(data, list):
        for item in data:
            _named(item, found, fields)
    return found


def _known(evidence: Evidence) -> set[str]:
    """The tenant's people: the step inputs, the seeded personas and every value the sandbox sent."""
    tenant = evidence.tenant
    answer = tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/personas", headers=tenant.headers)
    personas = answer.json().get("items", []) if answer.status_code == 200 else []
    answers = [views.body(e, "response") for e in views.client(evidence.entries)]
    answers += [views.body(e) for e in views.outbound(evidence.entries)]
    issued = [value for _, value in _named(answers, [], ISSUED)]
    return _strings([s.get("input") for s in evidence.facts.get("steps", [])]) | _strings(personas) \
        | _strings(issued)


def _strangers(evidence: Evidence) -> list[Finding]:
    known = _known(evidence)
    found = []
    for entry in views.client(evidence.entries):
        if entry["method"] not in ("POST", "PUT", "PATCH"):
            continue
        strangers = [(k, v) for k, v in _named(views.body(entry), []) if v.strip().upper() not in known]
        if strangers:
            named = ", ".join(f"{key}={value!r}" for key, value in strangers)
            found.append(Finding(
                seen=f"{views.describe(entry)} names {named}: no persona of this tenant, nor anyone "
                     "the harness gave the client",
                expected="only the tenant's personas and the people handed to the client (synthetic data)",
                fix="never send people from your own fixtures or production to a sandbox: use the "
                    "persons the steps give, or the tenant's personas (GET /personas)",
                entries=views.ids(entry)))
    return found


PII_01 = Check("FWP-PII-01", "No person outside the tenant's personas (possibly real personal data)",
               Level.SHOULD, ("FWP-PERSONAS",), _strangers)
