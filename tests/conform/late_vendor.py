"""A command-adapter client that answers a step late, for the overrun tests.

A request whose input says ``late`` is held (``held <id>`` on stderr, so that a test can wait for
it rather than sleep) until the next request comes; that one is answered first, then, a moment
later, the held one (the harness reads the first answer alone, as it would from a slow client).
Every answer echoes its request's input, so a test sees whose answer a call got.

    python tests/conform/late_vendor.py
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def answer(request: dict[str, Any]) -> None:
    print(json.dumps({"id": request["id"], "ok": True,
                      "output": {"application_id": "app_late", "input": request["input"]}}), flush=True)


def main() -> None:
    print(json.dumps({"hello": {"name": "late", "steps": ["extend"]}}), flush=True)
    held: dict[str, Any] | None = None
    for line in sys.stdin:
        request = json.loads(line)
        if request["input"].get("late") and held is None:
            held = request
            print(f"held {request['id']}", file=sys.stderr, flush=True)
            continue
        answer(request)
        if held is not None:
            time.sleep(0.2)
            answer(held)
            held = None


if __name__ == "__main__":
    main()
