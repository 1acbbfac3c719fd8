"""The pytest plugin (``pytest11`` entry point ``fwp_sandbox``): sandbox fixtures for a vendor's own
suite, and ``--fwp-adapter SPEC`` to run the catalogue as pytest items, one per check.

Given no ``--fwp-*`` option it only adds fixtures and options: nothing starts, nothing is
collected, so unrelated suites (this project's own among them) run exactly as before. The embedded
sandbox starts the first time a fixture needs it, once per session.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from simulator.conform.cli import DEFAULT_CATALOGUE
from simulator.conform.model import Scenario
from simulator.conform.pytest_items import SESSION_KEY, CatalogueCollector
from simulator.testing import CallbackReceiver, Employer, Officer, Sandbox, Tenant


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fwp-sandbox", "fwp-sandbox conformance")
    group.addoption("--fwp-sandbox", metavar="URL", help="a running sandbox (default: an embedded one)")
    group.addoption("--fwp-adapter", metavar="SPEC",
                    help="run the conformance catalogue against this adapter, one item per check")
    group.addoption("--fwp-catalogue", metavar="MODULE:NAME", default=DEFAULT_CATALOGUE,
                    help="the catalogue to run (default: %(default)s)")
    group.addoption("--fwp-report-dir", metavar="DIR", help="also write the run's reports here")


@dataclass
class Session:
    """What the plugin holds for one pytest session: the sandbox, and the catalogue run so far."""

    config: pytest.Config
    url: str | None = None
    closers: list[Any] = field(default_factory=list)
    runner: Any = None
    results: dict[str, Any] = field(default_factory=dict)
    started: str = ""

    def sandbox_url(self) -> str:
        if self.url is None:
            from simulator.conform.sandbox_embed import EmbeddedSandbox

            given = self.config.getoption("fwp_sandbox")
            if given:
                self.url = str(given).rstrip("/")
            else:
                embedded = EmbeddedSandbox()
                self.url = embedded.start()
                self.closers.append(embedded.stop)
        return self.url

    def settle_s(self) -> float:
        from simulator.conform import journal

        return journal.SETTLE_S if self.config.getoption("fwp_sandbox") else journal.SETTLE_EMBEDDED_S

    def http(self) -> Any:
        import httpx

        from simulator.conform.journal import HARNESS_AGENT

        client = httpx.Client(base_url=self.sandbox_url(), headers={"user-agent": HARNESS_AGENT}, timeout=30)
        self.closers.append(client.close)
        return client

    def scenario(self, scenario: Scenario, check_ids: set[str]) -> Any:
        """The scenario's result, run the first time one of its items asks (with the checks still
        selected after ``-k`` and friends)."""
        if scenario.id not in self.results:
            if self.runner is None:
                from simulator.conform.adapters import from_spec
                from simulator.conform.runner import Runner

                adapter = from_spec(str(self.config.getoption("fwp_adapter")))  # closed at the end
                self.closers.append(adapter.close)
                from simulator.conform.cli import scenario_timeout

                spec = str(self.config.getoption("fwp_adapter"))
                self.runner = Runner(self.http(), self.sandbox_url(), adapter, settle_s=self.settle_s(),
                                     scenario_timeout=scenario_timeout(spec, None))
            checks = tuple(c for c in scenario.checks if c.id in check_ids)
            self.results[scenario.id] = self.runner.run_scenario(scenario, checks)
        return self.results[scenario.id]

    def close(self) -> None:
        for close in reversed(self.closers):
            close()
        self.closers.clear()


_KEY = SESSION_KEY


def pytest_configure(config: pytest.Config) -> None:
    from simulator.conform.runner import now_iso

    config.stash[_KEY] = Session(config, started=now_iso())


def pytest_unconfigure(config: pytest.Config) -> None:
    if _KEY in config.stash:
        config.stash[_KEY].close()


def _state(request: pytest.FixtureRequest) -> Session:
    state: Session = request.config.stash[_KEY]
    return state


@pytest.fixture(scope="session")
def fwp_sandbox(request: pytest.FixtureRequest) -> Sandbox:
    """The sandbox (``--fwp-sandbox URL``, or embedded), as :class:`simulator.testing.Sandbox`."""
    return Sandbox(_state(request).http())


@pytest.fixture
def fwp_tenant(fwp_sandbox: Sandbox) -> Tenant:
    """A fresh empty tenant, its clock frozen at the harness's start (Monday 2026-03-02, 09:00)."""
    from simulator.conform.runner import START

    tenant = fwp_sandbox.create_tenant(name="pytest-fwp")
    tenant.freeze_clock(START)
    return tenant


@pytest.fixture
def fwp_employer(fwp_tenant: Tenant) -> Employer:
    """The tenant's employer, with a token and its profile registered."""
    employer = fwp_tenant.employer()
    employer.register()
    return employer


@pytest.fixture
def fwp_officer(fwp_tenant: Tenant) -> Officer:
    """The officer who accepts, returns, approves or rejects the tenant's applications."""
    return fwp_tenant.officer


@dataclass
class Clock:
    """The tenant's clock: ``freeze(now)``, ``advance(days=, hours=)``, ``today()``, ``now()``."""

    tenant: Tenant

    def now(self) -> str:
        return str(self.tenant.clock()["now"])

    def today(self) -> Any:
        return self.tenant.today()

    def freeze(self, now: str) -> Any:
        return self.tenant.freeze_clock(now)

    def advance(self, days: int = 0, hours: int = 0) -> Any:
        return self.tenant.advance(days=days, hours=hours)


@pytest.fixture
def fwp_clock(fwp_tenant: Tenant) -> Clock:
    return Clock(fwp_tenant)


@pytest.fixture
def fwp_callback_receiver() -> Iterator[CallbackReceiver]:
    """An HTTP server on 127.0.0.1 recording callback posts; register ``.url`` with the tenant."""
    receiver = CallbackReceiver().start()
    yield receiver
    receiver.stop()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """With ``--fwp-adapter``, add one item per check (before ``-k``/``-m`` deselect)."""
    if not config.getoption("fwp_adapter"):
        return
    from simulator.conform.cli import load_catalogue

    collector = CatalogueCollector.from_parent(session, name="fwp-conformance", nodeid="fwp-conformance")
    collector.catalogue = load_catalogue(str(config.getoption("fwp_catalogue")))
    items.extend(collector.collect())


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(_KEY, None)
    folder = session.config.getoption("fwp_report_dir")
    if state is None or not folder or state.runner is None:
        return
    from simulator.conform.cli import load_catalogue
    from simulator.conform.reports import write_all
    from simulator.conform.results import RunResult
    from simulator.conform.runner import now_iso

    catalogue = load_catalogue(str(session.config.getoption("fwp_catalogue")))
    run = RunResult(catalogue.version, state.sandbox_url(), state.runner.adapter.name, state.started,
                    now_iso(), list(state.results.values()))
    write_all(run, catalogue, Path(str(folder)))
