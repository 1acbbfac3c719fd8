"""A total deadline on each callback post, which httpx's timeouts do not give.

``httpx.Timeout(t)`` bounds each phase on its own: connecting, each write, each read. A receiver
that answers a byte at a time, each byte within ``t``, keeps a post alive as long as it likes, past
the claim's lease, and another sender then claims and sends the same attempt again. Here every
network operation of a client's connections waits at most until the deadline of the post in
progress (:meth:`Deadline.within`); past it the operation fails with httpcore's timeout of its
phase, which httpx raises as ``ConnectTimeout``, ``WriteTimeout`` or ``ReadTimeout``.

Known gap: resolving a host name (``socket.getaddrinfo``) cannot be interrupted; the default
loopback hosts need no lookup, and the lease's margin covers a slow one.
"""

from __future__ import annotations

import math
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import httpcore
import httpx


class Deadline:
    """The end of the post in progress (monotonic seconds) for the connections of one client."""

    def __init__(self) -> None:
        self.at = math.inf

    @contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        self.at = time.monotonic() + seconds
        try:
            yield
        finally:
            self.at = math.inf

    @property
    def passed(self) -> bool:
        return time.monotonic() >= self.at

    def bound(self, timeout: float | None, error: type[httpcore.TimeoutException]) -> float | None:
        """The phase's timeout, cut to what is left before the deadline (a socket timeout of 0
        would mean non-blocking, so none left is the timeout at once)."""
        if self.at == math.inf:
            return timeout
        left = self.at - time.monotonic()
        if left <= 0:
            raise error("the post's deadline (timeout_ms in all) passed")
        return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._stream, self._deadline = stream, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.bound(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.bound(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        bounded = self._deadline.bound(timeout, httpcore.ConnectTimeout)
        return _Stream(self._stream.start_tls(ssl_context, server_hostname, bounded), self._deadline)

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, deadline: Deadline) -> None:
        self._backend, self._deadline = httpcore.SyncBackend(), deadline

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None) -> httpcore.NetworkStream:
        bounded = self._deadline.bound(timeout, httpcore.ConnectTimeout)
        return _Stream(self._backend.connect_tcp(host, port, bounded, local_address, socket_options),
                       self._deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
                            ) -> httpcore.NetworkStream:
        bounded = self._deadline.bound(timeout, httpcore.ConnectTimeout)
        return _Stream(self._backend.connect_unix_socket(path, bounded, socket_options), self._deadline)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def transport(deadline: Deadline) -> httpx.HTTPTransport:
    """httpx's own transport (its request mapping and errors) over connections that keep
    ``deadline``. httpx takes no network backend, so its connection pool is replaced by an
    equivalent one that has ours (``tests/api/test_callbacks.py`` fails if that stops working)."""
    made = httpx.HTTPTransport(trust_env=False)
    made._pool = httpcore.ConnectionPool(  # httpx's default limits; a sender posts one at a time
        ssl_context=httpx.create_ssl_context(trust_env=False), max_connections=100,
        max_keepalive_connections=20, keepalive_expiry=5.0, network_backend=_Backend(deadline))
    return made
