import csv
import io

import pytest
from django.urls import reverse

from directory.models import PublicationStatus, Territory
from directory.white_zones import white_zone_matrix
from tests.factories import OfferFactory, StructureFactory, commune, make_curator

pytestmark = pytest.mark.django_db


@pytest.fixture
def hand_built():
    """Offers in Nouvelle-Aquitaine, each covering a known territory."""
    structure = StructureFactory(commune=commune("23077"))
    OfferFactory(structure=structure, coverage=["DEP-23"], stages=["emergence", "creation"])
    OfferFactory(structure=structure, coverage=["DEP-23", "REG-75"], stages=["emergence"], offer_type="financement")
    OfferFactory(structure=structure, coverage=["REG-75"], stages=["consolidation"])
    OfferFactory(structure=structure, coverage=["EPCI-200044014"], stages=["amorcage"])
    OfferFactory(structure=structure, coverage=["DEP-23"], stages=["developpement"], status=PublicationStatus.DRAFT)
    OfferFactory(structure=structure, coverage=["DEP-87"], stages=["developpement"])
    OfferFactory(structure=StructureFactory(commune=commune("14118")), coverage=["DEP-14"], stages=["developpement"])
    return structure


def _cells(matrix):
    return {(territory.key, cell.stage.slug): cell for territory, cells in matrix.rows for cell in cells}


def test_departement_rows_count_offers_covering_them_by_stage_and_type(hand_built):
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


def test_epci_rows_of_a_departement(hand_built):
    matrix = white_zone_matrix(Territory.objects.get(key="REG-75"), Territory.objects.get(key="DEP-23"))
    cells = _cells(matrix)
    assert all(t.kind == "EPCI" for t, _c in matrix.rows) and "EPCI-200044014" in {t.key for t, _c in matrix.rows}
    assert cells[("EPCI-200044014", "amorcage")].total == 1
    assert cells[("EPCI-200044014", "emergence")].total == 2
    other = next(t.key for t, _c in matrix.rows if t.key != "EPCI-200044014")
    assert cells[(other, "amorcage")].is_empty


def test_page_highlights_empty_cells_with_a_link_in_bounded_queries(client, hand_built, django_assert_max_num_queries):
    client.force_login(make_curator("REG-75"))
    with django_assert_max_num_queries(13):  # 12 + the navigation's roles
        response = client.get(reverse("curation:white_zones"))
    content = response.content.decode()
    assert 'class="white-zone" data-cell="DEP-23:amorcage"' in content
    assert 'href="/directory/?territory=DEP-23&amp;stage=amorcage"' in content
    OfferFactory.create_batch(5, structure=hand_built, coverage=["DEP-24"], stages=["reprise-transmission"])
    with django_assert_max_num_queries(13):  # 12 + the navigation's roles
        client.get(reverse("curation:white_zones"), {"departement": "DEP-23"})


def test_csv_export_and_scope(client, hand_built):
    client.force_login(make_curator("REG-75"))
    response = client.get(reverse("curation:white_zones"), {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    row = next(r for r in rows if r["code"] == "DEP-23" and r["etape"] == "emergence")
    assert row["total"] == "2" and row["financement"] == "1"
    assert len(rows) == 12 * 7
    assert client.get(reverse("curation:white_zones"), {"region": "REG-28"}).status_code == 404
    assert client.get(reverse("curation:white_zones"), {"departement": "DEP-14"}).status_code == 404
    client.force_login(make_curator("REG-28"))
    assert client.get(reverse("curation:white_zones"), {"departement": "DEP-23"}).status_code == 404
