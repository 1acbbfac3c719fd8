"""``evidence.zip``: the run's masked journal entries in a SHA-256 hash chain, the verdicts, and a
manifest signed with HMAC-SHA256; :func:`verify` recomputes all of it offline.

Trust model (said plainly in the README): the chain and the manifest's digests make any edit of
an entry or of the verdicts visible; the signature makes an edit of the manifest visible. With a
signing key the operator keeps (``FWP_CONFORM_SIGNING_KEY``), a bundle that verifies with that key
was produced by someone holding it: origin, for whoever shares the key. Without one, each run signs
with a fresh key shipped inside the bundle: that proves integrity against careless or partial edits
only, since whoever edits the bundle can re-sign it. HMAC is symmetric: a verifier holding the key
could forge, so give the key only to parties who trust each other.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import secrets
import zipfile
from typing import Any, NamedTuple

GENESIS = "0" * 64
JOURNAL, VERDICTS, MANIFEST, SIGNATURE = "journal.jsonl", "verdicts.json", "manifest.json", "manifest.sig"
ORDER = (MANIFEST, SIGNATURE, JOURNAL, VERDICTS)
MEMBERS = frozenset(ORDER)
FORMAT = "fwp-conform-evidence/1"


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link(prev: str, seq: int, scenario: str, entry: dict[str, Any]) -> str:
    """An entry's hash: SHA-256 of the previous hash and the entry's canonical JSON."""
    body = canonical({"seq": seq, "scenario": scenario, "entry": entry})
    return hashlib.sha256(prev.encode() + b"\n" + body).hexdigest()


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"fwp-conform-key:" + key).hexdigest()[:16]


def build(document: dict[str, Any], entries: list[tuple[str, dict[str, Any]]], key: bytes | None) -> bytes:
    """The bundle's bytes. ``entries``: (scenario id, masked journal entry), in run order."""
    lines, prev = [], GENESIS
    for seq, (scenario, entry) in enumerate(entries):
        prev = link(prev, seq, scenario, entry)
        lines.append(canonical({"seq": seq, "scenario": scenario, "entry": entry, "hash": prev}))
    journal = b"".join(line + b"\n" for line in lines)
    verdicts = json.dumps(document, indent=2, ensure_ascii=False).encode()
    manifest = json.dumps({
        "format": FORMAT, "tool": document["tool"], "catalogue_version": document["catalogue_version"],
        "adapter": document["adapter"], "sandbox_url": document["sandbox_url"],
        "started": document["started"], "ended": document["ended"], "exit_code": document["exit_code"],
        "entries": len(entries), "chain_head": prev,
        "files": {JOURNAL: _sha(journal), VERDICTS: _sha(verdicts)},
    }, indent=2).encode()
    own = key is None
    signing = secrets.token_bytes(32) if key is None else key
    signature = {"alg": "HMAC-SHA256", "key_id": key_id(signing), "mac": _mac(signing, manifest),
                 "key": signing.hex() if own else None}
    return _zip({MANIFEST: manifest, SIGNATURE: _signature_file(signature), JOURNAL: journal,
                 VERDICTS: verdicts})


def _zip(files: dict[str, bytes]) -> bytes:
    """The one byte layout this tool writes (stored, fixed order and dates), so that :func:`verify`
    can rebuild it and notice an edit anywhere in the file, zip headers included."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as bundle:
        for name in ORDER:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            bundle.writestr(info, files[name])
    return buffer.getvalue()


def _signature_file(signature: dict[str, Any]) -> bytes:
    return json.dumps(signature, indent=2).encode()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _mac(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


class Verification(NamedTuple):
    """The bundle verifies when ``problems`` is empty; ``origin_proven`` says whether it was
    signed with a key given to ``verify`` (an operator key) rather than one shipped inside it."""

    problems: list[str]
    notes: list[str]
    origin_proven: bool = False


def verify(data: bytes, key: bytes | None = None) -> Verification:
    """Check the chain, the digests, the signature and the zip itself."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            if set(bundle.namelist()) != MEMBERS:
                return Verification([f"members {sorted(bundle.namelist())}, expected {sorted(MEMBERS)}"], [])
            files = {name: bundle.read(name) for name in MEMBERS}
        signature = json.loads(files[SIGNATURE])
        manifest = json.loads(files[MANIFEST])
        if not isinstance(signature, dict) or not isinstance(manifest, dict):
            raise ValueError("the manifest and its signature must be JSON objects")
    except Exception as exc:  # noqa: BLE001 - zipfile raises a dozen kinds on a damaged file
        return Verification([f"not a readable evidence bundle: {exc}"], [])
    if set(signature) != {"alg", "key_id", "mac", "key"} or _signature_file(signature) != files[SIGNATURE]:
        return Verification([f"{SIGNATURE} is not in the form this tool writes: it was edited"], [])
    try:
        problems, notes = _signature(files[MANIFEST], signature, key)
    except (ValueError, TypeError) as exc:
        problems, notes = [f"{SIGNATURE} is not a signature: {exc}"], []
    if manifest.get("format") != FORMAT:
        problems.append(f"format {manifest.get('format')!r}, expected {FORMAT!r}")
    for name in (JOURNAL, VERDICTS):
        if (manifest.get("files") or {}).get(name) != _sha(files[name]):
            problems.append(f"{name} does not match its digest in the manifest")
    problems += _chain(files[JOURNAL], manifest)
    if not problems and _zip(files) != data:  # the members are intact: an edit of the zip's headers
        problems.append("the zip file is not as this tool wrote it: it was edited")
    return Verification(problems, notes, key is not None)


def _signature(manifest: bytes, signature: dict[str, Any], key: bytes | None) -> tuple[list[str], list[str]]:
    if key is None and signature.get("key"):
        key = bytes.fromhex(signature["key"])
        notes = ["signed with a per-run key shipped in the bundle: integrity checked, origin NOT proven"]
    elif key is None:
        return ["signed with an operator key: give it (--key-file or FWP_CONFORM_SIGNING_KEY) to verify"], []
    else:
        notes = [f"signed with the operator key {key_id(key)}: origin proven to holders of that key"]
    if signature.get("alg") != "HMAC-SHA256" or signature.get("key_id") != key_id(key):
        return [f"signed with key {signature.get('key_id')!r}, not with the key given ({key_id(key)})"], []
    if not hmac.compare_digest(str(signature.get("mac")), _mac(key, manifest)):
        return ["the manifest's signature does not match: the manifest was edited"], []
    return [], notes


def _chain(journal: bytes, manifest: dict[str, Any]) -> list[str]:
    prev, count = GENESIS, 0
    for number, line in enumerate(journal.splitlines(), start=1):
        try:
            row = json.loads(line)
            expected = link(prev, row["seq"], row["scenario"], row["entry"])
        except (ValueError, KeyError, TypeError) as exc:
            return [f"{JOURNAL} line {number} is not a chain link: {exc}"]
        if row["seq"] != count or row.get("hash") != expected:
            entry = row["entry"].get("id") if isinstance(row["entry"], dict) else "?"
            return [f"{JOURNAL} line {number} (entry {entry}) breaks the hash chain"]
        prev, count = expected, count + 1
    if (count, prev) != (manifest.get("entries"), manifest.get("chain_head")):
        return [f"the chain ends at entry {count} ({prev[:12]}…), the manifest says "
                f"{manifest.get('entries')} ({str(manifest.get('chain_head'))[:12]}…)"]
    return []
