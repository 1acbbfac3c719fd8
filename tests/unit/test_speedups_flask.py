"""simulator.speedups.flask_memo: Flask's URL match and ``ensure_sync`` remembered, Flask's answers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.test import EnvironBuilder

from simulator import specs
from simulator.app import HTTP_METHODS, create_app
from simulator.settings import Settings
from simulator.speedups import flask_memo


@pytest.fixture
def flask_app(tmp_path: Path) -> Any:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'f.db'}"))
    with app.test_client() as client:  # connexion adds the specs' rules when it builds its stack
        client.get("/")
    app.app.create_url_adapter.known.clear()
    yield app.app
    app.runtime.db.dispose()


def _requests() -> list[tuple[str, str]]:
    found = [("GET", "/"), ("GET", "/problems"), ("GET", "/problems/E_NOT_FOUND"), ("HEAD", "/"),
             ("GET", "/problems/"), ("POST", "/problems"), ("GET", "/nowhere"),
             ("PATCH", "/fwp/v1/employer"), ("GET", "/fwp/v1/employer/")]
    for name, (base, _) in specs.SURFACES.items():
        for path, item in specs.load(name)["paths"].items():
            concrete = re.sub(r"\{[^}]+\}", "x1", base + path)
            found += [(method.upper(), concrete) for method in item if method in HTTP_METHODS]
    return found


def _match(adapter: Any) -> Any:
    try:
        rule, args = adapter.match(return_rule=True)
    except HTTPException as error:
        return type(error), getattr(error, "new_url", None)
    return rule, args


def test_create_app_installs_both(flask_app: Flask) -> None:
    assert isinstance(flask_app.create_url_adapter, flask_memo.MatchMemo)
    assert isinstance(flask_app.ensure_sync, flask_memo.SyncMemo)
    memo = flask_app.create_url_adapter
    flask_memo.install_match_memo(flask_app)  # idempotent
    flask_memo.install_sync_memo(flask_app)
    assert flask_app.create_url_adapter is memo


def test_every_path_matches_as_flask_matches_it(flask_app: Flask) -> None:
    """Every operation, wrong methods, unknown and slash-ended paths: the same rule and arguments
    (or the same refusal) as Flask's own adapter, the first time and once remembered."""
    memo = flask_app.create_url_adapter
    assert isinstance(memo, flask_memo.MatchMemo)
    requests = _requests()
    assert len(requests) > 70
    for method, path in requests:
        request = flask_app.request_class(EnvironBuilder(path=path, method=method).get_environ())
        expected = _match(memo.original(request))
        assert expected[0] is not None
        assert _match(memo(request)) == expected, (method, path)
        assert _match(memo(request)) == expected, (method, path)
    matched = {(method, path) for method, path in requests
               if not isinstance(_match(memo.original(flask_app.request_class(
                   EnvironBuilder(path=path, method=method).get_environ())))[0], type)}
    assert len(matched) > 60
    assert {key[:2] for key in memo.known} == matched  # refusals are Flask's every time


def test_refusals_are_never_remembered(flask_app: Flask) -> None:
    memo = flask_app.create_url_adapter
    assert isinstance(memo, flask_memo.MatchMemo)
    for method, path in [("GET", "/nowhere"), ("PATCH", "/fwp/v1/employer"), ("GET", "/problems/")]:
        request = flask_app.request_class(EnvironBuilder(path=path, method=method).get_environ())
        assert isinstance(_match(memo(request))[0], type)
    assert memo.known == {}


def test_a_remembered_match_gives_each_request_its_own_arguments(flask_app: Flask) -> None:
    memo = flask_app.create_url_adapter
    environ = EnvironBuilder(path="/problems/E_NOT_FOUND").get_environ()
    first = memo(flask_app.request_class(environ))
    first_rule, first_args = first.match(return_rule=True)
    first_args["code"] = "changed"
    second_rule, second_args = memo(flask_app.request_class(environ)).match(return_rule=True)
    assert second_rule is first_rule
    assert second_args == {"code": "E_NOT_FOUND"}
    assert memo(flask_app.request_class(environ)).match() == ("problem", {"code": "E_NOT_FOUND"})


def test_the_key_is_method_path_root_host_and_scheme(flask_app: Flask) -> None:
    memo = flask_app.create_url_adapter
    for builder in (EnvironBuilder(path="/problems"), EnvironBuilder(path="/problems", method="HEAD"),
                    EnvironBuilder(path="/problems", base_url="http://other.test/"),
                    EnvironBuilder(path="/problems", base_url="https://localhost/"),
                    EnvironBuilder(path="/problems", base_url="http://localhost/root/")):
        memo(flask_app.request_class(builder.get_environ()))
    assert len(memo.known) == 5


def test_url_for_and_other_questions_go_to_a_real_adapter(flask_app: Flask) -> None:
    with flask_app.test_request_context("/problems/E_NOT_FOUND", base_url="http://sandbox.test/"):
        # Flask built this request context's adapter through the memo.
        assert url_for("problem", code="E_VALIDATION") == "/problems/E_VALIDATION"
        assert url_for("problems", _external=True) == "http://sandbox.test/problems"
    adapter = flask_app.create_url_adapter(flask_app.request_class(
        EnvironBuilder(path="/problems").get_environ()))
    assert adapter.match("/problems/E_X") == ("problem", {"code": "E_X"})  # another path: real


def test_a_full_memo_is_emptied_and_refilled(flask_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    memo = flask_app.create_url_adapter
    monkeypatch.setattr(memo, "size", 2)
    for code in ("E_A", "E_B", "E_C"):
        memo(flask_app.request_class(EnvironBuilder(path=f"/problems/{code}").get_environ()))
    assert len(memo.known) == 1


@pytest.mark.parametrize("setting", ["SERVER_NAME", "TRUSTED_HOSTS"])
def test_outside_flasks_default_host_handling_flask_matches_itself(flask_app: Flask, setting: str) -> None:
    flask_app.config[setting] = "sandbox.test" if setting == "SERVER_NAME" else ["sandbox.test"]
    memo = flask_app.create_url_adapter
    request = flask_app.request_class(EnvironBuilder(path="/problems", base_url="http://sandbox.test/")
                                      .get_environ())
    assert not isinstance(memo(request), flask_memo._Matched)
    assert memo.known == {}
    if setting == "TRUSTED_HOSTS":  # Flask's own host check still refuses an untrusted host
        with pytest.raises(SecurityError):
            memo(flask_app.request_class(EnvironBuilder(path="/problems", base_url="http://evil.test/")
                                         .get_environ()))


def test_served_requests_go_through_the_memo(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 's.db'}"))
    memo = app.app.create_url_adapter
    with app.test_client() as client:
        for _ in range(2):
            assert client.get("/problems/E_NOT_FOUND").status_code == 200
        assert client.get("/fwp/v1/nowhere").status_code == 404
        created = client.post("/sandbox/v1/tenants", json={"seed": 3})
        assert created.status_code == 201
    assert ("GET", "/problems/E_NOT_FOUND") in {key[:2] for key in memo.known}
    assert ("POST", "/sandbox/v1/tenants") in {key[:2] for key in memo.known}
    app.runtime.db.dispose()


def test_ensure_sync_answers_as_flask_once_per_function(flask_app: Flask,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    memo = flask_app.ensure_sync
    assert isinstance(memo, flask_memo.SyncMemo)
    asked: list[Any] = []
    original = memo.original

    def counting(func: Any) -> Any:
        asked.append(func)
        return original(func)

    monkeypatch.setattr(memo, "original", counting)

    def view() -> str:
        return "ok"

    async def coroutine_view() -> str:
        return "ok"

    assert memo(view) is view
    assert memo(view) is view
    wrapped = memo(coroutine_view)  # Flask's own wrapper (asgiref's async_to_sync), kept
    assert wrapped is not coroutine_view
    assert wrapped() == "ok"
    assert memo(coroutine_view) is wrapped
    assert asked == [view, coroutine_view]
    memo.size = 1
    memo(len)
    assert list(memo.known) == [len]
