"""Flask's per-request set-up, remembered: two measured patches of one Flask app instance
(``simulator.speedups.install_app`` applies them; the table is in README.md).

- ``MatchMemo``: every request context asks Flask for a URL adapter (werkzeug's
  ``Map.bind_to_environ``) and matches the path against all the app's rules, although connexion's
  router has already found the operation. The match is remembered per method, path, script root,
  host and scheme (bounded), and a request context gets an adapter that answers ``match`` from
  it; anything else it is asked (``build``, for ``url_for``) goes to a real adapter made then.
  Only successful matches are kept: a 404, 405 or redirect is Flask's own every time. Only in
  Flask's default host handling (no ``SERVER_NAME``, ``TRUSTED_HOSTS``, host or subdomain
  matching), where the host and scheme cannot change which rule matches.
- ``SyncMemo``: Flask's ``ensure_sync`` inspects each hook and view with
  ``inspect.iscoroutinefunction`` on every call, four to five times a request; the answer per
  function never changes.

Measured in-process (the full app, journal off, 20,000 requests each): a GET of an application's
status went from about 200 to 168 µs a request, the e-SSC card read from 225 to 190 µs, a filing
from 754 to 709 µs. Served (``bench/run.py``, 2 workers under wrk, before and after on one
machine) the server's CPU per answer fell 6% on both reads; a filing's change was lost in its noise.

tests/unit/test_speedups_flask.py matches every path of every spec both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter, Rule

MATCH_CACHE_SIZE = 4096
SYNC_CACHE_SIZE = 1024


class _Matched:
    """A request's URL adapter whose ``match()`` is known; a real one is made for anything else."""

    __slots__ = ("_args", "_memo", "_real", "_request", "_rule")

    def __init__(self, rule: Rule, args: dict[str, Any], memo: MatchMemo, request: Request) -> None:
        self._rule, self._args, self._memo, self._request = rule, args, memo, request
        self._real: MapAdapter | None = None

    def match(self, path_info: str | None = None, method: str | None = None,
              return_rule: bool = False, query_args: Any = None, websocket: bool | None = None
              ) -> tuple[Any, dict[str, Any]]:
        if path_info is None and method is None and query_args is None and websocket is None:
            return (self._rule if return_rule else self._rule.endpoint), dict(self._args)
        real: Any = self._adapter()
        return real.match(path_info, method, return_rule, query_args, websocket)  # type: ignore[no-any-return]

    def _adapter(self) -> MapAdapter:
        if self._real is None:
            self._real = self._memo.original(self._request)
        assert self._real is not None  # a request always gets one
        return self._real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._adapter(), name)


class MatchMemo:
    """``Flask.create_url_adapter`` for one app, with the match remembered (see the module)."""

    def __init__(self, app: Flask, size: int = MATCH_CACHE_SIZE) -> None:
        self.app = app
        self.size = size
        self.original: Callable[[Request | None], MapAdapter | None] = (
            type(app).create_url_adapter.__get__(app))
        self.known: dict[tuple[str, ...], tuple[Rule, dict[str, Any]]] = {}

    def applies(self) -> bool:
        app = self.app
        return (app.config["SERVER_NAME"] is None and app.config["TRUSTED_HOSTS"] is None
                and not app.url_map.host_matching and not app.subdomain_matching)

    def __call__(self, request: Request | None) -> Any:
        if request is None or not self.applies():
            return self.original(request)
        environ = request.environ
        key = (environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""),
               environ.get("SCRIPT_NAME", ""), environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""),
               environ.get("wsgi.url_scheme", "http"))
        found = self.known.get(key)
        if found is None:
            adapter = self.original(request)
            try:
                rule, args = adapter.match(return_rule=True)  # type: ignore[union-attr]
            except HTTPException:
                return adapter  # Flask matches again and records the exception, as it would
            if len(self.known) >= self.size:
                self.known.clear()
            found = self.known[key] = (rule, dict(args))
        return _Matched(found[0], found[1], self, request)


class SyncMemo:
    """``Flask.ensure_sync`` for one app, remembered per function (bounded)."""

    def __init__(self, app: Flask, size: int = SYNC_CACHE_SIZE) -> None:
        self.original: Callable[[Callable[..., Any]], Callable[..., Any]] = type(app).ensure_sync.__get__(app)
        self.size = size
        self.known: dict[Callable[..., Any], Callable[..., Any]] = {}

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self.known[func]
        except KeyError:
            pass
        except TypeError:  # an unhashable callable
            return self.original(func)
        if len(self.known) >= self.size:
            self.known.clear()
        found = self.known[func] = self.original(func)
        return found


def install_match_memo(app: Flask) -> None:
    """:class:`MatchMemo` as ``app``'s ``create_url_adapter`` (idempotent)."""
    if not isinstance(app.__dict__.get("create_url_adapter"), MatchMemo):
        app.create_url_adapter = MatchMemo(app)  # type: ignore[method-assign]


def install_sync_memo(app: Flask) -> None:
    """:class:`SyncMemo` as ``app``'s ``ensure_sync`` (idempotent)."""
    if not isinstance(app.__dict__.get("ensure_sync"), SyncMemo):
        app.ensure_sync = SyncMemo(app)  # type: ignore[method-assign]
