"""The run as one JSON document (``report.json``), from which every other report is written.

Its shape is ``schemas/report.schema.json`` (``schema_version`` below: bump the major on any
incompatible change). The traceability part maps every registered reference to the catalogue's
checks that enforce it and their verdicts in this run; a reference no check names is listed with
no checks (not covered yet), and one a check names but nobody registered is ``unknown``.
"""

from __future__ import annotations

from typing import Any

from simulator import __version__
from simulator.conform.model import REFERENCES, Catalogue, Verdict
from simulator.conform.results import CheckResult, RunResult, ScenarioResult

SCHEMA_VERSION = "1.0"
NOT_RUN = "NOT_RUN"


def build(result: RunResult, catalogue: Catalogue) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "fwp-sandbox", "version": __version__},
        "catalogue_version": result.catalogue_version,
        "sandbox_url": result.sandbox_url,
        "adapter": result.adapter,
        "started": result.started,
        "ended": result.ended,
        "exit_code": result.exit_code,
        "summary": result.counts(),
        "scenarios": [_scenario(scenario) for scenario in result.scenarios],
        "traceability": traceability(result, catalogue),
    }


def _scenario(scenario: ScenarioResult) -> dict[str, Any]:
    return {
        "id": scenario.scenario_id, "title": scenario.title, "verdict": scenario.verdict.value,
        "duration_s": round(scenario.duration, 3), "tenant_id": scenario.tenant_id,
        "reason": scenario.reason or None, "checks": [_check(check) for check in scenario.checks],
        "entries": scenario.cited(),
    }


def _check(check: CheckResult) -> dict[str, Any]:
    return {
        "id": check.check_id, "title": check.title, "level": check.level.value,
        "references": list(check.references), "verdict": check.verdict.value,
        "duration_s": round(check.duration, 4), "reason": check.reason,
        "findings": [{"seen": f.seen, "expected": f.expected, "fix": f.fix, "entries": list(f.entries)}
                     for f in check.findings],
    }


def traceability(result: RunResult, catalogue: Catalogue) -> dict[str, Any]:
    """Reference → checks (the whole catalogue's) → verdicts (this run's, NOT_RUN when unselected)."""
    verdicts = {(c.scenario_id, c.check_id): c.verdict.value for c in result.checks()}
    named: dict[str, list[dict[str, str]]] = {}
    for scenario in catalogue.scenarios:
        for check in scenario.checks:
            for reference in check.references:
                named.setdefault(reference, []).append({
                    "check": check.id, "scenario": scenario.id, "level": check.level.value,
                    "verdict": verdicts.get((scenario.id, check.id), NOT_RUN)})
    rows = [{"id": ref.id, "title": ref.title, "url": ref.url, "checks": named.get(ref.id, [])}
            for ref in sorted(REFERENCES.values(), key=lambda r: r.id)]
    return {
        "references": rows,
        "uncovered": [row["id"] for row in rows if not row["checks"]],
        "unknown": sorted(set(named) - set(REFERENCES)),
    }


def findings_first(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Checks that did not pass, worst first, each with its scenario and the entries it cites."""
    order = [Verdict.ERROR.value, Verdict.FAILED.value, Verdict.WARNING.value, Verdict.SKIPPED.value]
    rows = []
    for scenario in document["scenarios"]:
        by_id = {entry["id"]: entry for entry in scenario["entries"]}
        for check in scenario["checks"]:
            if check["verdict"] in order:
                cited = [[by_id[i] for i in f["entries"] if i in by_id] for f in check["findings"]]
                rows.append({"scenario": scenario["id"], "check": check, "cited": cited})
    return sorted(rows, key=lambda row: order.index(row["check"]["verdict"]))
