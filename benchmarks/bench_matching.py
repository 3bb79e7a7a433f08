"""One match (selector + rank) on the generated large directory: p50/p95 and queries per match."""

import datetime
import random

from django.db import connection

from benchmarks.common import measure
from directory.models import Territory
from funding import selectors
from support_chain.models import Need, Stage


def run(report):
    if connection.vendor == "postgresql":
        # The directory was just bulk-inserted: give the planner the statistics autovacuum keeps in production
        # (without them it nests loops over the 60,000 offers and one match takes seconds).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    rng = random.Random(11)
    communes = list(Territory.objects.communes().order_by("pk").values_list("pk", flat=True))
    sample = list(Territory.objects.filter(pk__in=rng.sample(communes, 100)).order_by("pk"))
    stages = list(Stage.objects.order_by("position"))
    needs = list(Need.objects.order_by("slug"))
    today = datetime.date(2027, 1, 10)
    profiles = [
        {
            "commune": commune,
            "stage": rng.choice(stages),
            "needs": rng.sample(needs, rng.randint(0, 3)),
            "legal_form": rng.choice([None, "association", "scop", "collectif-non-constitue"]),
        }
        for commune in sample
    ]
    sizes = []

    def one_match(i):
        # The territories' query is part of a match: the profile is built as a request builds it.
        profile = selectors.build_profile(**profiles[i % len(profiles)])
        sizes.append(len(selectors.match(profile, today=today)))

    measure(report, "matching", "match (territories + candidates + rank)", one_match, runs=200)
    sizes.sort()
    report.add("matching", "matches per profile (median)", sizes[len(sizes) // 2], "")
    report.add("matching", "matches per profile (max)", sizes[-1], "")
