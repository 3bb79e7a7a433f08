"""The white-zone matrix of support_chain/white_zones.py: offers covering each territory, by stage and type."""

import pytest

from directory.models import Territory
from support_chain.white_zones import white_zone_matrix

pytestmark = pytest.mark.django_db


def _cells(matrix):
    return {(territory.key, cell.stage.slug): cell for territory, cells in matrix.rows for cell in cells}


def test_departement_rows_count_offers_covering_them_by_stage_and_type(white_zone_offers):
    region = Territory.objects.get(key="REG-75")
    matrix = white_zone_matrix(region)
    cells = _cells(matrix)
    assert [t.key for t, _c in matrix.rows][:3] == ["DEP-16", "DEP-17", "DEP-19"]
    assert len(matrix.rows) == 12
    assert cells[("DEP-23", "emergence")].by_type == {"accompagnement": 1, "financement": 1}  # counted once
    assert cells[("DEP-23", "creation")].total == 1
    assert cells[("DEP-23", "consolidation")].total == 1  # through the région
    assert cells[("DEP-19", "consolidation")].total == 1 and cells[("DEP-19", "creation")].is_empty
    assert cells[("DEP-19", "emergence")].by_type == {"financement": 1}
    # An EPCI-wide offer does not cover the whole département; a draft covers nothing.
    assert cells[("DEP-23", "amorcage")].is_empty and cells[("DEP-23", "developpement")].is_empty
    assert cells[("DEP-87", "developpement")].total == 1
    assert cells[("DEP-23", "amorcage")].search_url == "/directory/?territory=DEP-23&stage=amorcage"


def test_epci_rows_of_a_departement(white_zone_offers):
    matrix = white_zone_matrix(Territory.objects.get(key="REG-75"), Territory.objects.get(key="DEP-23"))
    cells = _cells(matrix)
    assert all(t.kind == "EPCI" for t, _c in matrix.rows) and "EPCI-200044014" in {t.key for t, _c in matrix.rows}
    assert cells[("EPCI-200044014", "amorcage")].total == 1
    assert cells[("EPCI-200044014", "emergence")].total == 2
    other = next(t.key for t, _c in matrix.rows if t.key != "EPCI-200044014")
    assert cells[(other, "amorcage")].is_empty
