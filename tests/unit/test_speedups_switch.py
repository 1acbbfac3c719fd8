"""simulator.speedups: one switch to stock behaviour, and a release the patches do not know served
stock with a warning, never refused (the version is faked where the check reads it)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from connexion.apps.flask import FlaskApp

from simulator import speedups
from simulator.app import create_app
from simulator.settings import Settings
from simulator.speedups import flask_memo, inline
from simulator.store import direct, readers


@pytest.fixture(autouse=True)
def patched_again() -> Iterator[None]:
    """Whatever a test does, the process goes on with the speed-ups as the environment asks."""
    yield
    speedups.install(Settings().speedups, Settings().speedups_off)


def _attributes() -> dict[str, Any]:
    return {patch.name: vars(patch.owner).get(patch.attribute) for patch in speedups._patches()}


def _faked(monkeypatch: pytest.MonkeyPatch, **versions: str) -> None:
    real = speedups.version_of
    monkeypatch.setattr(speedups, "version_of", lambda name: versions.get(name) or real(name))


def test_off_puts_every_stock_attribute_back_and_on_applies_them_all() -> None:
    speedups.install(False)
    stock = _attributes()
    assert speedups.applied() == []
    assert readers.WATCH_WAL_HEADER is False
    assert direct.PLANNED is False
    assert speedups.install() == [*(p.name for p in speedups._patches()), "wal_header_watch",
                                  "planned_statements"]
    assert readers.WATCH_WAL_HEADER is direct.PLANNED is True
    patched = _attributes()
    assert all(patched[name] is not stock[name] for name in stock)
    speedups.install(True, off=["direct_routing", "wal_header_watch"])
    assert _attributes() == {**patched, "direct_routing": stock["direct_routing"]}
    assert readers.WATCH_WAL_HEADER is False
    speedups.install(False)
    assert _attributes() == stock


def test_a_later_install_that_changes_the_process_wide_set_warns(caplog: pytest.LogCaptureFixture) -> None:
    """The process-wide patches are the process's: an app made with other settings after another
    changes them for the first too, and the log says so; the same settings again say nothing."""
    speedups.install(True)
    with caplog.at_level(logging.WARNING, logger="simulator.speedups"):
        speedups.install(True)
        assert caplog.records == []
        speedups.install(False)
    assert "process-wide speed-ups changed by a later create_app" in caplog.text
    assert "none (stock connexion and Flask)" in caplog.text


def _serves(app: FlaskApp) -> None:
    with app.test_client() as client:
        created = client.post("/sandbox/v1/tenants", json={"seed": 2})
        assert created.status_code == 201
        key = {"X-Sandbox-Key": created.json()["admin_key"]}
        assert client.get(f"/sandbox/v1/tenants/{created.json()['id']}/clock", headers=key).status_code == 200
        assert client.post("/sandbox/v1/tenants", content=b"{", headers={"Content-Type": "application/json"}
                           ).json()["code"] == "E_MALFORMED_JSON"
    app.runtime.db.dispose()


def _is_stock_app(app: FlaskApp) -> bool:
    return (not isinstance(app.app.__dict__.get("create_url_adapter"), flask_memo.MatchMemo)
            and not isinstance(app.app.__dict__.get("ensure_sync"), flask_memo.SyncMemo)
            and not isinstance(app._middleware_app.asgi_app, inline.InlineWSGI))


def test_an_app_with_the_speedups_off_is_stock_and_serves(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 's.db'}", speedups=False))
    assert speedups.applied() == []
    assert _is_stock_app(app)
    _serves(app)
    assert app.runtime.db._readers.reader(app.runtime.db.engine).header is None


@pytest.mark.parametrize("library", ["connexion", "flask"])
def test_an_unknown_release_is_served_stock_with_a_warning(
        library: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    _faked(monkeypatch, **{library: "9.9.0"})
    with caplog.at_level(logging.WARNING, logger="simulator.speedups"):
        app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'v.db'}", speedups=True))
    assert f"speed-ups for {library} 9.9.0 not applied" in caplog.text
    applied = speedups.applied()
    assert not [p for p in speedups._patches() if p.library == library and p.name in applied]
    assert [p for p in speedups._patches() if p.library != library and p.name not in applied] == []
    memos = isinstance(app.app.__dict__.get("create_url_adapter"), flask_memo.MatchMemo)
    assert memos is (library != "flask")
    assert isinstance(app._middleware_app.asgi_app, inline.InlineWSGI) is (library != "connexion")
    _serves(app)


def test_the_setting_comes_from_the_environment_and_goes_to_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FWP_SPEEDUPS", "0")
    monkeypatch.setenv("FWP_SPEEDUPS_OFF", "direct_routing, freeze_heap")
    assert Settings().speedups is False
    settings = Settings.from_env()
    assert (settings.speedups, settings.speedups_off) == (False, ("direct_routing", "freeze_heap"))
    assert Settings.from_env(settings.to_env()) == settings
    assert speedups.worker_hooks(True, settings.speedups_off) == []
    assert speedups.worker_hooks(True) == [inline.freeze_heap]
    assert speedups.worker_hooks(False) == []
