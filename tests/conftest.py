import os

import pytest
from django.conf import settings
from django.db import connection


@pytest.fixture
def eager_celery(request):
    """Tasks run in-process, even when REDIS_URL points at a real broker; tests marked `redis` keep the broker."""
    from portal.celery import app

    if "redis" in request.keywords:
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def empty_cache():
    """A cache without the counters of other tests (throttles)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database holds the real territorial referential (loaded once per session)."""
    from directory.services.territories import load_territories

    with django_db_blocker.unblock():
        load_territories(settings.TERRITORIES_FIXTURE)


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = "redis" if os.environ.get("REDIS_URL") else "eager (no REDIS_URL)"
    return [f"database: {engine}; celery: {broker}"]


def pytest_collection_modifyitems(config, items):
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip_pg = pytest.mark.skip(reason="PostgreSQL only: run with DATABASE_URL=postgres://…")
    skip_redis = pytest.mark.skip(reason="needs the real Redis broker: run with REDIS_URL=redis://…")
    # Browser tests are transactional (the live server needs committed data) and empty the tables after
    # themselves: they run last.
    # So do the other transactional tests (e.g. a real Celery worker must see committed rows).
    items.sort(key=lambda item: "browser" in item.keywords or _is_transactional(item))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(skip_redis)


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture
def reference_data_restored():
    """For a test that commits (a worker reads from its own connection): an earlier transactional test may have
    flushed the reference data, and this one flushes it too: restore it before and after."""
    from directory.services.territories import load_territories
    from tests.reference_data import restore_reference_data

    restore_reference_data()
    load_territories(settings.TERRITORIES_FIXTURE)
    yield
    restore_reference_data()
    load_territories(settings.TERRITORIES_FIXTURE)


@pytest.fixture
def territory():
    """Look a territory up by coverage code: territory("COM-23077")."""
    from directory.models import Territory

    return lambda key: Territory.objects.get(key=key)


@pytest.fixture
def vendor():
    return connection.vendor


@pytest.fixture
def white_zone_offers():
    """Offers in Nouvelle-Aquitaine, each covering a known territory (the white zones' hand-built directory)."""
    from directory.models import PublicationStatus
    from tests.factories import OfferFactory, StructureFactory, commune

    structure = StructureFactory(commune=commune("23077"))
    OfferFactory(structure=structure, coverage=["DEP-23"], stages=["emergence", "creation"])
    OfferFactory(structure=structure, coverage=["DEP-23", "REG-75"], stages=["emergence"], offer_type="financement")
    OfferFactory(structure=structure, coverage=["REG-75"], stages=["consolidation"])
    OfferFactory(structure=structure, coverage=["EPCI-200044014"], stages=["amorcage"])
    OfferFactory(structure=structure, coverage=["DEP-23"], stages=["developpement"], status=PublicationStatus.DRAFT)
    OfferFactory(structure=structure, coverage=["DEP-87"], stages=["developpement"])
    OfferFactory(structure=StructureFactory(commune=commune("14118")), coverage=["DEP-14"], stages=["developpement"])
    return structure


@pytest.fixture(autouse=True)
def fresh_directory_version():
    """Each test reads the pages' caches under a new directory version: what an earlier test cached (its rows
    since rolled back, which no write bumps) is never read again."""
    from directory.cache import bump_directory_version

    bump_directory_version()


def pytest_unconfigure(config):
    """Say at the very end of the run, where it is read, that the browser tests were skipped for want of Chromium."""
    from tests.browser.conftest import CHROMIUM, chromium_found

    terminalreporter = config.pluginmanager.get_plugin("terminalreporter")
    if terminalreporter is None:
        return
    skipped = [report for report in terminalreporter.stats.get("skipped", []) if "browser" in report.keywords]
    if skipped and not chromium_found():
        terminalreporter.write_line(
            f"NOTICE: {len(skipped)} browser tests skipped: Chromium not found at {CHROMIUM}. "
            "Install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH, then run make test again.",
            yellow=True,
            bold=True,
        )
