"""HTTP handlers of the working-day calendar (``specs/sandbox.yaml``, tag ``calendar``)."""

from __future__ import annotations

from flask import Response

from simulator.sandbox import calendar
from simulator.web.responses import json_response


def list_calendar_years() -> Response:
    return json_response(calendar.years())


def get_calendar_year(year: str) -> Response:
    return json_response(calendar.year(int(year)))  # four digits: the spec's pattern
