"""The three adapters without a sandbox: how a spec picks one, what a Python class offers, the
command protocol (hello, answers by id, ok=false, noise, crash, timeout) and its JSON Schema."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from scenarios.catalogue import CATALOGUE
from scenarios.reference_adapter import ReferenceAdapter
from simulator.conform.adapters import AdapterSpecError, CommandAdapter, PythonAdapter, WaitAdapter, from_spec
from simulator.conform.adapters.wait_journal import DONE_WHEN, RULES, completed
from simulator.conform.model import AdapterFailure, SandboxContext, Verdict
from simulator.conform.runner import Runner
from simulator.conform.steps import STEPS

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "simulator/conform/schemas/adapter-protocol.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
CONTEXT = SandboxContext(base_url="http://127.0.0.1:9", tenant_id="ten_aaaaaaaaaaaa",
                         employer={"client_id": "cli_x", "client_secret": "cs_x", "token_url": "t",
                                   "api": "a"},
                         ssc_api="http://127.0.0.1:9/ssc/v1")

VENDOR = """
import json, sys, time
mode = sys.argv[1]
print("starting up")  # noise before hello is ignored
print(json.dumps({"hello": {"name": "echo", "steps": ["extend", "cancel", "no_such_step"]}}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    if mode == "crash":
        print("boom", file=sys.stderr, flush=True)
        sys.exit(3)
    if mode == "hang":
        print("thinking hard", file=sys.stderr, flush=True)
        time.sleep(30)
    if mode == "string-id":  # the id as a string: never the answer the harness waits for
        print(json.dumps({"id": str(request["id"]), "ok": True, "output": {}}), flush=True)
        continue
    if mode == "no-ok":
        print(json.dumps({"id": request["id"], "output": {}}), flush=True)
        continue
    while mode == "chatter":  # answers every call but the one asked, for ever
        print(json.dumps({"id": request["id"] + 100, "ok": True, "output": {}}), flush=True)
        time.sleep(0.05)
    print("log line on stdout", flush=True)
    if request["step"] == "cancel":
        print(json.dumps({"id": request["id"], "ok": False, "error": "permit unknown"}), flush=True)
    else:
        print(json.dumps({"id": request["id"] + 100, "ok": True, "output": {}}), flush=True)  # stale id
        print(json.dumps({"id": request["id"], "ok": True,
                          "output": {"application_id": "app_x", "saw": request}}), flush=True)
"""


@pytest.fixture
def vendor(tmp_path: Path) -> Path:
    script = tmp_path / "vendor.py"
    script.write_text(VENDOR, encoding="utf-8")
    return script


def command(vendor: Path, mode: str, **kwargs: Any) -> CommandAdapter:
    return CommandAdapter(f"{sys.executable} {vendor} {mode}", **kwargs)


def test_a_spec_names_one_of_three_adapters() -> None:
    assert isinstance(from_spec("python:scenarios.reference_adapter:ReferenceAdapter"), PythonAdapter)
    commanded = from_spec(f"command:{sys.executable} x.py")
    assert isinstance(commanded, CommandAdapter)
    assert commanded.command == f"{sys.executable} x.py"
    commanded.close()
    waiting = from_spec("wait")
    assert isinstance(waiting, WaitAdapter)
    waiting.close()
    to_file = from_spec("wait:tasks.json")
    assert isinstance(to_file, WaitAdapter)
    assert to_file.instructions == Path("tasks.json")
    to_file.close()
    for wrong in ("python:", "command:", "ruby:x", "waiting", "command:no-such-program-4f1c x.js",
                  "command:'node x.js"):
        with pytest.raises(AdapterSpecError):
            from_spec(wrong)


class WithoutCards(ReferenceAdapter):
    read_card = None  # type: ignore[assignment]


def test_a_missing_method_is_an_unsupported_step_and_its_scenario_is_skipped() -> None:
    adapter = PythonAdapter(WithoutCards())
    assert "read_card" not in adapter.steps()
    assert "register_essc" in adapter.steps()
    result = Runner(None, "http://unused", adapter).run(CATALOGUE, scenarios=["legacy-to-essc"])
    assert {c.verdict for c in result.checks()} == {Verdict.SKIPPED}
    assert "read_card" in (result.scenarios[0].reason or "")


def test_a_python_step_that_raises_is_an_adapter_failure() -> None:
    with pytest.raises(AdapterFailure, match="track_application"):
        PythonAdapter(ReferenceAdapter()).call("track_application", {"application": "app_x"}, CONTEXT)


def test_the_command_adapter_speaks_json_lines(vendor: Path) -> None:
    adapter = command(vendor, "echo")
    try:
        assert adapter.steps() == {"extend", "cancel"}  # an unknown step in hello is not offered
        assert adapter.name == "command:echo"
        output = adapter.call("extend", {"permit": "1" * 18, "new_contract_end": "2029-02-28"}, CONTEXT)
        assert output["application_id"] == "app_x"
        request = output["saw"]
        jsonschema.validate(request, SCHEMA)
        assert request["step"] == "extend"
        assert request["sandbox"]["tenant_id"] == CONTEXT.tenant_id
        with pytest.raises(AdapterFailure, match="permit unknown"):
            adapter.call("cancel", {}, CONTEXT)
    finally:
        adapter.close()


def test_a_crash_is_an_adapter_failure_with_stderr_and_the_process_restarts(vendor: Path) -> None:
    adapter = command(vendor, "crash")
    try:
        with pytest.raises(AdapterFailure, match="boom"):
            adapter.call("extend", {}, CONTEXT)
        assert adapter.steps() == {"extend", "cancel"}  # started again
    finally:
        adapter.close()


def test_a_step_that_overruns_its_timeout_is_an_adapter_failure(vendor: Path) -> None:
    adapter = command(vendor, "hang", step_timeout=0.5)
    try:
        with pytest.raises(AdapterFailure, match=r"timed out.*thinking hard"):
            adapter.call("extend", {}, CONTEXT)
    finally:
        adapter.close()


def test_the_wait_for_an_answer_has_one_deadline_however_much_the_process_writes(vendor: Path) -> None:
    """Answers to other ids keep coming: they must not restart the step's timeout."""
    adapter = command(vendor, "chatter", step_timeout=0.5)
    failed: list[AdapterFailure] = []

    def call() -> None:
        try:
            adapter.call("extend", {}, CONTEXT)
        except AdapterFailure as failure:
            failed.append(failure)

    caller = threading.Thread(target=call, daemon=True)
    try:
        caller.start()
        caller.join(20)  # a hang guard: the step's own timeout is 0.5 s
    finally:
        adapter.close()
    assert [str(f).split(";")[0] for f in failed] == [
        "timed out after 0.5 s waiting for the answer to extend"]


def test_reading_stderr_while_the_process_writes_it_garbles_nothing(tmp_path: Path) -> None:
    """The process writes its stderr through a file it shares with the harness: a read that moved
    the shared offset would have the process's next write land over what it wrote before (a
    report's stderr tail read "\\neld 1" for "held 1\\n")."""
    lines = 20_000
    script = tmp_path / "chatty.py"
    script.write_text(
        'import json, sys\nprint(json.dumps({"hello": {"steps": ["extend"]}}), flush=True)\n'
        f'for i in range({lines}):\n    for c in f"{{i:05d}}\\n":\n'
        '        sys.stderr.write(c); sys.stderr.flush()\n'
        'sys.stdin.read()\n', encoding="utf-8")
    adapter = CommandAdapter(f"{sys.executable} {script}")
    expected = "".join(f"{i:05d}\n" for i in range(lines))
    try:
        adapter.steps()
        for reads in range(1_000_000):  # read as it writes; a hang guard: it writes all in a second
            if adapter.stderr_text().endswith(f"{lines - 1:05d}\n"):
                break
            if reads % 100 == 0:
                threading.Event().wait(0.001)
        assert adapter.stderr is not None
        written = os.pread(adapter.stderr.fileno(), 2 * len(expected), 0).decode()
    finally:
        adapter.close()
    assert written == expected


def test_a_process_without_hello_is_refused(tmp_path: Path) -> None:
    script = tmp_path / "rude.py"
    script.write_text('import json; print(json.dumps({"steps": []}), flush=True)\n', encoding="utf-8")
    adapter = CommandAdapter(f"{sys.executable} {script}")
    with pytest.raises(AdapterFailure, match=r'must be \{"hello".*got \{"steps": \[\]\}'):  # as JSON
        adapter.steps()
    adapter.close()


def test_a_hello_refused_twice_in_a_row_is_not_asked_for_again(tmp_path: Path) -> None:
    """Each start that fails its hello is a process started and waited for: after two in a row
    the adapter refuses at once (a broken hello once cost every scenario the wait); a good hello
    between failures starts the count again."""
    script = tmp_path / "moody.py"
    starts = tmp_path / "starts"
    script.write_text(
        "import json, pathlib, sys\n"
        f"starts = pathlib.Path({str(starts)!r})\n"
        "n = len(starts.read_text()) if starts.exists() else 0\n"
        "starts.write_text('x' * (n + 1))\n"
        "hello = {'hello': {'steps': ['extend']}} if n == 1 else {'steps': []}\n"
        "print(json.dumps(hello), flush=True)\n"
        "sys.stdin.read()\n", encoding="utf-8")
    adapter = CommandAdapter(f"{sys.executable} {script}")
    try:
        with pytest.raises(AdapterFailure, match="must be"):
            adapter.steps()  # start 1: refused
        assert adapter.steps() == {"extend"}  # start 2: a good hello, the count starts again
        adapter.reset()
        for _ in range(2):  # starts 3 and 4: refused
            with pytest.raises(AdapterFailure, match="must be"):
                adapter.steps()
        with pytest.raises(AdapterFailure, match=r"not started again: its hello failed 2 times in a row, "
                                                 r"last: the first line must be"):
            adapter.steps()
    finally:
        adapter.close()
    assert len(starts.read_text()) == 4


def test_a_hello_spread_over_lines_times_out_showing_them_and_how_to_write_it(tmp_path: Path) -> None:
    script = tmp_path / "pretty.py"
    script.write_text('import json, time\nprint(json.dumps({"hello": {"steps": ["extend"]}}, indent=2), '
                      'flush=True)\ntime.sleep(30)\n', encoding="utf-8")
    adapter = CommandAdapter(f"{sys.executable} {script}", hello_timeout=5)  # the lines come first
    try:
        with pytest.raises(AdapterFailure) as failed:
            adapter.steps()
    finally:
        adapter.close()
    message = str(failed.value)
    assert "as the first line of JSON on stdout, ending in a newline, and flush it" in message
    assert 'stdout lines ignored, 7 lines: { | "hello": { | (3 more) | } | }' in message
    assert message.endswith("stderr: (empty)")


def test_an_answer_with_a_string_id_times_out_showing_the_line(vendor: Path) -> None:
    adapter = command(vendor, "string-id", step_timeout=3)  # room for the line to come, on a busy machine
    try:
        with pytest.raises(AdapterFailure) as failed:
            adapter.call("extend", {}, CONTEXT)
    finally:
        adapter.close()
    message = str(failed.value)
    assert "carrying the request's id as a number (--step-timeout sets the limit)" in message
    assert 'stdout lines ignored, 2 lines: starting up | {"id": "1", "ok": true, "output": {}}' in message


def test_an_answer_without_ok_says_what_an_answer_carries(vendor: Path) -> None:
    adapter = command(vendor, "no-ok")
    try:
        expected = (r'extend: an answer carries "ok": true with "output", or "ok": false with "error"; '
                    r'got \{"id": 1,')
        with pytest.raises(AdapterFailure, match=expected):
            adapter.call("extend", {}, CONTEXT)
    finally:
        adapter.close()


def test_a_misspelt_step_in_hello_is_named_in_the_skip_reason_and_the_hello_names_the_run(
        tmp_path: Path) -> None:
    """Not offered (an adapter newer than the harness still runs), but no silent SKIPPED either."""
    script = tmp_path / "typo.py"
    hello = {"hello": {"name": "acme-hr", "steps": ["file_new_application", "withdraw", "track_aplication"]}}
    script.write_text(f"import sys\nprint({json.dumps(json.dumps(hello))}, flush=True)\nsys.stdin.read()\n",
                      encoding="utf-8")
    adapter = CommandAdapter(f"{sys.executable} {script}")
    try:
        result = Runner(None, "http://unused", adapter).run(CATALOGUE, scenarios=["withdrawal"])
    finally:
        adapter.close()
    assert {c.verdict for c in result.checks()} == {Verdict.SKIPPED}
    assert result.scenarios[0].reason == (
        "the adapter lacks the step(s): track_application; the adapter offers step(s) this harness does "
        "not know: track_aplication (did you mean track_application?)")
    assert result.adapter == "command:acme-hr"


@pytest.mark.parametrize(("message", "valid"), [
    ({"hello": {"name": "x", "steps": ["extend"]}}, True),
    ({"hello": {"steps": ["fly"]}}, False),
    ({"id": 7, "ok": True, "output": {"application_id": "app_x"}}, True),
    ({"id": 7, "ok": False, "error": "no"}, True),
    ({"id": 7, "ok": False}, False),
    ({"id": 7, "ok": True}, False),
])
def test_the_protocol_schema(message: dict[str, Any], valid: bool) -> None:
    errors = list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(message))
    assert (not errors) is valid, errors


def test_the_protocol_schema_lists_every_step_with_its_fields() -> None:
    assert set(SCHEMA["$defs"]["step"]["enum"]) == set(STEPS)
    for name, step in STEPS.items():
        assert SCHEMA["x-steps"][name] == {"asks": step.asks, "input": step.input, "output": step.output}


def _operator(url: str, output: dict[str, Any]) -> None:
    """Waits for the task to be served, then answers it."""
    for _ in range(100):
        task = httpx.get(f"{url}/task")
        if task.status_code == 200:
            assert httpx.post(task.json()["answer_url"], json=output).status_code == 204
            return
        threading.Event().wait(0.02)


def test_wait_mode_serves_the_task_and_takes_the_operators_answer(tmp_path: Path) -> None:
    printed = io.StringIO()
    adapter = WaitAdapter(step_timeout=5, instructions=tmp_path / "task.json", out=printed)
    try:
        assert httpx.get(f"{adapter.url}/task").status_code == 204  # nothing asked yet
        answer = {"status": "APPROVED", "permit_number": None}
        operator = threading.Thread(target=_operator, args=(adapter.url, answer))
        operator.start()
        assert adapter.call("track_application", {"application": "app_x"}, CONTEXT) == answer
        operator.join()
        written = json.loads((tmp_path / "task.json").read_text(encoding="utf-8"))
        assert written["step"] == "track_application"
        assert written["sandbox"]["employer"]["client_secret"] == "cs_x"  # the operator needs it
        assert "cs_x" not in printed.getvalue()  # the console does not show it
        assert httpx.post(f"{adapter.url}/tasks/1/answer", json={}).status_code == 409  # closed
    finally:
        adapter.close()


def test_wait_mode_times_out_as_an_adapter_failure() -> None:
    adapter = WaitAdapter(step_timeout=0.3, out=io.StringIO())
    try:
        with pytest.raises(AdapterFailure, match="not done within"):
            adapter.call("extend", {"permit": "1" * 18, "new_contract_end": "2029-02-28"}, CONTEXT)
    finally:
        adapter.close()


def _entry(method: str, path: str, status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"method": method, "path": path, "status": status, "response": {"body": json.dumps(body)}}


def test_the_readme_names_the_steps_wait_mode_sees_done_in_the_journal() -> None:
    """Every other step is done when the operator posts its output: a list that misses one of
    these would have an operator post answers nobody reads, or wait for a journal that never says."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Wait mode**"):readme.index("### Verdicts, levels, exit codes")]
    text = " ".join(section.split())
    listed = re.search(r"a filing is done when the journal shows it answered \(([^:]*):", text)
    assert listed, "README's wait mode no longer lists the steps done by the journal"
    assert set(re.findall(r"`(\w+)`", listed.group(1))) == set(RULES) == set(DONE_WHEN)


def test_wait_mode_sees_a_step_done_in_the_journal() -> None:
    permit = "3" * 18
    refused = _entry("POST", "/ssc/v1/essc/registrations", 409, {"code": "E_LEGACY_NEEDS_REISSUE"})
    filed = _entry("POST", f"/fwp/v1/work-permits/{permit}/extension", 201, {"id": "app_y"})
    assert completed("extend", {"permit": permit}, [refused]) is None
    assert completed("extend", {"permit": permit}, [refused, filed]) == {"application_id": "app_y"}
    told = {"registered": False, "problem": "E_LEGACY_NEEDS_REISSUE"}
    assert completed("register_essc", {}, [refused]) == told
    assert completed("track_application", {"application": "app_y"}, [filed]) is None  # only an answer


def test_the_node_example_says_hello_as_the_schema_says() -> None:
    node = shutil.which("node")
    assert node, "Node.js 20 is needed for the example adapter (apt-get install nodejs)"
    script = ROOT / "examples/node-adapter/adapter.js"
    process = subprocess.run([node, str(script)], input="", capture_output=True, text=True, timeout=30,
                             check=True)
    hello = json.loads(process.stdout.splitlines()[0])
    jsonschema.validate(hello, SCHEMA)
    assert set(hello["hello"]["steps"]) == set(STEPS)


class BusyJournal:
    """A tenant whose client writes ``per_read`` entries between two reads of its journal (the
    export with ``after``, as the sandbox answers it), and whose operator answers the open task
    on the ``answer_on``-th read after it was published. ``fetched`` is every id each read got."""

    def __init__(self, adapter: WaitAdapter, per_read: int, answer_on: int) -> None:
        self.id, self.headers, self.http = "ten_busy", {}, self
        self.adapter, self.per_read, self.answer_on = adapter, per_read, answer_on
        self.entries: list[dict[str, Any]] = []
        self.fetched: list[int] = []
        self.reads_of_task: dict[int, int] = {}

    def get(self, url: str, params: dict[str, int], headers: dict[str, str]) -> Any:
        assert url == "/sandbox/v1/tenants/ten_busy/journal/export"
        self.entries += [{"id": len(self.entries) + n, "method": "GET", "path": "/fwp/v1/employer",
                          "status": 200, "request": {"headers": {"user-agent": "hr-suite/2"}},
                          "response": {"body": "{}"}} for n in range(1, self.per_read + 1)]
        lines = [entry for entry in self.entries if entry["id"] > params["after"]]
        self.fetched += [entry["id"] for entry in lines]
        self._answer_when_due()
        return httpx.Response(200, text="\n".join(json.dumps(entry) for entry in lines))

    def _answer_when_due(self) -> None:
        task = self.adapter.task
        if task is not None:
            reads = self.reads_of_task[task["id"]] = self.reads_of_task.get(task["id"], 0) + 1
            if reads == self.answer_on:
                assert self.adapter.answer(task["id"], {"status": "APPROVED"})


def test_wait_mode_reads_each_journal_entry_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A step that takes many polls of a busy journal: every entry is fetched, none twice (the
    watch once exported everything since the step began on every poll, and the whole journal
    before every step)."""
    monkeypatch.setattr("simulator.conform.adapters.wait.POLL_S", 0.0)
    adapter = WaitAdapter(step_timeout=30, out=io.StringIO(), settle_s=0)
    busy = BusyJournal(adapter, per_read=5, answer_on=40)
    try:
        adapter.observe(busy)  # type: ignore[arg-type]
        for _ in range(2):
            assert adapter.call("track_application", {"application": "app_x"}, CONTEXT) == {
                "status": "APPROVED"}
    finally:
        adapter.close()
    assert sum(busy.reads_of_task.values()) == 80
    assert sorted(busy.fetched) == [entry["id"] for entry in busy.entries]


class LateJournal:
    """A journal on two workers: the previous step's filing lands on the second read after the
    next step began (after the first read has moved the cursor past it), this step's on the
    third read after the task was published."""

    def __init__(self, adapter: WaitAdapter) -> None:
        self.id, self.headers, self.http = "ten_late", {}, self
        self.adapter, self.reads, self.entries = adapter, 0, [{"id": 1, **_entry("GET", "/x", 200, {})}]
        self.task_reads = 0

    def get(self, url: str, params: dict[str, int], headers: dict[str, str]) -> Any:
        self.reads += 1
        if self.reads == 2:
            self._land(_entry("POST", "/fwp/v1/applications", 201, {"id": "app_previous"}))
        if self.adapter.task is not None:
            self.task_reads += 1
            if self.task_reads == 3:
                self._land(_entry("POST", "/fwp/v1/applications", 201, {"id": "app_this"}))
        lines = [entry for entry in self.entries if entry["id"] > params["after"]]
        return httpx.Response(200, text="\n".join(json.dumps(entry) for entry in lines))

    def _land(self, entry: dict[str, Any]) -> None:
        headers = {"user-agent": "hr-suite/2"}
        self.entries.append({**entry, "id": len(self.entries) + 1, "request": {"headers": headers}})


def test_wait_mode_does_not_take_the_previous_steps_filing_landing_late(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Before a task is published the journal is read until quiet: a filing of the step before,
    written late by another worker, is behind the cursor, not taken for this step's."""
    monkeypatch.setattr("simulator.conform.adapters.wait.POLL_S", 0.0)
    adapter = WaitAdapter(step_timeout=30, out=io.StringIO(), settle_s=0.01)
    late = LateJournal(adapter)
    try:
        adapter.observe(late)  # type: ignore[arg-type]
        filed = adapter.call("file_new_application", {}, CONTEXT)
    finally:
        adapter.close()
    assert filed["application_id"] == "app_this"
