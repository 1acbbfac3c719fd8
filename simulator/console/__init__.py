"""The sandbox console: server-rendered pages under ``/console`` for the people who play the
officer, move the clock, read the journal and look at personas (issue 19).

A web-layer surface beside the specs' handlers: each page calls the same model functions as the
control plane's handlers, and each POST owns one transaction as a handler does. No script is
loaded from anywhere, and none is needed: forms post, links navigate, the keyboard does both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask

from simulator.console import clock, conformance, journal, officer, personas, session
from simulator.console.render import pretty
from simulator.console.session import csrf_token

PREFIX = "/console"


def blueprint() -> Blueprint:
    pages = Blueprint("console", __name__, url_prefix=PREFIX)
    pages.before_request(session.guard)
    rules: list[tuple[str, str, Callable[..., Any], list[str]]] = [
        ("/", "home", session.home, ["GET"]),
        ("/sign-in", "sign_in", session.sign_in, ["GET", "POST"]),
        ("/sign-out", "sign_out", session.sign_out, ["POST"]),
        ("/tenants", "tenants", officer.tenants, ["GET"]),
        ("/queue", "queue", officer.queue, ["GET"]),
        ("/applications/<app_id>", "application", officer.application, ["GET"]),
        ("/applications/<app_id>/<action>", "decide", officer.decide, ["POST"]),
        ("/clock", "clock", clock.show, ["GET"]),
        ("/clock/<action>", "move_clock", clock.move, ["POST"]),
        ("/journal", "journal", journal.show, ["GET"]),
        ("/personas", "personas", personas.listing, ["GET"]),
        ("/personas/<foreigner_id>/essc", "essc", personas.essc, ["GET"]),
        ("/conformance", "conformance", conformance.show, ["GET"]),
        ("/conformance", "start_run", conformance.start, ["POST"]),
        ("/conformance/<run_id>", "run", conformance.run, ["GET"]),
        ("/conformance/<run_id>/status.json", "run_status", conformance.run_status, ["GET"]),
        ("/conformance/<run_id>/<name>", "run_file", conformance.run_file, ["GET"]),
    ]
    for path, endpoint, view, methods in rules:
        pages.add_url_rule(path, endpoint, view, methods=methods)
    return pages


def register(app: Flask, secret: bytes) -> None:
    """Mount the console: the session cookie is signed with the app's secret (the token signer's,
    kept in the database, so every worker reads the same cookie)."""
    app.secret_key = secret
    app.config.update(SESSION_COOKIE_NAME="fwp_console", SESSION_COOKIE_PATH=PREFIX,
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.filters["pretty"] = pretty
    app.register_blueprint(blueprint())
