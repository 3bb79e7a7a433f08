"""The directory's search page (server time through the Django test client, the real view and template)."""

import os
import random

from django.test import Client
from django.urls import reverse

from benchmarks.common import measure
from directory.models import Offer, Territory

RUNS = int(os.environ.get("BENCH_SEARCH_RUNS", "20"))


def run(report):
    _vacuum_analyze()
    rng = random.Random(11)
    # The generated rows got their search document from the triggers; check it rather than trust it.
    missing = Offer.objects.filter(search_vector__isnull=True).count() if _on_postgres() else 0
    report.add("search", "offers without a search document", missing, "")
    communes = list(Territory.objects.communes().filter(structures__isnull=False).values_list("key", flat=True)[:2000])
    sample = rng.sample(communes, 50)
    departements = list(Territory.objects.filter(kind="DEP").values_list("key", flat=True))
    client = Client()
    url = reverse("directory:search")
    scenarios = {
        "no filter": lambda i: {},
        "commune": lambda i: {"territory": sample[i % len(sample)]},
        "commune + stage": lambda i: {"territory": sample[i % len(sample)], "stage": "creation"},
        "département + type + need": lambda i: {
            "territory": departements[i % len(departements)],
            "offer_type": "financement",
            "need": "financement",
        },
        "free text": lambda i: {"q": ["structure générée", "offre financement", "accompagnement"][i % 3]},
        "free text + commune + page 2": lambda i: {
            "q": "offre",
            "territory": sample[i % len(sample)],
            "page": "2",
        },
    }
    for name, params in scenarios.items():
        measure(report, "search", f"GET /directory/ {name}", lambda i, p=params: _get(client, url, p(i)), runs=RUNS)


def _get(client, url, params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code


def _vacuum_analyze():
    """The generator just wrote every row in one transaction: give the planner statistics, as autovacuum would."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _on_postgres():
    from django.db import connection

    return connection.vendor == "postgresql"
