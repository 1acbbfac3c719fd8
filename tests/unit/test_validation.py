"""Parameter validation: the Rust pre-check accepts valid values alone; a bad value still gets the
Python validator's message."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.web import validation
from simulator.web.validation import StrictParameterValidator

APPLICATION_ID = {"name": "applicationId", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": "^app_[a-z2-7]{12}$"}}
AS_OF = {"name": "as_of", "in": "query", "schema": {"type": "string", "format": "date"}}


def test_a_valid_value_never_reaches_the_python_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> Any:
        raise AssertionError("the Python validator was built for a valid value")

    monkeypatch.setattr(validation, "compiled", refuse)
    assert StrictParameterValidator.validate_parameter("path", "app_abcdefghijkl", APPLICATION_ID) is None
    assert StrictParameterValidator.validate_parameter("query", "2026-03-02", AS_OF) is None


@pytest.mark.parametrize(("param", "value", "message"), [
    (APPLICATION_ID, "app_ABC", "applicationId: 'app_ABC' does not match '^app_[a-z2-7]{12}$'"),
    (AS_OF, "2026-3-2", "as_of: '2026-3-2' is not a 'date'"),
    (APPLICATION_ID, None, "Missing path parameter 'applicationId'"),
])
def test_a_bad_value_is_named_by_the_python_validator(param: dict[str, Any], value: Any,
                                                      message: str) -> None:
    assert StrictParameterValidator.validate_parameter("path" if param["in"] == "path" else "query",
                                                       value, param) == message
