"""The journal the checks judge: settled (another worker's entries land late), the harness's own
requests told apart from the client's, and secrets masked by value."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from simulator.conform.journal import HARNESS_AGENT, MASK, Masker, client_entries, settled


@dataclass
class Answer:
    text: str
    status_code: int = 200


@dataclass
class LaggingSandbox:
    """An export that shows the entries written so far: entry n is written ``lag[n]`` s late."""

    lags: list[float]
    started: float = field(default_factory=time.monotonic)
    exports: int = 0

    def get(self, url: str, **kwargs: Any) -> Answer:
        self.exports += 1
        age = time.monotonic() - self.started
        rows = [{"id": n + 1} for n, lag in enumerate(self.lags) if lag <= age]
        return Answer("\n".join(json.dumps(row) for row in rows))


@dataclass
class FakeTenant:
    http: LaggingSandbox
    id: str = "ten_x"
    headers: dict[str, str] = field(default_factory=dict)


def test_settled_waits_for_another_workers_late_entries() -> None:
    """Entries 3 and 4 are another worker's, written 0.3 and 0.45 s late: a plain export misses
    them, the settled one has them."""
    tenant = FakeTenant(LaggingSandbox([0, 0, 0.3, 0.45]))
    assert [e["id"] for e in settled(tenant, quiet_s=0)] == [1, 2]  # type: ignore[arg-type]
    assert [e["id"] for e in settled(tenant, quiet_s=0.5)] == [1, 2, 3, 4]  # type: ignore[arg-type]


def test_settled_is_not_kept_waiting_by_its_own_exports() -> None:
    """Each export is itself journalled (the harness's request): that growth is not the client's."""
    own = {"path": "/sandbox/v1/tenants/ten_x/journal/export",
           "request": {"headers": {"user-agent": HARNESS_AGENT}}}

    class SelfJournalling(LaggingSandbox):
        def get(self, url: str, **kwargs: Any) -> Answer:
            rows = [{"id": 1}] + [dict(own, id=n + 2) for n in range(self.exports)]
            self.exports += 1
            return Answer("\n".join(json.dumps(row) for row in rows))

    started = time.monotonic()
    assert len(settled(FakeTenant(SelfJournalling([])), quiet_s=0.05)) == 2  # type: ignore[arg-type]
    assert time.monotonic() - started < 0.5


def test_settled_stops_at_its_cap_when_entries_keep_coming() -> None:
    tenant = FakeTenant(LaggingSandbox([0.1 * n for n in range(100)]))
    started = time.monotonic()
    entries = settled(tenant, quiet_s=0.2, cap_s=0.6)  # type: ignore[arg-type]
    assert time.monotonic() - started < 1.2
    assert 3 <= len(entries) < 100


def test_client_entries_leave_out_the_harness_and_callbacks() -> None:
    entries = [
        {"id": 1, "direction": "INBOUND", "request": {"headers": {"user-agent": HARNESS_AGENT}}},
        {"id": 2, "direction": "INBOUND", "request": {"headers": {"user-agent": "acme-hr/2"}}},
        {"id": 3, "direction": "OUTBOUND", "request": {"headers": {}}},
    ]
    assert [e["id"] for e in client_entries(entries)] == [2]


def test_the_masker_learns_secret_names_but_not_look_alikes() -> None:
    masker = Masker()
    masker.learn({"callback": {"secret": "whsec_0123456789"}, "token_url": "http://127.0.0.1/fwp/v1/oauth/token",
                  "idempotency-key": "key-0123456789", "steps": [{"output": {"access_token": "v1.abcdefgh"}}],
                  "Authorization": "Bearer tok_0123456789"})
    assert masker.secrets == {"whsec_0123456789", "v1.abcdefgh", "Bearer tok_0123456789", "tok_0123456789"}
    masked = masker.data({"seen": "sent whsec_0123456789 in ?t=tok_0123456789"})
    assert masked == {"seen": f"sent {MASK} in ?t={MASK}"}
