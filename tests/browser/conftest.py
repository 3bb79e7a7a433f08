"""Browser tests: Playwright driving Debian's Chromium against the live server.

The live server needs committed data, so these tests are transactional: Django empties the tables after each
of them. They run last (see tests/conftest.py) and each starts by restoring the reference data.
"""

import os

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the test itself are
# still synchronous, so Django's async-safety guard is lifted for these tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def chromium_found() -> bool:
    """The browser the tests launch (CHROMIUM, the path given to Playwright) is there."""
    return os.path.exists(CHROMIUM)


def pytest_collection_modifyitems(config, items):
    if not chromium_found():
        reason = f"Chromium not found at {CHROMIUM}: browser tests skipped (apt-get install chromium)"
        print(f"\nNOTICE: {reason}")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, transactional_db):
    """The live server's URL, with the territories and vocabularies restored after earlier flushes."""
    from django.conf import settings

    from directory.services.territories import load_territories
    from tests.reference_data import restore_reference_data

    restore_reference_data()
    load_territories(settings.TERRITORIES_FIXTURE)
    return live_server.url


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.route("http*://**/*", _block_external)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _block_external(route):
    """Tests never depend on the network: map tiles and any other outside request are refused."""
    host = route.request.url.split("/")[2].split(":")[0]
    if host in {"localhost", "127.0.0.1"}:
        route.continue_()
    else:
        route.abort()
