"""Benchmark: what the journal costs on the request path (goal: under 10%).

Two apps, journal on and off, each on its own SQLite file, driven in-process through the full
ASGI stack (no network, no load tool: the app's own cost is all that is measured). For each of
``GET /fwp/v1/employer`` (a read) and ``PUT /fwp/v1/employer`` (a write) it runs alternating
rounds on the two apps and reports the median requests/s of each and the overhead. The journal's
writer thread runs as it does in production, so its share of the GIL is counted.

    .venv/bin/python bench/journal_overhead.py [--requests 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from simulator.app import create_app  # noqa: E402 - after the path set-up above
from simulator.settings import Settings  # noqa: E402
from simulator.testing import Sandbox  # noqa: E402

PROFILE = {"uscc": "91350200776049653A", "name_zh": "厦门示例科技有限公司",
           "name_en": "Xiamen Example Technology Co., Ltd.", "province": "35"}


def prepare(journal: bool, folder: str) -> tuple[Any, dict[str, str]]:
    app = create_app(Settings(database_url=f"sqlite:///{folder}/{journal}.db", journal=journal))
    with app.test_client() as client:
        employer = Sandbox(client).create_tenant(seed=1).employer()
        employer.register()
    return app, employer.headers


async def drive(app: Any, headers: dict[str, str], method: str, count: int) -> float:
    body = json.dumps(PROFILE).encode() if method == "PUT" else b""
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw += [(b"host", b"bench"), (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": "/fwp/v1/employer", "raw_path": b"/fwp/v1/employer",
             "root_path": "", "query_string": b"", "headers": raw, "server": ("bench", 80),
             "client": ("127.0.0.1", 1)}
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.perf_counter()
    for _ in range(count):
        await app(dict(scope), receive, send)
    elapsed = time.perf_counter() - started
    assert set(statuses) == {200}, set(statuses)
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        apps = {flag: prepare(flag, folder) for flag in (False, True)}
        for method in ("GET", "PUT"):
            rates: dict[bool, list[float]] = {False: [], True: []}
            for app, headers in apps.values():  # warm-up
                asyncio.run(drive(app, headers, method, args.requests // 10))
            for _ in range(args.rounds):
                for flag, (app, headers) in apps.items():
                    rates[flag].append(asyncio.run(drive(app, headers, method, args.requests)))
            off, on = median(rates[False]), median(rates[True])
            print(f"{method} /fwp/v1/employer  journal off {off:8.0f} req/s   on {on:8.0f} req/s   "
                  f"overhead {100 * (off - on) / off:5.1f}%")
        for app, _ in apps.values():
            app.runtime.db.dispose()


if __name__ == "__main__":
    main()
