"""Wait mode: a black-box system, driven by its operator while the harness watches the journal.

For each step the harness publishes a task (what to make the system do, with which input and
credentials) on a small local HTTP endpoint (``GET /task``; ``--instructions FILE`` writes it to a
file too) and prints where to find it; the credentials stay off the console. The step is done
when the tenant's journal shows the client's request that completes it (:mod:`.wait_journal`),
or when the operator posts the step's output to ``POST /tasks/{id}/answer`` (the only way for
steps whose result is something the system knows, such as ``track_application``). Meanwhile the
scenario plays the officer and the clock as the requests arrive. No answer in time is ERROR.

The journal is read forward (:class:`~simulator.conform.journal.Tail`): each poll exports only the
entries after the last one read, and every few seconds it looks back for an entry that committed
behind a higher id (several workers on PostgreSQL). A scenario that overruns has its task retired
(``reset``), so its step stops waiting and cannot close the task of the scenario after it.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

from simulator.conform import journal
from simulator.conform.adapters.wait_journal import DONE_WHEN, completed
from simulator.conform.journal import MASK
from simulator.conform.model import AdapterFailure, SandboxContext
from simulator.conform.steps import STEPS
from simulator.testing import Tenant

POLL_S = 0.1
SECRET_INPUTS = frozenset({"secret", "password"})


class WaitAdapter:
    name = "wait"

    def __init__(self, step_timeout: float = 300.0, port: int = 0, instructions: Path | None = None,
                 out: IO[str] | None = None, settle_s: float = journal.SETTLE_S) -> None:
        self.step_timeout = step_timeout
        self.settle_s = settle_s
        """How long the journal must stay quiet before a task is published (see :meth:`call`)."""
        self.instructions = instructions
        self.out = out or sys.stdout
        self._tail: journal.Tail | None = None
        self.task: dict[str, Any] | None = None
        self.answers: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._next = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        print(f"[fwp-sandbox wait] tasks are served at {self.url}/task", file=self.out, flush=True)

    def observe(self, tenant: Tenant) -> None:
        """The scenario's tenant, whose journal shows when a step is done."""
        with self._lock:
            if self._tail is None or self._tail.tenant.id != tenant.id:
                self._tail = journal.Tail(tenant)

    def steps(self) -> frozenset[str]:
        return frozenset(STEPS)

    def call(self, step: str, input: dict[str, Any], sandbox: SandboxContext) -> dict[str, Any]:
        with self._lock:
            tail = self._tail
        if tail is not None:  # up to the newest entry: what came before the task does not do it
            tail.catch_up(self.settle_s)  # (the previous step's own requests, landing late, included)
        task = self._publish(step, input, sandbox)
        try:
            return self._await(task, tail)
        finally:
            self._finish(task)

    def reset(self) -> None:
        """Retire the open task (its scenario overran): its late answer is refused (409), its
        watch ends, and its finish cannot touch the next scenario's task."""
        with self._lock:
            self.task = None
            self.answers.clear()
            self._tail = None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _publish(self, step: str, input: dict[str, Any], sandbox: SandboxContext) -> dict[str, Any]:
        with self._lock:
            self._next += 1
            spec = STEPS[step]
            task = {"id": self._next, "step": step, "asks": spec.asks, "input": input,
                    "sandbox": dataclasses.asdict(sandbox), "expects": spec.output,
                    "done_when": DONE_WHEN.get(step, "you post the output to the answer URL"),
                    "answer_url": f"{self.url}/tasks/{self._next}/answer"}
            self.task = task
        if self.instructions is not None:
            self.instructions.write_text(json.dumps(task, indent=2), encoding="utf-8")
        print(f"[fwp-sandbox wait] task {task['id']}: {step}: {spec.asks}\n"
              f"    input: {json.dumps(_masked(input))}\n    done when: {task['done_when']}\n"
              f"    credentials and the answer URL: GET {self.url}/task", file=self.out, flush=True)
        return task

    def _await(self, task: dict[str, Any], tail: journal.Tail | None) -> dict[str, Any]:
        """The task's output: the operator's answer, or what the journal shows done. The journal
        is read forward from the task's start (each entry once, however long the step takes)."""
        step, input = task["step"], task["input"]
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.step_timeout
        while time.monotonic() < deadline:
            answer = self._answer_to(task)
            if answer is not None:
                return answer
            if tail is not None:
                seen += journal.client_entries(tail.read())
            found = completed(step, input, seen)
            if found is not None:
                return found
            time.sleep(POLL_S)
        raise AdapterFailure(f"wait mode: {step} was not done within {self.step_timeout:g} s")

    def _answer_to(self, task: dict[str, Any]) -> dict[str, Any] | None:
        with self._lock:
            if self.task is not task:
                raise AdapterFailure(f"wait mode: the task {task['id']} ({task['step']}) was retired: "
                                     "its scenario overran its timeout")
            return self.answers.pop(task["id"], None)

    def _finish(self, task: dict[str, Any]) -> None:
        """Close ``task``, and only it: a task retired meanwhile is no longer the open one."""
        with self._lock:
            if self.task is task:
                self.task = None
            self.answers.pop(task["id"], None)

    def answer(self, task_id: int, output: dict[str, Any]) -> bool:
        with self._lock:
            if self.task is None or self.task["id"] != task_id:
                return False
            self.answers[task_id] = output
            return True


def _masked(input: dict[str, Any]) -> dict[str, Any]:
    """The input as printed: secrets (the callback secret, a password) only in the served task."""
    return {key: MASK if key in SECRET_INPUTS else value for key, value in input.items()}


def _handler(adapter: WaitAdapter) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/task":
                return self._reply(404, {"error": "GET /task"})
            with adapter._lock:
                task = adapter.task
            return self._reply(200, task) if task else self._reply(204, None)

        def do_POST(self) -> None:
            parts = self.path.strip("/").split("/")
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                output = json.loads(body or b"{}")
                task_id = int(parts[1]) if len(parts) == 3 and parts[::2] == ["tasks", "answer"] else -1
            except ValueError:
                return self._reply(400, {"error": "POST /tasks/{id}/answer with a JSON object"})
            if not isinstance(output, dict) or not adapter.answer(task_id, output):
                return self._reply(409, {"error": "no such open task, or the answer is not an object"})
            return self._reply(204, None)

        def _reply(self, status: int, data: Any) -> None:
            raw = b"" if data is None else json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            return None

    return Handler
