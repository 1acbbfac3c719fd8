"""The pytest plugin (its ``pytest11`` entry point), run inside pytest (``pytester``): it changes
nothing when no ``--fwp-*`` option is given; its fixtures drive a sandbox; ``--fwp-adapter`` runs
the catalogue as items, one per check, with the verdicts as outcomes and no secret in the output."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.conform.sandbox_embed import EmbeddedSandbox

UNRELATED = """
import pytest

def test_adds():
    assert 1 + 1 == 2

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass

def test_fails():
    assert [1] == [2]
"""

VENDOR_SUITE = """
def test_vendor_flow(fwp_tenant, fwp_employer, fwp_officer, fwp_clock, fwp_callback_receiver):
    assert str(fwp_clock.today()) == "2026-03-02"
    fwp_tenant.register_callback(fwp_callback_receiver.url)
    foreigner = fwp_employer.create_foreigner()
    application = fwp_employer.file_application(foreigner["id"], today=fwp_clock.today())
    fwp_officer.accept(application["id"])
    fwp_officer.approve(application["id"])
    assert fwp_employer.get(f"/applications/{application['id']}").json()["status"] == "APPROVED"
    fwp_clock.advance(days=3)
    assert str(fwp_clock.today()) == "2026-03-05"
    assert fwp_callback_receiver.wait_for(1)
"""


def normalised(lines: list[str]) -> list[str]:
    """The output without the plugin list (it names fwp-sandbox) and the timings."""
    return [re.sub(r" in [0-9.]+s", "", line) for line in lines if not line.startswith("plugins:")]


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with EmbeddedSandbox() as url:
        yield url


def test_nothing_changes_without_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_unrelated=UNRELATED)
    with_plugin = pytester.runpytest("-rA")  # loaded by its pytest11 entry point
    without = pytester.runpytest("-p", "no:fwp_sandbox", "-rA")
    with_plugin.assert_outcomes(passed=1, failed=1, skipped=1)
    without.assert_outcomes(passed=1, failed=1, skipped=1)
    assert normalised(with_plugin.outlines) == normalised(without.outlines)
    collected = pytester.runpytest("--collect-only", "-q")
    assert [line for line in collected.outlines if "::" in line] == [
        "test_unrelated.py::test_adds", "test_unrelated.py::test_skipped", "test_unrelated.py::test_fails"]


@pytest.mark.server
def test_the_fixtures_drive_the_sandbox(pytester: pytest.Pytester, sandbox_url: str) -> None:
    pytester.makepyfile(test_vendor=VENDOR_SUITE)
    result = pytester.runpytest("--fwp-sandbox", sandbox_url)
    result.assert_outcomes(passed=1)


@pytest.mark.server
def test_the_catalogue_runs_as_one_item_per_check(pytester: pytest.Pytester, sandbox_url: str,
                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    known = tmp_path / "secrets.txt"
    monkeypatch.setenv("TINY_SECRETS_FILE", str(known))
    result = pytester.runpytest("--fwp-sandbox", sandbox_url,
                                "--fwp-adapter", "python:tiny:NoKeyAdapter",
                                "--fwp-catalogue", "tiny:CATALOGUE",
                                "--fwp-report-dir", str(tmp_path / "out"), "-rA", "-v")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines([
        "*fwp-conformance::tiny-filing::TINY-IDEM-01 FAILED*",
        "*fwp-conformance::tiny-filing::TINY-SPEC-01 PASSED*",
        "*fwp-conformance::tiny-card::TINY-CARD-01 SKIPPED*",
        "*seen: POST /fwp/v1/applications without an Idempotency-Key*",
        "*the adapter lacks the step(s): register_essc*",
    ])
    secrets = set(known.read_text().split())
    assert secrets
    assert not [s[:4] for s in secrets if s in result.stdout.str() + result.stderr.str()]
    assert (tmp_path / "out/junit.xml").is_file()


@pytest.mark.server
def test_k_selects_checks(pytester: pytest.Pytester, sandbox_url: str) -> None:
    result = pytester.runpytest("--fwp-sandbox", sandbox_url,
                                "--fwp-adapter", "python:tiny:NoKeyAdapter",
                                "--fwp-catalogue", "tiny:CATALOGUE",
                                "-k", "TINY-SPEC")
    result.assert_outcomes(passed=1, deselected=2)
