"""The journal the checks judge: settled (another worker's entries land late), the harness's own
requests told apart from the client's, and secrets masked by value (known, or learnt from the
journal's secret-named headers, parameters and fields) and by name."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from simulator.conform import journal
from simulator.conform.journal import HARNESS_AGENT, MASK, Masker, client_entries, secret_name, settled


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


@pytest.mark.parametrize(("name", "secret"), [
    ("X-Api-Token", True), ("X-Custom-Token", True), ("X-Auth", True), ("apiKey", True), ("x-api-key", True),
    ("APIKEY", True), ("sessionId", True), ("Cookie", True), ("client_secret", True), ("new_password", True),
    ("x-sandbox-key", True), ("authorization", True), ("token", True),
    ("token_url", False), ("token_type", False), ("idempotency-key", False), ("client_id", False),
    ("x-sandbox-tenant", False), ("oauth", False), ("author", False), ("expires_in", False),
    ("refresh_tokens", True), ("X-Api-Keys", True), ("cookies", True), ("passwords", True),
    ("token_expires", False), ("status", False), ("address", False), ("access_tokens_url", False),
])
def test_secret_names(name: str, secret: bool) -> None:
    assert secret_name(name) is secret


def test_the_masker_learns_what_the_journal_carries_under_secret_names() -> None:
    """A token sent as ?token= (percent-encoded there), in a custom header, a cookie, a form or
    JSON field: each value is learnt and masked wherever it appears later, in any entry."""
    entries = [
        {"query": "limit=5&token=tok%2Fabc123", "request": {"headers": {"x-custom-token": "hdr_0123456789",
                                                                         "cookie": "sid=cookie_0123456789"},
                                                             "body": "grant_type=x&passwd=form_0123456789"},
         "response": {"headers": {}, "body": '{"session": {"id_token": "json_0123456789"}}'}},
        {"query": "", "request": {"headers": {"x-trace": "tok/abc123 hdr_0123456789 cookie_0123456789"},
                                  "body": '{"note": "json_0123456789 form_0123456789"}'}, "response": {}},
    ]
    masker = Masker()
    masker.learn_journal(entries)
    masked = masker.data(entries)
    text = repr(masked)
    for value in ("tok%2Fabc123", "tok/abc123", "hdr_0123456789", "cookie_0123456789", "json_0123456789",
                  "form_0123456789"):
        assert value not in text
    assert masked[1]["request"]["headers"]["x-trace"] == f"{MASK} {MASK} {MASK}"
    assert masked[0]["query"] == f"limit=5&token={MASK}"


def test_a_short_secret_is_masked_by_its_name_only() -> None:
    """Too short to replace everywhere (it would blank ordinary words), but not shown in its field."""
    masker = Masker()
    entry = {"query": "page=2&api_key=abc", "request": {"headers": {"X-Auth": "abc"},
                                                        "body": '{"pin": "abc", "password": "abc"}'}}
    masker.learn_journal([entry])
    assert masker.data(entry) == {"query": f"page=2&api_key={MASK}", "request": {
        "headers": {"X-Auth": MASK}, "body": f'{{"pin": "abc", "password": "{MASK}"}}'}}
    assert masker.text("see ?token=abc and token_url=http://x") == f"see ?token={MASK} and token_url=http://x"


def test_every_secret_word_has_a_part_the_quick_scan_looks_for() -> None:
    """Masking by name skips its regexes for a text with none of the parts: each word needs one."""
    for word in (*journal._SECRET_WORDS, "key"):
        assert any(part in word for part in journal._SECRET_PARTS), word


class CommittingJournal:
    """A journal whose rows become visible when "committed", in any order of their ids (as on
    PostgreSQL: an id is taken at insert, seen at commit). It counts what each export sent."""

    def __init__(self) -> None:
        self.id, self.headers, self.http = "ten_commit", {}, self
        self.visible: list[int] = []
        self.sent: list[int] = []

    def get(self, url: str, params: dict[str, int], headers: dict[str, str]) -> Any:
        import httpx

        lines = [{"id": i} for i in sorted(self.visible) if i > params["after"]]
        self.sent += [line["id"] for line in lines]
        return httpx.Response(200, text="\n".join(json.dumps(line) for line in lines))


def test_the_tail_does_not_skip_an_entry_that_commits_behind_a_higher_id() -> None:
    store = CommittingJournal()
    tail = journal.Tail(store, look_back_s=0.05)  # type: ignore[arg-type]
    store.visible += [1, 2, 4]  # 3's transaction has not committed yet
    assert [e["id"] for e in tail.read()] == [1, 2, 4]
    store.visible += [3, 5]
    assert [e["id"] for e in tail.read()] == [5]  # read forward: 3 is behind the cursor
    time.sleep(0.06)
    assert [e["id"] for e in tail.read()] == [3]  # the look back finds it, once
    time.sleep(0.06)
    assert tail.read() == []
    assert tail.settled == 5  # every entry seen a look back ago: nothing can land behind them now
    store.visible += [6]
    before = len(store.sent)
    assert [e["id"] for e in tail.read()] == [6]
    time.sleep(0.06)
    assert tail.read() == []
    assert store.sent[before:] == [6, 6]  # what settled is never exported again


def test_every_string_held_under_a_secret_name_is_masked_in_lists_and_objects_too() -> None:
    masked = Masker().data({"refresh_tokens": ["rt1", "rt2"], "session": {"id": "s1", "n": 2},
                            "names": ["Li", "Wang"]})
    assert masked == {"refresh_tokens": [MASK, MASK], "session": {"id": MASK, "n": 2},
                      "names": ["Li", "Wang"]}
