"""The one JSON encoding of every answer: UTF-8 text as is (``ensure_ascii=False``) and no spaces.
Here, not in ``web``, so that a model that keeps an answer's text (the e-SSC card) encodes it
exactly as the responses do."""

from __future__ import annotations

import json
from typing import Any

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""What ``json.dumps(body, ensure_ascii=False, separators=(",", ":"))`` does, without building
the encoder on every call (a fifth of a small answer's encoding time)."""


def dumps(body: Any) -> str:
    return _ENCODE(body)
