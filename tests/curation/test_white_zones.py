"""The curators' white-zone page (the matrix it shows: tests/support_chain/test_white_zones.py)."""

import csv
import io

import pytest
from django.urls import reverse

from tests.factories import OfferFactory, make_curator

pytestmark = pytest.mark.django_db


def test_page_highlights_empty_cells_with_a_link_in_bounded_queries(
    client, white_zone_offers, django_assert_max_num_queries
):
    client.force_login(make_curator("REG-75"))
    with django_assert_max_num_queries(13):  # 12 + the navigation's roles
        response = client.get(reverse("curation:white_zones"))
    content = response.content.decode()
    assert 'class="white-zone" data-cell="DEP-23:amorcage"' in content
    assert 'href="/directory/?territory=DEP-23&amp;stage=amorcage"' in content
    OfferFactory.create_batch(5, structure=white_zone_offers, coverage=["DEP-24"], stages=["reprise-transmission"])
    with django_assert_max_num_queries(13):  # 12 + the navigation's roles
        client.get(reverse("curation:white_zones"), {"departement": "DEP-23"})


def test_csv_export_and_scope(client, white_zone_offers):
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
