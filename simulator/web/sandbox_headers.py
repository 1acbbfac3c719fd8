"""The sandbox's own request headers, each read once per request by whichever layer asks first.

``X-Sandbox-Scenario`` was read by the app's before-request hook (to refuse it on an operation
without scenarios) and again by the handler that forces the outcome; both now ask
:func:`scenario`, which reads the header once and keeps the answer in Flask's ``g`` (one per
request). The journal records the raw header from the ASGI scope, outside Flask.
"""

from __future__ import annotations

from flask import g, request

from simulator.core import scenarios

_UNREAD = object()


def scenario_sent() -> bool:
    """Whether the request carries the header at all (empty included: refused where the
    operation has no scenarios, like any other value)."""
    return _scenario_header() is not None


def scenario() -> str | None:
    """The outcome the request forces, or ``None`` (an empty header counts as none). Connexion
    has checked the value against the operation's enum where the operation has scenarios."""
    return _scenario_header() or None


def _scenario_header() -> str | None:
    found = g.get("fwp_scenario", _UNREAD)
    if found is _UNREAD:
        found = g.fwp_scenario = request.headers.get(scenarios.HEADER)
    return found  # type: ignore[no-any-return]
