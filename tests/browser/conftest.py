"""Browser tests: Playwright for Python driving Debian's Chromium, headless, against a live server.

Nothing is downloaded: the browser is /usr/bin/chromium (installed by .ci/run). Without it
the tests are skipped locally and say so; CI sets RECOUP_REQUIRE_BROWSER=1, which turns the
skip into a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("RECOUP_CHROMIUM", "/usr/bin/chromium")

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# there are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("RECOUP_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium is required (RECOUP_REQUIRE_BROWSER) but {CHROMIUM} does not exist")
        pytest.skip(f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    yield page
    context.close()
