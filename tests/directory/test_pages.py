import datetime

import pytest
from django.utils import timezone

from directory.models import Instrument, Permanence, PublicationStatus
from tests.factories import OfferFactory, StructureFactory, commune

pytestmark = pytest.mark.django_db


def get(client, obj):
    return client.get(obj.get_absolute_url())


def test_offer_page_shows_everything_a_holder_needs_to_act(client):
    structure = StructureFactory(
        name="Fonds territorial",
        address="2 place du Marché",
        phone="05 55 00 00 00",
        email="contact@fonds.example",
        website="https://fonds.example",
        opening_hours="Du lundi au vendredi, 9h-17h",
        accessibility="Accès de plain-pied",
    )
    offer = OfferFactory(
        structure=structure,
        title="Prêt d'honneur création",
        offer_type="financement",
        description="Un prêt sans intérêt.",
        how_to_access="Prenez rendez-vous.",
        stages=["creation"],
        needs=["financement"],
        support_level=3,
        coverage=["DEP-23"],
        eligible_legal_forms=["scop"],
        esus_required=True,
        instrument=Instrument.objects.get(slug="pret-honneur"),
        amount_min=1000,
        amount_max=8000,
        opens_on=datetime.date(2027, 1, 5),
        closes_on=datetime.date(2027, 3, 15),
        fee="gratuit",
        mode_distance=True,
        url="https://fonds.example/pret",
    )
    content = get(client, offer).content.decode()
    for expected in [
        "Prêt d&#x27;honneur création",
        "Fonds territorial",
        "Un prêt sans intérêt.",
        "Prenez rendez-vous.",
        "Création",
        "Expertise",
        "Creuse (département)",
        "Agrément ESUS requis",
        "Prêt d&#x27;honneur",
        "De 1\xa0000 € à 8\xa0000 €",
        "Clôture le 15 mars 2027",
        "Gratuit",
        "À distance",
        "https://fonds.example/pret",
        "05 55 00 00 00",
        "Du lundi au vendredi, 9h-17h",
        "Accès de plain-pied",
        "Mis à jour le",
    ]:
        assert expected in content, expected
    assert "Information de plus d’un an" not in content


def test_stale_offer_shows_a_visible_warning(client):
    offer = OfferFactory(last_verified_at=timezone.now() - datetime.timedelta(days=366))
    assert "Information de plus d’un an" in get(client, offer).content.decode()


def test_unpublished_entries_are_404(client):
    draft = OfferFactory(status=PublicationStatus.DRAFT)
    hidden = StructureFactory(status=PublicationStatus.PENDING)
    assert get(client, draft).status_code == 404
    assert get(client, hidden).status_code == 404
    assert get(client, OfferFactory(structure=hidden)).status_code == 404


def test_other_offers_and_similar_offers_nearby(client):
    structure = StructureFactory()  # in Faux-la-Montagne (23077)
    offer = OfferFactory(structure=structure, stages=["emergence"], needs=["gouvernance"], coverage=["COM-23077"])
    sibling = OfferFactory(structure=structure, title="Sœur", stages=["creation"])
    OfferFactory(structure=structure, title="Sœur brouillon", status=PublicationStatus.DRAFT)
    same_stage = OfferFactory(title="Même étape, Creuse", stages=["emergence"], coverage=["DEP-23"])
    same_need = OfferFactory(
        title="Même besoin, commune", stages=["creation"], needs=["gouvernance"], coverage=["COM-23077"]
    )
    OfferFactory(title="Même étape, Calvados", stages=["emergence"], coverage=["DEP-14"])
    OfferFactory(title="Autre étape", stages=["consolidation"], coverage=["FR"])
    response = get(client, offer)
    assert list(response.context["other_offers"]) == [sibling]
    assert list(response.context["similar_offers"]) == [same_need, same_stage]
    assert "Sœur brouillon" not in response.content.decode()


def test_permanences_both_directions(client):
    place = StructureFactory(
        name="Tiers-lieu La Fabrique", role_support=False, role_third_place=True, commune=commune("23090")
    )
    host = StructureFactory(name="Boutique de gestion")
    offer = OfferFactory(structure=host, title="Conseil création")
    Permanence.objects.create(place=place, host=host, offer=offer, schedule="Le 1er mardi du mois, 9h-12h")
    place_page = get(client, place).content.decode()
    assert "Permanences accueillies dans ce lieu" in place_page and "Boutique de gestion" in place_page
    assert "Le 1er mardi du mois, 9h-12h" in place_page and "Conseil création" in place_page
    host_page = get(client, host).content.decode()
    assert "Permanences tenues dans des tiers-lieux" in host_page and "Tiers-lieu La Fabrique" in host_page
    offer_page = get(client, offer).content.decode()
    assert "Tiers-lieu La Fabrique" in offer_page and "Le 1er mardi du mois" in offer_page


def test_structure_page_lists_its_published_offers(client):
    structure = StructureFactory(description="Une coopérative d'activité.")
    OfferFactory(structure=structure, title="Visible")
    OfferFactory(structure=structure, title="Cachée", status=PublicationStatus.ARCHIVED)
    response = get(client, structure)
    content = response.content.decode()
    assert [o.title for o in response.context["offers"]] == ["Visible"]
    assert "Une coopérative d&#x27;activité." in content and "Cachée" not in content


@pytest.mark.parametrize("size", [1, 8])
def test_pages_run_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    structure = StructureFactory()
    offers = [
        OfferFactory(structure=structure, stages=["emergence", "creation"], coverage=["COM-23077", "DEP-23"])
        for _ in range(size + 1)
    ]
    for _ in range(size):
        OfferFactory(stages=["emergence"], coverage=["DEP-23"])
        Permanence.objects.create(place=StructureFactory(role_third_place=True), host=structure, schedule="Jeudi")
    # structure, offers (+ stages, coverage), hosted and held permanences, demo banner
    with django_assert_num_queries(7):
        get(client, structure)
    # offer (+ stages, needs, legal forms, coverage), other offers (+2), similar ids then cards (+2), permanences,
    # demo banner; then the page is kept with the directory version
    with django_assert_num_queries(14):
        get(client, offers[0])
    with django_assert_num_queries(0):
        get(client, offers[0])
