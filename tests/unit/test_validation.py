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


def _tenant_with_name(tmp_path: Any, name_json: bytes, monkeypatch: pytest.MonkeyPatch
                      ) -> tuple[int, list[Any]]:
    """POST /sandbox/v1/tenants with a raw JSON ``name``: the status and the bodies walked."""
    from simulator.app import create_app
    from simulator.settings import Settings

    walked: list[Any] = []
    walk = validation.refuse_unstorable

    def counting(value: Any, path: str = "") -> None:
        if not path and isinstance(value, dict):  # the body itself, not its keys or items
            walked.append(value)
        walk(value, path)

    monkeypatch.setattr(validation, "refuse_unstorable", counting)
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'v.db'}"))
    try:
        with app.test_client() as client:
            response = client.post("/sandbox/v1/tenants", content=b'{"name": ' + name_json + b"}",
                                   headers={"Content-Type": "application/json"})
            return response.status_code, walked
    finally:
        app.runtime.db.dispose()


@pytest.mark.parametrize(("name_json", "status", "walks"), [
    (b'"plain"', 201, 0),                # no escape: no walk
    (b'"a\\u0000b"', 422, 1),            # U+0000, escaped: walked and refused
    (b'"a\\\\u0000b"', 201, 1),          # a backslash then "u0000": walked, nothing to refuse
    (b'"a\\ud800b"', 422, 1),            # a lone surrogate, escaped: walked and refused
    (b'"\\ud83d\\ude00"', 201, 1),       # an escaped surrogate pair is one character (an emoji)
])
def test_only_a_body_that_spells_a_nul_or_surrogate_escape_is_walked(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch, name_json: bytes, status: int,
        walks: int) -> None:
    found, walked = _tenant_with_name(tmp_path, name_json, monkeypatch)
    assert found == status
    assert len(walked) == walks
