"""« Trier par distance » from the commune searched, without geolocation; cards say « à N km »."""

import math

import pytest
from django.urls import reverse

from tests.factories import OfferFactory, StructureFactory, commune

pytestmark = pytest.mark.django_db


def place(territory, km, **fields):
    lat = territory.latitude + math.degrees(km / 6371.0088)
    return StructureFactory(latitude=lat, longitude=territory.longitude, commune=territory, **fields)


def test_sort_by_distance_from_the_commune_searched(client):
    gueret = commune("23096")
    far = OfferFactory(title="Loin", structure=place(gueret, 40), coverage=["DEP-23"])
    near = OfferFactory(title="Près", structure=place(gueret, 3), coverage=["DEP-23"])
    unknown = OfferFactory(title="Sans lieu", coverage=["DEP-23"])
    response = client.get(reverse("directory:search"), {"territory": "COM-23096", "sort": "distance"})
    html = response.content.decode()
    assert response.context["current_sort"] == "distance"
    assert [offer.pk for offer in response.context["page"].object_list] == [near.pk, far.pk, unknown.pk]
    assert html.index("Près") < html.index("Loin") < html.index("Sans lieu")
    assert "à 3 km" in html and "à 40 km" in html
    assert '<option value="distance" selected>' in html
    assert 'name="lat"' not in html  # the commune's point is not a point given: nothing to keep in the form


def test_without_a_commune_or_a_point_distance_is_not_offered(client):
    OfferFactory(title="Une offre", coverage=["DEP-23"])
    response = client.get(reverse("directory:search"), {"territory": "DEP-23", "sort": "distance"})
    assert response.context["current_sort"] != "distance"
    assert '<option value="distance"' not in response.content.decode()
