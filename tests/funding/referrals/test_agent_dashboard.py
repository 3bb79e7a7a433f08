"""The agent's dashboard: their referrals' figures, their territory's needs watch and stale offers; scoped."""

import html

import pytest
from django.urls import reverse

from funding.referrals.services import line_decline
from tests.factories import OfferFactory, StructureFactory, commune, make_agent, make_holder, make_referral

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("referrals:agent_dashboard")


def test_the_agent_sees_their_referrals_needs_and_stale_offers(client):
    agent = make_agent("EPCI-200041317")
    referral = make_referral(
        OfferFactory(email="a@structure-essai.fr", title="Accompagnement niortais"),
        OfferFactory(email="b@structure-essai.fr"),
        prescriber=agent,
    )
    first, _second = referral.lines.order_by("pk")
    line_decline(line=first, reason="no_capacity")
    make_referral(prescriber=make_agent("EPCI-200041317"))  # another agent's: not visible (no territory right)
    niort = StructureFactory(commune=commune("79191"))
    OfferFactory(structure=niort, title="Offre oubliée", coverage=["COM-79191"], last_verified_at=None)
    OfferFactory(structure=niort, title="Offre fraîche", coverage=["COM-79191"])
    client.force_login(agent)
    page = html.unescape(client.get(DASHBOARD).content.decode())
    assert '<td data-figure="sent">2</td>' in page
    assert '<td data-figure="pending">1</td>' in page and '<td data-figure="declined">1</td>' in page
    assert "Accompagnement niortais" not in page.split("En attente de réponse</h3>")[1].split("</ul>")[0]
    assert "Veille des besoins" in page and "<td>Émergence</td><td>—</td><td>moins de 5</td><td>moins de 5</td>" in page
    assert "Offre oubliée" in page and "Offre fraîche" not in page


def test_only_agents_open_it(client):
    client.force_login(make_holder())
    assert client.get(DASHBOARD).status_code == 403
    client.logout()
    assert client.get(DASHBOARD).status_code == 302  # to the login page


def test_the_agent_sees_their_territorys_white_zones(client):
    from django.db.models import Sum

    from directory.models import CommuneReach, ReachStatus, Territory
    from support_chain.white_zones import compute_white_zones

    agent = make_agent("EPCI-200041317")
    client.force_login(agent)
    before = html.unescape(client.get(DASHBOARD).content.decode())
    assert "Zones blanches : CA du Niortais" in before and "pas encore été calculées" in before

    compute_white_zones(region=Territory.objects.get(key="REG-75"))
    niortais = CommuneReach.objects.filter(commune__epci__key="EPCI-200041317", stage__slug="emergence")
    population = niortais.exclude(status=ReachStatus.IN_PERSON).aggregate(n=Sum("commune__population"))["n"]
    assert population > 0
    page = html.unescape(client.get(DASHBOARD).content.decode())
    zones = page.split('data-table="zones-blanches"')[1].split("</table>")[0]
    assert f'<th scope="row">Émergence</th><td>{population}</td>' in zones
    assert "pas encore été calculées" not in zones
