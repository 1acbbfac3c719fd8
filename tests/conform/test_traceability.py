"""Traceability: every point of the notice covered by a check, every registered rule either covered
or listed with the reason it is not, and ``conform list --traceability`` (text, JSON, and the
README's Markdown) showing exactly that."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scenarios.catalogue import CATALOGUE
from simulator.cli import main
from simulator.conform.model import REFERENCES, UNCOVERED
from simulator.conform.reports import traceability

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
TEST_ONLY = "TINY-"
"""References the engine's own tests register (tests/conform/tiny.py) in the same registry."""


def ours(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for row in rows if not row["id"].startswith(TEST_ONLY)]


MATRIX = traceability.matrix(CATALOGUE)


def test_the_notice_s_eight_points_are_each_enforced_by_a_check() -> None:
    assert MATRIX["notice_points"] == {"covered": [f"NOTICE-75-{n}" for n in range(1, 9)], "uncovered": []}


def test_every_deadline_and_rule_of_the_domain_notes_is_registered() -> None:
    """docs/domain.md §5.1's deadlines a client can miss and §6's twelve rules each have an id."""
    deadlines = {f"DOMAIN-5.1-{n}" for n in ("ORIGINALS", "EXTENSION", "CHANGE", "CANCELLATION",
                                             "INSURANCE", "FRESHNESS", "REVIEW")}
    assert deadlines | {f"DOMAIN-6.{n}" for n in range(1, 13)} <= set(REFERENCES)


def test_every_uncovered_reference_says_why_and_no_covered_one_does() -> None:
    uncovered = {row["id"]: row["reason"] for row in ours(MATRIX["uncovered"])}
    assert [ref for ref, reason in uncovered.items() if not reason] == [], "uncovered without a reason"
    assert sorted(set(UNCOVERED) - set(uncovered)) == [], "a reason left for a reference now covered"
    assert MATRIX["unknown"] == []


def test_list_traceability_names_each_covering_check_and_each_gap_with_its_reason(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conform", "list", "--traceability"]) == 0
    text = capsys.readouterr().out
    assert "notice points covered 8/8" in text
    for ref in ours(MATRIX["references"]):
        line = next(line for line in text.splitlines() if line.split()[:1] == [ref["id"]])
        assert all(check["check"] in line for check in ref["checks"])
        if not ref["checks"]:
            assert ref["uncovered_reason"] in line


def test_list_json_gives_the_scenarios_and_the_matrix_with_or_without_the_flag(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conform", "list", "--format", "json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["conform", "list", "--format", "json", "--traceability"]) == 0
    assert json.loads(capsys.readouterr().out) == plain
    assert [row["scenario"] for row in plain["scenarios"]] == [s.id for s in CATALOGUE.scenarios]
    by_id = {ref["id"]: ref for ref in plain["traceability"]["references"]}
    assert set(by_id) == set(REFERENCES)  # every registered one, covered or not
    tokens = {check["check"]: check["scenarios"] for check in by_id["RFC6750-3.1"]["checks"]}
    assert tokens == {"FWP-TOKEN-02": ["tokens"]}
    assert len(by_id["FWP-SPEC"]["checks"][0]["scenarios"]) == len(CATALOGUE.scenarios)


def test_the_readme_shows_the_matrix_as_the_listing_does() -> None:
    """Regenerate with ``fwp-sandbox conform list --traceability --format markdown``."""
    table = "".join(line for line in traceability.readme(CATALOGUE).splitlines(keepends=True)
                    if f"`{TEST_ONLY}" not in line)
    assert table in README
