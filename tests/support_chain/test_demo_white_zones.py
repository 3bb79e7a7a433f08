"""The demo directory shows the gaps it was made to show (fixtures/demo/README.md), permanences included."""

import pytest
from django.core.management import call_command

from directory.models import Permanence, Territory
from support_chain.white_zones import compute_white_zones, reach_summary

pytestmark = pytest.mark.django_db

GAPS = {"REG-75": ["DEP-23", "DEP-19"], "REG-76": ["DEP-48", "DEP-82"]}


def test_demo_permanences_and_white_zones_of_the_creuse_lozere_correze_and_tarn_et_garonne():
    call_command("load_demo")
    permanences = Permanence.objects.select_related("place", "host")
    assert permanences.count() >= 15
    assert all(p.place.role_third_place and p.place.latitude is not None for p in permanences)
    assert {p.place.region.key for p in permanences} == {"REG-75", "REG-28", "REG-76"}
    call_command("load_demo")  # reloading changes nothing
    assert Permanence.objects.count() == permanences.count()

    for region_key, departements in GAPS.items():
        region = Territory.objects.get(key=region_key)
        compute_white_zones(region=region)
        rows = {territory.key: cells for territory, cells in reach_summary(region).rows}
        for key in departements:
            for cell in rows[key]:
                # Most of the département's inhabitants have nothing in person within 30 km, at every stage.
                assert cell.population_without > cell.total_population / 2, (key, cell.stage.slug)
    gironde = {cell.stage.slug: cell for cell in rows_of("REG-75", "DEP-33")}
    assert gironde["emergence"].population_without < gironde["emergence"].total_population / 2


def rows_of(region_key, key):
    region = Territory.objects.get(key=region_key)
    return dict((t.key, cells) for t, cells in reach_summary(region).rows)[key]
