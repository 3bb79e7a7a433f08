"""Observatory: a territory page with 200,000 needs-watch events and 10,000 referrals recorded (their anonymous
aggregates, spread over the generated directory's EPCIs, this quarter and the previous ones), and the offers'
summaries written (what the white zones' run does).

Timed cold (the page's hour-long cache emptied before each request: what the first visitor of a quarter waits) and
warm, through the test client (middleware, template, SVG charts, tables), over France, régions, départements and
EPCIs: p50, p95 and queries.
"""

import datetime
import random
import time
from collections import Counter

from django.core.cache import cache
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benchmarks.common import percentiles
from directory.models import NeedSignal, NeedsWatchCount, ReferralEvent, ReferralWatchCount, Territory, TerritoryKind
from support_chain.models import Need, Stage
from support_chain.observatory.summaries import summarise_offers

EVENTS = 200_000
REFERRALS = 10_000
OUTCOMES = ["supported", "funded", "no_aid", "unreachable", "reoriented"]


def _places(rng):
    communes = Territory.objects.filter(kind=TerritoryKind.COMMUNE, epci__isnull=False).values_list(
        "epci__code", "departement__code", "region__code"
    )
    # One (département, région) per EPCI: the referral counts are one row per EPCI cell (an EPCI across two
    # départements is counted in one of them), as record_referral() writes them.
    place_of_epci = {}
    for epci, departement, region in communes:
        place_of_epci.setdefault(epci, (epci, departement, region))
    return list(place_of_epci.values())


def _months(today):
    first = today.replace(day=1)
    months = [first]
    for _ in range(11):
        months.append((months[-1] - datetime.timedelta(days=1)).replace(day=1))
    return months


def generate(rng):
    places = _places(rng)
    months = _months(timezone.localdate())
    stages = list(Stage.objects.values_list("slug", flat=True))
    needs = [*Need.objects.values_list("slug", flat=True), ""]
    signals = list(NeedSignal.values)
    cells = Counter()
    for _ in range(EVENTS):
        place = rng.choice(places)
        cells[
            (rng.choice(months), *place, rng.choice(stages), rng.choice(needs), rng.choice(signals), rng.random() < 0.4)
        ] += 1
    NeedsWatchCount.objects.bulk_create(
        [
            NeedsWatchCount(
                month=month,
                epci_code=epci,
                departement_code=dep,
                region_code=reg,
                stage=stage,
                need=need,
                signal=signal,
                unmet=unmet,
                count=n,
            )
            for (month, epci, dep, reg, stage, need, signal, unmet), n in cells.items()
        ],
        batch_size=5000,
    )
    referral_cells = Counter()
    for _ in range(REFERRALS):
        month, place = rng.choice(months), rng.choice(places)
        referral_cells[(month, *place, ReferralEvent.SENT, "", 0)] += 1
        if rng.random() < 0.8:
            referral_cells[(month, *place, ReferralEvent.ANSWERED, "", rng.randint(1, 400))] += 1
            if rng.random() < 0.7:
                referral_cells[(month, *place, ReferralEvent.ACCEPTED, "", 0)] += 1
                referral_cells[(month, *place, ReferralEvent.CLOSED, rng.choice(OUTCOMES), 0)] += 1
            else:
                referral_cells[(month, *place, ReferralEvent.DECLINED, "", 0)] += 1
        else:
            referral_cells[(month, *place, ReferralEvent.EXPIRED, "", 0)] += 1
    ReferralWatchCount.objects.bulk_create(
        [
            ReferralWatchCount(
                month=month,
                epci_code=epci,
                departement_code=dep,
                region_code=reg,
                event=event,
                outcome=outcome,
                answer_hours=hours,
                count=n,
            )
            for (month, epci, dep, reg, event, outcome, hours), n in referral_cells.items()
        ],
        batch_size=5000,
    )
    return len(cells), len(referral_cells)


def run(report):
    rng = random.Random(17)
    started = time.monotonic()
    needs_cells, referral_cells = generate(rng)
    report.add(
        "observ",
        f"generate {EVENTS} events ({needs_cells} cells), {REFERRALS} referrals ({referral_cells} cells)",
        time.monotonic() - started,
        "s",
    )
    started = time.monotonic()
    rows = summarise_offers()  # what each white zones' run does (nightly, after imports and approvals)
    report.add("observ", f"summarise the offers of every territory ({rows} rows)", time.monotonic() - started, "s")
    keys = ["FR"]
    for kind, count in ((TerritoryKind.REGION, 13), (TerritoryKind.DEPARTEMENT, 40), (TerritoryKind.EPCI, 100)):
        found = list(Territory.objects.filter(kind=kind, is_active=True).values_list("key", flat=True))
        keys += rng.sample(found, min(count, len(found)))
    client = Client()
    for warm in (False, True):
        samples, queries = [], []
        if warm:  # the cold pass emptied the cache before each page: fill it with every page first
            for key in keys:
                client.get(f"/observatoire/{key}/" if key != "FR" else "/observatoire/")
        for key in keys:
            if not warm:
                cache.clear()
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(f"/observatoire/{key}/" if key != "FR" else "/observatoire/")
                samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (key, response.status_code)
            queries.append(len(captured))
        p50, p95 = percentiles(samples)
        label = "warm (cached)" if warm else "cold (cache emptied)"
        report.add("observ", f"territory page {label}, {len(keys)} territories p50", p50, "ms")
        report.add("observ", f"territory page {label} p95", p95, "ms")
        report.add("observ", f"territory page {label} max", max(samples), "ms")
        report.add("observ", f"territory page {label} queries (max)", max(queries), "")
