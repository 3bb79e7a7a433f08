"""Referrals: the scoped list page and the curator statistics, on 10,000 dossiers of two lines each."""

import datetime
import random

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agent, Curator, User
from benchmarks.common import measure
from directory.models import Offer, Territory
from funding.referrals.models import CONSENT_VERSION, LineStatus, Referral, ReferralLine
from funding.referrals.selectors import referral_stats, referrals_visible_to

REFERRALS = 10_000


def run(report):
    rng = random.Random(11)
    region = Territory.objects.get(key="REG-75")
    communes = list(Territory.objects.communes().filter(region=region).values_list("pk", flat=True))
    offers = list(Offer.objects.published().values_list("pk", flat=True)[:2000])
    prescriber = User.objects.create_user("bench-agent@exemple.org", "x")
    agent = Agent.objects.create(user=prescriber, organisation="Bench", sees_territory_referrals=True)
    agent.territories.set(Territory.objects.filter(key="DEP-79"))
    curator_user = User.objects.create_user("bench-curator@exemple.org", "x")
    Curator.objects.create(user=curator_user).regions.set([region])
    now = timezone.now()
    referrals = Referral.objects.bulk_create(
        Referral(
            prescriber=prescriber if i % 10 == 0 else None,
            holder_name=f"Porteur {i}",
            holder_phone="0549000000",
            description="Projet de bench",
            commune_id=rng.choice(communes),
            consent_version=CONSENT_VERSION,
            consent_given_at=now,
        )
        for i in range(REFERRALS)
    )
    statuses = [LineStatus.SENT, LineStatus.ACCEPTED, LineStatus.DECLINED, LineStatus.CLOSED]
    lines = []
    for referral in referrals:
        for offer in rng.sample(offers, 2):
            status = rng.choice(statuses)
            answered = now + datetime.timedelta(days=rng.randint(0, 20)) if status != LineStatus.SENT else None
            lines.append(
                ReferralLine(
                    referral=referral,
                    offer_id=offer,
                    status=status,
                    sent_at=now,
                    answered_at=answered,
                    accepted_at=answered if status in (LineStatus.ACCEPTED, LineStatus.CLOSED) else None,
                    closed_at=answered if status == LineStatus.CLOSED else None,
                    outcome="supported" if status == LineStatus.CLOSED else "",
                )
            )
    ReferralLine.objects.bulk_create(lines, batch_size=2000)

    measure(
        report,
        "referrals",
        "referrals_visible_to(agent with territory).count()",
        lambda i: referrals_visible_to(prescriber).count(),
        runs=30,
    )
    for name, user in [("agent", prescriber), ("curator", curator_user)]:
        client = Client()
        client.force_login(user)
        url = reverse("referrals:list")
        measure(
            report,
            "referrals",
            f"list page, {name}, page 1..30",
            lambda i, client=client, url=url: client.get(f"{url}?page={i % 30 + 1}"),
        )
    measure(report, "referrals", "referral_stats(curator of a région)", lambda i: referral_stats(curator_user), runs=10)
