"""The callbacks scenario judged from the journal: the reference webhook client passes every
check, and each check catches an integration that gets its one thing wrong."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scenarios.callback_harness import run_approval_by_callbacks
from scenarios.webhook_client import ReferenceWebhookClient
from simulator.testing import Employer, Tenant, expect


class ActsOnDuplicates(ReferenceWebhookClient):
    def first_time(self, event_id: str) -> bool:
        return True


class TrustsEveryPost(ReferenceWebhookClient):
    def verified(self, signature: str, body: bytes) -> bool:
        return True


class FailsTheFirstPost(ReferenceWebhookClient):
    """Answers 500 the first time it sees an event (and drops it): the sandbox retries."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: set[str] = set()

    def receive(self, headers: dict[str, str], body: bytes) -> int:
        event_id = {k.lower(): v for k, v in headers.items()}.get("x-sandbox-event-id", "")
        with self.lock:
            first = event_id not in self.refused
            self.refused.add(event_id)
        return 500 if first else super().receive(headers, body)


class PollsTheStatus(ReferenceWebhookClient):
    def file_pre_entry_application(self, employer: Employer, tenant: Tenant) -> str:
        application_id = super().file_pre_entry_application(employer, tenant)
        for _ in range(5):
            expect(employer.get(f"/applications/{application_id}/status"), 200)
        return application_id


@pytest.fixture
def clients() -> Iterator[list[ReferenceWebhookClient]]:
    made: list[ReferenceWebhookClient] = []
    yield made
    for client in made:
        client.stop()


def test_the_reference_client_passes_every_check(tenant: Tenant, clients: list[Any]) -> None:
    clients.append(ReferenceWebhookClient())
    assert run_approval_by_callbacks(clients[-1], tenant) == []


@pytest.mark.parametrize(("integration", "check"), [
    (ActsOnDuplicates, "duplicates_ignored"),
    (TrustsEveryPost, "forged_callbacks_ignored"),
    (FailsTheFirstPost, "callbacks_acknowledged"),
    (PollsTheStatus, "no_status_polling"),
])
def test_each_check_fails_an_integration_that_breaks_it(
        tenant: Tenant, clients: list[Any], integration: type[ReferenceWebhookClient], check: str) -> None:
    clients.append(integration())
    failures = run_approval_by_callbacks(clients[-1], tenant)
    assert failures
    assert {f.check for f in failures} == {check}, failures
