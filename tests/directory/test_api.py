import pytest
from django.urls import reverse

from directory.models import PublicationStatus
from tests.factories import OfferFactory, StructureFactory, make_editor

pytestmark = pytest.mark.django_db

OFFERS = reverse("directory:api-offer-list")
STRUCTURES = reverse("directory:api-structure-list")


def test_offers_are_filtered_like_the_search_page(client):
    OfferFactory(title="Faux", coverage=["COM-23077"], stages=["emergence"], needs=["gouvernance"])
    OfferFactory(title="Creuse création", coverage=["DEP-23"], stages=["creation"])
    OfferFactory(title="Calvados", coverage=["DEP-14"], stages=["emergence"])
    body = client.get(OFFERS, {"territory": "COM-23077", "stage": "emergence"}).json()
    assert body["count"] == 1
    offer = body["results"][0]
    assert offer["title"] == "Faux"
    assert offer["stages"] == ["emergence"] and offer["needs"] == ["gouvernance"]
    assert offer["coverage"] == [{"key": "COM-23077", "kind": "COM", "code": "23077", "name": "Faux-la-Montagne"}]
    assert offer["page"].endswith(f"/directory/offres/{offer['id']}/")
    assert offer["structure"]["name"].startswith("Structure d'essai")


def test_free_text_and_pagination(client):
    OfferFactory.create_batch(21, title="Crèche coopérative")
    OfferFactory(title="Autre")
    body = client.get(OFFERS, {"q": "creche"}).json()
    assert body["count"] == 21 and len(body["results"]) == 20 and body["next"]


def test_an_unknown_territory_is_a_clear_400(client):
    response = client.get(OFFERS, {"territory": "Atlantide"})
    assert response.status_code == 400
    assert "Nous ne trouvons pas" in response.json()["territory"][0]


def test_unpublished_entries_never_appear(client):
    visible = OfferFactory(title="Visible")
    draft = OfferFactory(title="Brouillon", status=PublicationStatus.DRAFT)
    hidden_structure = StructureFactory(name="Structure en attente", status=PublicationStatus.PENDING)
    hidden = OfferFactory(title="Offre d'une structure en attente", structure=hidden_structure)
    offers = client.get(OFFERS).json()
    assert [o["title"] for o in offers["results"]] == ["Visible"]
    structures = client.get(STRUCTURES).json()
    names = {s["name"] for s in structures["results"]}
    assert visible.structure.name in names and "Structure en attente" not in names
    assert "Brouillon" not in str(structures) and "Brouillon" not in str(offers)
    for url in [
        reverse("directory:api-offer-detail", args=[draft.pk]),
        reverse("directory:api-offer-detail", args=[hidden.pk]),
        reverse("directory:api-structure-detail", args=[hidden_structure.pk]),
    ]:
        assert client.get(url).status_code == 404


def test_structures_carry_public_contacts_only_and_are_read_only(client):
    structure = StructureFactory(name="Coopérative", phone="05 55 00 00 00", email="contact@coop.example")
    make_editor(structure, email="gerante@coop.example")
    OfferFactory(structure=structure, stages=["creation"])
    OfferFactory(stages=["emergence"])
    body = client.get(STRUCTURES, {"stage": "creation"}).json()
    assert [s["name"] for s in body["results"]] == ["Coopérative"]
    result = body["results"][0]
    assert result["phone"] == "05 55 00 00 00" and result["roles"] == ["support"]
    assert "gerante@coop.example" not in str(body)
    assert set(result) == {
        "id", "page", "name", "siret", "legal_form", "roles", "network", "description", "address", "commune",
        "latitude", "longitude", "website", "email", "phone", "opening_hours", "accessibility", "last_verified_at",
    }  # fmt: skip
    assert client.post(STRUCTURES, {"name": "Pirate"}).status_code in (403, 405)


def test_list_query_count_does_not_depend_on_the_page_size(client, django_assert_num_queries):
    OfferFactory.create_batch(3, stages=["emergence", "creation"], needs=["gouvernance"])
    with django_assert_num_queries(6):  # count, page, stages, needs, legal forms, coverage
        small = client.get(OFFERS).json()
    OfferFactory.create_batch(15, stages=["emergence"], needs=["gouvernance"])
    with django_assert_num_queries(6):
        large = client.get(OFFERS).json()
    assert len(small["results"]) == 3 and len(large["results"]) == 18


def test_schema_describes_both_endpoints_and_the_shared_parameters(client):
    response = client.get(reverse("directory:api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = response.json()
    assert "/directory/api/offres/" in schema["paths"] and "/directory/api/structures/" in schema["paths"]
    names = {p["name"] for p in schema["paths"]["/directory/api/offres/"]["get"]["parameters"]}
    assert {"q", "territory", "stage", "need", "offer_type", "open_now", "sort", "page"} <= names
