"""bench/: WireMock's stubs, json-server's db and routes, their command lines, the options that
pick them and the ratios ``simulator ÷ each peer``, so that a peer cannot answer other bytes than
the floor, listen beyond loopback or be divided the wrong way round."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import bench_peers
import canned
import run as bench_run
from bench_common import JSON_SERVER, PRISM, SIMULATOR, WIREMOCK
from test_bench_report import run as sample


def test_wiremock_stubs_answer_the_canned_bytes_on_the_simulators_paths() -> None:
    stubs = {(s["request"]["method"], s["request"].get("urlPath") or
              s["request"]["urlPathPattern"]): s for s in bench_peers.wiremock_mappings()["mappings"]}
    status = stubs[("GET", "/fwp/v1/applications/app_[a-z2-7]{12}/status")]
    assert re.fullmatch(status["request"]["urlPathPattern"],
                        f"/fwp/v1/applications/{canned.APPLICATION_ID}/status")
    assert not re.fullmatch(status["request"]["urlPathPattern"], "/fwp/v1/applications/x/status")
    assert status["response"]["body"].encode() == canned.dumps(canned.STATUS_VIEW)
    post = stubs[("POST", "/fwp/v1/applications")]
    assert (post["response"]["status"], post["response"]["body"].encode()) == (
        201, canned.dumps(canned.APPLICATION))
    card = stubs[("GET", "/ssc/v1/essc/card")]
    assert card["response"]["body"].encode() == canned.dumps(canned.ELECTRONIC_CARD)
    assert all(s["request"]["headers"]["Authorization"] == {"matches": "Bearer .+"}
               for s in stubs.values())


def test_json_server_rewrites_the_specific_routes_before_the_catch_all() -> None:
    routes = list(bench_peers.json_server_routes().items())
    assert routes[-1] == ("/fwp/v1/*", "/$1")
    assert ("/fwp/v1/applications/:id/status", "/statuses/:id") in routes[:-1]
    db = bench_peers.json_server_db()
    assert db["statuses"] == [canned.STATUS_VIEW]  # GET by id answers the status view itself
    assert db["applications"][0]["id"] == canned.APPLICATION_ID
    assert db["card"] == canned.ELECTRONIC_CARD


def test_peers_listen_on_loopback_with_their_files_written(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The command lines and files only: the jar's place is given, so `npm ci --prefix bench`
    need not have run (the bench itself runs the peers)."""
    monkeypatch.setattr(bench_peers, "wiremock_jar", lambda: tmp_path / "wiremock-standalone.jar")
    wiremock, json_server = bench_peers.peer_targets([WIREMOCK, JSON_SERVER], tmp_path,
                                                     {"work-permit": "/fwp/v1"})
    for target in (wiremock, json_server):
        host = target.command[target.command.index(
            "--bind-address" if target is wiremock else "--host") + 1]
        assert host == "127.0.0.1"
        assert str(target.port) in target.command
    assert "--no-request-journal" in wiremock.command  # memory stays bounded under load
    assert json.loads((tmp_path / "wiremock" / "mappings" / "bench.json").read_text()) == \
        bench_peers.wiremock_mappings()
    assert json.loads((tmp_path / "db.json").read_text()) == bench_peers.json_server_db()
    assert bench_peers.peer_targets([SIMULATOR], tmp_path, {}) == []


def test_skip_options_remove_each_peer_from_the_targets() -> None:
    assert {WIREMOCK, JSON_SERVER} <= set(bench_run.parse_args([]).targets)
    args = bench_run.parse_args(["--skip-wiremock", "--skip-json-server"])
    assert WIREMOCK not in args.targets
    assert JSON_SERVER not in args.targets
    assert bench_run.parse_args(["--targets", "simulator,json_server"]).targets == [
        SIMULATOR, JSON_SERVER]


def test_peer_ratios_divide_the_simulator_by_each_peer_and_skip_invalid_rows() -> None:
    runs = [sample(SIMULATOR, rps=3000, p99=12.0), sample(WIREMOCK, rps=1500, p99=4.0),
            sample(PRISM, rps=6000, p99=24.0), sample(JSON_SERVER, rps=9999, non_2xx=100)]
    table = bench_peers.peer_ratios(runs, (PRISM, WIREMOCK, JSON_SERVER))
    assert table["get_status"][WIREMOCK] == {"rps": 2.0, "p50": 3.0, "p99": 3.0}
    assert table["get_status"][PRISM]["rps"] == 0.5
    assert JSON_SERVER not in table["get_status"]  # 2% errors: INVALID
    assert bench_peers.peer_ratios(runs[1:], (WIREMOCK,)) == {}  # no simulator row, no ratio
