"""Scenario forcing for applications (``X-Sandbox-Scenario``; catalog in ``core/scenarios.py``).

The employer's request is handled exactly as without the header first: every rule applies and a
refused request forces nothing. Once the application sits in pre-review, :func:`force` plays the
officer's part at once through the same model functions the officer endpoints use, each history
entry noting the scenario. The scenario is kept on the application (``scenario``), so a draft
created with one gets it when submitted, and SLOW_REVIEW is carried out later by the automatic
officer (``officer.py``) on the tenant clock.
"""

from __future__ import annotations

from typing import Any

from simulator.core.errors import DomainError
from simulator.core.scenarios import NOTE, SLOW_REVIEW
from simulator.services.workpermit import applications, deadlines, decisions, officer, permits
from simulator.services.workpermit import policy as policies
from simulator.store.tenancy import TenantScope

Record = dict[str, Any]


def _noted(scope: TenantScope, rec: Record, scenario: str, detail: str | None = None) -> Record:
    """Mark the officer's latest entry as forced (an acceptance is followed by the system's
    start of review), and keep the scenario on the application."""
    entry = next(e for e in reversed(rec["history"]) if e["actor"] == "OFFICER")
    mark = f"{NOTE}: {scenario}" + (f"; {detail}" if detail else "")
    entry["note"] = mark if not entry["note"] else f"{entry['note']}; {mark}"
    rec["scenario"] = scenario
    applications.save(scope.conn, rec)
    return rec


def _defects(scope: TenantScope, rec: Record, scenario: str) -> list[dict[str, Any]]:
    """The file's real defects, as pre-review would list them, or one OTHER defect."""
    return officer.defects(scope, rec) or [
        {"code": "OTHER", "message": f"Correction requested as {NOTE}: {scenario}."}]


def _approve(scope: TenantScope, app_id: str, scenario: str) -> Record:
    """Approve as the automatic officer does: a rule that refuses the approval rejects instead."""
    try:
        with scope.conn.begin_nested():
            return _noted(scope, decisions.officer_approve(scope, app_id), scenario)
    except DomainError as error:
        return _noted(scope, decisions.officer_reject(scope, app_id, error.detail), scenario)


def _accepted(scope: TenantScope, app_id: str, scenario: str) -> Record:
    return _noted(scope, decisions.officer_accept(scope, app_id), scenario)


def _revoked(scope: TenantScope, app_id: str, scenario: str) -> Record:
    rec = _approve(scope, app_id, scenario)
    if rec["status"] == "APPROVED" and rec.get("work_permit_number"):
        permits.end(scope, rec["work_permit_number"], "REVOKED",
                    f"Revoked after approval, {NOTE}: {scenario}.")
    return rec


def force(scope: TenantScope, view: dict[str, Any], scenario: str | None) -> dict[str, Any]:
    """Play ``scenario`` (or the one the application already carries) on the application whose
    employer view is ``view``; returns the view after it."""
    scenario = scenario or view.get("scenario")
    if not scenario:  # the usual request: nothing to load
        return view
    rec = applications.load(scope.conn, scope.tenant_id, view["id"])
    if rec["status"] != "PRE_REVIEW":  # a draft keeps it for its submission
        rec["scenario"] = scenario
        applications.save(scope.conn, rec)
        return applications.shown(scope, rec)
    app_id = rec["id"]
    if scenario == "CORRECTION_REQUESTED":
        defects = _defects(scope, rec, scenario)
        rec = _noted(scope, decisions.officer_return(scope, app_id, defects), scenario)
    elif scenario == SLOW_REVIEW:
        rec = decisions.officer_accept(scope, app_id)
        rec["scenario"] = scenario  # the review's dates depend on it
        policy = policies.of(scope.conn, scope.tenant_id)
        rec = _noted(scope, rec, scenario, deadlines.Review.of(rec, policy).note(policy))
    elif scenario in ("APPROVED", "REJECTED", "SUPPLEMENT_REQUESTED"):
        rec = _accepted(scope, app_id, scenario)
        if scenario == "APPROVED":
            rec = _approve(scope, app_id, scenario)
        elif scenario == "REJECTED":
            rec = _noted(scope, decisions.officer_reject(
                scope, app_id, f"Rejected as {NOTE}: {scenario}."), scenario)
        elif scenario == "SUPPLEMENT_REQUESTED":
            rec = _noted(scope, decisions.officer_request_supplement(
                scope, app_id, _defects(scope, rec, scenario)), scenario)
    elif scenario == "REVOKED_AFTER_APPROVAL":
        _accepted(scope, app_id, scenario)
        rec = _revoked(scope, app_id, scenario)
    return applications.shown(scope, rec)
