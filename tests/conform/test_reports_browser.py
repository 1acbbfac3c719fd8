"""report.html in a real browser (Debian's Chromium through Playwright, as tests/server does):
opened from disk it fetches nothing, raises no error, shows the failed check with the request it
rests on, and its filters hide and show findings."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import tiny
from playwright.sync_api import Browser, expect, sync_playwright

from simulator.conform.reports import write_all
from simulator.conform.runner import Runner

pytestmark = [pytest.mark.server, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class CarelessAdapter(tiny.NoKeyAdapter):
    sloppy = True


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"the browser tests need Debian's chromium at {CHROMIUM}: `make tools`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_the_report_shows_the_failed_check_with_its_request(
        browser: Browser, make_runner: Callable[..., Runner], tmp_path: Path) -> None:
    result = make_runner(CarelessAdapter).run(tiny.CATALOGUE)
    page_path = write_all(result, tiny.CATALOGUE, tmp_path)["report.html"]
    context = browser.new_context()
    page = context.new_page()
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_path.as_uri())

    failed = page.locator("#finding-tiny-filing-TINY-IDEM-01")
    expect(failed).to_be_visible()
    expect(failed).to_contain_text("POST /fwp/v1/applications")
    expect(failed.locator("pre.request")).to_contain_text("foreigner_id")
    expect(page.locator("#exit-code")).to_have_text("1")
    warning = page.locator("#finding-tiny-filing-TINY-SPEC-01")

    page.get_by_label("FAILED").uncheck()
    expect(failed).to_be_hidden()
    expect(warning).to_be_visible()
    page.get_by_label("FAILED").check()
    page.fill("#search", "idempotency")
    expect(failed).to_be_visible()
    expect(warning).to_be_hidden()
    assert requested == [page_path.as_uri()]
    assert errors == []
    context.close()
