"""Statistics for curators, scoped to their régions."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from funding.referrals import services
from funding.referrals.models import DeclineReason, Outcome
from tests.factories import UserFactory, make_agent, make_curator, make_reachable_offer, make_referral

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)


def at(days):
    return time_machine.travel(T0 + datetime.timedelta(days=days), tick=False)


@pytest.fixture
def activity():
    incubator, association = make_reachable_offer(title="Incubateur"), make_reachable_offer(title="Association")
    with at(0):
        niort = make_referral(incubator, association)  # Deux-Sèvres, Nouvelle-Aquitaine
        creuse = make_referral(incubator, commune_code="23077")  # Creuse, Nouvelle-Aquitaine
        caen = make_referral(association, commune_code="14118", prescriber=make_agent("DEP-14"))  # Normandie
    one, two = niort.lines.order_by("pk")
    with at(1):
        services.line_accept(line=one)
    with at(3):
        services.line_decline(line=two, reason=DeclineReason.NO_CAPACITY)
    with at(5):
        services.line_accept(line=creuse.lines.get())
    with at(9):
        services.line_close(line=one, outcome=Outcome.FUNDED, funded_amount=10000)
    with at(2):
        services.line_decline(line=caen.lines.get(), reason=DeclineReason.OUT_OF_SCOPE)
    return incubator, association


def test_figures_for_the_curators_regions_only(client, activity):
    incubator, association = activity
    client.force_login(make_curator("REG-75"))
    stats = client.get(reverse("referrals:stats")).context["stats"]
    assert (stats["sent"], stats["accepted"], stats["declined"], stats["closed"]) == (3, 2, 1, 1)
    assert dict(stats["outcomes"])["Financé"] == 1 and dict(stats["outcomes"])["Accompagné"] == 0
    assert stats["median_days_to_answer"] == 3.0  # answers after 1, 3 and 5 days
    territories = {row["referral__commune__departement__code"]: row for row in stats["per_territory"]}
    assert set(territories) == {"23", "79"}
    assert (territories["79"]["sent"], territories["79"]["declined"]) == (2, 1)
    offers = {row["offer__title"]: row for row in stats["per_offer"]}
    assert (offers["Incubateur"]["sent"], offers["Incubateur"]["accepted"]) == (2, 2)
    assert (offers["Association"]["sent"], offers["Association"]["declined"]) == (1, 1)  # not Caen's


def test_the_other_region_sees_its_own_figures(client, activity):
    client.force_login(make_curator("REG-28"))
    stats = client.get(reverse("referrals:stats")).context["stats"]
    assert (stats["sent"], stats["declined"], stats["median_days_to_answer"]) == (1, 1, 2.0)


def test_only_curators_see_statistics(client, activity):
    for user in [make_agent("DEP-79", sees_territory_referrals=True), UserFactory()]:
        client.force_login(user)
        assert client.get(reverse("referrals:stats")).status_code == 403
    client.logout()
    assert client.get(reverse("referrals:stats")).status_code == 302
