"""The runner: verdicts from findings and levels, SKIPPED for a missing step, ERROR for a broken
play or judge or a timeout, exit codes, selection, and secrets masked in what it returns."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest
import tiny
from rich.console import Console

from simulator.conform.cli import scenario_timeout
from simulator.conform.model import AdapterFailure, Catalogue, Check, Level, Stage, Verdict
from simulator.conform.reports import write_all
from simulator.conform.results import RunResult
from simulator.conform.runner import Runner, SelectionError, select

MakeRunner = Callable[..., Runner]


def verdicts(result: RunResult) -> dict[str, Verdict]:
    return {check.check_id: check.verdict for check in result.checks()}


def test_a_careful_client_passes_and_a_missing_step_skips(make_runner: MakeRunner) -> None:
    result = make_runner().run(tiny.CATALOGUE)
    assert verdicts(result) == {"TINY-IDEM-01": Verdict.PASSED, "TINY-SPEC-01": Verdict.PASSED,
                                "TINY-CARD-01": Verdict.SKIPPED}
    card = result.scenarios[1]
    assert card.checks[0].reason == "the adapter lacks the step(s): register_essc"
    assert result.exit_code == 0
    assert result.counts() == {"PASSED": 2, "FAILED": 0, "WARNING": 0, "SKIPPED": 1, "ERROR": 0}


def test_a_broken_must_fails_with_the_entry_it_rests_on(make_runner: MakeRunner) -> None:
    result = make_runner(tiny.NoKeyAdapter).run(tiny.CATALOGUE, scenarios=["tiny-filing"])
    failed = result.scenarios[0].checks[0]
    assert (failed.check_id, failed.verdict) == ("TINY-IDEM-01", Verdict.FAILED)
    [finding] = failed.findings
    [cited] = result.scenarios[0].cited()
    assert finding.entries == (cited["id"],)
    assert (cited["method"], cited["path"]) == ("POST", "/fwp/v1/applications")
    assert result.exit_code == 1


def test_a_broken_should_only_warns(make_runner: MakeRunner) -> None:
    result = make_runner(tiny.SloppyAdapter).run(tiny.CATALOGUE, checks=["TINY-SPEC-*"])
    assert verdicts(result) == {"TINY-SPEC-01": Verdict.WARNING}
    assert result.exit_code == 0


def test_the_harness_own_requests_are_not_the_clients(make_runner: MakeRunner) -> None:
    """The stage registers the employer with the harness's token: not judged as the client."""
    result = make_runner(tiny.SloppyAdapter).run(tiny.CATALOGUE, scenarios=["tiny-filing"])
    entries = result.scenarios[0].entries
    assert any(e["path"] == "/fwp/v1/employer" for e in entries)
    cited = result.scenarios[0].cited()
    assert {e["path"] for e in cited} == {"/fwp/v1/foreigners"}


def test_a_scenario_that_breaks_or_hangs_is_an_error(make_runner: MakeRunner) -> None:
    def boom(stage: Stage) -> None:
        raise RuntimeError(f"no such application (key {stage.tenant.admin_key})")

    def hang(stage: object) -> None:
        time.sleep(3)

    broken = replace(tiny.FILING, id="broken", play=boom)
    slow = replace(tiny.FILING, id="slow", play=hang, timeout_s=0.5)
    result = make_runner().run(Catalogue("t", (broken, slow)))
    assert {c.verdict for c in result.checks()} == {Verdict.ERROR}
    assert result.scenarios[0].reason == "the scenario broke: RuntimeError: no such application (key ***)"
    assert result.scenarios[1].reason == "the scenario did not finish within 0.5 s"
    assert result.exit_code == 2


def test_the_runner_can_give_every_scenario_more_time(make_runner: MakeRunner) -> None:
    """Wait mode: a person drives each step, so the CLI lifts the scenarios' own timeouts."""
    def slow(stage: Stage) -> None:
        time.sleep(0.8)
        tiny.play_filing(stage)

    scenario = replace(tiny.FILING, play=slow, timeout_s=0.2)
    runner = make_runner()
    assert runner.run(Catalogue("t", (scenario,))).exit_code == 2
    runner.scenario_timeout = 5
    assert verdicts(runner.run(Catalogue("t", (scenario,)))) == {
        "TINY-IDEM-01": Verdict.PASSED, "TINY-SPEC-01": Verdict.PASSED}


def test_wait_mode_gets_an_hour_unless_told() -> None:
    assert scenario_timeout("wait", None) == 3600
    assert scenario_timeout("wait", 90.0) == 90
    assert scenario_timeout("python:tiny:TinyAdapter", None) is None
    assert scenario_timeout("command:node wait.js", None) is None


def test_an_adapter_that_cannot_say_its_steps_is_an_error(make_runner: MakeRunner) -> None:
    class Dead(tiny.TinyAdapter):
        def steps(self) -> frozenset[str]:
            raise AdapterFailure("the process exited with status 1")

    result = make_runner(Dead).run(tiny.CATALOGUE)
    assert {c.verdict for c in result.checks()} == {Verdict.ERROR}
    assert result.scenarios[0].reason == "the adapter failed: the process exited with status 1"


def test_a_judge_that_raises_is_an_error_not_a_pass(make_runner: MakeRunner) -> None:
    def crash(evidence: object) -> list[object]:
        raise KeyError("status")

    check = Check("TINY-BAD-01", "Broken judge", Level.SHOULD, (), crash)  # type: ignore[arg-type]
    scenario = replace(tiny.FILING, checks=(tiny.IDEM, check))
    result = make_runner().run(Catalogue("t", (scenario,)))
    assert verdicts(result) == {"TINY-IDEM-01": Verdict.PASSED, "TINY-BAD-01": Verdict.ERROR}
    assert result.exit_code == 2


def test_a_step_the_play_needs_but_did_not_declare_skips(make_runner: MakeRunner) -> None:
    sneaky = replace(tiny.CARD, steps=())
    result = make_runner().run(Catalogue("t", (sneaky,)))
    assert result.checks()[0].verdict is Verdict.SKIPPED
    assert result.checks()[0].reason == "the adapter lacks the step: register_essc"


def test_selection_by_pattern_and_typos_refused() -> None:
    assert [s.id for s, _ in select(tiny.CATALOGUE, checks=["TINY-CARD-*"])] == ["tiny-card"]
    assert [len(c) for _, c in select(tiny.CATALOGUE, scenarios=["tiny-*"])] == [2, 1]
    with pytest.raises(SelectionError, match="'TINY-NOPE' matches nothing"):
        select(tiny.CATALOGUE, checks=["TINY-NOPE"])


def test_secrets_never_reach_the_results_nor_the_reports(make_runner: MakeRunner, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The tenant's admin key and client secret (seen by spying on the harness's tenant creation)
    and the access token the adapter returns as output: none is in the results or any report."""
    runner = make_runner(tiny.NoKeyAdapter)
    seen: list[str] = []
    post = runner.http.post

    def spy(url: str, *args: Any, **kwargs: Any) -> Any:
        response = post(url, *args, **kwargs)
        if url in ("/sandbox/v1/tenants", "/fwp/v1/oauth/token"):
            body = response.json()
            seen.extend(v for v in (body.get("admin_key"), body.get("access_token"),
                                    (body.get("employer") or {}).get("client_secret")) if v)
        return response

    runner.http.post = spy
    monkeypatch.setenv("TINY_SECRETS_FILE", str(tmp_path / "adapter-secrets.txt"))
    result = runner.run(tiny.CATALOGUE)
    seen.extend((tmp_path / "adapter-secrets.txt").read_text().split())
    assert len(set(seen)) >= 3  # admin key, client secret, tokens (the same one when issued in a second)
    printed = io.StringIO()
    write_all(result, tiny.CATALOGUE, tmp_path / "reports", Console(file=printed, width=200))
    texts = [json.dumps([asdict(s) for s in result.scenarios], default=str), printed.getvalue()]
    texts += [path.read_bytes().decode("utf-8", "replace") for path in (tmp_path / "reports").iterdir()]
    assert [secret[:4] for secret in seen for text in texts if secret in text] == []


def test_a_token_the_client_fetched_and_echoed_is_masked_by_its_shape(
        make_runner: MakeRunner, tmp_path: Path) -> None:
    """The sandbox's journal shows the client's own token with its signature masked, so the
    engine cannot learn the value there; the adapter's failure quotes it whole: masked by shape."""
    runner = make_runner(tiny.EchoingTokenAdapter)
    result = runner.run(tiny.CATALOGUE, scenarios=["tiny-filing"])
    [token] = runner.adapter.leaked  # type: ignore[attr-defined]
    assert "gave up; the token was v1." in str(result.scenarios[0].reason)
    printed = io.StringIO()
    written = write_all(result, tiny.CATALOGUE, tmp_path / "reports", Console(file=printed, width=200))
    texts = {path.name: path.read_bytes().decode("utf-8", "replace") for path in written.values()}
    texts["results"] = json.dumps([asdict(s) for s in result.scenarios], default=str)
    texts["console"] = printed.getvalue()
    assert [name for name, text in texts.items() if token in text] == []
    signed, _ = token.rsplit(".", 1)
    assert f"the token was {signed}.***" in texts["report.json"]


def test_a_token_the_client_fetched_and_sent_in_a_query_or_custom_header_is_masked_everywhere(
        make_runner: MakeRunner, tmp_path: Path) -> None:
    """The sandbox masks ``Authorization``, not ``?token=`` nor ``X-Custom-Token``: the engine learns
    the value from those entries and masks it in the results, every report and the evidence."""
    runner = make_runner(tiny.LeakyTokenAdapter)
    harness_tokens: list[str] = []
    post = runner.http.post

    def spy(url: str, *args: Any, **kwargs: Any) -> Any:
        response = post(url, *args, **kwargs)
        if url == "/fwp/v1/oauth/token":
            harness_tokens.append(response.json()["access_token"])
        return response

    runner.http.post = spy
    result = runner.run(tiny.CATALOGUE, scenarios=["tiny-filing"])
    [token] = runner.adapter.leaked  # type: ignore[attr-defined]
    assert harness_tokens
    assert token not in harness_tokens  # not a secret the engine knew before
    written = write_all(result, tiny.CATALOGUE, tmp_path / "reports", Console(file=io.StringIO()))
    texts = {path.name: path.read_bytes().decode("utf-8", "replace") for path in written.values()}
    texts["results"] = json.dumps([asdict(s) for s in result.scenarios], default=str)
    assert [name for name, text in texts.items() if token in text] == []
    leaked = [e for e in result.scenarios[0].entries if e["path"] == "/fwp/v1/messages"]
    assert [(e["query"], e["request"]["headers"]["x-custom-token"]) for e in leaked] == [("token=***", "***")]
