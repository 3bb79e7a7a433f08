"""A closed call for projects is never shown as current: one rule (directory.models.closed_call_q), read by all."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.models import Offer, closed_call_q, is_closed_call
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    today = timezone.localdate()
    common = {"coverage": ["DEP-23"], "stages": ["creation"], "offer_type": "financement"}
    return {
        "closed": OfferFactory(
            title="AMI clos",
            opens_on=today - datetime.timedelta(days=60),
            closes_on=today - datetime.timedelta(1),
            **common,
        ),
        "open": OfferFactory(title="AMI ouvert", closes_on=today + datetime.timedelta(days=10), **common),
        "last_day": OfferFactory(title="AMI dernier jour", closes_on=today, **common),
        "plain": OfferFactory(title="Accompagnement permanent", **common),
    }


def test_the_rule_in_python_and_in_sql_agree(calls):
    today = timezone.localdate()
    in_sql = set(Offer.objects.filter(closed_call_q(today)).values_list("title", flat=True))
    in_python = {offer.title for offer in calls.values() if is_closed_call(offer, today)}
    assert in_sql == in_python == {"AMI clos"}
    assert set(Offer.objects.current(today).values_list("title", flat=True)) == {
        "AMI ouvert",
        "AMI dernier jour",
        "Accompagnement permanent",
    }


def test_a_closed_call_is_absent_from_the_chain(client, calls):
    html = client.get(reverse("support_chain:chain_detail", args=["COM-23077"])).content.decode()
    assert "AMI ouvert" in html and "AMI dernier jour" in html
    assert "AMI clos" not in html


def test_a_closed_call_is_absent_from_the_results(client, calls):
    html = client.get(reverse("funding:results"), {"commune": "23077", "stage": "creation"}).content.decode()
    assert "AMI ouvert" in html
    assert "AMI clos" not in html


def test_a_closed_call_is_absent_from_the_search_open_calls(client, calls):
    html = client.get(reverse("directory:search"), {"open_now": "true"}).content.decode()
    assert "AMI ouvert" in html and "AMI dernier jour" in html
    assert "AMI clos" not in html and "Accompagnement permanent" not in html
    # Without the filter the directory still lists it, marked closed, never as open.
    everything = client.get(reverse("directory:search")).content.decode()
    card = everything[everything.index("AMI clos") :]
    assert "Appel clos" in card[: card.index("</li>")]


def test_a_closed_call_is_absent_from_the_api(client, calls):
    titles = {row["title"] for row in client.get("/directory/api/offres/").json()["results"]}
    assert titles == {"AMI ouvert", "AMI dernier jour", "Accompagnement permanent"}
    assert client.get(f"/directory/api/offres/{calls['closed'].pk}/").status_code == 404


def test_the_map_open_calls_filter_leaves_out_a_structure_whose_only_call_is_closed(client, calls):
    for offer in calls.values():
        offer.structure.latitude, offer.structure.longitude = 45.75, 1.98
        offer.structure.save()
    features = client.get(reverse("directory:map_geojson"), {"open_now": "true"}).json()["features"]
    names = {feature["properties"]["name"] for feature in features}
    assert calls["open"].structure.name in names
    assert calls["closed"].structure.name not in names
