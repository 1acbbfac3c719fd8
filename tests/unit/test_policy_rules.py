"""One helper per policy rule with arithmetic (``simulator.core.policy_rules``): each follows its
setting, no other module does the arithmetic again, and the texts that state a value (README.md's
rule tables, the specs, the error catalog) state the value the code uses."""

from __future__ import annotations

import ast
import re
from dataclasses import fields, replace
from datetime import date
from pathlib import Path

import pytest

from simulator.core import policy_rules as pr
from simulator.core.errors import CATALOG
from simulator.core.points import category_for_points

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = pr.PROFILES["national"]
D = date.fromisoformat


@pytest.mark.parametrize(("lead", "file_by"), [(30, "2027-02-28"), (45, "2027-02-13"), (12, "2027-03-18")])
def test_the_lead_time_moves_file_by_the_window_and_lateness_together(lead: int, file_by: str) -> None:
    rules, valid_to = replace(DEFAULT, extension_lead_days=lead), D("2027-03-30")
    assert pr.extension_file_by(valid_to, rules) == D(file_by)
    assert not pr.in_extension_window(valid_to, date.fromordinal(D(file_by).toordinal() - 1), rules)
    assert pr.in_extension_window(valid_to, D(file_by), rules)
    assert not pr.extension_late(valid_to, D(file_by), rules)
    assert pr.extension_late(valid_to, date.fromordinal(D(file_by).toordinal() + 1), rules)
    assert pr.extension_window_days(rules) == (1, lead)


def test_with_no_lead_time_only_the_last_day_is_in_the_window() -> None:
    rules = replace(DEFAULT, extension_lead_days=0)
    assert pr.extension_window_days(rules) == (0, 0)
    assert pr.in_extension_window(D("2027-03-30"), D("2027-03-30"), rules)
    assert not pr.in_extension_window(D("2027-03-30"), D("2027-03-29"), rules)


def test_the_windows_after_an_event_follow_their_settings() -> None:
    assert pr.change_report_by(D("2026-03-02"), DEFAULT) == D("2026-03-12")
    assert pr.change_late(D("2026-03-02"), D("2026-03-13"), DEFAULT)
    assert not pr.change_late(D("2026-03-02"), D("2026-03-13"), replace(DEFAULT, change_report_days=11))
    # 10 working days after Friday 2026-04-24: the May Day days off are skipped, the make-up
    # Saturday 2026-05-09 counts (the State Council's 2026 arrangement)
    assert pr.cancellation_file_by(D("2026-04-24"), DEFAULT) == D("2026-05-12")
    assert pr.cancellation_late(D("2026-04-24"), D("2026-05-13"), DEFAULT)
    one_day = replace(DEFAULT, cancellation_working_days=1)
    assert pr.cancellation_file_by(D("2026-04-24"), one_day) == D("2026-04-27")
    assert pr.originals_due(D("2026-03-02"), DEFAULT) == D("2026-04-01")
    assert pr.originals_overdue(D("2026-03-02"), D("2026-04-02"), DEFAULT)
    longer = replace(DEFAULT, originals_check_days=31)
    assert not pr.originals_overdue(D("2026-03-02"), D("2026-04-02"), longer)
    assert not pr.insurance_registration_late(D("2026-03-02"), D("2026-04-01"))
    assert pr.insurance_registration_late(D("2026-03-02"), D("2026-04-02"))


def test_validity_is_the_earliest_of_contract_passport_and_category_cap() -> None:
    far = D("2040-01-01")
    assert pr.validity_end(D("2026-03-02"), "B", far, far, DEFAULT) == D("2031-03-01")
    assert pr.validity_end(D("2026-03-02"), "C", far, far, DEFAULT) == D("2027-03-01")
    assert pr.validity_end(D("2026-03-02"), "B", far, far, replace(DEFAULT, max_years_b=2)) == D("2028-03-01")
    assert pr.validity_end(D("2026-03-02"), "A", D("2028-06-30"), far, DEFAULT) == D("2028-06-30")
    assert pr.validity_end(D("2026-03-02"), "A", far, D("2029-01-31"), DEFAULT) == D("2029-01-30")
    # an extension's new term starts the day after the old end
    assert pr.extended_validity_end(D("2028-04-30"), "B", far, far, DEFAULT) == D("2033-04-30")
    assert pr.temporary_contract_latest_end(D("2026-05-01")) == D("2027-05-01")


def test_thresholds_and_freshness() -> None:
    assert [category_for_points(t) for t in (84, 85, 59, 60)] == ["B", "A", "C", "B"]
    assert [pr.points_needed(c) for c in "ABC"] == ["85 or more", "60 to 84", "under 60"]
    assert (pr.over_b_age_limit(60), pr.over_b_age_limit(61)) == (False, True)
    assert pr.oldest_fresh_issue(D("2026-03-02")) == D("2025-09-02")


# No copies ----------------------------------------------------------------------------------------

SETTINGS_WITH_ARITHMETIC = ("extension_lead_days", "change_report_days", "cancellation_working_days",
                            "originals_check_days", "max_years", "max_years_a", "max_years_b", "max_years_c")
OWNERS = {"core/policy_rules.py", "core/policy_values.py"}


def _modules() -> list[Path]:
    return sorted((ROOT / "simulator").rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT / "simulator")))
def test_no_module_but_policy_rules_does_a_rules_arithmetic(path: Path) -> None:
    """Reading one of these settings, or writing the points threshold, anywhere else is a copy of
    the rule that the next change of the setting would leave behind."""
    if str(path.relative_to(ROOT / "simulator")) in OWNERS:
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    reads = {node.attr for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and node.attr in SETTINGS_WITH_ARITHMETIC}
    thresholds = [node.lineno for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and node.value == pr.A_POINTS]
    assert not reads, f"reads {sorted(reads)}: use simulator.core.policy_rules"
    assert not thresholds, f"the A threshold written out on lines {thresholds}"


# Texts that state a value -------------------------------------------------------------------------


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    return text[start:text.index("\n### ", start + 1)]


def _stated_settings() -> list[tuple[str, str, str]]:
    """(setting, profile, value) for every default the README's policy table states:
    "`name` (30; 45 in `extension-45`)", "`max_years_a/b/c` (5/5/1)", "`officer` (`MANUAL`)"."""
    section = _section(_readme(), "### The permit's life after approval")
    table = "\n".join(line for line in section.splitlines() if line.startswith("| "))
    stated = []
    for names, values in re.findall(r"`([a-z_/]+)` \(([^)]+)\)", table):
        default, *others = values.split("; ")
        prefix, _, suffixes = names.rpartition("_")
        expanded = [f"{prefix}_{s}" for s in suffixes.split("/")] if "/" in names else [names]
        for name, value in zip(expanded, default.split("/"), strict=True):
            stated.append((name, "national", value.strip("`")))
        for other in others:
            value, profile = re.fullmatch(r"(\S+) in `([\w-]+)`", other).groups()  # type: ignore[union-attr]
            stated.append((names, profile, value))
    return stated


def test_the_readme_policy_table_states_the_defaults_the_code_uses() -> None:
    stated = _stated_settings()
    for name, profile, value in stated:
        assert str(getattr(pr.PROFILES[profile], name)) == value, f"README: {name} ({value}) in {profile}"
    documented = {name for name, _, _ in stated}
    assert {f.name for f in fields(pr.Policy)} - documented == {"profile"}


def test_the_readme_rule_table_states_the_thresholds_the_code_uses() -> None:
    rows: dict[str, str] = {}  # the first row naming a code: the rule table's
    for line in _readme().splitlines():
        for code in re.findall(r"`(E_[A-Z_0-9]+|late_registration)`", line) if line.startswith("|") else []:
            rows.setdefault(code, line)
    assert f"({pr.points_thresholds_text()})" in rows["E_CATEGORY_MISMATCH"]
    assert f"at most {pr.FRESHNESS_MONTHS} months old" in rows["E_DOC_EXPIRED"]
    assert f"category B over {pr.B_AGE_LIMIT}" in rows["E_AGE_LIMIT"]
    assert f"later than {pr.INSURANCE_REGISTRATION_DAYS} days after" in rows["late_registration"]


def _spec_text(name: str) -> str:
    return " ".join((ROOT / "specs" / name).read_text(encoding="utf-8").split())


@pytest.mark.parametrize(("spec", "text"), [
    ("work-permit.yaml", pr.points_thresholds_text()),
    ("work-permit.yaml",
     f"within {DEFAULT.originals_check_days} days of entry (policy `originals_check_days`)"),
    ("work-permit.yaml", f"`extension_lead_days` (policy; default {DEFAULT.extension_lead_days}, profile "
                         f"extension-45)"),
    ("work-permit.yaml", f"`cancellation_working_days` ({DEFAULT.cancellation_working_days}) working days"),
    ("social-security.yaml", f"later than {pr.INSURANCE_REGISTRATION_DAYS} days after the permit's start"),
])
def test_the_specs_state_the_values_the_code_uses(spec: str, text: str) -> None:
    assert text in _spec_text(spec)


def test_error_texts_state_the_values_the_code_uses() -> None:
    mismatch = CATALOG["E_CATEGORY_MISMATCH"].explanation
    assert f"A by points needs {pr.A_POINTS}, B by points {pr.B_POINTS}" in mismatch
    assert f"{pr.FRESHNESS_MONTHS} months before submission" in CATALOG["E_DOC_EXPIRED"].explanation
    assert CATALOG["E_AGE_LIMIT"].title == f"Category B applicant over {pr.B_AGE_LIMIT}"
