"""The curators' white-zone page (the figures it reads: tests/support_chain/test_white_zones.py)."""

import csv
import io
import json
import math

import pytest
from django.urls import reverse

from directory.models import Territory
from support_chain.white_zones import compute_white_zones
from tests.factories import OfferFactory, StructureFactory, commune, make_curator

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed():
    gueret = commune("23096")
    near = StructureFactory(
        commune=gueret, latitude=gueret.latitude + math.degrees(10 / 6371.0088), longitude=gueret.longitude
    )
    OfferFactory(structure=near, mode_presentiel=True, coverage=["DEP-23"], stages=["emergence"])
    OfferFactory(mode_distance=True, coverage=["FR"], stages=["emergence"])
    compute_white_zones(region=Territory.objects.get(key="REG-75"))


def test_page_shows_inhabitants_without_in_person_support_in_bounded_queries(
    client, computed, django_assert_max_num_queries
):
    client.force_login(make_curator("REG-75"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("curation:white_zones"))
    content = response.content.decode()
    summary = response.context["summary"]
    creuse = dict(summary.rows)[Territory.objects.get(key="DEP-23")]
    assert 0 < creuse[0].population_without < creuse[0].total_population
    assert f'data-cell="DEP-23:emergence" data-population="{creuse[0].population_without}"' in content
    assert "habitants</strong> à plus de 30 km d'un accompagnement en présentiel pour l'étape « Émergence »" in content
    # The map gets the départements' boundaries with the same classes as the table.
    features = json.loads(json.dumps(response.context["map_data"]))["features"]
    assert len(features) == 12 and features[0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    creuse_feature = next(f for f in features if f["properties"]["key"] == "DEP-23")
    assert creuse_feature["properties"]["levels"]["emergence"] == creuse[0].level
    assert 'id="white-zone-geojson"' in content
    with django_assert_max_num_queries(12):
        response = client.get(reverse("curation:white_zones"), {"departement": "DEP-23", "stage": "creation"})
    assert all(t.kind == "EPCI" for t, _cells in response.context["summary"].rows)
    assert response.context["map_stage"].slug == "creation"


def test_page_says_when_nothing_was_computed_yet(client):
    client.force_login(make_curator("REG-75"))
    response = client.get(reverse("curation:white_zones"))
    assert "pas encore été calculées" in response.content.decode()


def test_csv_export_and_scope(client, computed):
    client.force_login(make_curator("REG-75"))
    response = client.get(reverse("curation:white_zones"), {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == (12 + 1) * 7
    creuse = next(r for r in rows if r["code"] == "DEP-23" and r["etape"] == "emergence")
    population = sum(
        Territory.objects.communes().filter(departement__key="DEP-23").values_list("population", flat=True)
    )
    assert int(creuse["population"]) == population
    assert sum(int(creuse[f"population_{s}"]) for s in ("in_person", "remote_only", "none")) == population
    assert int(creuse["population_in_person"]) > 0 and creuse["rayon_km"] == "30"
    assert client.get(reverse("curation:white_zones"), {"region": "REG-28"}).status_code == 404
    assert client.get(reverse("curation:white_zones"), {"departement": "DEP-14"}).status_code == 404
    client.force_login(make_curator("REG-28"))
    assert client.get(reverse("curation:white_zones"), {"departement": "DEP-23"}).status_code == 404
