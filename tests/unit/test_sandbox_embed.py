"""The embedded sandbox's start: a wait long enough for a loaded machine, set by the environment,
and a sandbox that exits before answering reported at once with why (its log's last lines)."""

from __future__ import annotations

import socket

import pytest

from simulator.conform import sandbox_embed
from simulator.conform.sandbox_embed import EmbeddedSandbox, SandboxStartError


def wait_of(**given: float) -> float:
    sandbox = EmbeddedSandbox(**given)
    sandbox.stop()  # never started: only its temporary folder to remove
    return sandbox.startup_timeout


def test_the_wait_is_two_minutes_unless_the_environment_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sandbox_embed.START_TIMEOUT_ENV, raising=False)
    assert wait_of() == 120.0
    monkeypatch.setenv(sandbox_embed.START_TIMEOUT_ENV, "7.5")
    assert wait_of() == 7.5
    assert wait_of(startup_timeout=3) == 3
    monkeypatch.setenv(sandbox_embed.START_TIMEOUT_ENV, "soon")
    with pytest.raises(SandboxStartError, match="'soon' is not a number of seconds"):
        sandbox_embed.start_timeout()


def test_a_sandbox_that_exits_before_answering_says_why_at_once() -> None:
    sandbox = EmbeddedSandbox(startup_timeout=90)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:  # its port is someone else's
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", sandbox.port))
        taken.listen()
        with pytest.raises(SandboxStartError) as raised:
            sandbox.start()
    assert "exited (code" in str(raised.value)
    assert "address already in use" in str(raised.value).lower()
