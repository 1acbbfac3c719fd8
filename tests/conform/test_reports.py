"""The reports of a run with a FAILED, a WARNING and a SKIPPED check: junit.xml parses with a JUnit
library, report.json validates against its committed schema, report.html is self-contained and
shows the failed check with its request, traceability lists what no check covers."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import tiny
from jsonschema import Draft202012Validator
from junitparser import Error, Failure, JUnitXml, Skipped
from rich.console import Console

from simulator.conform.reports import console, write_all
from simulator.conform.runner import Runner

SCHEMA = Path(__file__).resolve().parents[2] / "simulator/conform/schemas/report.schema.json"


class CarelessAdapter(tiny.NoKeyAdapter):
    sloppy = True


@pytest.fixture
def reports(make_runner: Callable[..., Runner], tmp_path: Path) -> tuple[dict[str, Path], str]:
    result = make_runner(CarelessAdapter).run(tiny.CATALOGUE)
    out = Console(file=io.StringIO(), width=160, color_system=None)
    written = write_all(result, tiny.CATALOGUE, tmp_path / "reports", out)
    return written, out.file.getvalue()  # type: ignore[attr-defined]


def test_junit_has_a_suite_per_scenario_and_a_case_per_check(reports: tuple[dict[str, Path], str]) -> None:
    xml = JUnitXml.fromfile(str(reports[0]["junit.xml"]))
    suites = {suite.name: {case.name: case for case in suite} for suite in xml}
    assert set(suites) == {"tiny-filing", "tiny-card"}
    idem = suites["tiny-filing"]["TINY-IDEM-01 Creates carry an Idempotency-Key"]
    [failure] = idem.result
    assert isinstance(failure, Failure)
    assert failure.message == "POST /fwp/v1/applications without an Idempotency-Key"
    assert "journal entries: #" in (failure.text or "")
    warned = suites["tiny-filing"]["TINY-SPEC-01 Requests are valid"]
    assert warned.is_passed
    assert "WARNING (SHOULD)" in (warned.system_out or "")
    [skipped] = suites["tiny-card"]["TINY-CARD-01 Cards"].result
    assert isinstance(skipped, Skipped)
    assert skipped.message == "the adapter lacks the step(s): register_essc"
    assert not any(isinstance(r, Error) for s in suites.values() for c in s.values() for r in c.result)


def test_report_json_validates_against_the_committed_schema(reports: tuple[dict[str, Path], str]) -> None:
    document = json.loads(reports[0]["report.json"].read_text())
    schema = json.loads(SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    errors = list(Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
                  .iter_errors(document))
    assert errors == []
    assert document["summary"] == {"PASSED": 0, "FAILED": 1, "WARNING": 1, "SKIPPED": 1, "ERROR": 0}
    broken = dict(document, exit_code=3)
    assert not Draft202012Validator(schema).is_valid(broken)  # the schema does constrain


def test_html_is_self_contained_and_shows_the_failed_request(reports: tuple[dict[str, Path], str]) -> None:
    page = reports[0]["report.html"].read_text()
    assert not re.search(r"(src|href|action)\s*=|@import|url\(|fetch\(|XMLHttpRequest", page)
    assert "default-src 'none'" in page
    findings = page.index("<h2>Findings</h2>")
    failed = page.index('id="finding-tiny-filing-TINY-IDEM-01"')
    assert findings < failed < page.index("<h2>Scenarios and checks</h2>")
    section = page[failed:page.index("</section>", failed)]
    assert "POST /fwp/v1/applications" in section
    assert '&#34;foreigner_id&#34;' in section  # the request body, escaped


def test_traceability_maps_references_and_lists_the_uncovered(reports: tuple[dict[str, Path], str]) -> None:
    matrix = json.loads(reports[0]["traceability.json"].read_text())
    rows = {row["id"]: row for row in matrix["references"]}
    assert rows["TINY-RFC9110"]["checks"] == [
        {"check": "TINY-IDEM-01", "scenario": "tiny-filing", "level": "MUST", "verdict": "FAILED"}]
    assert "TINY-UNCOVERED" in matrix["uncovered"]
    assert "| TINY-UNCOVERED | A rule no check enforces yet | **not covered** |" in (
        reports[0]["traceability.md"].read_text())


def test_the_console_shows_each_finding_with_evidence(reports: tuple[dict[str, Path], str]) -> None:
    text = reports[1]
    assert re.search(r"tiny-filing\s+FAILED\s+1\s+1\s", text)
    assert "FAILED TINY-IDEM-01 (MUST) Creates carry an Idempotency-Key" in text
    assert re.search(r"#\d+ 2026-03-02T09:00:00.* POST /fwp/v1/applications → 201", text)
    assert "exit code 1" in text


def test_the_console_tells_a_scenario_skipped_as_a_whole_once(make_runner: Callable[..., Runner],
                                                              tmp_path: Path) -> None:
    """An adapter lacking a step skips every check of the scenario for one reason: one block, not
    one per check (a five-step adapter would print hundreds)."""
    card = replace(tiny.CARD, checks=(*tiny.CARD.checks, tiny.IDEM, tiny.VALID))
    catalogue = replace(tiny.CATALOGUE, scenarios=(tiny.FILING, card))
    out = Console(file=io.StringIO(), width=160, color_system=None)
    write_all(make_runner(CarelessAdapter).run(catalogue), catalogue, tmp_path, out)
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert "SKIPPED tiny-card: 3 checks (TINY-CARD-01, TINY-IDEM-01, TINY-SPEC-01)" in text
    assert text.count("the adapter lacks the step(s): register_essc") == 1
    assert "SKIPPED TINY-CARD-01" not in text
    assert "FAILED TINY-IDEM-01 (MUST)" in text  # the other scenario's findings as before


def test_the_console_shows_the_fault_on_a_cited_request() -> None:
    """As report.html does: a dropped connection is journalled as 502, which the client never saw."""
    entry = {"id": 7, "tenant_time": "2026-03-02T09:00:00.000+08:00", "method": "POST", "query": "",
             "path": "/fwp/v1/applications", "status": 502, "fault": "DROP flt_x"}
    check = {"id": "X-01", "title": "t", "level": "SHOULD", "references": [], "verdict": "WARNING",
             "reason": None, "findings": [{"seen": "s", "expected": "e", "fix": "f", "entries": [7]}]}
    document = {"catalogue_version": "t", "adapter": "a", "exit_code": 0, "summary": {"WARNING": 1},
                "scenarios": [{"id": "sc", "verdict": "WARNING", "duration_s": 0.1, "reason": None,
                               "checks": [check], "entries": [entry]}]}
    out = Console(file=io.StringIO(), width=160, color_system=None)
    console.render(document, out)
    assert "#7 2026-03-02T09:00:00.000+08:00 POST /fwp/v1/applications → 502 (fault: DROP flt_x)" in (
        out.file.getvalue())  # type: ignore[attr-defined]
