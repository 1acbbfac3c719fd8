"""Fixtures that run the sandbox as users do: ``fwp-sandbox serve`` in a subprocess.

Traffic goes to 127.0.0.1 only; every server is stopped at the end of its test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    database: str
    workers: int = 1
    port: int = field(default_factory=free_port)
    extra_args: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    process: subprocess.Popen[str] | None = None
    reader: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Server:
        """Starts the server and returns once it answers and every worker has said its startup is
        complete: a worker still importing on a loaded machine would leave the others to take all
        the traffic (a test that needs both workers to write saw one take every request)."""
        self.output.clear()
        command = [sys.executable, "-m", "simulator", "serve", "--port", str(self.port),
                   "--workers", str(self.workers), "--database", self.database,
                   "--no-access-log", *self.extra_args]
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("server exited:\n" + "".join(self.output))
            try:
                answered = httpx.get(self.url + "/", timeout=1).status_code == 200
            except httpx.HTTPError:
                answered = False
            if answered and self.workers_started() >= self.workers:
                return self
            time.sleep(0.1)
        self.stop()
        started = f"{self.workers_started()} of {self.workers} workers started"
        raise RuntimeError(f"server did not start ({started}):\n" + "".join(self.output))

    def workers_started(self) -> int:
        """Workers whose startup uvicorn reported complete (each prints it once, at INFO)."""
        return sum("Application startup complete" in line for line in list(self.output))

    def _drain(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    def printed(self, label: str) -> str:
        """A value the server printed on start, e.g. ``printed("client_secret")``."""
        for line in self.output:
            parts = line.split()
            if parts[:1] == [label] or line.strip().startswith(label + " "):
                return parts[-1]
        raise KeyError(f"{label} not printed:\n{''.join(self.output)}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.reader is not None:
            self.reader.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'served.db'}"


@pytest.fixture
def serve() -> Iterator[type[Server]]:
    started: list[Server] = []

    class Tracked(Server):
        def start(self, timeout: float = 60) -> Server:
            started.append(self)
            return super().start(timeout)

    yield Tracked
    for server in started:
        server.stop()
