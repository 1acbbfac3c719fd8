"""evidence.zip: the untouched bundle verifies; a one-byte edit of any journal entry, of the
verdicts, of the manifest or of its signature fails, and so does a byte flipped in the zip itself;
an operator key proves origin only to whoever holds it."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import tiny

from simulator.cli import main
from simulator.conform.reports import evidence, write_all
from simulator.conform.runner import Runner

OPERATOR_KEY = b"operator-signing-key-of-a-shared-sandbox"


@pytest.fixture(scope="module")
def bundles(app: object, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """One run (through the in-process app), bundled with a per-run key and an operator key."""
    from simulator.conform.journal import HARNESS_AGENT

    harness = app.test_client(headers={"user-agent": HARNESS_AGENT})  # type: ignore[attr-defined]
    vendor = app.test_client(headers={"user-agent": "tiny/1"})  # type: ignore[attr-defined]
    result = Runner(harness, "http://testserver", tiny.NoKeyAdapter(vendor)).run(tiny.CATALOGUE)
    folder = tmp_path_factory.mktemp("evidence")
    own = write_all(result, tiny.CATALOGUE, folder / "own")["evidence.zip"].read_bytes()
    signed = write_all(result, tiny.CATALOGUE, folder / "op", key=OPERATOR_KEY)["evidence.zip"].read_bytes()
    return {"own": own, "operator": signed}


def members(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def edit_byte(data: bytes, offset: int) -> bytes:
    """Change one byte for another printable one (a digit for a digit, a letter for a letter)."""
    old = data[offset:offset + 1]
    new = b"7" if old == b"3" else b"3" if old.isdigit() else b"x" if old != b"x" else b"y"
    return data[:offset] + new + data[offset + 1:]


def test_the_untouched_bundle_verifies(bundles: dict[str, bytes]) -> None:
    problems, notes, proven = evidence.verify(bundles["own"])
    assert problems == []
    assert not proven  # signed with the key it carries
    assert notes == ["signed with a per-run key shipped in the bundle: integrity checked, origin NOT proven"]
    journal = members(bundles["own"])[evidence.JOURNAL].splitlines()
    assert len(journal) > 5
    assert {json.loads(line)["scenario"] for line in journal} == {"tiny-filing"}


def test_a_one_byte_edit_of_any_entry_fails(bundles: dict[str, bytes]) -> None:
    files = members(bundles["own"])
    lines = files[evidence.JOURNAL].splitlines(keepends=True)
    for number, line in enumerate(lines):
        start = sum(len(previous) for previous in lines[:number])
        for offset in (line.index(b'"entry"') + 20, len(line) // 2, len(line) - 5):
            tampered = dict(files, **{evidence.JOURNAL: edit_byte(files[evidence.JOURNAL], start + offset)})
            problems = evidence.verify(rezip(tampered)).problems
            assert problems, f"an edit of line {number + 1} at {offset} went unnoticed"


def test_an_entry_replaced_by_another_json_value_fails_without_crashing(bundles: dict[str, bytes]) -> None:
    files = members(bundles["own"])
    lines = files[evidence.JOURNAL].splitlines(keepends=True)
    row = json.loads(lines[1])
    row["entry"] = ["not", "an", "entry"]
    lines[1] = json.dumps(row).encode() + b"\n"
    problems = evidence.verify(rezip(dict(files, **{evidence.JOURNAL: b"".join(lines)}))).problems
    assert f"{evidence.JOURNAL} line 2 (entry ?) breaks the hash chain" in problems


@pytest.mark.parametrize("member", [evidence.VERDICTS, evidence.MANIFEST, evidence.SIGNATURE])
def test_a_one_byte_edit_of_the_verdicts_or_manifest_fails(bundles: dict[str, bytes], member: str) -> None:
    files = members(bundles["own"])
    for offset in range(0, len(files[member]), max(1, len(files[member]) // 40)):
        tampered = dict(files, **{member: edit_byte(files[member], offset)})
        assert evidence.verify(rezip(tampered))[0], f"{member}: an edit at {offset} went unnoticed"


def test_a_flipped_byte_in_the_zip_or_an_extra_file_fails(bundles: dict[str, bytes]) -> None:
    raw = bundles["own"]
    for offset in [*range(0, len(raw), 97), *range(len(raw) - 80, len(raw))]:
        assert evidence.verify(raw[:offset] + bytes([raw[offset] ^ 1]) + raw[offset + 1:])[0], offset
    extra = dict(members(raw), **{"notes.txt": b"trust me"})
    assert evidence.verify(rezip(extra))[0] == [
        "members ['journal.jsonl', 'manifest.json', 'manifest.sig', 'notes.txt', 'verdicts.json'], "
        "expected ['journal.jsonl', 'manifest.json', 'manifest.sig', 'verdicts.json']"]


def test_an_operator_key_is_needed_and_must_be_the_right_one(bundles: dict[str, bytes]) -> None:
    bundle = bundles["operator"]
    assert b"operator-signing-key" not in b"".join(members(bundle).values())
    assert evidence.verify(bundle, OPERATOR_KEY)[:3:2] == ([], True)
    assert evidence.verify(bundle)[0] == [
        "signed with an operator key: give it (--key-file or FWP_CONFORM_SIGNING_KEY) to verify"]
    assert "not with the key given" in evidence.verify(bundle, b"another key")[0][0]


def test_conform_verify_exits_0_then_1_after_an_edit(bundles: dict[str, bytes], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FWP_CONFORM_SIGNING_KEY", raising=False)
    good = tmp_path / "evidence.zip"
    good.write_bytes(bundles["own"])
    assert main(["conform", "verify", str(good)]) == 0
    out = capsys.readouterr().out
    assert "verified: nothing was edited" in out
    assert "origin NOT proven" in out
    assert main(["conform", "verify", str(good), "--require-origin"]) == 3  # anyone could have signed it
    assert "intact, but signed with the key it carries" in capsys.readouterr().out
    files = members(bundles["own"])
    verdicts = files[evidence.VERDICTS].replace(b'"FAILED"', b'"PASSED"', 1)
    bad = tmp_path / "edited.zip"
    bad.write_bytes(rezip(dict(files, **{evidence.VERDICTS: verdicts})))
    assert main(["conform", "verify", str(bad)]) == 1
    assert main(["conform", "verify", str(bad), "--require-origin"]) == 1
    assert "FAILED: verdicts.json does not match its digest in the manifest" in capsys.readouterr().out
    key = tmp_path / "key"
    key.write_bytes(OPERATOR_KEY + b"\n")
    good.write_bytes(bundles["operator"])
    assert main(["conform", "verify", str(good), "--key-file", str(key), "--require-origin"]) == 0
    assert "origin proven to holders of that key" in capsys.readouterr().out
    assert main(["conform", "verify", str(tmp_path / "missing.zip")]) == 2

