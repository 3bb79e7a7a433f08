"""Curation pages through the test client: the dashboard, « Qualité des fiches », the white zones and the export.

Each page is read by the curator of the région with the most generated structures and by a superuser (national
scope: the whole generated directory). One structure and one offer in twenty get a checked link, a third of them
broken, so the quality score's link criterion is exercised too. Pages taking seconds are timed twice only, and on
PostgreSQL a query running past TIMEOUT is cancelled and reported as such (the national dashboard's search for
duplicates compares every pair of structures).
"""

import logging
import time

from django.db import OperationalError, connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Curator, User
from benchmarks.common import measure
from curation.models import LinkCheck, LinkOutcome
from directory.models import Offer, Structure, Territory

LATER_PAGE = 50
SLOW = 5  # seconds: a page this slow is timed twice, not `runs` times
TIMEOUT = 180  # seconds: PostgreSQL cancels a query running longer (the national dashboard's duplicates)


def _add_link_checks():
    now = timezone.now()
    structures = list(Structure.objects.order_by("pk").only("pk", "website"))[::20]
    checks = []
    for index, structure in enumerate(structures):
        structure.website = f"https://structure-{structure.pk}.example/"
        checks.append(_check(now, index, structure=structure, url=structure.website))
    Structure.objects.bulk_update(structures, ["website"], batch_size=2000)
    offers = list(Offer.objects.order_by("pk").only("pk", "url"))[::20]
    for index, offer in enumerate(offers):
        offer.url = f"https://offre-{offer.pk}.example/"
        checks.append(_check(now, index, offer=offer, url=offer.url))
    Offer.objects.bulk_update(offers, ["url"], batch_size=2000)
    LinkCheck.objects.bulk_create(checks, batch_size=2000)


def _check(now, index, **owner):
    broken = index % 3 == 0
    return LinkCheck(
        **owner,
        outcome=LinkOutcome.HTTP_STATUS if broken else LinkOutcome.OK,
        status_code=404 if broken else 200,
        checked_at=now,
        consecutive_failures=2 if broken else 0,
        failing_since=now - timezone.timedelta(days=20) if broken else None,
    )


def run(report):
    _add_link_checks()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    counts = Structure.objects.values("region").annotate(n=Count("pk")).order_by("-n", "region")
    region = Territory.objects.get(pk=counts[0]["region"])
    curator = User.objects.create_user("bench-quality-curator@exemple.org", "x")
    Curator.objects.create(user=curator).regions.set([region])
    superuser = User.objects.create_superuser("bench-quality-admin@exemple.org", "x")
    in_region = Structure.objects.filter(region=region)
    report.add("curation", f"scope of the curator: {region.name}, structures", in_region.count(), "")
    report.add("curation", "scope of the curator: offers", Offer.objects.filter(structure__in=in_region).count(), "")

    quality = reverse("curation:quality")
    pages = [
        ("dashboard", reverse("curation:dashboard")),
        ("quality, structures, page 1", quality),
        (f"quality, structures, page {LATER_PAGE}", f"{quality}?page={LATER_PAGE}"),
        ("quality, offers, page 1", f"{quality}?type=offre"),
        (f"quality, offers < 80, page {LATER_PAGE}", f"{quality}?type=offre&sous=80&page={LATER_PAGE}"),
        ("white zones of the région", f"{reverse('curation:white_zones')}?region={region.key}"),
        ("export CSV of the scope", reverse("curation:export")),
    ]
    for who, user, runs in [("curator", curator, 10), ("superuser", superuser, 5)]:
        client = Client()
        client.force_login(user)
        for name, url in pages:
            _measure_page(report, f"{name} ({who})", client, url, runs)
        _first_byte(report, f"export CSV of the scope ({who})", client, reverse("curation:export"))


def _read(response):
    """The whole body, streamed or not (a streamed export is only built as it is read)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def _first_byte(report, name, client, url):
    """Time to the first streamed piece of the body, then to the last, and the largest piece (constant memory)."""
    started = time.perf_counter()
    response = client.get(url)
    pieces = iter(response.streaming_content)
    first = next(pieces)
    report.add("curation", f"{name}: first byte", (time.perf_counter() - started) * 1000, "ms")
    largest = len(first)
    for piece in pieces:
        largest = max(largest, len(piece))
    report.add("curation", f"{name}: whole file", time.perf_counter() - started, "s")
    report.add("curation", f"{name}: largest piece sent", largest / 1024, "KiB")


def _measure_page(report, name, client, url, runs):
    """p50/p95 over `runs` calls after one warm-up; two calls if the warm-up took seconds, none past the timeout."""
    _statement_timeout(TIMEOUT)
    request_log = logging.getLogger("django.request")
    request_log.disabled = True  # a cancelled query is reported below, not as a traceback
    try:
        started = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        _read(response)
        slow = time.perf_counter() - started > SLOW
        measure(report, "curation", name, lambda i: _read(client.get(url)), runs=2 if slow else runs, warmup=0)
    except OperationalError:  # the statement timeout
        report.add("curation", f"{name}: cancelled, a query ran past", TIMEOUT, "s")
    finally:
        request_log.disabled = False
        _statement_timeout(0)


def _statement_timeout(seconds: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = %s", [seconds * 1000])
