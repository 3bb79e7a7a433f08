import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.models import PublicationStatus
from tests.factories import OfferFactory, StructureFactory

pytestmark = pytest.mark.django_db

URL = reverse("directory:search")


def result_titles(response):
    return [offer.title for offer in response.context["page"].object_list]


def facet(response, name):
    return {o["value"]: o["count"] for f in response.context["facets"] if f["name"] == name for o in f["options"]}


def test_search_filters_by_territory_and_stage_and_shows_cards(client):
    OfferFactory(title="Couveuse de Faux", coverage=["COM-23077"], stages=["emergence"])
    OfferFactory(title="Creuse création", coverage=["DEP-23"], stages=["creation"])
    OfferFactory(title="Calvados", coverage=["DEP-14"], stages=["emergence"])
    OfferFactory(title="Brouillon", coverage=["FR"], stages=["emergence"], status=PublicationStatus.DRAFT)
    response = client.get(URL, {"territory": "COM-23077", "stage": "emergence"})
    assert result_titles(response) == ["Couveuse de Faux"]
    content = response.content.decode()
    assert "Couveuse de Faux" in content and "Faux-la-Montagne (23)" in content and "Brouillon" not in content
    assert 'value="Faux-la-Montagne (23)"' in content  # the resolved territory is shown back, not its code
    assert "1 offre" in content


def test_territory_typed_as_a_name_or_postal_code(client):
    OfferFactory(title="Faux", coverage=["COM-23077"])
    OfferFactory(title="Ailleurs", coverage=["DEP-14"])
    assert result_titles(client.get(URL, {"territory": "Faux-la-Montagne"})) == ["Faux"]
    ambiguous = client.get(URL, {"territory": "23340"})
    assert "désigne plusieurs territoires" in ambiguous.content.decode()
    assert result_titles(ambiguous) == []


def test_facet_counts_leave_their_own_selection_out(client):
    OfferFactory(offer_type="financement", stages=["emergence"], fee="gratuit")
    OfferFactory(offer_type="financement", stages=["creation"], fee="payant")
    OfferFactory(offer_type="accompagnement", stages=["creation", "emergence"], fee="gratuit")
    response = client.get(URL, {"offer_type": "financement"})
    assert len(result_titles(response)) == 2
    # Other choices of the selected facet keep their count, so they can be added.
    assert facet(response, "offer_type")["financement"] == 2 and facet(response, "offer_type")["accompagnement"] == 1
    # The other facets count within the selection.
    assert facet(response, "stage")["emergence"] == 1 and facet(response, "stage")["creation"] == 1
    assert facet(response, "fee") == {"gratuit": 1, "payant": 1, "adhesion": 0}
    checked = [
        o["value"]
        for f in response.context["facets"]
        if f["name"] == "offer_type"
        for o in f["options"]
        if o["checked"]
    ]
    assert checked == ["financement"]


def test_free_text_and_sort_by_relevance(client):
    OfferFactory(title="Accompagnement", description="Crèche associative")
    OfferFactory(title="Ouvrir une crèche")
    OfferFactory(title="Sans rapport")
    response = client.get(URL, {"q": "creches"})
    assert set(result_titles(response)) == {"Accompagnement", "Ouvrir une crèche"}
    assert response.context["current_sort"] == "pertinence"


def test_stale_offers_are_flagged_and_dates_shown(client):
    old = timezone.now() - datetime.timedelta(days=400)
    OfferFactory(title="Ancienne", last_verified_at=old)
    content = client.get(URL).content.decode()
    assert "Information à vérifier" in content
    assert f"Mis à jour le {timezone.localtime(old).day}" in content


def test_empty_state(client):
    OfferFactory(coverage=["DEP-14"])
    content = client.get(URL, {"territory": "DEP-23"}).content.decode()
    assert "Aucune offre ne correspond à votre recherche." in content
    assert "Voir toutes les offres" in content


def test_pagination_keeps_the_filters(client):
    OfferFactory.create_batch(23, stages=["creation"])
    OfferFactory(stages=["emergence"])
    first = client.get(URL, {"stage": "creation"})
    assert len(result_titles(first)) == 20
    assert "?stage=creation&amp;page=2" in first.content.decode()
    second = client.get(URL, {"stage": "creation", "page": "2"})
    assert len(result_titles(second)) == 3
    assert client.get(URL, {"page": "abc"}).status_code == 200


@pytest.mark.parametrize("size", [3, 20])
def test_query_count_does_not_depend_on_the_page_size(client, django_assert_num_queries, size):
    for _index in range(size):
        structure = StructureFactory(network=None)
        OfferFactory(structure=structure, coverage=["COM-23077", "DEP-23"], stages=["emergence", "creation"])
    # territory and stage validation; the page's ids, its cards, their stages and coverage; vocabularies (stages,
    # needs, instruments, networks); 3 facet queries (the selected stage facet, the needs, every other facet), whose
    # counts also give the total: no COUNT; the demo banner. (Once cached, the facets and the ids go too:
    # tests/directory/test_cache.py.)
    with django_assert_num_queries(14):
        response = client.get(URL, {"territory": "COM-23077", "stage": "creation"})
    assert len(result_titles(response)) == size


def test_distance_sort_is_offered_only_with_a_point_and_keeps_it(client):
    without = client.get(reverse("directory:search")).content.decode()
    assert 'value="distance"' not in without
    with_point = client.get(reverse("directory:search"), {"sort": "distance", "lat": "46.32", "lon": "-0.46"})
    html = with_point.content.decode()
    assert 'value="distance" selected' in html
    assert 'name="lat" value="46.320000"' in html and 'name="lon" value="-0.460000"' in html
