"""The journal: every request of a tenant and its answer, masked, bounded, filtered, paged, exported."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from test_errors import expect_problem

from simulator.app import create_app
from simulator.sandbox import journal as journal_model
from simulator.sandbox import journal_rows
from simulator.settings import Settings
from simulator.store.schema import journal
from simulator.testing import Employer, Sandbox, Tenant, expect

BAD_USCC = "91350200776049653B"


def entries(tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    url = f"/sandbox/v1/tenants/{tenant.id}/journal"
    return list(expect(tenant.http.get(url, params={"limit": 100, **params}, headers=tenant.headers),
                       200)["items"])


def one(tenant: Tenant, **params: Any) -> dict[str, Any]:
    found = entries(tenant, **params)
    assert len(found) == 1, found
    return found[0]


def stored_text(app: Any, tenant: Tenant) -> str:
    """Every stored field of the tenant's entries, straight from the database."""
    with app.runtime.db.read() as conn:
        rows = conn.execute(select(journal).where(journal.c.tenant_id == tenant.id)).all()
    return json.dumps([[str(value) for value in row] for row in rows], ensure_ascii=False)


def test_employer_calls_are_journalled_with_their_fields(tenant: Tenant, employer: Employer) -> None:
    expect(employer.get("/employer"), 200)
    entry = entries(tenant, path_prefix="/fwp/v1/employer", method="GET")[0]
    assert entry["operation_id"] == "getEmployer"
    assert (entry["method"], entry["path"], entry["status"], entry["verdict"]) == (
        "GET", "/fwp/v1/employer", 200, "valid")
    assert entry["tenant_time"].startswith("2026-03-02T09:00:00")  # the frozen tenant clock
    assert datetime.fromisoformat(entry["wall_time"]) > datetime.now(UTC) - timedelta(minutes=1)
    assert entry["latency_ms"] > 0
    assert entry["request"]["headers"]["authorization"] == "***"
    assert json.loads(entry["response"]["body"])["registered"] is True
    assert entry["response"]["headers"]["content-type"] == "application/json"
    assert (entry["errors"], entry["scenario"], entry["fault"]) == (None, None, None)


def test_a_rule_error_is_a_valid_request(tenant: Tenant, employer: Employer) -> None:
    response = employer.put("/employer", {"uscc": BAD_USCC, "name_zh": "示例公司"})
    expect_problem(response, 422, "E_USCC_CHECK", "uscc")
    entry = one(tenant, status=422)
    assert (entry["operation_id"], entry["verdict"], entry["errors"]) == (
        "registerEmployer", "valid", None)
    assert json.loads(entry["request"]["body"])["uscc"] == BAD_USCC
    assert json.loads(entry["response"]["body"])["code"] == "E_USCC_CHECK"


def test_a_schema_error_is_an_invalid_request_with_its_errors(tenant: Tenant, employer: Employer) -> None:
    expect_problem(employer.put("/employer", {"uscc": 5}), 400, "E_VALIDATION", "name_zh")
    entry = one(tenant, status=400)
    assert entry["verdict"] == "invalid_request"
    assert {error["field"] for error in entry["errors"]} == {"name_zh", "uscc"}
    assert one(tenant, verdict="invalid_request")["id"] == entry["id"]


def test_control_plane_and_public_essc_calls_are_journalled(tenant: Tenant) -> None:
    body = {"id_type": "WORK_PERMIT_NUMBER", "id_number": "312026000000000097", "password": "Secret2026"}
    response = tenant.http.post("/ssc/v1/essc/sessions", json=body, headers={"X-Sandbox-Tenant": tenant.id})
    expect_problem(response, 401, "E_ESSC_LOGIN_FAILED")
    login = one(tenant, operation_id="login")
    assert (login["path"], login["status"], login["request"]["headers"]["x-sandbox-tenant"]) == (
        "/ssc/v1/essc/sessions", 401, tenant.id)
    assert json.loads(login["request"]["body"])["password"] == "***"
    clock = one(tenant, path_prefix=f"/sandbox/v1/tenants/{tenant.id}/clock")  # the fixture's freeze
    assert (clock["method"], clock["status"], clock["request"]["headers"]["x-sandbox-key"]) == (
        "PUT", 200, "***")


def test_secrets_never_reach_the_journal(app: Any, sandbox: Sandbox) -> None:
    tenant = sandbox.create_tenant(seed=5)
    employer = tenant.employer()
    token = employer.headers["Authorization"].split()[1]
    expect(employer.get("/employer"), 200)
    extra = tenant.add_employer()
    listed = entries(tenant)  # flushes, so the database holds every entry
    text = stored_text(app, tenant) + json.dumps(listed, ensure_ascii=False)
    secrets = [token, tenant.admin_key, tenant.credentials["client_secret"],
               extra.headers["Authorization"].split()[1]]
    assert all(secret not in text for secret in secrets)
    bodies = "".join((e["request"]["body"] or "") + (e["response"]["body"] or "") for e in listed)
    assert all(shown in bodies for shown in ("client_secret=***", '"admin_key":"***"',
                                             '"access_token":"***"', '"client_secret":"***"'))


def test_a_secret_the_sandbox_issued_is_masked_wherever_a_client_puts_it(app: Any, sandbox: Sandbox) -> None:
    """A client that sends its token as ``?token=`` or in a header of its own, or copies a secret
    into a body field of any name: the journal (and so the console and the harness's evidence)
    shows none of them; a token keeps what it vouches for readable, its signature masked."""
    tenant = sandbox.create_tenant(seed=5)
    employer = tenant.employer()
    token = employer.headers["Authorization"].split()[1]
    hook = tenant.register_callback("http://127.0.0.1:9/hook")["secret"]
    secrets = [token, tenant.admin_key, tenant.credentials["client_secret"], hook]
    expect(tenant.http.get("/fwp/v1/employer", headers={
        **employer.headers, "X-Custom-Token": token, "X-Api-Key": tenant.admin_key}), 200)
    read = tenant.http.get("/fwp/v1/employer", params={"token": token, "hook": hook},
                           headers=employer.headers)
    assert read.status_code == 400  # the spec knows no such parameter; the journal keeps the request
    employer.put("/employer", {"uscc": BAD_USCC, "name_zh": tenant.credentials["client_secret"],
                               "note": f"admin {tenant.admin_key}; hook {hook}"})
    listed = entries(tenant, path_prefix="/fwp/v1/employer")
    text = stored_text(app, tenant) + json.dumps(listed, ensure_ascii=False)
    assert [secret for secret in secrets if secret in text] == []
    signed, _ = token.rsplit(".", 1)
    refused = next(entry for entry in listed if entry["method"] == "GET" and entry["status"] == 400)
    assert refused["query"] == f"token={signed}.***&hook=whsec_***"
    custom = next(entry for entry in listed if entry["method"] == "GET" and entry["status"] == 200)
    assert custom["request"]["headers"]["x-custom-token"] == f"{signed}.***"
    assert custom["request"]["headers"]["x-api-key"] == "sk_***"
    written = next(entry for entry in listed if entry["method"] == "PUT")
    assert '"name_zh":"cs_***"' in written["request"]["body"]
    assert "admin sk_***; hook whsec_***" in written["request"]["body"]


ESSC_SIGNED = "v1.essc.ten_abcdefghijk2.acc_1.1790000000"
QR_SIGNED = "FWPQR1.ten_abcdefghijk2.123.1790000000"


@pytest.mark.parametrize(("text", "masked"), [
    ("cs_" + "a" * 32, "cs_***"),
    ("xcs_" + "a" * 32, "xcs_" + "a" * 32),  # not one of ours: a word ending in cs_
    ("cs_" + "a" * 33, "cs_" + "a" * 33),  # too long to be ours
    (f"{ESSC_SIGNED}.{'S' * 43}", f"{ESSC_SIGNED}.***"),
    (f"{QR_SIGNED}.{'S' * 43}", f"{QR_SIGNED}.{'S' * 43}"),  # a permit QR is shown to verifiers: kept
    # percent-encoded: an escape ends in a hex digit, and the secret starts right after it
    (f"auth=Bearer%20{ESSC_SIGNED}.{'S' * 43}", f"auth=Bearer%20{ESSC_SIGNED}.***"),
    (f"q=%22sk_{'a' * 32}%22", "q=%22sk_***%22"),
    (f"data=%7B%22k%22%3A%22cs_{'a' * 32}%22%7D", "data=%7B%22k%22%3A%22cs_***%22%7D"),
])
def test_issued_secrets_are_known_by_their_shape(text: str, masked: str) -> None:
    assert journal_rows.mask_text(text) == masked


@pytest.mark.parametrize(("text", "masked"), [
    (f'{{"n": "sk_{"a" * 31}', '{"n": "sk_***'),
    (f'{{"n": "{ESSC_SIGNED}.SSSS', f'{{"n": "{ESSC_SIGNED}.***'),
    ('{"n": "docs_abc', '{"n": "docs_abc'),  # not one of ours
])
def test_a_secret_a_cut_body_ends_in_is_masked_too(text: str, masked: str) -> None:
    """A body is kept to 16 KiB: a secret cut by the limit still shows most of itself."""
    assert journal_rows.mask_text(text, cut=True) == masked
    assert journal_rows.mask_text(text) == text  # an uncut text ending so is no secret of ours


def test_a_secret_the_body_limit_cuts_is_masked(app: Any, tenant: Tenant, employer: Employer) -> None:
    head = '{"uscc": "'
    pad = "x" * (journal_rows.BODY_LIMIT - len(head) - 20)  # the cut leaves sk_ and 8 of its 32
    body = f'{head}{pad}", "k": "{tenant.admin_key}"}}'.encode()
    headers = {**employer.headers, "Content-Type": "application/json"}
    assert tenant.http.put("/fwp/v1/employer", content=body, headers=headers).status_code == 400
    entry = one(tenant, status=400, method="PUT")
    assert entry["request"]["truncated"] is True
    assert entry["request"]["body"].endswith('", "k": "sk_***')
    assert tenant.admin_key[:12] not in stored_text(app, tenant)


def test_bodies_are_bounded(tenant: Tenant, employer: Employer) -> None:
    big = {"uscc": "x" * 40_000, "name_zh": "示例公司"}
    assert employer.put("/employer", big).status_code == 400
    entry = one(tenant, status=400)
    assert entry["request"]["truncated"] is True
    assert len(entry["request"]["body"].encode()) <= journal_rows.BODY_LIMIT
    assert len(entry["response"]["body"].encode()) <= journal_rows.BODY_LIMIT  # the problem echoes it


def test_filters_paging_and_order(tenant: Tenant, employer: Employer) -> None:
    for _ in range(3):
        expect(employer.get("/employer"), 200)
    newest = entries(tenant)
    assert [e["id"] for e in newest] == sorted((e["id"] for e in newest), reverse=True)
    first = expect(tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/journal",
                                   params={"limit": 2, "path_prefix": "/fwp/"}, headers=tenant.headers), 200)
    assert len(first["items"]) == 2
    assert first["page"]["next_cursor"]
    rest = entries(tenant, path_prefix="/fwp/", cursor=first["page"]["next_cursor"])
    fwp = [e for e in newest if e["path"].startswith("/fwp/")]
    assert [e["id"] for e in first["items"] + rest] == [e["id"] for e in fwp]
    oldest = entries(tenant, order="oldest", until=newest[0]["wall_time"].replace("+00:00", "Z"))
    assert [e["id"] for e in oldest] == [e["id"] for e in reversed(newest[1:])]
    assert {e["path"] for e in entries(tenant, path_prefix="/fwp/")} >= {"/fwp/v1/employer"}
    assert len(entries(tenant, operation_id="getEmployer")) == 3
    since = datetime.fromisoformat(fwp[0]["wall_time"])
    found = {e["id"] for e in entries(tenant, since=since.isoformat(), path_prefix="/fwp/")}
    assert fwp[0]["id"] in found
    assert fwp[-1]["id"] not in found
    assert entries(tenant, until=(since - timedelta(hours=1)).isoformat()) == []


def test_the_scenario_header_is_recorded_even_when_refused(tenant: Tenant, employer: Employer) -> None:
    refused = employer.http.get("/fwp/v1/employer", headers={**employer.headers,
                                                             "X-Sandbox-Scenario": "REJECTED"})
    expect_problem(refused, 400, "E_SCENARIO_NOT_SUPPORTED", "X-Sandbox-Scenario")
    entry = one(tenant, scenario="REJECTED")
    assert (entry["path"], entry["status"]) == ("/fwp/v1/employer", 400)


def test_export_is_json_lines(tenant: Tenant, employer: Employer) -> None:
    expect(employer.get("/employer"), 200)
    response = tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/journal/export", headers=tenant.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.split("\n")[:-1]]
    assert [e["id"] for e in lines] == sorted(e["id"] for e in lines)
    assert lines[-1]["path"] == "/fwp/v1/employer"
    limited = tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/journal/export",
                              params={"limit": 1, "method": "GET"}, headers=tenant.headers)
    assert len(limited.text.split("\n")[:-1]) == 1


def test_tenants_journals_never_mix(sandbox: Sandbox, tenant: Tenant, employer: Employer) -> None:
    other = sandbox.create_tenant(seed=9)
    expect(other.employer().get("/employer"), 200)
    expect(employer.get("/employer"), 200)
    assert all(tenant.id not in json.dumps(e) for e in entries(other))
    assert all(other.id not in json.dumps(e) for e in entries(tenant))
    url = f"/sandbox/v1/tenants/{tenant.id}/journal"
    expect_problem(tenant.http.get(url, headers=other.headers), 403, "E_FORBIDDEN", "tenantId")
    assert not entries(tenant, path_prefix=url, status=403)  # another tenant's refused read is no one's entry


def test_a_bad_since_is_refused(tenant: Tenant) -> None:
    response = tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/journal", params={"since": "yesterday"},
                               headers=tenant.headers)
    assert response.status_code == 400


def test_the_journal_off_records_nothing(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/off.db", journal=False))
    with app.test_client() as client:
        tenant = Sandbox(client).create_tenant(seed=1)
        expect(tenant.employer().get("/employer"), 200)
        assert entries(tenant) == []
    with app.runtime.db.read() as conn:
        assert conn.execute(select(journal.c.id)).first() is None
    app.runtime.db.dispose()


def test_the_last_batch_is_written_when_the_server_shuts_down(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/down.db"))
    writer = journal_model.for_database(app.runtime.db, app.runtime.signer)
    writer.interval = 3600  # no periodic flush: only the shutdown can write the batch
    with app.test_client() as client:  # leaving it sends the ASGI lifespan shutdown
        tenant = Sandbox(client).create_tenant(seed=1)
        expect(tenant.employer().get("/employer"), 200)
    with app.runtime.db.read() as conn:
        paths = [row.path for row in conn.execute(select(journal.c.path).where(
            journal.c.tenant_id == tenant.id))]
    assert "/fwp/v1/employer" in paths
    app.runtime.db.dispose()


def test_a_full_queue_drops_and_counts(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/full.db"))
    writer = journal_model.for_database(app.runtime.db, app.runtime.signer)
    writer.max_pending, writer.interval = 1, 60.0
    with app.test_client() as client:
        tenant = Sandbox(client).create_tenant(seed=1)
        expect(tenant.employer().get("/employer"), 200)
        assert writer.dropped >= 2
        assert len(entries(tenant)) == 1
    app.runtime.db.dispose()


@pytest.mark.parametrize(("text", "masked"), [
    ('{"password": "a\\"b", "x": 1}', '{"password": "***", "x": 1}'),
    ('{"client_secret":"cut-off', '{"client_secret":"***"'),
    ("grant_type=x&client_secret=s3&client_id=c", "grant_type=x&client_secret=***&client_id=c"),
])
def test_masking(text: str, masked: str) -> None:
    assert journal_rows.mask_text(text) == masked


@pytest.mark.parametrize("name", journal_rows.SECRET_FIELDS)
def test_every_secret_name_passes_the_quick_scan(name: str) -> None:
    """mask_text skips its regexes when no part of a secret name occurs: each name has one."""
    assert any(part in name for part in journal_rows._SECRET_PARTS)
    assert journal_rows.mask_text(f'{{"{name}": "s3cr3t"}}') == f'{{"{name}": "***"}}'
    assert journal_rows.mask_text(f"a=1&{name}=s3cr3t") == f"a=1&{name}=***"


def test_header_cache_masks_each_distinct_tuple_once() -> None:
    cache = journal_rows.HeaderCache(b"x-sandbox-scenario")
    raw = ((b"Authorization", b"Bearer t0k"), (b"X-Sandbox-Scenario", b"REJECTED"))
    first = cache(raw)
    assert first == ('{"authorization":"***","x-sandbox-scenario":"REJECTED"}', "REJECTED")
    assert cache(tuple(raw)) is first  # an equal tuple from the next request: not encoded again
    assert cache(((b"host", b"h"),)) == ('{"host":"h"}', None)
    unhashable: Any = ([b"authorization", b"x"],)  # ASGI allows lists as pairs: not cached
    assert cache(unhashable) == ('{"authorization":"***"}', None)
    for n in range(2 * journal_rows._HEADER_CACHE):
        cache(((b"host", str(n).encode()),))
    assert len(cache.known) <= journal_rows._HEADER_CACHE


@pytest.mark.parametrize("frozen", [True, False])
@pytest.mark.parametrize("base", ["2026-03-02T09:00:00.123456+08:00", "1988-06-01T12:00:00+08:00"])
def test_tenant_times_reads_the_clock_as_tenant_time_did(frozen: bool, base: str) -> None:
    """The per-batch form equals the direct formula, across China's 1988 summer time too."""
    from simulator.core.clock import SHANGHAI, Clock
    wall = datetime(2026, 11, 28, 9, 0, 0, 999_600, UTC)
    clock = Clock(datetime.fromisoformat(base), wall - timedelta(days=3, microseconds=7), frozen)
    read = journal_model.tenant_times(clock)
    for seconds in (0.0, 0.0004, 1.5, 86_400 * 200 + 0.25):
        at = wall.timestamp() + seconds
        moment = clock.base_tenant if frozen else (
            clock.base_tenant + (datetime.fromtimestamp(at, UTC) - clock.base_wall))
        assert read(at) == moment.astimezone(SHANGHAI).isoformat(timespec="milliseconds")
        assert journal_model.tenant_time(clock, at) == read(at)


def test_cached_headers_keep_each_entrys_own_scenario(tenant: Tenant, employer: Employer) -> None:
    for scenario in (None, "REJECTED", None, "APPROVED", "REJECTED"):
        extra = {"X-Sandbox-Scenario": scenario} if scenario else {}
        employer.http.get("/fwp/v1/employer", headers={**employer.headers, **extra})
    found = entries(tenant, path_prefix="/fwp/v1/employer", method="GET", order="oldest")[-5:]
    assert [e["scenario"] for e in found] == [None, "REJECTED", None, "APPROVED", "REJECTED"]
    assert [e["request"]["headers"].get("x-sandbox-scenario") for e in found] == [
        None, "REJECTED", None, "APPROVED", "REJECTED"]
    assert {e["request"]["headers"]["authorization"] for e in found} == {"***"}


def test_a_batch_larger_than_one_insert_is_written_whole_and_in_order(
        app: Any, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows go in multi-row INSERTs of the fixed sizes only: 2×256, 2×16, 1×4 and 1×1 here."""
    count = 2 * 256 + 37
    rows = [journal_rows.outbound_row(
        tenant.id, "2026-03-02T09:00:00.000+08:00", wall_at=1_772_000_000.0 + n,
        operation_id="bench.row", url=f"http://127.0.0.1:9/{n}", status=200, latency_ms=1.0,
        request_headers={"X-Row": str(n)}, request_body="{}", response_headers={},
        response_body=b"", error=None, fault=None) for n in range(count)]
    encoded = {"request_headers", "response_headers", "errors"}  # JSON columns, as values_of makes them
    values = [[json.dumps(row[name]) if name in encoded else row[name] for name in journal_rows.COLUMNS]
              for row in rows]
    sizes: list[int] = []
    original = journal_model._insert_sql

    here = threading.current_thread()

    def counting(paramstyle: str, count: int) -> str:
        if threading.current_thread() is here:  # not the app's own writer, flushing meanwhile
            sizes.append(count)
        return original(paramstyle, count)

    monkeypatch.setattr(journal_model, "_insert_sql", counting)
    with app.runtime.db.write() as conn:
        journal_model.insert_rows(conn, values)
        paths = conn.execute(select(journal.c.path).where(
            journal.c.tenant_id == tenant.id, journal.c.operation_id == "bench.row")
            .order_by(journal.c.id)).scalars().all()
    assert paths == [f"http://127.0.0.1:9/{n}" for n in range(count)]
    assert sizes == [256, 256, 16, 16, 4, 1]  # only prepared-statement sizes the driver keeps


def test_rows_are_built_when_recorded_and_only_written_in_batches(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer thread builds no row: a batch built at once held every request queued in the
    worker behind it (bench/README.md), so each capture becomes its row once it is answered."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/rows.db"))
    writer = journal_model.for_database(app.runtime.db, app.runtime.signer)
    writer.interval = 3600  # only the flush below writes
    with app.test_client() as client:
        tenant = Sandbox(client).create_tenant(seed=1)
        expect(tenant.employer().get("/employer"), 200)

        def not_in_the_writer(*_: Any) -> Any:
            raise AssertionError("a row was built while writing the batch")

        monkeypatch.setattr(journal_model, "values_of", not_in_the_writer)
        monkeypatch.setattr(journal_model, "tenant_of", not_in_the_writer)
        assert writer.flush() >= 3  # tenant creation, token, GET /employer
        monkeypatch.undo()
        found = one(tenant, path_prefix="/fwp/v1/employer")
        assert (found["method"], found["status"]) == ("GET", 200)
        assert found["request"]["headers"]["authorization"] == "***"
    app.runtime.db.dispose()


def test_an_entry_that_cannot_be_built_is_counted_and_the_request_still_answers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/broken.db"))
    writer = journal_model.for_database(app.runtime.db, app.runtime.signer)
    with app.test_client() as client:
        tenant = Sandbox(client).create_tenant(seed=1)
        employer = tenant.employer()

        def broken(*_: Any) -> Any:
            raise ValueError("no row for this one")

        with monkeypatch.context() as patched:
            patched.setattr(journal_model, "values_of", broken)
            assert expect(employer.get("/employer"), 200)["registered"] is False
        assert writer.dropped == 1
        assert "journal entry lost" in caplog.text
        assert [e["path"] for e in entries(tenant, path_prefix="/fwp/v1/employer")] == []
        expect(employer.get("/employer"), 200)  # the next one is journalled again
        assert one(tenant, path_prefix="/fwp/v1/employer")["status"] == 200
    app.runtime.db.dispose()
