"""The app's lifespan hooks (simulator.web.middleware.Lifespan): run once at start and at stop,
through connexion's ``lifespan=``, not as middlewares on every request."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from simulator.app import create_app
from simulator.settings import Settings


def test_hooks_run_once_at_start_and_stop_and_a_failing_one_stops_no_other(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'l.db'}"))
    ran: list[str] = []

    def broken() -> None:
        ran.append("broken")
        raise OSError("disk gone")

    app.hooks.on_startup.append(lambda: ran.append("started"))
    app.hooks.on_shutdown[:0] = [broken]  # first: the journal's and the deliveries' still run
    app.hooks.on_shutdown.append(lambda: ran.append("stopped"))
    with caplog.at_level(logging.ERROR, logger="simulator"), app.test_client() as client:
        assert ran == ["started"]
        for _ in range(3):
            assert client.get("/fwp/v1/openapi.json").status_code == 200
        assert ran == ["started"]
    assert ran == ["started", "broken", "stopped"]
    assert "shutdown hook" in caplog.text
    assert "disk gone" in caplog.text
    app.runtime.db.dispose()
