"""« Autour de moi »: distances computed in the database, on SQLite and on PostgreSQL."""

import math

import pytest

from directory.models import Offer, Structure
from directory.models.structure import distance_km_expression
from tests.factories import OfferFactory, StructureFactory, commune

pytestmark = pytest.mark.django_db

# Town halls, WGS84.
NIORT = (46.3237, -0.4648)
POITIERS = (46.5802, 0.3404)
BORDEAUX = (44.8378, -0.5792)
LA_ROCHELLE = (46.1591, -1.1520)


def haversine_km(a, b):
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


@pytest.fixture
def towns():
    return {
        "Poitiers": StructureFactory(
            name="Poitiers", commune=commune("86194"), latitude=POITIERS[0], longitude=POITIERS[1]
        ),
        "Bordeaux": StructureFactory(
            name="Bordeaux", commune=commune("33063"), latitude=BORDEAUX[0], longitude=BORDEAUX[1]
        ),
        "La Rochelle": StructureFactory(
            name="La Rochelle", commune=commune("17300"), latitude=LA_ROCHELLE[0], longitude=LA_ROCHELLE[1]
        ),
        "Sans coordonnées": StructureFactory(name="Sans coordonnées", commune=commune("79191")),
    }


def test_structures_nearest_first_from_niort(towns):
    found = list(Structure.objects.by_distance(*NIORT))
    assert [s.name for s in found] == ["La Rochelle", "Poitiers", "Bordeaux", "Sans coordonnées"]
    km = {s.name: s.distance_km for s in found}
    # Real distances as the crow flies: about 56, 68 and 165 km.
    assert 52 < km["La Rochelle"] < 60
    assert 64 < km["Poitiers"] < 72
    assert 160 < km["Bordeaux"] < 172
    assert km["Sans coordonnées"] is None
    for name, point in (("La Rochelle", LA_ROCHELLE), ("Poitiers", POITIERS), ("Bordeaux", BORDEAUX)):
        assert km[name] == pytest.approx(haversine_km(NIORT, point), rel=1e-6)


def test_from_bordeaux_the_order_changes(towns):
    names = [s.name for s in Structure.objects.published().by_distance(*BORDEAUX)]
    assert names[:3] == ["Bordeaux", "La Rochelle", "Poitiers"]
    assert Structure.objects.with_distance(*BORDEAUX).get(name="Bordeaux").distance_km == pytest.approx(0, abs=1e-6)


def test_offers_sorted_by_the_distance_of_their_structure(towns):
    far = OfferFactory(title="À Bordeaux", structure=towns["Bordeaux"])
    near = OfferFactory(title="À Poitiers", structure=towns["Poitiers"])
    nowhere = OfferFactory(title="Sans lieu", structure=towns["Sans coordonnées"])
    ordered = list(Offer.objects.published().by_distance(*POITIERS))
    assert ordered == [near, far, nowhere]
    assert ordered[1].distance_km == pytest.approx(haversine_km(POITIERS, BORDEAUX), rel=1e-6)


def test_distance_is_one_query_and_filters_in_the_database(towns, django_assert_num_queries):
    with django_assert_num_queries(1):
        within_100 = list(Structure.objects.with_distance(*NIORT).filter(distance_km__lt=100).order_by("name"))
    assert [s.name for s in within_100] == ["La Rochelle", "Poitiers"]


def test_antipodes_do_not_break_the_expression(towns):
    antipode = (-POITIERS[0], POITIERS[1] + 180 - 360)
    poitiers = Structure.objects.with_distance(*antipode).get(name="Poitiers")
    assert poitiers.distance_km == pytest.approx(math.pi * 6371.0088, rel=1e-3)


@pytest.mark.parametrize("point", [(91, 0), (0, 181), (-90.5, 2)])
def test_out_of_range_points_are_refused(point):
    with pytest.raises(ValueError):
        distance_km_expression("latitude", "longitude", *point)


def test_the_shared_filter_sorts_offers_by_distance(towns):
    from directory.filters import OfferFilter

    OfferFactory(title="À Bordeaux", structure=towns["Bordeaux"], coverage=["FR"])
    OfferFactory(title="À La Rochelle", structure=towns["La Rochelle"], coverage=["FR"])
    OfferFactory(title="À Poitiers", structure=towns["Poitiers"], coverage=["FR"])
    params = {"sort": "distance", "lat": str(POITIERS[0]), "lon": str(POITIERS[1])}
    offers = list(OfferFilter(params).qs)
    assert [o.title for o in offers] == ["À Poitiers", "À La Rochelle", "À Bordeaux"]
    assert offers[1].distance_km == pytest.approx(haversine_km(POITIERS, LA_ROCHELLE), rel=1e-6)
    # The point alone filters nothing; a distance sort without a point falls back to the territory sort.
    assert OfferFilter({"lat": "46.5", "lon": "0.3"}).is_active is False
    assert len(OfferFilter({"sort": "distance"}).qs) == 3


def test_the_shared_structure_filter_sorts_by_distance_without_dropping_structures_without_offers(towns):
    from directory.filters import StructureFilter

    params = {"sort": "distance", "lat": str(BORDEAUX[0]), "lon": str(BORDEAUX[1])}
    names = [s.name for s in StructureFilter(params).qs]
    assert names == ["Bordeaux", "La Rochelle", "Poitiers", "Sans coordonnées"]


def test_an_out_of_range_point_is_a_form_error(towns):
    from directory.filters import OfferFilter

    offer_filter = OfferFilter({"sort": "distance", "lat": "123", "lon": "0"})
    assert not offer_filter.is_valid()
    assert "lat" in offer_filter.errors
