"""The next uvicorn or connexion release installed: the served sandbox warns and serves stock.

The releases are faked as ``importlib.metadata`` sees them, in every process of the server: a
folder first on ``PYTHONPATH`` holds a ``<name>-<version>.dist-info`` for each, which the
metadata lookup finds before the installed one (the code imported is still the installed one;
what is tested is that the version check never stops a start)."""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.server

NEXT = {"uvicorn": "0.55.0", "connexion": "3.4.0"}


def _fake_releases(folder: Path) -> str:
    for name, version in NEXT.items():
        info = folder / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)


def _exercise(url: str) -> None:
    created = httpx.post(f"{url}/sandbox/v1/tenants", json={"seed": 4}, timeout=10)
    assert created.status_code == 201, created.text
    tenant = created.json()
    clock = httpx.get(f"{url}/sandbox/v1/tenants/{tenant['id']}/clock",
                      headers={"X-Sandbox-Key": tenant["admin_key"]}, timeout=10)
    assert clock.status_code == 200
    assert httpx.get(f"{url}/fwp/v1/ui/", timeout=10).status_code == 200


def test_unknown_releases_are_served_stock_with_a_warning(serve: Any, sqlite_url: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", _fake_releases(tmp_path / "fake"))
    server = serve(sqlite_url, workers=2).start()
    _exercise(server.url)
    printed = "".join(server.output)
    assert "speed-ups for connexion 3.4.0 not applied" in printed  # nothing of uvicorn is patched
    assert importlib.metadata.version("uvicorn") != NEXT["uvicorn"]  # only the server was fooled


def test_serve_with_the_speedups_off(serve: Any, sqlite_url: str) -> None:
    server = serve(sqlite_url, extra_args=["--no-speedups"]).start()
    _exercise(server.url)
    assert "speed-ups" not in "".join(server.output)
