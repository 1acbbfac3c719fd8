"""Request bodies as text and JSON: one decoding, one parse, one check of the characters.

Every failure is a :class:`DomainError` with a code, never an exception a handler would turn into
a 500: a body without a Content-Type (E_UNSUPPORTED_MEDIA_TYPE), text that is not JSON or nests
deeper than Python recurses (E_MALFORMED_JSON), an integer too long for Python to convert
(E_VALIDATION with its field) and text no database can store (E_UNSUPPORTED_CHARACTER). The
validators of :mod:`simulator.web.validation` call these; the body they parse is the one the
handler receives (:data:`PARSED_BODY`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Request
from starlette.types import Scope

from simulator.core.errors import DomainError

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
"""The JSON escapes of U+0000 and of a UTF-16 surrogate: valid UTF-8 JSON text can carry either
character only in that form (a raw control character in a string is a syntax error, an encoded
surrogate is not UTF-8)."""


def refuse_unstorable(value: Any, path: str = "") -> None:
    """No input may carry U+0000 (PostgreSQL text cannot hold it, found by schemathesis) or a lone
    UTF-16 surrogate (``"\\ud800"``: no UTF-8 encoding exists, so no database, hash or answer can
    carry it). A surrogate pair escaped in JSON is decoded to its one character and passes."""
    if isinstance(value, str):
        found = UNSTORABLE.search(value)
        if found:
            what = "the NUL character" if found.group() == "\x00" else "a lone UTF-16 surrogate"
            what_zh = "空字符（U+0000）" if found.group() == "\x00" else "孤立的 UTF-16 代理字符"
            raise DomainError("E_UNSUPPORTED_CHARACTER",
                              f"Text fields cannot contain {what} (U+{ord(found.group()):04X}).",
                              f"文本字段不能包含{what_zh}。", path or None)
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_unstorable(key, path)
            refuse_unstorable(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            refuse_unstorable(item, f"{path}[{index}]")


PARSED_BODY = "fwp.parsed_body"
"""Where the body validator leaves the body it parsed, in the request scope's ``extensions``: the
handler gets that object (:class:`ValidatedBodyRequest`), so a body is decoded and parsed once,
by one parser, and what was validated is what the handler reads."""


_UNSET = object()


class ValidatedBodyRequest(Request):
    """Flask's request class for the app (``Flask.request_class``): its JSON is the body the
    validator parsed, with or without the speed-ups. Flask would parse the bytes again, as UTF-8
    whatever the declared charset, and on failure hand connexion (``get_json(silent=True)``) a
    ``None`` for the handler: a 500 on a Latin-1 body the validator had accepted."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        scope = self.environ.get("asgi.scope")
        parsed = _UNSET if scope is None else scope.get("extensions", {}).get(PARSED_BODY, _UNSET)
        if parsed is not _UNSET:
            return parsed
        return super().get_json(force, silent, cache)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)
"""The standard decoder, refusing ``NaN`` and ``Infinity`` (Python's extensions of JSON)."""
_TOO_LONG = object()


def _long_integer(text: str) -> Any:
    try:
        return int(text)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        return _TOO_LONG


def _path_to(value: Any, target: object, path: str = "") -> str | None:
    """The field path (as :func:`field_of` spells it) of ``target`` inside ``value``."""
    if value is target:
        return path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        where = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else str(key)
        found = _path_to(item, target, where)
        if found is not None:
            return found
    return None


def _too_long_at(text: str) -> str | None:
    """Where the first integer too long to convert is, parsed again with a marker in its place."""
    try:
        return _path_to(json.loads(text, parse_int=_long_integer), _TOO_LONG)
    except (ValueError, RecursionError):
        return None


def parse_json(text: str) -> Any:
    """JSON text to Python, every failure a :class:`DomainError`: not JSON (E_MALFORMED_JSON,
    also for ``NaN`` and nesting deeper than Python recurses) or an integer too long to convert
    (E_VALIDATION naming its field; the second parse runs only then)."""
    try:
        return _DECODER.decode(text)
    except RecursionError:
        reason = "it is nested too deeply"
    except json.JSONDecodeError as exc:
        reason = str(exc)
    except ValueError as exc:  # NaN, Infinity, or an integer Python will not convert
        reason = str(exc)
        field = _too_long_at(text)
        if field is not None:
            raise DomainError("E_VALIDATION", f"The integer at {field or 'the top level'} has too "
                              "many digits to be read.", f"字段 {field or '请求体'} 的整数位数过多。",
                              field or None) from None
    raise DomainError("E_MALFORMED_JSON", f"The body is not valid UTF-8 JSON: {reason}.",
                      "请求体不是有效的 UTF-8 JSON。")


def _typed(scope: Scope) -> bool:
    return any(name == b"content-type" for name, _ in scope["headers"])


def refuse_untyped(raw: bytes, scope: Scope) -> None:
    """A body without a Content-Type is refused, not guessed at: connexion validates it as the
    operation's first media type while the handler would read it as bytes."""
    if raw.strip() and not _typed(scope):
        raise DomainError("E_UNSUPPORTED_MEDIA_TYPE",
                          "A request body needs a Content-Type header naming its media type.",
                          "请求体须带 Content-Type 请求头，说明其媒体类型。", "Content-Type")
