"""The embedded sandbox: ``python -m simulator serve`` as a subprocess, so a run needs nothing started.

It listens on a free 127.0.0.1 port with a temporary SQLite file, without the demo tenant (every
scenario makes its own; seeding one costs seconds), and its output goes to a log file in the same
temporary directory, never to the console; both are removed when it stops.

It is given :data:`START_TIMEOUT_S` to answer (``FWP_SANDBOX_START_TIMEOUT`` seconds, if set): a
quiet machine starts it in about 2 s, a loaded one (a CI runner running other jobs) took over 30 s.
One that exits first is reported at once with the end of its log, which says why.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

READY_PATH = "/"


class SandboxStartError(RuntimeError):
    """The embedded sandbox did not answer in time (the run gets ERROR, exit 2)."""


START_TIMEOUT_S = 120.0
START_TIMEOUT_ENV = "FWP_SANDBOX_START_TIMEOUT"


def start_timeout() -> float:
    """:data:`START_TIMEOUT_S`, or the seconds ``FWP_SANDBOX_START_TIMEOUT`` gives."""
    given = os.environ.get(START_TIMEOUT_ENV)
    try:
        return float(given) if given else START_TIMEOUT_S
    except ValueError:
        raise SandboxStartError(f"{START_TIMEOUT_ENV}={given!r} is not a number of seconds") from None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmbeddedSandbox:
    """``with EmbeddedSandbox() as url:`` a sandbox that answers at ``url`` until the block ends."""

    def __init__(self, startup_timeout: float | None = None, admin_token: str | None = None,
                 workers: int = 1) -> None:
        self.startup_timeout = start_timeout() if startup_timeout is None else startup_timeout
        self.admin_token = admin_token
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._dir = tempfile.TemporaryDirectory(prefix="fwp-conform-")
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        folder = Path(self._dir.name)
        command = [sys.executable, "-m", "simulator", "serve", "--host", "127.0.0.1",
                   "--port", str(self.port), "--database", f"sqlite:///{folder / 'sandbox.db'}",
                   "--workers", str(self.workers), "--log-level", "warning", "--no-access-log", "--no-demo",
                   *(["--admin-token", self.admin_token] if self.admin_token else [])]
        with (folder / "serve.log").open("wb") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL)
        self._wait_ready()
        return self.url

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                break
            try:
                if httpx.get(self.url + READY_PATH, timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        assert self._process is not None
        code = self._process.poll()
        said = self._log_tail()
        self.stop()
        if code is not None:
            raise SandboxStartError(f"the embedded sandbox exited (code {code}) before answering on "
                                    f"{self.url}" + (f": {said}" if said else ""))
        raise SandboxStartError(f"the embedded sandbox did not start on {self.url} within "
                                f"{self.startup_timeout:.0f} s (a loaded machine can be slower: "
                                f"{START_TIMEOUT_ENV} sets the wait)"
                                + (f"; its log: {said}" if said else ""))

    def _log_tail(self, lines: int = 5) -> str:
        try:
            text = (Path(self._dir.name) / "serve.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        self._dir.cleanup()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
