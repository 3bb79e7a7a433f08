"""One match on the generated large directory: p50/p95 and queries per match, for each way it is read.

- « match » is what the holder's results page and an API page run: the profile's territories, the ranking in
  the database (every offer passing the hard filters, ids only) and the first matches explained by the engine
  (ten per rubric for the page, fifty for an API page of `limit=50`). The target (p95 < 50 ms) is for these.
- « whole ranked list » explains every match (the command's output, the API without `limit`), for reference:
  it grows with the number of matches, which is why the pages read page by page.
- « results page » is the whole HTTP response (next stage, permanences, template) through the test client.
"""

import datetime
import random

from django.db import connection
from django.test import Client
from django.urls import reverse

from benchmarks.common import measure
from directory.models import Territory
from funding import selectors
from funding.views import RUBRIC_PREVIEW
from support_chain.models import Need, Stage


def run(report):
    if connection.vendor == "postgresql":
        # The directory was just bulk-inserted: give the planner the statistics autovacuum keeps in production.
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

    def profile_of(i):
        # The territories' query is part of a match: the profile is built as a request builds it.
        return selectors.build_profile(**profiles[i % len(profiles)])

    def page_match(i):
        first, totals = selectors.match_preview(profile_of(i), today=today, per_rubric=RUBRIC_PREVIEW)
        sizes.append(sum(totals.values()))

    def api_first_page(i):
        selectors.match(profile_of(i), today=today, limit=50)

    def whole_list(i):
        selectors.match(profile_of(i), today=today)

    measure(report, "matching", "match: territories + ranking + 10 per rubric", page_match, runs=200)
    measure(report, "matching", "match: territories + ranking + first 50 (API, limit=50)", api_first_page, runs=200)
    sizes.sort()
    report.add("matching", "matches per profile (median)", sizes[len(sizes) // 2], "")
    report.add("matching", "matches per profile (max)", sizes[-1], "")
    measure(report, "matching", "whole ranked list explained (command)", whole_list, runs=40)

    client = Client()
    url = reverse("funding:results")

    def results_page(i):
        profile = profiles[i % len(profiles)]
        params = {"commune": profile["commune"].code, "stage": profile["stage"].slug}
        params["need"] = [need.slug for need in profile["needs"]]
        if profile["legal_form"]:
            params["legal_form"] = profile["legal_form"]
        response = client.get(url, params)
        assert response.status_code == 200, response.status_code

    measure(report, "matching", "results page (HTTP, whole response)", results_page, runs=100)
