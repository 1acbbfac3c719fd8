"""Callbacks from a served sandbox with two workers: every event is posted exactly once, whichever
worker wrote it and whichever worker's delivery thread claims it."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import httpx
import pytest

from simulator.testing import CallbackReceiver, Sandbox, application_payload, expect, verify_signature

pytestmark = pytest.mark.server
APPLICATIONS = 12
MOST_APPLICATIONS = 30
EVENTS_PER_APPLICATION = 3  # create (DRAFT), submit (SUBMITTED), start_pre_review (PRE_REVIEW)


def test_two_workers_post_every_event_exactly_once(serve: Any, sqlite_url: str) -> None:
    server = serve(sqlite_url, workers=2).start()
    receiver = CallbackReceiver().start()
    try:
        with httpx.Client(base_url=server.url) as http:
            tenant = Sandbox(http).create_tenant(seed=21)
            tenant.freeze_clock("2026-03-02T09:00:00+08:00")
            secret = tenant.register_callback(receiver.url)["secret"]
            employer = tenant.employer()
            employer.register()
            people = [employer.create_foreigner(passport_number=f"W{i:08d}")["id"]
                      for i in range(MOST_APPLICATIONS)]

        def file(foreigner_id: str) -> str:
            # a new connection per request, so that both workers take their share
            with httpx.Client(base_url=server.url) as one:
                answer = one.post("/fwp/v1/applications", headers=employer.headers,
                                  json=application_payload(foreigner_id, date(2026, 3, 2)))
                expect(answer, 201)
                return answer.headers["x-sandbox-worker"]

        # the kernel hands connections to whichever worker accepts first; rounds of six until both
        # have written (bounded: 100 deliveries fit one page of the listing)
        workers: set[str] = set()
        filed = 0
        with ThreadPoolExecutor(max_workers=6) as pool:
            while filed < APPLICATIONS or (len(workers) < 2 and filed < MOST_APPLICATIONS):
                workers |= set(pool.map(file, people[filed:filed + 6]))
                filed += 6
        assert len(workers) == 2, f"both workers should have written applications ({filed} filed)"

        expected = filed * EVENTS_PER_APPLICATION
        posts = receiver.wait_for(expected, timeout=30)
        ids = Counter(post.headers["x-sandbox-event-id"] for post in posts)
        assert len(ids) == expected
        assert max(ids.values()) == 1, [event for event, n in ids.items() if n > 1]
        assert all(verify_signature(secret, post.headers["x-sandbox-signature"], post.body)
                   for post in posts)
        with httpx.Client(base_url=server.url) as http:
            listed = expect(http.get(f"/sandbox/v1/tenants/{tenant.id}/callback-deliveries",
                                     params={"limit": 100}, headers=tenant.headers), 200)["items"]
        assert len(listed) == expected
        assert {d["status"] for d in listed} == {"DELIVERED"}
        assert all(len(d["attempts"]) == 1 for d in listed)
    finally:
        receiver.stop()
