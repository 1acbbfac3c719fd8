"""The command adapter: the vendor's own process, in any language, speaking JSON lines.

The harness starts the process once (again after a crash or a timeout) and reads one line from
it first, ``{"hello": {"name": ..., "steps": [...]}}``. Then, per step, it writes one request
line, ``{"id": 7, "step": "extend", "input": {...}, "sandbox": {...}}``, and waits (``step_timeout``
seconds in all) for the answer with the same id: ``{"id": 7, "ok": true, "output": {...}}`` or
``{"id": 7, "ok": false, "error": "..."}``; an answer whose id no call waits for (it came after
its call gave up) is dropped (:mod:`.command_channel`). When a scenario overruns its timeout the
runner resets the adapter: the process is stopped, and started again for the next call. Lines
on stdout that are not JSON objects are ignored (logs belong on stderr, kept for the report).
The protocol's JSON Schema is ``simulator/conform/schemas/adapter-protocol.schema.json``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import queue
import tempfile
import threading
from typing import IO, Any

from simulator.conform.adapters.command_channel import Box, Channel
from simulator.conform.leash import still_wanted
from simulator.conform.model import AdapterFailure, SandboxContext
from simulator.conform.steps import STEPS

STDERR_TAIL = 4000
HELLO_TRIES = 2
"""Starts in a row whose hello failed (wrong, missing, or the process ended first) after which the
adapter stops starting the process: one failed start may be bad luck, two are the adapter."""
HELLO_HINT = ('write {"hello": {"name": "...", "steps": [...]}} as the first line of JSON on stdout, '
              "ending in a newline, and flush it")
ANSWER_HINT = ("an answer is one line of JSON on stdout, ending in a newline and flushed, carrying the "
               "request's id as a number")


class CommandAdapter:
    def __init__(self, command: str, step_timeout: float = 30.0, hello_timeout: float = 15.0) -> None:
        self.command = command
        self.name = f"command:{command}"
        self.step_timeout = step_timeout
        self.hello_timeout = hello_timeout
        self.stderr: IO[bytes] | None = None
        self._channel: Channel | None = None
        self._hello: dict[str, Any] = {}
        self.unknown_steps: tuple[str, ...] = ()
        """Names in the hello that are no step of this harness: not offered (an adapter newer than
        the harness still runs), and named in the reason of a scenario skipped for a step."""
        self._lock = threading.RLock()
        """Held while the process is started or swapped (a failed start drops it under the lock
        already held), and to number the requests."""
        self._next_id = 0
        self._refused_hellos: list[AdapterFailure] = []
        """The failed starts since the last good hello: after :data:`HELLO_TRIES` in a row the
        process is not started again (a broken hello would cost every scenario the wait)."""

    def steps(self) -> frozenset[str]:
        self._open()
        return frozenset(step for step in self._hello.get("steps", []) if step in STEPS)

    def call(self, step: str, input: dict[str, Any], sandbox: SandboxContext) -> dict[str, Any]:
        channel = self._open(step)
        with self._lock:
            self._refuse_unwanted(step)
            self._next_id += 1
            request_id = self._next_id
        box = channel.expect(request_id)
        request = {"id": request_id, "step": step, "input": input, "sandbox": dataclasses.asdict(sandbox)}
        try:
            channel.send(request)
        except (OSError, ValueError) as exc:  # ValueError: stdin closed by a reset meanwhile
            raise self._crashed(channel, f"writing the {step} request failed: {exc}") from exc
        answer = self._answer(channel, box, request_id, step)
        if answer.get("ok") is True:
            output = answer.get("output", {})
            if not isinstance(output, dict):
                raise AdapterFailure(f"{step}: output is not a JSON object")
            return output
        if answer.get("ok") is False:
            error = answer.get("error", "(no error)")
            raise AdapterFailure(f"{step}: the adapter answered ok=false: {error}")
        raise AdapterFailure(f'{step}: an answer carries "ok": true with "output", or "ok": false with '
                             f'"error"; got {_shown(answer)}')

    def reset(self) -> None:
        """Abandon the call in flight (its scenario overran): the process is stopped, so that it
        answers nothing late; the next call starts it again."""
        with self._lock:
            channel, self._channel = self._channel, None
        if channel is not None:
            channel.stop()

    def stderr_text(self) -> str:
        """The tail of what the process wrote on stderr, for the report. Read at a position
        (``pread``), never by seeking: the process writes through the same open file, at its shared
        offset, and a seek while it writes would have its next write land over what it wrote."""
        if self.stderr is None or self.stderr.closed:  # closed: an abandoned call failing late
            return ""
        fd = self.stderr.fileno()
        size = os.fstat(fd).st_size
        start = max(0, size - 4 * STDERR_TAIL)  # 4: the most bytes one character takes in UTF-8
        return os.pread(fd, size - start, start).decode("utf-8", "replace")[-STDERR_TAIL:]

    def close(self) -> None:
        self.reset()
        if self.stderr is not None:
            self.stderr.close()

    def _open(self, step: str = "steps") -> Channel:
        """The running process, started (again, after a crash, a timeout or a reset) when needed;
        never for a play whose leash was cut (its step would reach the next scenario's process)."""
        with self._lock:
            self._refuse_unwanted(step)
            if self._channel is not None and self._channel.alive():
                return self._channel
            if self._channel is not None:
                self._channel.stop()
                self._channel = None
            if len(self._refused_hellos) >= HELLO_TRIES:
                raise AdapterFailure(f"not started again: its hello failed {HELLO_TRIES} times in a row, "
                                     f"last: {self._refused_hellos[-1]}")
            if self.stderr is None:
                self.stderr = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 - kept for the adapter's life
            channel = Channel(self.command, self.stderr)
            try:
                self._hello = self._greeting(channel)
            except AdapterFailure as refused:
                self._refused_hellos.append(refused)
                raise
            self._refused_hellos.clear()
            self._channel = channel
            return channel

    @staticmethod
    def _refuse_unwanted(step: str) -> None:
        """Under ``_lock``, which a reset takes too: refuse a step whose play overran. Checked
        before a process is started, so an overrun step never starts (nor reaches) the next
        scenario's process; a step that passed it before the cut reaches at most the process the
        reset stops."""
        if not still_wanted():
            raise AdapterFailure(f"{step}: the scenario overran its timeout, its steps are no longer taken")

    def _greeting(self, channel: Channel) -> dict[str, Any]:
        first = self._wait(channel, channel.hello, self.hello_timeout, "the hello line", HELLO_HINT)
        hello = first.get("hello")
        if not isinstance(hello, dict) or not isinstance(hello.get("steps"), list):
            channel.stop()
            raise AdapterFailure(f'the first line must be {{"hello": {{"steps": [...]}}}}, '
                                 f"got {_shown(first)}")
        self.unknown_steps = tuple(str(step) for step in hello["steps"] if step not in STEPS)
        if isinstance(hello.get("name"), str):
            self.name = f"command:{hello['name']}"
        return hello

    def _answer(self, channel: Channel, box: Box, request_id: int, step: str) -> dict[str, Any]:
        """The answer to ``request_id``, within ``step_timeout`` in all (other lines the process
        writes meanwhile do not extend it)."""
        try:
            return self._wait(channel, box, self.step_timeout, f"the answer to {step}",
                              f"{ANSWER_HINT} (--step-timeout sets the limit)")
        finally:
            channel.forget(request_id)

    def _wait(self, channel: Channel, box: Box, timeout: float, what: str, hint: str) -> dict[str, Any]:
        """What lands in ``box``; a timeout or the process's end stops the process. A timeout says
        how to fix it and shows the last lines of stdout taken for nothing (an answer with a
        string id, JSON spread over several lines ...)."""
        try:
            message = box.get(timeout=timeout)
        except queue.Empty:
            self._drop(channel)
            ignored = channel.ignored()
            stdout = f"; stdout lines ignored, {ignored}" if ignored else ""
            raise AdapterFailure(f"timed out after {timeout:g} s waiting for {what}; {hint}{stdout}; "
                                 f"stderr: {self.stderr_text()[-500:] or '(empty)'}") from None
        if message is None:
            raise self._crashed(channel, f"the process ended while the harness waited for {what}")
        return message

    def _crashed(self, channel: Channel, what: str) -> AdapterFailure:
        code = channel.process.poll()
        self._drop(channel)
        return AdapterFailure(f"{what} (exit code {code}); stderr: {self.stderr_text()[-500:] or '(empty)'}")

    def _drop(self, channel: Channel) -> None:
        """Stop ``channel``'s process; the adapter forgets it only if it is still the current one
        (a late failure of an abandoned call must not stop the process the next call uses)."""
        with self._lock:
            if self._channel is channel:
                self._channel = None
        channel.stop()


def _shown(message: dict[str, Any]) -> str:
    """A message as the vendor wrote it (JSON), cut short."""
    text = json.dumps(message, ensure_ascii=False)
    return text if len(text) <= 300 else text[:300] + "…"
