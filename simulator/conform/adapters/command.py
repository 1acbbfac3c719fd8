"""The command adapter: the vendor's own process, in any language, speaking JSON lines.

The harness starts the process once (again after a crash or a timeout) and reads one line from
it first, ``{"hello": {"name": ..., "steps": [...]}}``. Then, per step, it writes one request
line, ``{"id": 7, "step": "extend", "input": {...}, "sandbox": {...}}``, and waits (``step_timeout``
seconds) for the answer with the same id: ``{"id": 7, "ok": true, "output": {...}}`` or
``{"id": 7, "ok": false, "error": "..."}``. Lines on stdout that are not JSON objects are ignored
(logs belong on stderr, which is kept for the report). The protocol's JSON Schema is
``simulator/conform/schemas/adapter-protocol.schema.json``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import queue
import shlex
import subprocess
import tempfile
import threading
from typing import IO, Any

from simulator.conform.model import AdapterFailure, SandboxContext
from simulator.conform.steps import STEPS

STDERR_TAIL = 4000


class CommandAdapter:
    def __init__(self, command: str, step_timeout: float = 30.0, hello_timeout: float = 15.0) -> None:
        self.command = command
        self.name = f"command:{command}"
        self.step_timeout = step_timeout
        self.hello_timeout = hello_timeout
        self.stderr: IO[bytes] | None = None
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._hello: dict[str, Any] | None = None
        self._next_id = 0

    def steps(self) -> frozenset[str]:
        hello = self._ensure_started()
        return frozenset(step for step in hello.get("steps", []) if step in STEPS)

    def call(self, step: str, input: dict[str, Any], sandbox: SandboxContext) -> dict[str, Any]:
        self._ensure_started()
        self._next_id += 1
        request = {"id": self._next_id, "step": step, "input": input, "sandbox": dataclasses.asdict(sandbox)}
        self._send(request)
        answer = self._answer(self._next_id, step)
        if answer.get("ok") is True:
            output = answer.get("output", {})
            if not isinstance(output, dict):
                raise AdapterFailure(f"{step}: output is not a JSON object")
            return output
        raise AdapterFailure(f"{step}: the adapter answered ok=false: {answer.get('error', '(no error)')}")

    def stderr_text(self) -> str:
        """The tail of what the process wrote on stderr, for the report."""
        if self.stderr is None:
            return ""
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-STDERR_TAIL:]

    def close(self) -> None:
        self._stop()
        if self.stderr is not None:
            self.stderr.close()

    def _ensure_started(self) -> dict[str, Any]:
        if self._process is not None and self._process.poll() is None and self._hello is not None:
            return self._hello
        self._stop()
        if self.stderr is None:
            self.stderr = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 - kept for the adapter's life
        self._process = subprocess.Popen(
            shlex.split(self.command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
            text=True, encoding="utf-8", bufsize=1)
        self._lines = queue.Queue()
        assert self._process.stdout is not None
        threading.Thread(target=_pump, args=(self._process.stdout, self._lines), daemon=True).start()
        first = self._message(self.hello_timeout, "the hello line")
        hello = first.get("hello")
        if not isinstance(hello, dict) or not isinstance(hello.get("steps"), list):
            self._stop()
            raise AdapterFailure(f"the first line must be {{\"hello\": {{\"steps\": [...]}}}}, got {first}")
        self._hello = hello
        if isinstance(hello.get("name"), str):
            self.name = f"command:{hello['name']}"
        return hello

    def _send(self, request: dict[str, Any]) -> None:
        assert self._process is not None
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise self._crashed(f"writing the {request['step']} request failed: {exc}") from exc

    def _answer(self, wanted: int, step: str) -> dict[str, Any]:
        while True:
            message = self._message(self.step_timeout, f"the answer to {step}")
            if message.get("id") == wanted:
                return message

    def _message(self, timeout: float, what: str) -> dict[str, Any]:
        """The next JSON object on stdout; a crash or a timeout stops the process."""
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                self._stop()
                raise AdapterFailure(f"timed out after {timeout:g} s waiting for {what}; "
                                     f"stderr: {self.stderr_text()[-500:]}") from None
            if line is None:
                raise self._crashed(f"the process ended while the harness waited for {what}")
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict):
                return message

    def _crashed(self, what: str) -> AdapterFailure:
        code = self._process.poll() if self._process else None
        self._stop()
        return AdapterFailure(f"{what} (exit code {code}); stderr: {self.stderr_text()[-500:]}")

    def _stop(self) -> None:
        process, self._process, self._hello = self._process, None, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """Move stdout's lines to the queue; ``None`` marks the end of the stream."""
    try:
        for line in stream:
            lines.put(line)
    except (OSError, ValueError):
        pass
    finally:
        lines.put(None)
        stream.close()
