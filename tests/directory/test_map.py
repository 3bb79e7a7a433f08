"""The map page (and its list) and the GeoJSON endpoint it loads."""

import json

import pytest
from django.conf import settings
from django.urls import reverse

from directory.models import PublicationStatus
from directory.views import maps
from tests.factories import OfferFactory, StructureFactory, commune

pytestmark = pytest.mark.django_db

NIORT = (46.3237, -0.4648)
POITIERS = (46.5802, 0.3404)
BORDEAUX = (44.8378, -0.5792)
LILLE = (50.6372, 3.0633)
# Roughly the département of the Deux-Sèvres, then the Nouvelle-Aquitaine région.
DEUX_SEVRES = "-0.95,45.95,0.25,47.15"
NOUVELLE_AQUITAINE = "-1.8,42.7,2.7,47.2"


def located(name, point, code, **kwargs):
    return StructureFactory(name=name, commune=commune(code), latitude=point[0], longitude=point[1], **kwargs)


@pytest.fixture
def towns():
    return {
        "niort": located("Niort", NIORT, "79191", role_financer=True),
        "poitiers": located("Poitiers", POITIERS, "86194"),
        "bordeaux": located("Bordeaux", BORDEAUX, "33063", role_third_place=True, role_support=False),
        "lille": located("Lille", LILLE, "59350"),
    }


def geojson(client, **params):
    response = client.get(reverse("directory:map_geojson"), params)
    return response, json.loads(response.content) if response.status_code in (200, 400) else None


def names(payload):
    return sorted(feature["properties"]["name"] for feature in payload["features"])


def test_the_bbox_returns_only_the_structures_inside_it(client, towns):
    response, payload = geojson(client, bbox=NOUVELLE_AQUITAINE)
    assert response["Content-Type"] == "application/geo+json"
    assert payload["type"] == "FeatureCollection"
    assert names(payload) == ["Bordeaux", "Niort", "Poitiers"]
    assert payload["total"] == 3 and payload["left_out"] == 0
    _, payload = geojson(client, bbox=DEUX_SEVRES)
    assert names(payload) == ["Niort"]


def test_a_feature_carries_only_what_a_marker_needs(client, towns):
    _, payload = geojson(client, bbox=DEUX_SEVRES)
    (feature,) = payload["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [NIORT[1], NIORT[0]]}
    niort = towns["niort"]
    assert feature["properties"] == {
        "id": niort.pk,
        "name": "Niort",
        "url": niort.get_absolute_url(),
        "roles": ["support", "financer"],
    }


def test_unpublished_and_unlocated_structures_are_not_on_the_map(client, towns):
    located("Brouillon", NIORT, "79191", status=PublicationStatus.DRAFT)
    StructureFactory(name="Sans coordonnées", commune=commune("79191"))
    _, payload = geojson(client)
    assert names(payload) == ["Bordeaux", "Lille", "Niort", "Poitiers"]


def test_the_shared_filters_apply_through_the_structures_offers(client, towns):
    OfferFactory(structure=towns["niort"], stages=["creation"], offer_type="financement")
    OfferFactory(structure=towns["poitiers"], stages=["emergence"])
    OfferFactory(structure=towns["lille"], stages=["creation"], status=PublicationStatus.DRAFT)
    _, payload = geojson(client, bbox=NOUVELLE_AQUITAINE, stage="creation")
    assert names(payload) == ["Niort"]
    _, payload = geojson(client, stage=["creation", "emergence"])
    assert names(payload) == ["Niort", "Poitiers"]
    _, payload = geojson(client, role="third_place")
    assert names(payload) == ["Bordeaux"]


def test_a_capped_answer_says_how_many_were_left_out(client, towns, monkeypatch):
    monkeypatch.setattr(maps, "MAP_MAX_FEATURES", 2)
    _, payload = geojson(client)
    assert len(payload["features"]) == 2
    assert payload["total"] == 4 and payload["left_out"] == 2


def test_a_capped_answer_around_a_point_keeps_the_nearest(client, towns, monkeypatch):
    monkeypatch.setattr(maps, "MAP_MAX_FEATURES", 2)
    _, payload = geojson(client, sort="distance", lat=str(BORDEAUX[0]), lon=str(BORDEAUX[1]))
    assert [f["properties"]["name"] for f in payload["features"]] == ["Bordeaux", "Niort"]


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "3,45,1,47", "-200,40,0,50", "0,47,1,45"])
def test_a_bad_bbox_is_a_400_with_a_reason(client, bbox):
    response, payload = geojson(client, bbox=bbox)
    assert response.status_code == 400
    assert "bbox" in payload["error"]


def test_invalid_filters_are_a_400(client):
    response, payload = geojson(client, territory="Xyzzyville")
    assert response.status_code == 400
    assert "territory" in payload["fields"]


@pytest.mark.parametrize("count", [3, 30])
def test_the_endpoint_runs_a_fixed_number_of_queries(client, count, django_assert_num_queries):
    for index in range(count):
        OfferFactory(structure=located(f"S{index}", (46 + index / 100, 0.1), "86194"), stages=["creation"])
    with django_assert_num_queries(2):  # the stage choices, the structures
        _, payload = geojson(client, stage="creation", bbox=NOUVELLE_AQUITAINE)
    assert len(payload["features"]) == count


# The page ----------------------------------------------------------------------------------------------------


def test_the_page_holds_the_map_and_the_same_structures_as_a_list(client, towns):
    StructureFactory(name="Sans coordonnées", commune=commune("79191"))
    html = client.get(reverse("directory:map")).content.decode()
    assert 'id="map"' in html
    assert f'data-geojson-url="{reverse("directory:map_geojson")}"' in html
    assert "leaflet.markercluster.js" in html
    assert "5 structures" in html
    for name in ("Niort", "Poitiers", "Bordeaux", "Lille", "Sans coordonnées"):
        assert f">{name}</a>" in html
    assert "pas sur la carte" in html
    assert 'data-territory-autocomplete="COM,EPCI,DEP,REG"' in html
    # The tile server comes from settings.MAP_TILES_URL, through django-leaflet's LEAFLET_CONFIG.
    assert settings.MAP_TILES_URL in html


def test_the_list_is_filtered_like_the_map(client, towns):
    OfferFactory(structure=towns["niort"], stages=["creation"])
    html = client.get(reverse("directory:map"), {"stage": "creation"}).content.decode()
    assert "1 structure" in html
    assert ">Niort</a>" in html and ">Poitiers</a>" not in html


def test_the_list_around_a_point_is_sorted_by_distance_with_the_km(client, towns):
    html = client.get(
        reverse("directory:map"), {"sort": "distance", "lat": str(NIORT[0]), "lon": str(NIORT[1])}
    ).content.decode()
    order = [html.index(f">{name}</a>") for name in ("Niort", "Poitiers", "Bordeaux", "Lille")]
    assert order == sorted(order)
    assert "à 68 km" in html  # Poitiers
    assert f'data-lat="{NIORT[0]:.5f}"' in html


@pytest.mark.parametrize("count", [3, 45])
def test_the_page_runs_a_bounded_number_of_queries(client, count, django_assert_num_queries):
    for index in range(count):
        located(f"Structure {index:02}", (46 + index / 100, 0.1), "86194")
    # count, page of structures (with communes), stage / need / instrument / network choices, demo flag.
    with django_assert_num_queries(7):
        html = client.get(reverse("directory:map")).content.decode()
    assert html.count('class="card" data-structure=') == min(count, maps.LIST_PAGE_SIZE)


def test_the_page_links_to_the_directory_search_with_the_same_filters(client, towns):
    html = client.get(
        reverse("directory:map"), {"stage": "creation", "sort": "distance", "lat": "46.3", "lon": "-0.4", "page": "1"}
    ).content.decode()
    assert f'href="{reverse("directory:search")}?stage=creation"' in html
