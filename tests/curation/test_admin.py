import pytest
from django.urls import reverse

from tests.factories import OfferFactory, StructureFactory, UserFactory, commune

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_structure_list_searches_and_filters(admin_client):
    StructureFactory(name="Tiers-lieu de la Montagne", role_third_place=True)
    StructureFactory(name="France Active essai", commune=commune("14118"))
    response = admin_client.get(reverse("admin:directory_structure_changelist"), {"q": "montagne"})
    content = response.content.decode()
    assert "Tiers-lieu de la Montagne" in content and "France Active essai" not in content
    response = admin_client.get(reverse("admin:directory_structure_changelist"), {"role_third_place__exact": "1"})
    assert "Tiers-lieu de la Montagne" in response.content.decode()


def test_commune_autocomplete_offers_communes_only_and_finds_by_postal_code(admin_client):
    url = reverse("admin:autocomplete")
    params = {"app_label": "directory", "model_name": "structure", "field_name": "commune"}
    by_name = admin_client.get(url, {**params, "term": "faux la"}).json()["results"]
    assert "Faux-la-Montagne (23)" in [r["text"] for r in by_name]
    by_postal = admin_client.get(url, {**params, "term": "23340"}).json()["results"]
    assert {"Faux-la-Montagne (23)", "Gentioux-Pigerolles (23)"} <= {r["text"] for r in by_postal}
    # limit_choices_to keeps départements out of a structure's commune field
    assert all("(" in r["text"] for r in admin_client.get(url, {**params, "term": "creuse"}).json()["results"])


def test_offer_change_page_uses_autocomplete_not_a_35000_row_select(admin_client):
    offer = OfferFactory(coverage=["COM-23077", "DEP-23"])
    response = admin_client.get(reverse("admin:directory_offer_change", args=[offer.pk]))
    content = response.content.decode()
    assert content.count("<option") < 300
    assert "admin-autocomplete" in content and "Faux-la-Montagne (23)" in content
