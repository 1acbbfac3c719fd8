"""The secrets the sandbox issues, known by their shape: masked wherever they stand.

A client may put them anywhere: its token as ``?token=``, in a header of its own naming, a client
secret copied into a body field, or percent-encoded in a form. The sandbox's journal masks them
by shape (``sandbox/journal_rows.py``), and so does the harness in every report it writes
(``conform/journal.py``'s Masker): the journal shows a token with its signature masked, so the
harness cannot learn the value from the journal, and an adapter echoing it must still not leak it.
Pure and dependency-free: both the sandbox and the client-side harness import it.

Shapes: a client secret ``cs_`` and an admin key ``sk_`` (32 URL-safe characters), a callback
secret ``whsec_`` (43), and an access token ``v1.<kind>.<tenant>.<subject>.<expiry>.<signature>``
whose signature (43) is masked while what it vouches for stays readable.
"""

from __future__ import annotations

import re

MASK = "***"
_START = r"(?:(?<=%[0-9A-Fa-f]{2})|(?<![A-Za-z0-9_-]))"
"""Where a secret may begin: not inside a longer word, but right after a percent-escape (an
encoded space or quote ends in a hex digit)."""
_TOKEN_CLAIMS = r"v1\.[a-z]+\.ten_[a-z2-7]{12}\.[A-Za-z0-9_]+\.[0-9]+\."
_ISSUED = re.compile(
    rf"{_START}(?:((?:cs|sk)_)[A-Za-z0-9_-]{{32}}|(whsec_)[A-Za-z0-9_-]{{43}}"
    rf"|({_TOKEN_CLAIMS})[A-Za-z0-9_-]{{43}})(?![A-Za-z0-9_-])")
_CUT_SHORT = re.compile(rf"{_START}(?:((?:cs|sk|whsec)_)[A-Za-z0-9_-]*|({_TOKEN_CLAIMS})[A-Za-z0-9_-]*)\Z")
"""A secret the end of a cut text has cut short: what is left of it is still most of it."""


def might_hold(text: str) -> bool:
    """A quick scan: whether ``text`` may hold an issued secret at all (the usual answer is no)."""
    return "cs_" in text or "sk_" in text or "whsec_" in text or "v1." in text


def mask_issued(text: str, *, cut: bool = False) -> str:
    """``text`` with the secret part of every issued secret masked; ``cut``: the text was cut
    short, and a secret at its very end may be too."""
    masked = _ISSUED.sub(_masked, text)
    return _CUT_SHORT.sub(_masked, masked) if cut else masked


def _masked(match: re.Match[str]) -> str:
    return f"{next(group for group in match.groups() if group)}{MASK}"
