"""The chain of support (issues 13 and 15): a commune with proximity, an EPCI, a département; one match beside it.

Single client, server time through the test client (the whole response: queries and template), and the selector
alone. Targets: chain of a commune with proximity p95 < 150 ms (issue 13) and, for every chain, p95 < 100 ms
(issue 15); one match p95 < 50 ms.
"""

import datetime
import random

from django.db import connection
from django.test import Client

from benchmarks.common import measure
from directory.models import Territory
from funding import selectors as funding_selectors
from funding.views import RUBRIC_PREVIEW
from support_chain.models import Stage
from support_chain.selectors import chain

# Niort's EPCI and the Deux-Sèvres (the examples), and the largest EPCI and département by communes.
KEYS = ("EPCI-200041317", "DEP-79", "EPCI-200067106", "DEP-62")


def run(report):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    rng = random.Random(13)
    communes = list(Territory.objects.communes().filter(population__gt=2000).order_by("pk"))
    sample = rng.sample(communes, 20)

    def commune_page(i):
        response = client.get(f"/chaine/{sample[i % len(sample)].key}/")
        assert response.status_code == 200, response.status_code

    measure(report, "chain", "chain of a commune with proximity (selector)", lambda i: chain(sample[i % 20]), runs=60)
    measure(report, "chain", "chain of a commune with proximity (HTTP page)", commune_page, runs=60)
    sizes = [len(client.get(f"/chaine/{commune.key}/").content) for commune in sample[:5]]
    report.add("chain", "chain of a commune: mean page size", sum(sizes) / len(sizes) / 1024, "KiB")
    for key in KEYS:
        territory = Territory.objects.filter(key=key).first()
        if territory is None:
            continue
        response = client.get(f"/chaine/{key}/")
        assert response.status_code == 200, response.status_code
        report.add("chain", f"chain {key}: page size", len(response.content) / 1024, "KiB")
        measure(report, "chain", f"chain {key} (selector)", lambda i, t=territory: chain(t), runs=30)
        measure(report, "chain", f"chain {key} (HTTP page)", lambda i, key=key: client.get(f"/chaine/{key}/"), runs=30)

    stages = list(Stage.objects.order_by("position"))
    today = datetime.date(2027, 1, 10)

    def one_match(i):
        profile = funding_selectors.build_profile(commune=sample[i % len(sample)], stage=stages[i % len(stages)])
        funding_selectors.match_preview(profile, today=today, per_rubric=RUBRIC_PREVIEW)

    measure(report, "chain", "one match (with proximity ranking)", one_match, runs=100)
