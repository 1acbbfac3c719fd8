"""The sandbox's web pages in a real browser: Debian's Chromium, driven by Playwright, against
``fwp-sandbox serve``. What a vendor's developer clicks through: the home page, each surface's
Swagger UI (rendered from the bundled assets, with nothing fetched from anywhere else), a "Try it
out" call that reaches the sandbox, and the error-code pages.

Chromium comes from Debian (``apt-get install chromium``; ``make test`` installs it when missing).
Without it these tests fail: a skipped browser test would prove nothing.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from simulator import specs
from simulator.core.errors import CATALOG
from tests.server.conftest import Server

pytestmark = [pytest.mark.server, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Headless and quiet: this machine's network is closed, and Chromium's own background calls
# (updates, sync, safe browsing) would only be refused.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"the browser tests need Debian's chromium at {CHROMIUM}: `make tools` "
                    "(apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Visit:
    """A page of a fresh browser context on one served sandbox, with what it asked for and every
    error the page reported."""

    def __init__(self, browser: Browser, server: Server) -> None:
        self.server = server
        self.context = browser.new_context(base_url=server.url)
        self.page: Page = self.context.new_page()
        self.requested: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requested.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda message: self.errors.append(message.text)
                     if message.type == "error" else None)

    def elsewhere(self) -> list[str]:
        """Requests that went anywhere but the sandbox (a CDN, say)."""
        return [url for url in self.requested
                if not url.startswith((self.server.url + "/", "data:", "blob:"))]


@pytest.fixture
def visit(browser: Browser, serve: Any, sqlite_url: str) -> Iterator[Visit]:
    opened = Visit(browser, serve(sqlite_url).start())
    yield opened
    opened.context.close()


def test_the_home_page_leads_to_every_surfaces_swagger_ui_served_offline(visit: Visit) -> None:
    page = visit.page
    for name, (base, title) in specs.SURFACES.items():
        page.goto("/")
        row = page.locator("tr", has_text=title)
        expect(row.locator("code")).to_have_text(base)
        row.get_by_role("link", name="Swagger UI").click()
        page.wait_for_url(f"**{base}/ui/")
        operations = sum(1 for item in specs.load(name)["paths"].values() for verb in item
                         if verb in METHODS)
        expect(page.locator(".opblock")).to_have_count(operations, timeout=20_000)
        expect(page.locator(".info .title")).to_contain_text(specs.load(name)["info"]["title"])
    assert visit.elsewhere() == []
    assert visit.errors == []


def test_try_it_out_in_swagger_ui_reaches_the_sandbox(visit: Visit) -> None:
    """Create a tenant from the control plane's Swagger UI with its example body: the answer
    shown is the sandbox's 201, and the tenant exists."""
    page = visit.page
    page.goto("/sandbox/v1/ui/")
    operation = page.locator(".opblock-post", has=page.locator(
        ".opblock-summary-path", has_text="/tenants")).filter(
        has=page.locator('[data-path="/tenants"]')).first
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table tr.response .response-col_status")
    expect(status).to_have_text("201", timeout=20_000)
    shown = json.loads(operation.locator(".live-responses-table tr.response .microlight")
                       .first.inner_text())
    assert shown["id"].startswith("ten_")
    again = page.request.get(f"/sandbox/v1/tenants/{shown['id']}",
                             headers={"X-Sandbox-Key": shown["admin_key"]})
    assert (again.status, again.json()["id"]) == (200, shown["id"])
    assert visit.elsewhere() == []
    assert visit.errors == []


def test_the_error_code_pages_list_every_code_in_english_and_chinese(visit: Visit) -> None:
    page = visit.page
    page.goto("/")
    page.get_by_role("link", name="Error codes").click()
    page.wait_for_url("**/problems")
    listed = page.locator("table a code").all_inner_texts()
    assert sorted(listed) == sorted(CATALOG)
    spec = CATALOG["E_PERMIT_NOT_ACTIVE"]
    page.get_by_role("link", name=spec.code, exact=True).click()
    page.wait_for_url(f"**/problems/{spec.code}")
    expect(page.locator("h1")).to_have_text(spec.code)
    text = page.locator("body").inner_text()
    assert spec.title in text
    assert spec.title_zh in text
    page.get_by_role("link", name="All error codes").click()
    page.wait_for_url("**/problems")
    assert visit.errors == []
