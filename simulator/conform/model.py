"""The vocabulary of the conformance harness: catalogue, scenario, check, finding, verdict.

Shared by the engine (runner, reports, evidence) and the catalogue (``scenarios/``), so it holds
only plain data and the two exceptions a step may raise. Its shape is the interface agreed in
``/work/notes/harness-interface.md``: extend it, never change what is there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from simulator.testing import Employer, Tenant


class Level(StrEnum):
    """How much a check matters: a broken MUST fails the run, a broken SHOULD warns."""

    MUST = "MUST"
    SHOULD = "SHOULD"


class Verdict(StrEnum):
    """The outcome of one check in one run (the OpenID conformance suite's grades)."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    WARNING = "WARNING"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"


@dataclass(frozen=True)
class Reference:
    """A requirement a check enforces: a clause of the notice, a domain rule or a standard."""

    id: str
    title: str
    url: str | None = None


REFERENCES: dict[str, Reference] = {}
"""The registry of references, filled by :func:`register_references` (the catalogue does)."""


def register_references(*references: Reference) -> None:
    """Add references to the registry; the same id twice must mean the same reference."""
    for reference in references:
        known = REFERENCES.setdefault(reference.id, reference)
        if known != reference:
            raise ValueError(f"reference {reference.id} registered twice with different text")


UNCOVERED: dict[str, str] = {}
"""Why a registered reference has no check (the traceability listing names it with the reason)."""


def explain_uncovered(reasons: dict[str, str]) -> None:
    """Record why references are deliberately left without a check; one reason per reference."""
    for reference, reason in reasons.items():
        if UNCOVERED.setdefault(reference, reason) != reason:
            raise ValueError(f"reference {reference} explained twice with different reasons")


@dataclass(frozen=True)
class Finding:
    """One broken expectation, with the journal entries (their ``id``) it rests on."""

    seen: str
    expected: str
    fix: str
    entries: tuple[int, ...] = ()


@dataclass
class Evidence:
    """What a check judges: the scenario's journal, the tenant (to read state) and its facts."""

    entries: list[dict[str, Any]]
    tenant: Tenant
    facts: dict[str, Any]


@dataclass(frozen=True)
class Check:
    """One requirement on the client, with a stable id such as ``FWP-IDEM-01``."""

    id: str
    title: str
    level: Level
    references: tuple[str, ...]
    judge: Callable[[Evidence], list[Finding]]


class StepUnsupported(Exception):
    """The adapter does not offer ``step``: the scenario is SKIPPED, never failed."""

    def __init__(self, step: str) -> None:
        self.step = step
        super().__init__(f"the adapter does not support the step {step!r}")


class AdapterFailure(Exception):
    """The adapter crashed, answered ``ok: false`` or timed out: the run itself broke (ERROR)."""


@dataclass(frozen=True)
class SandboxContext:
    """What a step is told about the sandbox; never the tenant's admin key."""

    base_url: str
    tenant_id: str
    employer: dict[str, str]
    ssc_api: str
    callback_url: str | None = None


class Adapter(Protocol):
    """A vendor's client, driven in the domain's words (one vocabulary for the whole catalogue)."""

    name: str

    def steps(self) -> frozenset[str]: ...

    def call(self, step: str, input: dict[str, Any], sandbox: SandboxContext) -> dict[str, Any]: ...

    def close(self) -> None: ...


@dataclass
class Stage:
    """What a scenario's ``play`` gets: the tenant (officer, clock), an employer, the adapter."""

    tenant: Tenant
    employer: Employer
    adapter: Adapter
    context: SandboxContext
    facts: dict[str, Any] = field(default_factory=dict)

    def step(self, name: str, **input: Any) -> dict[str, Any]:
        """Ask the client to do ``name``; the input and output are recorded in ``facts["steps"]``
        so that checks can see what the client was asked and what it claimed."""
        if name not in self.adapter.steps():
            raise StepUnsupported(name)
        record: dict[str, Any] = {"step": name, "input": input}
        self.facts.setdefault("steps", []).append(record)
        output = self.adapter.call(name, input, self.context)
        record["output"] = output
        return output


@dataclass(frozen=True)
class Scenario:
    """One policy workflow or provoked situation, and the checks judged on its journal."""

    id: str
    title: str
    description: str
    steps: tuple[str, ...]
    checks: tuple[Check, ...]
    play: Callable[[Stage], None]
    timeout_s: float = 60
    seed_data: bool = False  # start the tenant with its seeded personas (the sandbox's catalog)


@dataclass(frozen=True)
class Catalogue:
    """Every scenario, versioned (``catalogue_version``)."""

    version: str
    scenarios: tuple[Scenario, ...]
