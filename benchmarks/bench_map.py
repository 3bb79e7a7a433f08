"""The map's GeoJSON endpoint (région- and département-sized views, with and without a filter) and the chain page."""

import random

from django.db import connection
from django.test import Client
from django.urls import reverse

from benchmarks.common import measure
from directory.models import Territory

NOUVELLE_AQUITAINE = "-1.8,42.7,2.7,47.2"
DEUX_SEVRES = "-0.95,45.95,0.25,47.15"
CASES = [
    ("région bbox", {"bbox": NOUVELLE_AQUITAINE}),
    ("région bbox + stage", {"bbox": NOUVELLE_AQUITAINE, "stage": "creation"}),
    ("département bbox", {"bbox": DEUX_SEVRES}),
    ("département bbox + stage + type", {"bbox": DEUX_SEVRES, "stage": "creation", "offer_type": "financement"}),
    ("département bbox + territory DEP-79", {"bbox": DEUX_SEVRES, "territory": "DEP-79"}),
]


def run(report):
    # Right after the bulk generation PostgreSQL has no statistics yet (autovacuum has not run): without them it
    # believes the tables hold a handful of rows and picks nested loops that take seconds per GeoJSON answer.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    url = reverse("directory:map_geojson")
    for name, params in CASES:
        response = client.get(url, params)
        assert response.status_code == 200, response.content[:200]
        report.add("map", f"GeoJSON {name}: size", len(response.content) / 1024, "KiB")
        report.add("map", f"GeoJSON {name}: features sent", len(response.json()["features"]), "")
        report.add("map", f"GeoJSON {name}: matched", response.json()["total"], "")
        measure(report, "map", f"GeoJSON {name}", lambda i, params=params: client.get(url, params), runs=60)

    rng = random.Random(11)
    communes = list(Territory.objects.communes().filter(population__gt=2000).values_list("key", flat=True))
    keys = rng.sample(communes, 5)
    sizes = [len(client.get(reverse("support_chain:chain_detail", args=[key])).content) for key in keys]
    report.add("chain", "chain page (5 communes): mean size", sum(sizes) / len(sizes) / 1024, "KiB")
    measure(
        report,
        "chain",
        "chain page, a commune",
        lambda i: client.get(reverse("support_chain:chain_detail", args=[keys[i % len(keys)]])),
        runs=50,
    )
    for key in ("EPCI-200041762", "DEP-79"):
        if not Territory.objects.filter(key=key).exists():
            continue
        response = client.get(reverse("support_chain:chain_detail", args=[key]))
        report.add("chain", f"chain page {key}: size", len(response.content) / 1024, "KiB")
        measure(report, "chain", f"chain page {key}", lambda i, key=key: client.get(f"/chaine/{key}/"), runs=20)
