"""The Python adapter: an object whose methods are the steps (``extend(sandbox, permit, ...)``).

A method the class lacks is a step it does not support (its scenarios are SKIPPED); an exception
raised by a step is the adapter failing (ERROR), never a check's verdict.
"""

from __future__ import annotations

import importlib
from typing import Any

from simulator.conform.model import AdapterFailure, SandboxContext
from simulator.conform.steps import STEPS


class PythonAdapter:
    def __init__(self, client: Any, name: str | None = None) -> None:
        self.client = client
        self.name = name or getattr(client, "name", None) or type(client).__qualname__

    @classmethod
    def load(cls, path: str) -> PythonAdapter:
        """``package.module:Class``, instantiated without arguments."""
        module_name, _, attribute = path.partition(":")
        if not module_name or not attribute:
            raise ValueError(f"python adapter {path!r}: expected package.module:Class")
        target = getattr(importlib.import_module(module_name), attribute)
        return cls(target(), name=f"python:{path}")

    def steps(self) -> frozenset[str]:
        return frozenset(name for name in STEPS if callable(getattr(self.client, name, None)))

    def call(self, step: str, input: dict[str, Any], sandbox: SandboxContext) -> dict[str, Any]:
        try:
            output = getattr(self.client, step)(sandbox, **input)
        except Exception as exc:  # the client's own failure is the run's ERROR
            raise AdapterFailure(f"{step}: {type(exc).__name__}: {exc}") from exc
        if output is None:
            return {}
        if not isinstance(output, dict):
            raise AdapterFailure(f"{step} returned {type(output).__name__}, not a dict")
        return output

    def close(self) -> None:
        closing = getattr(self.client, "close", None)
        if callable(closing):
            closing()
