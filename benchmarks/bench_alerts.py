"""Alerts: the daily digest run for 10,000 confirmed subscriptions (half directory searches, half parcours).

A day's news is simulated on the generated directory: 300 offers the previous run had not seen (new), 100 calls
whose closing date moved, and the calls closing within the week. The run is timed twice: the second run of the
same day must write nothing (idempotence) and shows the cost of a run without news.
"""

import datetime
import random
import time

from django.core import mail
from django.utils import timezone

from directory.models import Offer, Structure
from funding.alerts import services
from funding.alerts.models import AlertKind, AlertRun, AlertSubscription, OfferWatch
from support_chain.models import Stage

SUBSCRIPTIONS = 10_000


def run(report):
    rng = random.Random(7)
    communes = list(Structure.objects.values_list("commune__code", "commune__key").distinct()[:2000])
    stages = list(Stage.objects.values_list("slug", flat=True))
    now = timezone.now() - datetime.timedelta(days=1)
    rows = []
    for index in range(SUBSCRIPTIONS):
        code, key = rng.choice(communes)
        stage = rng.choice(stages)
        search = index % 2 == 0
        rows.append(
            AlertSubscription(
                email=f"abonne-{index}@exemple.org",
                kind=AlertKind.SEARCH if search else AlertKind.PARCOURS,
                query=f"territory={key}&stage={stage}" if search else f"commune={code}&stage={stage}",
                label=f"Alerte {index}",
                nonce=f"{index:016x}",
                confirmed_at=now,
                checked_until=now,
            )
        )
    AlertSubscription.objects.bulk_create(rows, batch_size=2000)
    started = time.monotonic()
    services.refresh_watch(now=now)  # what yesterday's run recorded
    AlertRun.objects.create(ran_at=now)
    report.add("alerts", "first run: record the published offers", time.monotonic() - started, "s")

    offer_ids = list(Offer.objects.published().values_list("pk", flat=True))
    OfferWatch.objects.filter(offer_id__in=rng.sample(offer_ids, 300)).delete()
    calls = list(Offer.objects.published().filter(closes_on__isnull=False).order_by("pk")[:100])
    for offer in calls:
        offer.closes_on += datetime.timedelta(days=14)
    Offer.objects.bulk_update(calls, ["closes_on"])

    mail.outbox = []
    started = time.monotonic()
    result = services.send_daily_digests()
    report.add(
        "alerts",
        f"daily run, {SUBSCRIPTIONS} subscriptions ({result['digests']} digests)",
        time.monotonic() - started,
        "s",
    )
    started = time.monotonic()
    again = services.send_daily_digests()
    report.add("alerts", f"same day again ({again['digests']} digests)", time.monotonic() - started, "s")
