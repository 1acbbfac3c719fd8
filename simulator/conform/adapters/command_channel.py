"""One run of a command adapter's process: requests in on stdin, answers routed back by their id.

Each call waits on a box of its own, registered under its request id before the request is
written; the thread that reads stdout puts an answer into the box of its id and drops an answer
whose id no call waits for: the late answer to a call that timed out or whose scenario overran.
So a late answer is never taken for the next call's, whichever thread asks first.
"""

from __future__ import annotations

import collections
import contextlib
import json
import queue
import shlex
import subprocess
import threading
from typing import IO, Any

Box = queue.Queue[dict[str, Any] | None]
"""Where one call's answer lands; ``None`` when the process ended first."""

IGNORED_KEPT = 2
IGNORED_CHARS = 200


class Channel:
    def __init__(self, command: str, stderr: IO[bytes]) -> None:
        self.process = subprocess.Popen(
            shlex.split(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
            text=True, encoding="utf-8", bufsize=1)
        self.hello: Box = queue.Queue()
        """The first JSON object the process writes (its hello), or ``None`` if it ends first."""
        self._waiting: dict[int, Box] = {}
        self._ignored_first: list[str] = []
        self._ignored_last: collections.deque[str] = collections.deque(maxlen=IGNORED_KEPT)
        self._ignored_count = 0
        self._lock = threading.Lock()
        self._ended = False
        assert self.process.stdout is not None
        threading.Thread(target=self._pump, args=(self.process.stdout,), daemon=True).start()

    def alive(self) -> bool:
        return self.process.poll() is None and not self._ended

    def expect(self, request_id: int) -> Box:
        """The box the answer to ``request_id`` will land in (register before sending)."""
        box: Box = queue.Queue(maxsize=1)
        with self._lock:
            if self._ended:
                box.put(None)
            else:
                self._waiting[request_id] = box
        return box

    def forget(self, request_id: int) -> None:
        """The call gave up: an answer that still comes is dropped."""
        with self._lock:
            self._waiting.pop(request_id, None)

    def send(self, request: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        """End the process (politely, then not); every call still waiting gets ``None``."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _pump(self, stream: IO[str]) -> None:
        """Route stdout's JSON objects: the first is the hello, the others go to their id's box."""
        greeted = False
        try:
            for line in stream:
                message = _object(line)
                if message is None:
                    self._ignore(line)
                    continue
                if not greeted:
                    greeted = True
                    self.hello.put(message)
                    continue
                if not self._deliver(message):
                    self._ignore(line)
        except (OSError, ValueError):
            pass
        finally:
            self._end()
            stream.close()

    def _deliver(self, message: dict[str, Any]) -> bool:
        """Put ``message`` into its id's box; ``False`` when no call waits for that id."""
        request_id = message.get("id")
        if not isinstance(request_id, int) or isinstance(request_id, bool):
            return False
        with self._lock:
            box = self._waiting.pop(request_id, None)
        if box is None:
            return False
        box.put(message)
        return True

    def ignored(self) -> str:
        """The lines of stdout taken for nothing (not a JSON object, or an answer whose id no call
        waits for), the first and the last few: what a timeout shows, since they are most often an
        answer gone wrong (a string id, JSON spread over several lines). '' when there were none."""
        with self._lock:
            first, last, count = list(self._ignored_first), list(self._ignored_last), self._ignored_count
        if not count:
            return ""
        skipped = count - len(first) - len(last)
        lines = [*first, *([f"({skipped} more)"] if skipped > 0 else []), *last]
        return f"{count} line{'s' if count != 1 else ''}: " + " | ".join(lines)

    def _ignore(self, line: str) -> None:
        text = line.strip()
        if not text:
            return
        text = text if len(text) <= IGNORED_CHARS else text[:IGNORED_CHARS] + "…"
        with self._lock:
            self._ignored_count += 1
            if len(self._ignored_first) < IGNORED_KEPT:
                self._ignored_first.append(text)
            else:
                self._ignored_last.append(text)

    def _end(self) -> None:
        with self._lock:
            self._ended = True
            boxes = list(self._waiting.values())
            self._waiting.clear()
        for box in boxes:
            box.put(None)
        self.hello.put(None)


def _object(line: str) -> dict[str, Any] | None:
    """The line as a JSON object; ``None`` for anything else (a log line on stdout is ignored)."""
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None
