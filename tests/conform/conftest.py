"""Fixtures of the engine's tests: an in-process runner over the conftest's ``app``, the tiny
catalogue's folder importable (the CLI tests put it on ``PYTHONPATH`` for subprocesses)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.conform.journal import HARNESS_AGENT, SETTLE_EMBEDDED_S
from simulator.conform.runner import Runner

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import tiny  # noqa: E402 - importable once HERE is on the path


@pytest.fixture
def make_runner(app: Any) -> Iterator[Callable[[type[tiny.TinyAdapter]], Runner]]:
    """A runner on the in-process app, with a fresh adapter of the given class."""
    opened: list[Any] = []

    def make(kind: type[tiny.TinyAdapter] = tiny.TinyAdapter) -> Runner:
        harness = app.test_client(headers={"user-agent": HARNESS_AGENT})
        vendor = app.test_client(headers={"user-agent": "tiny/1"})
        opened.extend((harness, vendor))
        return Runner(harness, str(harness.base_url), kind(vendor), settle_s=SETTLE_EMBEDDED_S)

    yield make
    for client in opened:
        client.close()
