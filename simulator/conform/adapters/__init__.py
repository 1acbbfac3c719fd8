"""The three ways to plug a client in, chosen by ``--adapter``.

``python:package.module:Class`` (a class with the step methods), ``command:node my-adapter.js``
(any language, JSON lines on the process's stdin and stdout) and ``wait`` (a black-box system an
operator drives while the harness watches the journal). See :mod:`simulator.conform.steps`.
"""

from __future__ import annotations

import shlex
import shutil
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


def from_spec(spec: str, step_timeout: float = 30.0, hello_timeout: float = 15.0) -> Adapter:
    """The adapter ``spec`` names: ``python:pkg.mod:Class``, ``command:<command line>``, or
    ``wait`` (``wait:tasks.json`` also writes each task to that file)."""
    kind, _, rest = spec.partition(":")
    if kind == "python" and rest:
        return PythonAdapter.load(rest)
    if kind == "command" and rest.strip():
        _runnable(rest.strip())
        return CommandAdapter(rest.strip(), step_timeout=step_timeout, hello_timeout=hello_timeout)
    if kind == "wait" and (rest or spec == "wait"):
        tasks_file = Path(rest) if rest else None
        return WaitAdapter(step_timeout=max(step_timeout, WAIT_STEP_S), instructions=tasks_file)
    raise AdapterSpecError(f"unknown adapter {spec!r}: use python:package.module:Class, "
                           "command:<command line>, wait or wait:<tasks file>")


def _runnable(command: str) -> None:
    """Refuse a command line whose program cannot be started, before a sandbox is started for it
    (it is run without a shell: no ``cd dir &&``, no ``$VAR``)."""
    try:
        program = shlex.split(command)[0]
    except (ValueError, IndexError) as exc:
        raise AdapterSpecError(f"command adapter {command!r}: {exc or 'no program'}") from None
    if shutil.which(program) is None:
        raise AdapterSpecError(f"command adapter {command!r}: cannot run {program!r} (not found, or not "
                               "executable; the command line is run without a shell)")
