"""``fwp-sandbox cluster``: several ``fwp-sandbox serve`` instances on one PostgreSQL database
behind HAProxy, on one machine, started and stopped together.

The instances are stateless: tenants, idempotency records, the callback outbox and its leases,
the officer's clock and the journal all live in the database, so any instance answers any
request and the balancer may send each request anywhere (round robin, no stickiness). PostgreSQL
only: SQLite has a single writer per file and no server, so instances sharing one would queue
behind its lock (see ARCHITECTURE.md, "Past one machine"). HAProxy comes from the distribution
(``apt-get install haproxy``); the instances and the balancer listen on 127.0.0.1 unless told.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from simulator.conform.sandbox_embed import free_port

CONFIG = """global
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    option http-server-close
frontend sandbox
    bind {host}:{port}
    default_backend instances
backend instances
    balance roundrobin
    option httpchk GET /
{servers}
"""


class ClusterError(RuntimeError):
    """The cluster could not start (no HAProxy, not PostgreSQL, an instance that did not answer)."""


class Cluster:
    """``with Cluster(url, instances=2) as cluster:`` the balancer answers at ``cluster.url``;
    ``cluster.instance_urls`` reach each instance directly."""

    def __init__(self, database: str, instances: int = 2, *, host: str = "127.0.0.1", port: int = 0,
                 workers: int = 1, log_dir: Path | None = None) -> None:
        if not database.startswith(("postgresql", "postgres:")):
            raise ClusterError("a cluster needs PostgreSQL (--database postgresql://...): SQLite has one "
                               "writer per file and cannot be shared by several servers")
        self.database, self.host, self.workers = database, host, workers
        self.port = port or free_port()
        self.instance_ports = [free_port() for _ in range(instances)]
        self._dir = tempfile.TemporaryDirectory(prefix="fwp-cluster-")
        self.log_dir = log_dir or Path(self._dir.name)
        self._processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def instance_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.instance_ports]

    def start(self, timeout: float = 60.0) -> Cluster:
        haproxy = shutil.which("haproxy")
        if haproxy is None:
            raise ClusterError("HAProxy is not installed (apt-get install haproxy, or make tools)")
        from simulator.store.db import Database

        db = Database(self.database)
        db.create_schema()  # once, before the instances race to do it
        db.dispose()
        for index, port in enumerate(self.instance_ports):
            self._spawn(f"instance-{index}", [
                sys.executable, "-m", "simulator", "serve", "--host", "127.0.0.1", "--port", str(port),
                "--database", self.database, "--no-demo", "--workers", str(self.workers), "--no-access-log"])
        config = Path(self._dir.name) / "haproxy.cfg"
        servers = "\n".join(f"    server instance-{i} 127.0.0.1:{port} check inter 1s"
                            for i, port in enumerate(self.instance_ports))
        config.write_text(CONFIG.format(host=self.host, port=self.port, servers=servers), encoding="utf-8")
        self._spawn("haproxy", [haproxy, "-f", str(config), "-db"])
        try:
            for url in [*self.instance_urls, self.url]:
                self._wait(url, timeout)
        except ClusterError:
            self.stop()
            raise
        return self

    def _spawn(self, name: str, command: list[str]) -> None:
        with (self.log_dir / f"{name}.log").open("wb") as log:
            self._processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                                    stdin=subprocess.DEVNULL, env=dict(os.environ)))

    def _wait(self, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self._processes):
                break
            try:
                if httpx.get(url + "/", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise ClusterError(f"{url} did not answer within {timeout:g} s (logs in {self.log_dir})")

    def stop(self) -> None:
        for process in reversed(self._processes):
            if process.poll() is None:
                process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
        self._dir.cleanup()

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
