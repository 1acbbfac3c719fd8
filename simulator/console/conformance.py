"""The conformance pages: the catalogue and a form that starts a run in wait mode, the tenant's
past runs, and a run's page: the task wait mode waits for (what to make the system do, the
input, the sandbox and the credentials to use, and how the step is seen done), the scenarios
judged so far, and once graded the report and the evidence bundle to download.

The run's page polls ``status.json`` with a few lines of inline script (nothing loaded from
elsewhere) and reloads when the task or the state changes; without script, its Refresh link.
"""

from __future__ import annotations

from pathlib import Path

from flask import redirect, request, send_file, url_for
from werkzeug.wrappers import Response

from simulator import runtime
from simulator.console import conform_runs, session
from simulator.console.render import in_words, page
from simulator.core.errors import DomainError
from simulator.web.responses import json_response


def _root() -> Path:
    return Path(runtime.current().settings.console_runs_dir)


def _missing(error: DomainError) -> Response:
    return page("console/refused.html", http_status=404, message=in_words(error)["detail"])


def show(error: DomainError | None = None) -> Response:
    return page("console/conformance.html", http_status=error.status if error else 200,
                error=in_words(error) if error else None, scenarios=conform_runs.scenarios(),
                runs=conform_runs.listing(_root(), session.tenant_id()))


def start() -> Response:
    """A run against this server as its clients reach it (the URL this page was asked on)."""
    try:
        run_id = conform_runs.start(_root(), session.tenant_id(), request.host_url.rstrip("/"),
                                    runtime.current().settings.admin_token,
                                    request.form.getlist("scenario"))
    except DomainError as error:
        return show(error)
    return redirect(url_for("console.run", run_id=run_id))


def run(run_id: str) -> Response:
    try:
        status = conform_runs.read(_root(), session.tenant_id(), run_id)
    except DomainError as error:
        return _missing(error)
    return page("console/run.html", run=status)


def run_status(run_id: str) -> Response:
    """What the run's page polls (and a script may): the run's ``status.json``."""
    try:
        return json_response(conform_runs.read(_root(), session.tenant_id(), run_id))
    except DomainError as error:
        return _missing(error)


def run_file(run_id: str, name: str) -> Response:
    try:
        path = conform_runs.report_file(_root(), session.tenant_id(), run_id, name)
    except DomainError as error:
        return _missing(error)
    return send_file(path.resolve(), as_attachment=name == "evidence.zip",
                     download_name=f"{run_id}-{name}")
