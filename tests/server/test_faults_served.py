"""A DROP fault against a served sandbox: the client gets no answer, only a closed connection."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from simulator.testing import Sandbox, expect

pytestmark = pytest.mark.server


def test_drop_closes_the_connection(serve: Any, sqlite_url: str) -> None:
    server = serve(sqlite_url).start()
    with httpx.Client(base_url=server.url) as http:
        tenant = Sandbox(http).create_tenant(seed=5)
        employer = tenant.employer()
        expect(http.post(f"/sandbox/v1/tenants/{tenant.id}/faults", headers=tenant.headers,
                         json={"operation_id": "getEmployer", "kind": "DROP"}), 201)
        with pytest.raises(httpx.RemoteProtocolError):
            employer.get("/employer")
        assert employer.get("/foreigners").status_code == 200  # the server still serves
