"""The console in Debian's Chromium, against ``fwp-sandbox serve``: a tester signs in with the
keyboard, returns an application for correction and approves it after the employer's
correction, moves the clock across the National Day holiday, finds a failed request in the
journal and its problem page, and opens a persona's e-SSC with its permit QR. Every page is
checked with axe-core (npm, ``tests/server/axe``; ``make tools`` installs it) for serious or
critical violations, and every request is intercepted: none may leave the sandbox.

A conformance run in wait mode is started from the page, its steps done by an operator process
(``tests/conform/wait_driver.py``, the reference client) and its grade shown.

``FWP_SCREENSHOT_DIR`` (``make screenshots``) keeps a PNG of each page there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from simulator.testing import Sandbox, Tenant
from tests.server.conftest import ROOT, Server
from tests.server.test_browser import browser

__all__ = ["browser"]  # the module's Chromium fixture, shared

pytestmark = [pytest.mark.server, pytest.mark.browser]

AXE = ROOT / "tests/server/axe/node_modules/axe-core/axe.min.js"
SHOTS = os.environ.get("FWP_SCREENSHOT_DIR")


class Visitor:
    """A browser on the console that blocks and remembers any request to elsewhere, and checks
    each page it is shown with axe-core."""

    def __init__(self, browser: Browser, server: Server) -> None:
        if not AXE.exists():
            pytest.fail(f"axe-core is missing at {AXE}: `make tools` (npm ci --prefix tests/server/axe)")
        self.server = server
        self.context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
        self.blocked: list[str] = []
        self.context.route("**/*", self._only_the_sandbox)
        self.page: Page = self.context.new_page()

    def _only_the_sandbox(self, route: Route) -> None:
        url = route.request.url
        if url.startswith((self.server.url + "/", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def check(self, name: str) -> None:
        """axe-core on the page as shown: no serious or critical violation; a screenshot."""
        self.page.add_script_tag(path=str(AXE))
        found = self.page.evaluate("async () => (await axe.run(document)).violations")
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in found if v["impact"] in ("serious", "critical")]
        assert bad == [], f"{name}: {bad}"
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(SHOTS) / f"console-{name}.png"), full_page=True)


@pytest.fixture
def served(serve: Any, sqlite_url: str, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Server, Tenant]]:
    monkeypatch.setenv("FWP_CONSOLE_RUNS_DIR", str(tmp_path / "runs"))
    server = serve(sqlite_url).start()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        tenant = Sandbox(http).create_tenant(seed=20260302, seed_data=True)
        tenant.freeze_clock("2026-03-02T09:00:00+08:00")
        yield server, tenant


def file_without_health_certificate(tenant: Tenant) -> tuple[str, dict[str, Any]]:
    """A seeded applicant's application, filed without its health certificate."""
    personas = tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/personas", headers=tenant.headers).json()
    persona = next(p for p in personas["items"] if p.get("application"))
    employer = tenant.employer()
    employer.register()
    payload = dict(persona["application"])
    payload["documents"] = [d for d in payload["documents"] if d["type"] != "HEALTH_CERTIFICATE"]
    filed = employer.post("/applications", {**payload, "submit": True})
    assert filed.status_code == 201, filed.text
    return str(filed.json()["id"]), persona


def test_a_tester_walks_every_page_of_the_console(browser: Browser, served: tuple[Server, Tenant]) -> None:
    server, tenant = served
    tester, page = Visitor(browser, server), None
    page = tester.page
    app_id, persona = file_without_health_certificate(tenant)

    page.goto("/console/")
    tester.check("sign-in")
    page.get_by_label("Tenant key (X-Sandbox-Key)").fill(tenant.admin_key)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Officer's queue")).to_be_visible()
    tester.check("queue")

    page.get_by_role("link", name=app_id).click()
    expect(page.get_by_text("DOCUMENT_MISSING HEALTH_CERTIFICATE")).to_be_visible()
    tester.check("application")
    page.get_by_role("button", name="Return for correction").click()
    expect(page.get_by_text("RETURNED_FOR_CORRECTION").first).to_be_visible()
    employer = tenant.employer()
    corrected = employer.post(f"/applications/{app_id}/corrections",
                              {"documents": persona["application"]["documents"]})
    assert corrected.status_code == 200, corrected.text
    page.reload()
    page.get_by_role("button", name="Accept").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("APPROVED").first).to_be_visible()
    assert employer.get(f"/applications/{app_id}/status").json()["status"] == "APPROVED"

    page.get_by_role("link", name="Clock").click()
    page.get_by_label("Date and time (Shanghai)").fill("2026-09-30T09:00")
    page.get_by_role("button", name="Set", exact=True).click()
    page.get_by_label("Working days").fill("1")
    page.get_by_role("button", name="Advance", exact=True).click()
    expect(page.locator("time").first).to_contain_text("2026-10-08")
    expect(page.locator('td[data-date="2026-10-01"]')).to_contain_text("国庆节")
    tester.check("clock")

    failed = employer.post("/foreigners", {"full_name": 1})
    assert failed.status_code == 400
    page.get_by_role("link", name="Journal").click()
    page.get_by_label("Verdict").select_option("invalid_request")
    page.get_by_role("button", name="Filter").click()
    entry = page.locator("details").first
    entry.locator("summary").click()
    expect(entry.locator(".error")).to_contain_text("full_name")
    tester.check("journal")
    entry.get_by_role("link", name="E_VALIDATION").click()
    expect(page.get_by_role("heading", name="E_VALIDATION")).to_be_visible()

    page.goto("/console/personas")
    tester.check("personas")
    page.get_by_role("link", name=f"Open the e-SSC: {persona['persona']}").click()
    expect(page.get_by_role("img", name="Permit QR code")).to_be_visible()
    tester.check("essc")

    page.goto("/console/personas?lang=zh")
    expect(page.get_by_role("heading", name="人物")).to_be_visible()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    assert tester.blocked == []
    tester.context.close()


def test_a_wait_mode_run_started_from_the_console_is_graded(browser: Browser,
                                                            served: tuple[Server, Tenant]) -> None:
    server, tenant = served
    visitor = Visitor(browser, server)
    page = visitor.page
    page.goto("/console/sign-in")
    page.get_by_label("Tenant key (X-Sandbox-Key)").fill(tenant.admin_key)
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Conformance").click()
    visitor.check("conformance")
    page.get_by_label("pre-entry-correction", exact=False).check()
    page.get_by_role("button", name="Start a run in wait mode").click()
    task = page.locator("section code").filter(has_text="/task").first
    expect(task).to_be_visible(timeout=30_000)
    expect(page.locator("pre").nth(1)).to_contain_text("client_secret")  # the credentials shown
    visitor.check("run-waiting")
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
    operator = subprocess.Popen([sys.executable, str(ROOT / "tests/conform/wait_driver.py"),
                                 task.inner_text().removesuffix("/task")],
                                env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        expect(page.locator("#state")).to_contain_text("graded", timeout=120_000)
    finally:
        operator.kill()
        operator.communicate(timeout=10)
    expect(page.get_by_text("PASSED").first).to_be_visible()
    assert "FAILED" not in page.locator("main").inner_text().replace("FAILED 0", "")
    visitor.check("run-graded")
    with page.expect_download() as download:
        page.get_by_role("link", name="The evidence bundle (evidence.zip)").click()
    assert download.value.suggested_filename.endswith("evidence.zip")
    page.get_by_role("link", name="The report").click()
    expect(page.locator("body")).to_contain_text("pre-entry-correction")
    page.goto("/console/conformance")
    expect(page.locator("tbody tr")).to_have_count(1)
    assert visitor.blocked == []
    visitor.context.close()
