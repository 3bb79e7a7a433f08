"""White zones and proximity on the generated directory (all communes): the computation for all of France and for
one région, the curators' white-zone page of that région, and `reachable_from` for a commune (what the chain reads).

Targets (issue 13): all of France < 120 s, one région < 15 s, the page of a région p95 < 300 ms.
"""

import random
import time

from django.db.models import Count
from django.test import Client
from django.urls import reverse

from accounts.models import Curator, User
from benchmarks.common import measure
from directory.models import CommuneReach, Offer, Permanence, Structure, Territory
from support_chain.white_zones import compute_white_zones


def run(report):
    counts = Structure.objects.values("region").annotate(n=Count("pk")).order_by("-n", "region")
    region = Territory.objects.get(pk=counts[0]["region"])
    report.add("zones", "generated permanences", Permanence.objects.count(), "")
    report.add("zones", "structures without coordinates", Structure.objects.without_coordinates().count(), "")

    started = time.monotonic()
    france = compute_white_zones()
    report.add(
        "zones", f"compute_white_zones, all France ({france.communes} communes × 7)", time.monotonic() - started, "s"
    )
    samples = []
    for _ in range(3):
        started = time.monotonic()
        one = compute_white_zones(region=region)
        samples.append(time.monotonic() - started)
    report.add("zones", f"compute_white_zones, {region.name} ({one.communes} communes), worst of 3", max(samples), "s")
    report.add("zones", "stored commune × stage rows", CommuneReach.objects.count(), "")

    curator = User.objects.create_user("bench-white-zones@exemple.org", "x")
    Curator.objects.create(user=curator).regions.set([region])
    client = Client()
    client.force_login(curator)
    page = f"{reverse('curation:white_zones')}?region={region.key}"
    assert client.get(page).status_code == 200
    measure(report, "zones", f"white-zone page of {region.name}", lambda i: client.get(page), runs=50)
    departement = Territory.objects.filter(kind="DEP", region=region).order_by("code").first()
    by_epci = f"{page}&departement={departement.key}"
    measure(report, "zones", f"white-zone page of {departement.name} (EPCIs)", lambda i: client.get(by_epci), runs=50)

    rng = random.Random(13)
    communes = list(Territory.objects.communes().filter(region=region, latitude__isnull=False).order_by("pk"))
    picks = [rng.choice(communes) for _ in range(120)]
    measure(
        report,
        "zones",
        "Offer.objects.published().reachable_from(commune) (list)",
        lambda i: list(Offer.objects.published().reachable_from(picks[i % len(picks)])),
    )
    measure(
        report,
        "zones",
        "in_person_covering(commune).first() (nearest beyond R)",
        lambda i: Offer.objects.published().in_person_covering(picks[i % len(picks)]).first(),
    )
