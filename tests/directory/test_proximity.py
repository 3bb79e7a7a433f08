"""« Près de chez vous »: `Offer.objects.reachable_from(commune, radius)`, on SQLite and on PostgreSQL."""

import math

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from directory.geo import bounding_box, haversine_km
from directory.models import Offer, Permanence, PublicationStatus, Structure
from tests.factories import OfferFactory, StructureFactory, commune

pytestmark = pytest.mark.django_db


def north_of(territory, km):
    """A point `km` kilometres due north of the territory's point."""
    return territory.latitude + math.degrees(km / 6371.0088), territory.longitude


def place(territory, km, **fields):
    lat, lon = north_of(territory, km)
    fields.setdefault("commune", territory)
    return StructureFactory(latitude=lat, longitude=lon, **fields)


@pytest.fixture
def gueret():
    return commune("23096")


def test_communes_have_their_mairie_point_and_the_proximity_rule_uses_it(gueret):
    assert gueret.point_source == "mairie"
    assert haversine_km(*gueret.point, 46.1713, 1.8719) < 2  # Guéret's mairie


def test_an_offer_is_reachable_in_person_only_within_the_radius_with_presentiel_and_coverage(gueret):
    near = OfferFactory(structure=place(gueret, 10, name="Près"), mode_presentiel=True, coverage=["DEP-23"])
    OfferFactory(structure=place(gueret, 45), mode_presentiel=True, coverage=["DEP-23"])  # too far
    OfferFactory(structure=place(gueret, 5), mode_distance=True, coverage=["DEP-23"])  # online only
    OfferFactory(structure=place(gueret, 5), mode_presentiel=True, coverage=["DEP-87"])  # does not cover Guéret
    OfferFactory(structure=StructureFactory(commune=gueret), mode_presentiel=True, coverage=["DEP-23"])  # no place

    reachable = list(Offer.objects.published().reachable_from(gueret))
    assert reachable == [near]
    assert reachable[0].distance_km == pytest.approx(10, abs=0.01)
    assert reachable[0].nearest_place_name == "Près"
    assert reachable[0].nearest_permanence_id is None
    assert {o.pk for o in Offer.objects.reachable_from(gueret, radius=50)} >= {near.pk}
    assert len(Offer.objects.reachable_from(gueret, radius=50)) == 2
    assert list(Offer.objects.reachable_from(gueret, radius=9)) == []


def test_a_permanence_in_a_third_place_brings_the_offer_near(gueret):
    host = place(gueret, 80, name="Siège lointain")
    offer = OfferFactory(structure=host, mode_presentiel=True, coverage=["REG-75"])
    other = OfferFactory(structure=host, mode_presentiel=True, coverage=["REG-75"])
    third_place = place(gueret, 12, name="Tiers-lieu X", role_support=False, role_third_place=True)
    assert list(Offer.objects.reachable_from(gueret)) == []

    permanence = Permanence.objects.create(place=third_place, host=host, offer=offer, schedule="le 1er mardi")
    [reached] = Offer.objects.reachable_from(gueret)
    assert reached == offer  # the permanence is for this offer only
    assert reached.distance_km == pytest.approx(12, abs=0.01)
    assert (reached.nearest_place_name, reached.nearest_place_id) == ("Tiers-lieu X", third_place.pk)
    assert reached.nearest_permanence_id == permanence.pk

    Permanence.objects.filter(pk=permanence.pk).update(offer=None)  # now for every offer of the host
    assert set(Offer.objects.reachable_from(gueret)) == {offer, other}
    Structure.objects.filter(pk=third_place.pk).update(status=PublicationStatus.DRAFT)
    assert list(Offer.objects.reachable_from(gueret)) == []


def test_nearest_in_person_offer_beyond_the_radius_and_remote_offers(gueret):
    far = OfferFactory(structure=place(gueret, 60), mode_presentiel=True, coverage=["FR"])
    farther = OfferFactory(structure=place(gueret, 90), mode_presentiel=True, coverage=["FR"])
    online = OfferFactory(structure=place(gueret, 1), mode_distance=True, coverage=["FR"])
    unknown = OfferFactory(structure=StructureFactory(), mode_presentiel=True, coverage=["FR"])
    ordered = list(Offer.objects.in_person_covering(gueret))
    assert ordered == [far, farther, unknown]
    assert ordered[0].distance_km == pytest.approx(60, abs=0.01) and ordered[2].distance_km is None
    assert set(Offer.objects.remote_from(gueret)) == {far, farther, online, unknown}


def test_structures_without_coordinates_are_never_near(gueret):
    StructureFactory(commune=gueret)
    located = place(gueret, 3)
    assert list(Structure.objects.near(*gueret.point, 30)) == [located]
    assert Structure.objects.without_coordinates().count() == 1


def test_bounding_box_holds_the_circle():
    lat, lon = 46.17, 1.87
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, 30)
    for bearing in range(0, 360, 15):
        # 29.9 km in each direction stays inside the box.
        d = 29.9 / 6371.0088
        b = math.radians(bearing)
        lat2 = math.degrees(
            math.asin(
                math.sin(math.radians(lat)) * math.cos(d) + math.cos(math.radians(lat)) * math.sin(d) * math.cos(b)
            )
        )
        lon2 = lon + math.degrees(
            math.atan2(
                math.sin(b) * math.sin(d) * math.cos(math.radians(lat)),
                math.cos(d) - math.sin(math.radians(lat)) * math.sin(math.radians(lat2)),
            )
        )
        assert haversine_km(lat, lon, lat2, lon2) == pytest.approx(29.9, abs=0.01)
        assert min_lat <= lat2 <= max_lat and min_lon <= lon2 <= max_lon


@pytest.mark.parametrize("radius", [0, -5, 250])
def test_a_radius_out_of_bounds_is_a_system_check_error(settings, radius):
    settings.PROXIMITY_RADIUS_KM = radius
    with pytest.raises(SystemCheckError, match="PROXIMITY_RADIUS_KM"):
        call_command("check")
