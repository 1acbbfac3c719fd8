"""The adapter as one scenario's play sees it: a leash the runner cuts when the play overruns.

Python cannot stop a thread, so a play that overruns its timeout goes on in the background while
the next scenario runs on the same adapter. Cut, the leash refuses every further step of the old
play (and its ``observe``, which would point wait mode at the old tenant), and asks the adapter to
abandon the call in flight (``reset``: the command adapter stops its process, so no late answer
can reach the next call; wait mode retires the task, so its late finish touches nothing). The
step in flight when the leash was cut names the overrun in the report.

A step that passed the leash an instant before the cut is still stopped short of the vendor's
restarted process: while a leash calls its adapter, :func:`still_wanted` tells the adapter whether
the leash still holds, and the command adapter asks it under its own lock before it starts a
process and before it writes a request (the cut's ``reset`` takes the same lock). Answers are kept
to their call by id in any case, so a late one cannot take the next scenario's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from simulator.conform.model import Adapter, AdapterFailure, SandboxContext
from simulator.testing import Tenant

_wanted: ContextVar[Callable[[], bool]] = ContextVar("fwp_conform_wanted", default=lambda: True)


def still_wanted() -> bool:
    """Whether the play calling the adapter on this thread still holds its leash (a call made
    outside any leash is always wanted)."""
    return _wanted.get()()


class Leash:
    """An :class:`~simulator.conform.model.Adapter` that one scenario plays through."""

    def __init__(self, adapter: Adapter) -> None:
        self.adapter = adapter
        self.name = adapter.name
        self._lock = threading.Lock()
        self._cut = False
        self._in_flight: str | None = None

    def steps(self) -> frozenset[str]:
        self._refuse_when_cut("steps")
        return self.adapter.steps()

    def call(self, step: str, input: dict[str, Any], sandbox: SandboxContext) -> dict[str, Any]:
        with self._lock:
            self._refuse_when_cut(step)
            self._in_flight = step
        token = _wanted.set(self._holds)
        try:
            return self.adapter.call(step, input, sandbox)
        finally:
            _wanted.reset(token)
            with self._lock:
                if not self._cut:
                    self._in_flight = None

    def observe(self, tenant: Tenant) -> None:
        """Passed on to an adapter that watches the journal (wait mode)."""
        self._refuse_when_cut("observe")
        observe = getattr(self.adapter, "observe", None)
        if callable(observe):
            observe(tenant)

    def close(self) -> None:
        """Nothing: the runner owns the adapter and closes it after the run."""

    def cut(self) -> str | None:
        """Refuse the play's further steps, abandon its call in flight; the step it was in."""
        with self._lock:
            self._cut = True
            step = self._in_flight
        reset = getattr(self.adapter, "reset", None)
        if callable(reset):
            reset()
        return step

    def _holds(self) -> bool:
        return not self._cut

    def _refuse_when_cut(self, what: str) -> None:
        if self._cut:
            raise AdapterFailure(f"{what}: the scenario overran its timeout, its steps are no longer taken")
