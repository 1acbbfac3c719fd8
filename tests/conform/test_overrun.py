"""A scenario that overruns its timeout leaves its play's thread behind: that thread must not
take the next scenario's answers (command adapter) nor close its task (wait mode). The overrun is
an ERROR naming the step, and the scenario after it gets its own answers and passes."""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scenarios.stagecraft import act
from simulator.conform.adapters import CommandAdapter, WaitAdapter
from simulator.conform.adapters import command as command_module
from simulator.conform.adapters.command_channel import Channel
from simulator.conform.journal import HARNESS_AGENT, SETTLE_EMBEDDED_S
from simulator.conform.leash import Leash
from simulator.conform.model import (
    Adapter,
    AdapterFailure,
    Catalogue,
    Check,
    Evidence,
    Finding,
    Level,
    SandboxContext,
    Scenario,
    Stage,
    Verdict,
)
from simulator.conform.results import RunResult
from simulator.conform.runner import Runner

LATE_VENDOR = Path(__file__).resolve().parent / "late_vendor.py"
CONTEXT = SandboxContext(base_url="http://127.0.0.1:9", tenant_id="ten_aaaaaaaaaaaa",
                         employer={"client_id": "cli_x", "client_secret": "cs_x", "token_url": "t",
                                   "api": "a"},
                         ssc_api="http://127.0.0.1:9/ssc/v1")
BOUND_S = 20
"""How long a test waits for something that must happen, before it calls the wait a failure."""


def until(condition: Callable[[], Any], what: str) -> Any:
    """Wait for ``condition`` to hold (a hang guard, not a timing assertion)."""
    stop = threading.Event()
    for _ in range(BOUND_S * 50):
        value = condition()
        if value:
            return value
        stop.wait(0.02)
    raise AssertionError(f"still waiting for {what}")


def own_answer(evidence: Evidence) -> list[Finding]:
    """The step's output echoes the input of this scenario's own request."""
    asked = evidence.facts["steps"][0]["input"]
    got = evidence.facts.get("answer", {}).get("input")
    if got == asked:
        return []
    return [Finding(seen=f"the answer to {got}", expected=f"the answer to {asked}", fix="-")]


def scenario(id: str, step: str, timeout_s: float, **input: Any) -> Scenario:
    def play(stage: Stage) -> None:
        stage.facts["answer"] = act(stage, step, **input)

    check = Check(f"{id.upper()}-01", "The answer is this scenario's", Level.MUST, (), own_answer)
    return Scenario(id, id, "Asks one step.", (step,), (check,), play, timeout_s=timeout_s)


@pytest.fixture
def run(app: Any) -> Iterator[Callable[[Adapter, Catalogue], RunResult]]:
    harness = app.test_client(headers={"user-agent": HARNESS_AGENT})

    def running(adapter: Adapter, catalogue: Catalogue) -> RunResult:
        try:
            return Runner(harness, str(harness.base_url), adapter, settle_s=SETTLE_EMBEDDED_S).run(catalogue)
        finally:
            adapter.close()

    yield running
    harness.close()


def verdicts(result: RunResult) -> dict[str, Verdict]:
    return {outcome.scenario_id: outcome.verdict for outcome in result.scenarios}


def test_after_a_command_overrun_the_next_scenario_gets_its_own_answers(run: Any) -> None:
    """The late client holds the first scenario's answer until the next request comes, then
    writes the next one's answer first: the overrun play must not take it."""
    adapter = CommandAdapter(f"{sys.executable} {LATE_VENDOR}", step_timeout=BOUND_S)
    late = scenario("late", "extend", 1, permit="1" * 18, late=True)
    prompt = scenario("prompt", "extend", BOUND_S, permit="2" * 18, late=False)
    result = run(adapter, Catalogue("t", (late, prompt)))
    assert verdicts(result) == {"late": Verdict.ERROR, "prompt": Verdict.PASSED}
    assert result.scenarios[0].reason == ("the scenario did not finish within 1 s "
                                          "(the client was still doing the step extend)")


def _served(url: str, application: str) -> dict[str, Any]:
    def task() -> dict[str, Any] | None:
        served = httpx.get(f"{url}/task")
        body = served.json() if served.status_code == 200 else None
        return body if body and body["input"].get("application") == application else None
    return dict(until(task, f"the task of {application}"))


def _operator(url: str, posted: dict[str, int]) -> None:
    """Leaves the first task unanswered; once the next scenario's task is served, answers the
    first one late, waits for the overrun play's thread to end, then answers the next task."""
    first = _served(url, "app_late")
    second = _served(url, "app_next")
    posted["late"] = httpx.post(first["answer_url"], json={"input": first["input"]}).status_code
    for thread in threading.enumerate():
        if thread.name == "fwp-play-late":
            thread.join(BOUND_S)
    posted["next"] = httpx.post(second["answer_url"], json={"input": second["input"]}).status_code


def test_after_a_wait_mode_overrun_the_next_scenario_keeps_its_task(run: Any) -> None:
    """The overrun play's step, left waiting, once wiped whatever task was open when it gave up:
    the next scenario's. Retired at the overrun, it touches nothing."""
    adapter = WaitAdapter(step_timeout=3, out=io.StringIO(), settle_s=SETTLE_EMBEDDED_S)
    posted: dict[str, int] = {}
    operator = threading.Thread(target=_operator, args=(adapter.url, posted), daemon=True)
    operator.start()
    late = scenario("late", "track_application", 1, application="app_late")
    following = scenario("next", "track_application", BOUND_S, application="app_next")
    result = run(adapter, Catalogue("t", (late, following)))
    operator.join(BOUND_S)
    assert posted == {"late": 409, "next": 204}
    assert verdicts(result) == {"late": Verdict.ERROR, "next": Verdict.PASSED}
    assert result.scenarios[0].reason == ("the scenario did not finish within 1 s "
                                          "(the client was still doing the step track_application)")


def test_each_command_call_gets_the_answer_with_its_own_id() -> None:
    """Two calls in flight (an overrun play's and the next one's): answers written in the other
    order still reach their own call."""
    adapter = CommandAdapter(f"{sys.executable} {LATE_VENDOR}", step_timeout=BOUND_S)
    outputs: dict[str, dict[str, Any]] = {}

    def held() -> None:
        outputs["late"] = adapter.call("extend", {"late": True}, CONTEXT)

    try:
        adapter.steps()
        first = threading.Thread(target=held, daemon=True)
        first.start()
        until(lambda: "held" in adapter.stderr_text(), "the client to hold the first request")
        outputs["next"] = adapter.call("extend", {"late": False}, CONTEXT)
        first.join(BOUND_S)
    finally:
        adapter.close()
    assert {who: output["input"] for who, output in outputs.items()} == {
        "late": {"late": True}, "next": {"late": False}}


class Recorder:
    """An adapter that records what it is asked; ``reset`` is what an overrun calls."""

    name = "recorder"

    def __init__(self) -> None:
        self.resets = 0

    def steps(self) -> frozenset[str]:
        return frozenset({"extend"})

    def call(self, step: str, input: dict[str, Any], sandbox: SandboxContext) -> dict[str, Any]:
        return {"step": step}

    def reset(self) -> None:
        self.resets += 1

    def close(self) -> None:
        return None


def test_a_cut_leash_refuses_the_overrun_plays_further_steps() -> None:
    recorder = Recorder()
    leash = Leash(recorder)
    assert leash.call("extend", {}, CONTEXT) == {"step": "extend"}
    assert leash.cut() is None  # no step in flight
    assert recorder.resets == 1
    with pytest.raises(AdapterFailure, match="overran"):
        leash.call("extend", {}, CONTEXT)
    with pytest.raises(AdapterFailure, match="overran"):
        leash.steps()


def test_a_step_past_the_leash_when_it_is_cut_starts_no_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The play's step passes the leash; the runner cuts it (resetting the adapter) before the
    step reaches the process: the step is refused, and no process is started for it (a restarted
    one belongs to the next scenario)."""
    started: list[object] = []

    class Counted(Channel):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            started.append(self)

    monkeypatch.setattr(command_module, "Channel", Counted)
    passed, go_on = threading.Event(), threading.Event()

    class Paused(CommandAdapter):
        def _open(self, step: str = "steps") -> Any:
            if step == "extend":  # the play's step, between the leash and the process
                passed.set()
                go_on.wait(BOUND_S)
            return super()._open(step)

    adapter = Paused(f"{sys.executable} {LATE_VENDOR}", step_timeout=BOUND_S)
    leash = Leash(adapter)
    failures: list[BaseException] = []

    def play() -> None:
        try:
            leash.call("extend", {"late": False}, CONTEXT)
        except AdapterFailure as exc:
            failures.append(exc)

    try:
        assert leash.steps() == frozenset({"extend"})
        assert len(started) == 1
        thread = threading.Thread(target=play, daemon=True)
        thread.start()
        until(passed.is_set, "the step to pass the leash")
        assert leash.cut() == "extend"
        go_on.set()
        thread.join(BOUND_S)
        assert [str(failure) for failure in failures] == [
            "extend: the scenario overran its timeout, its steps are no longer taken"]
        assert len(started) == 1, "the overrun step started a process"
        # the next scenario's leash starts the process again and gets its answer
        assert Leash(adapter).call("extend", {"late": False}, CONTEXT)["input"] == {"late": False}
        assert len(started) == 2
    finally:
        adapter.close()
