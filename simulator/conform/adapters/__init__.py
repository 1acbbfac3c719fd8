"""The three ways to plug a client in, chosen by ``--adapter``.

``python:package.module:Class`` (a class with the step methods), ``command:node my-adapter.js``
(any language, JSON lines on the process's stdin and stdout) and ``wait`` (a black-box system an
operator drives while the harness watches the journal). See :mod:`simulator.conform.steps`.
"""

from __future__ import annotations

from pathlib import Path

from simulator.conform.adapters.command import CommandAdapter
from simulator.conform.adapters.python import PythonAdapter
from simulator.conform.adapters.wait import WaitAdapter
from simulator.conform.model import Adapter

__all__ = ["AdapterSpecError", "CommandAdapter", "PythonAdapter", "WaitAdapter", "from_spec"]


class AdapterSpecError(ValueError):
    """An ``--adapter`` value that names no adapter (a usage error, not a run)."""


WAIT_STEP_S = 300.0
"""A person drives the system in wait mode: each step gets at least five minutes."""


def from_spec(spec: str, step_timeout: float = 30.0) -> Adapter:
    """The adapter ``spec`` names: ``python:pkg.mod:Class``, ``command:<command line>``, or
    ``wait`` (``wait:tasks.json`` also writes each task to that file)."""
    kind, _, rest = spec.partition(":")
    if kind == "python" and rest:
        return PythonAdapter.load(rest)
    if kind == "command" and rest.strip():
        return CommandAdapter(rest.strip(), step_timeout=step_timeout)
    if kind == "wait" and (rest or spec == "wait"):
        tasks_file = Path(rest) if rest else None
        return WaitAdapter(step_timeout=max(step_timeout, WAIT_STEP_S), instructions=tasks_file)
    raise AdapterSpecError(f"unknown adapter {spec!r}: use python:package.module:Class, "
                           "command:<command line>, wait or wait:<tasks file>")
