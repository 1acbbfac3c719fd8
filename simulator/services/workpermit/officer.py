"""The automatic officer (自动审查): the tenant's simulated reviewing officer, switched on with the
policy setting ``officer: AUTOMATIC`` (the manual officer of the control plane is the default).

It acts when the tenant clock moves (the control plane's clock calls end in :func:`clock_moved`)
and, on a running clock, when a worker's sweep finds a step due (``sandbox/officer_clock.py``,
:func:`anything_due`), and then does every step that fell due up to the new today, each at its own
due date: a jump of 60 days pre-reviews an application on its 5th working day and decides it on
the review's last working day, and the history says so. Every step goes through the model
functions the manual officer uses (``decisions.officer_*``), run with a scope whose clock
stands at the step's moment, so the permit, the letter and every rule read the same date.

Deadlines (``deadlines.py``) count working days on China's official calendar (docs/domain.md §5.1),
the start day never counting, with the tenant's policy settings:

* pre-review: ``pre_review_working_days`` after the last entry into PRE_REVIEW. All defects are
  told at once (一次性告知); a second pre-review that still finds some rejects the application.
* review: ``review_working_days_a`` / ``_bc`` of review (the clock stops while a supplement is
  awaited and goes on after it), and never
  past the statutory limit, ``statutory_working_days`` after acceptance, extended once by
  ``statutory_extension_working_days`` with the reason noted when the review takes longer.

An application forced to ``SLOW_REVIEW`` (``scenarios.py``) is decided at the extended statutory
limit, and on a MANUAL tenant too: its tester asked for the officer's slowness, not to play it.

Switching the policy to AUTOMATIC acts at once on what is already due.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, select

from simulator.core.clock import SHANGHAI, Clock
from simulator.core.errors import DomainError
from simulator.core.scenarios import SLOW_REVIEW
from simulator.services.workpermit import applications, decisions, rules
from simulator.services.workpermit import policy as policies
from simulator.services.workpermit.deadlines import Review, due_date, last, scenario_of
from simulator.services.workpermit.policy import Policy
from simulator.store import tenancy
from simulator.store.schema import applications as table
from simulator.store.tenancy import TenantScope
from simulator.web.tokens import Principal

Record = dict[str, Any]
Defect = dict[str, Any]

OFFICE_HOURS = time(9)
"""The officer acts at 09:00 Shanghai time on a due date."""
NEW_PERMIT_DOCUMENTS = ("CRIMINAL_RECORD", "HEALTH_CERTIFICATE", "DEGREE_CERTIFICATE",
                        "EMPLOYMENT_CONTRACT", "PASSPORT")
REQUIRED_DOCUMENTS = dict.fromkeys(("NEW_OVERSEAS", "NEW_IN_CHINA"), NEW_PERMIT_DOCUMENTS)
"""ASSUMPTION: of docs/domain.md §2.3's list for a new permit, items 3-7 (degree, criminal record,
health certificate, contract, passport), the documents with a checkable date and a rule of their
own. The application form, photo and CV (items 1, 9, 10) are required in reality but the sandbox's
own walk-through and ``simulator.testing.documents()`` do not send them; a visa or residence
permit (item 8, NEW_IN_CHINA) is not asked either. Applications about an existing permit carry no
documents and pass pre-review."""
DOCUMENT_RULES: tuple[tuple[Callable[[rules.Facts], Iterator[DomainError]], str], ...] = (
    (rules.check_freshness, "DOCUMENT_EXPIRED"),
    (rules.check_legalisation, "NOT_LEGALISED"),
    (rules.check_translation, "NOT_TRANSLATED"),
)
"""The submission's document rules, in their order, and the defect code each one reports."""


# Defects -----------------------------------------------------------------------------------------

def _missing(kind: str) -> Defect:
    return {"code": "DOCUMENT_MISSING", "document_type": kind, "field": "documents",
            "message": f"{kind} is required for a new work permit and was not sent."}


def _defect(code: str, document: dict[str, Any], index: int, error: DomainError) -> Defect:
    """The rule ran on this document alone, as documents[0]: put its own index back."""
    def here(text: str) -> str:
        return text.replace("documents[0]", f"documents[{index}]")
    return {"code": code, "document_type": document["type"],
            "field": here(error.field) if error.field else None, "message": here(error.detail)}


def document_defects(facts: rules.Facts, required: tuple[str, ...]) -> list[Defect]:
    """Every defect at once: missing documents in ``required``'s order, then each rule of
    ``rules.check_documents`` over every document, each as a defect of its own document."""
    present = {document["type"] for document in facts.documents}
    found = [_missing(kind) for kind in required if kind not in present]
    for check, code in DOCUMENT_RULES:
        for index, document in enumerate(facts.documents):
            found += [_defect(code, document, index, error)
                      for error in check(replace(facts, documents=[document]))]
    return found


def defects(scope: TenantScope, rec: Record) -> list[Defect]:
    required = REQUIRED_DOCUMENTS.get(rec["type"])
    if required is None:
        return []
    owner = Principal(tenant_id=scope.tenant_id, subject=rec["employer_id"], kind="employer")
    # the same facts the submission was judged on, read on the pre-review day
    facts = applications.facts_of(scope, rec, applications.foreigner_of(scope, owner, rec))
    return document_defects(facts, required)


# Steps -------------------------------------------------------------------------------------------

def _annotate(scope: TenantScope, rec: Record, event: str, note: str) -> Record:
    """Add ``note`` to the latest ``event`` entry the model function just wrote."""
    entry = last(rec["history"], "event", event)
    entry["note"] = note if not entry["note"] else f"{entry['note']}; {note}"
    applications.save(scope.conn, rec)
    return rec


def _accept(scope: TenantScope, app_id: str, policy: Policy) -> Record:
    rec = decisions.officer_accept(scope, app_id)
    return _annotate(scope, rec, "accept", Review.of(rec, policy).note(policy))


def _pre_review(scope: TenantScope, rec: Record, policy: Policy) -> Record:
    found = defects(scope, rec)
    if not found:
        return _accept(scope, rec["id"], policy)
    if not rec.get("correction_requested"):
        return decisions.officer_return(scope, rec["id"], found)
    # Corrections are asked once: accept the file as it stands and refuse it (不予许可).
    _annotate(scope, decisions.officer_accept(scope, rec["id"]), "accept",
              "defects remain after the one-time correction")
    listed = ", ".join(f"{d['code']} {d['document_type']}" for d in found)
    return decisions.officer_reject(
        scope, rec["id"], f"Defects remain after the one-time correction request: {listed}.")


def _review(scope: TenantScope, rec: Record, policy: Policy) -> Record:
    try:
        with scope.conn.begin_nested():  # an approval refused half-way leaves nothing behind
            decided = decisions.officer_approve(scope, rec["id"])
    except DomainError as error:
        decided = decisions.officer_reject(scope, rec["id"], error.detail)
    if not last(decided["history"], "event", "accept")["note"]:  # accepted by the manual officer
        event = decided["history"][-1]["event"]
        decided = _annotate(scope, decided, event, Review.of(rec, policy).note(policy))
    return decided


_STEPS = {"PRE_REVIEW": _pre_review, "UNDER_REVIEW": _review}


def _at(scope: TenantScope, due: date, last_entry: str) -> TenantScope:
    """A scope whose clock stands at 09:00 on ``due``: not after the tenant's now (a clock set
    before 09:00), not before the application's last step (a deadline of 0 working days). It
    reserves its own ids, so steps never share a sequence block."""
    moment = max(datetime.fromisoformat(last_entry),
                 min(datetime.combine(due, OFFICE_HOURS, SHANGHAI), scope.now))
    fresh = tenancy.begin(scope.conn, scope.tenant_id)
    return replace(fresh, clock=Clock(base_tenant=moment, base_wall=moment, frozen=True))


# Running -----------------------------------------------------------------------------------------

_OPEN = select(table.c.id, table.c.seq, table.c.status, table.c.category,
               table.c.history, table.c.data).where(table.c.status.in_(tuple(_STEPS)))


def _queue(conn: Connection, tenant_id: str, policy: Policy, today: date,
           forced_only: bool) -> Iterator[tuple[date, int, str]]:
    for row in conn.execute(_OPEN.where(table.c.tenant_id == tenant_id)).mappings():
        if forced_only and (row["status"] != "UNDER_REVIEW" or scenario_of(dict(row)) != SLOW_REVIEW):
            continue
        due = due_date(dict(row), policy)
        if due is not None and due <= today:
            yield due, row["seq"], row["id"]


def run_due(scope: TenantScope) -> int:
    """Do every step due on or before the tenant's today, earliest first (ties in filing order),
    until none is left; returns how many were done. A MANUAL tenant's officer is the tester, so
    only reviews forced slow (``X-Sandbox-Scenario: SLOW_REVIEW``) are decided for it."""
    policy = policies.of(scope.conn, scope.tenant_id)
    forced_only = policy.officer != "AUTOMATIC"
    today, done = scope.now.date(), 0
    due = list(_queue(scope.conn, scope.tenant_id, policy, today, forced_only))
    heapq.heapify(due)
    while due:
        day, seq, app_id = heapq.heappop(due)
        rec = applications.load(scope.conn, scope.tenant_id, app_id)
        rec = _STEPS[rec["status"]](_at(scope, day, rec["history"][-1]["at"]), rec, policy)
        done += 1
        following = due_date(rec, policy)
        if not forced_only and following is not None and following <= today:
            heapq.heappush(due, (following, seq, app_id))
    return done


_SLOW = select(table.c.data).where(table.c.status == "UNDER_REVIEW")


def anything_due(conn: Connection, tenant_id: str, today: date) -> bool:
    """Whether :func:`clock_moved` would do a step on ``today``: a read, which reserves no
    sequence block (ids stay those of the tenant's own requests when nothing is due)."""
    policy = policies.of(conn, tenant_id)
    steps = _queue(conn, tenant_id, policy, today, forced_only=policy.officer != "AUTOMATIC")
    return next(steps, None) is not None


def clock_moved(conn: Connection, tenant_id: str) -> int:
    """The control plane's hook, inside the transaction that moved the clock: a MANUAL tenant
    costs one settings read and one look for reviews forced slow, and no sequence block is
    reserved for it unless it has one."""
    if policies.of(conn, tenant_id).officer != "AUTOMATIC" and not any(
            scenario_of(dict(row)) == SLOW_REVIEW
            for row in conn.execute(_SLOW.where(table.c.tenant_id == tenant_id)).mappings()):
        return 0
    return run_due(tenancy.begin(conn, tenant_id))
