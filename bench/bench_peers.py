"""The bench's peers besides Prism, the mocks a user would pick instead of the simulator: WireMock 3
standalone (a static stub server on the JVM) and json-server (a stateful fake REST server on Node).
Their configuration files, command lines and preparation; the table ``simulator ÷ each peer``.

Both answer the simulator's paths (``/fwp/v1``, ``/ssc/v1``) with the bytes of ``canned.py`` (the
floor's bodies, shaped like the simulator's). WireMock matches each request on method, path and a
``Bearer`` ``Authorization`` header, as Prism checks it; json-server checks nothing, stores every
POST in its ``db.json`` and reads records back by id."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from bench_common import (
    BENCH,
    JSON_SERVER,
    SCENARIOS,
    SHORT,
    SIMULATOR,
    WIREMOCK,
    BenchError,
    Prepared,
    Run,
    Target,
    console,
    free_port,
)
from canned import (
    APPLICATION,
    APPLICATION_ID,
    BASE,
    ELECTRONIC_CARD,
    FOREIGNER_ID,
    SSC_BASE,
    STATUS_VIEW,
    dumps,
)
from rich.table import Table

NODE_MODULES = BENCH / "node_modules"
JSON_SERVER_BIN = NODE_MODULES / ".bin" / "json-server"
PEER_AUTHORIZATION = "Bearer bench-peer-token"  # neither peer issues tokens: any bearer will do
_JSON = {"Content-Type": "application/json"}
_BEARER = {"Authorization": {"matches": "Bearer .+"}}


def package_version(name: str) -> str:
    try:
        return str(json.loads((NODE_MODULES / name / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return "?"


def wiremock_jar() -> Path | None:
    """The standalone jar the npm package ``wiremock`` carries."""
    return next(iter(sorted((NODE_MODULES / "wiremock" / "build").glob(
        "wiremock-standalone-*.jar"))), None)


def wiremock_mappings() -> dict[str, Any]:
    """One stub per benchmarked request, each answering the canned body's exact bytes."""
    def stub(request: dict[str, Any], status: int, body: dict[str, Any],
             headers: dict[str, str] | None = None) -> dict[str, Any]:
        return {"request": request, "response": {
            "status": status, "body": dumps(body).decode(), "headers": {**_JSON, **(headers or {})}}}

    return {"mappings": [
        stub({"method": "GET", "urlPathPattern": f"{BASE}/applications/app_[a-z2-7]{{12}}/status",
              "headers": _BEARER}, 200, STATUS_VIEW),
        stub({"method": "POST", "urlPath": f"{BASE}/applications",
              "headers": {**_BEARER, "Content-Type": {"contains": "application/json"}}},
             201, APPLICATION, {"Location": f"{BASE}/applications/{APPLICATION_ID}"}),
        stub({"method": "GET", "urlPath": f"{SSC_BASE}/essc/card", "headers": _BEARER},
             200, ELECTRONIC_CARD),
    ]}


def json_server_db() -> dict[str, Any]:
    """``applications`` (POSTs are appended), ``statuses`` (the status view, by application id)
    and the singular ``card``."""
    return {"applications": [APPLICATION], "statuses": [STATUS_VIEW], "card": ELECTRONIC_CARD}


def json_server_routes() -> dict[str, str]:
    """The simulator's paths rewritten onto json-server's resources, most specific first (the
    rewriter tries them in order)."""
    return {f"{BASE}/applications/:id/status": "/statuses/:id",
            f"{SSC_BASE}/essc/card": "/card",
            f"{BASE}/*": "/$1"}


def wiremock_command(jar: Path, port: int, root: Path) -> list[str]:
    return ["java", "-jar", str(jar), "--bind-address", "127.0.0.1", "--port", str(port),
            "--root-dir", str(root), "--disable-banner", "--no-request-journal",
            "--disable-request-logging"]


def json_server_command(port: int, db: Path, routes: Path) -> list[str]:
    return [str(JSON_SERVER_BIN), "--host", "127.0.0.1", "--port", str(port), "--routes",
            str(routes), "--quiet", str(db)]


def peer_targets(keys: list[str], workdir: Path, bases: dict[str, str]) -> list[Target]:
    """The peers among ``keys``, their files written under ``workdir``; ``bases`` the surfaces
    the run needs (the peers serve them where the simulator does)."""
    targets = []
    if WIREMOCK in keys and (jar := wiremock_jar()) is not None:
        root = workdir / "wiremock"
        (root / "mappings").mkdir(parents=True, exist_ok=True)
        (root / "mappings" / "bench.json").write_text(json.dumps(wiremock_mappings(), indent=1))
        port = free_port()
        targets.append(Target(WIREMOCK, f"WireMock {package_version('wiremock')} standalone "
                              "(java -jar), static stubs, no request journal",
                              wiremock_command(jar, port, root), bases, port=port))
    if JSON_SERVER in keys:
        db, routes = workdir / "db.json", workdir / "routes.json"
        db.write_text(json.dumps(json_server_db(), ensure_ascii=False, indent=2))
        routes.write_text(json.dumps(json_server_routes(), indent=2))
        port = free_port()
        targets.append(Target(JSON_SERVER, f"json-server {package_version('json-server')}, "
                              "db.json written on every POST, --quiet",
                              json_server_command(port, db, routes), bases, port=port))
    return targets


def missing(keys: list[str]) -> list[str]:
    """What the chosen peers need and this machine lacks."""
    out = []
    if WIREMOCK in keys and (shutil.which("java") is None or wiremock_jar() is None):
        out.append("WireMock needs java and bench/node_modules/wiremock (npm ci --prefix bench)")
    if JSON_SERVER in keys and not JSON_SERVER_BIN.exists():
        out.append("json-server needs bench/node_modules/json-server (npm ci --prefix bench)")
    return out


def prepare_peer(target: Target) -> Prepared:
    """Fixed ids and a bearer token. WireMock must refuse a request without the token;
    json-server must give back by id what a POST stored."""
    from simulator.testing import application_payload

    body = application_payload(FOREIGNER_ID, date.today())
    prepared = Prepared(PEER_AUTHORIZATION, APPLICATION_ID, body, PEER_AUTHORIZATION)
    with httpx.Client(base_url=target.url, timeout=30.0) as http:
        if target.key == WIREMOCK:
            bare = http.get(f"{BASE}/applications/{APPLICATION_ID}/status")
            if bare.status_code != 404:
                raise BenchError(f"WireMock answered {bare.status_code} without a token")
            prepared.notes.append("unmatched without a bearer token (404), verified")
        else:
            created = http.post(f"{BASE}/applications", json=body)
            stored = http.get(f"{BASE}/applications/{created.json().get('id')}")
            if created.status_code != 201 or stored.json() != created.json():
                raise BenchError(f"json-server did not store a POST: {created.text[:200]}")
            prepared.notes.append(f"a POST stored and read back by id ({created.json()['id']})")
    return prepared


def peer_ratios(runs: list[Run], peers: tuple[str, ...]) -> dict[str, dict[str, dict[str, float]]]:
    """Per scenario and peer: the simulator's req/s, p50 and p99 divided by the peer's."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for scenario in dict.fromkeys(r.scenario for r in runs):
        rows = {r.target: r for r in runs if r.scenario == scenario and not r.invalid}
        sim = rows.get(SIMULATOR)
        if sim is None:
            continue
        out[scenario] = {key: {
            "rps": round(sim.rps / peer.rps, 3), "p50": round(sim.p50_ms / peer.p50_ms, 3),
            "p99": round(sim.p99_ms / peer.p99_ms, 3),
        } for key, peer in rows.items() if key in peers and peer.rps and peer.p50_ms and peer.p99_ms}
    return out



def print_peers_table(runs: list[Run], table: dict[str, dict[str, dict[str, float]]]) -> None:
    """Each peer's req/s, p50 and p99 beside the simulator's ÷ the peer's (req/s above 1: the
    simulator answers more; p50/p99 below 1: the simulator is quicker)."""
    if not any(table.values()):
        return
    out = Table(title="simulator ÷ each peer (same run, medians)", title_justify="left")
    for column in ("scenario", "peer", "req/s", "p50 ms", "p99 ms", "sim req/s ÷", "sim p50 ÷",
                   "sim p99 ÷"):
        out.add_column(column, justify="left" if column in ("scenario", "peer") else "right")
    for scenario, peers in table.items():
        for key, r in peers.items():
            run = next(x for x in runs if x.scenario == scenario and x.target == key)
            out.add_row(SCENARIOS[scenario], SHORT.get(key, key), f"{run.rps:,.0f}",
                        f"{run.p50_ms:.1f}", f"{run.p99_ms:.1f}", f"{r['rps']:.2f}×",
                        f"{r['p50']:.2f}×", f"{r['p99']:.2f}×")
        out.add_section()
    console.print(out)
