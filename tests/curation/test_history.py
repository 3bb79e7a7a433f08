"""The history page of an offer and of a structure: readable dates, who edited, revert back to it."""

import pytest
from django.urls import reverse

from directory.models import Offer
from tests.factories import OfferFactory, StructureFactory, commune, make_curator, make_editor

pytestmark = pytest.mark.django_db


def test_offer_history_page_lists_versions_and_a_revert_lands_on_it(client):
    offer = OfferFactory(title="Première version", structure=StructureFactory(commune=commune("23077")))
    offer.title = "Deuxième version"
    offer.save()
    client.force_login(make_curator("REG-75"))
    url = reverse("curation:history", args=["offre", offer.pk])
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Première version" in content and "Deuxième version" in content
    first = offer.history.earliest()
    response = client.post(
        reverse("curation:revert", args=["offre", offer.pk]),
        {"history_id": first.history_id, "reason": "Titre d'origine"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url and response.status_code == 200
    assert Offer.objects.get(pk=offer.pk).title == "Première version"


def test_history_shows_dates_as_people_read_them_and_names_a_curators_edit(client):
    structure = StructureFactory(name="Avant", commune=commune("23077"))
    curator = make_curator("REG-75")
    client.force_login(curator)
    client.post(
        reverse("curation:structure_edit", args=[structure.pk]),
        {"name": "Après", "commune": "23077", "role_support": "on"},
    )
    structure.last_verified_at = structure.created_at
    structure.save()
    content = client.get(reverse("curation:history", args=["structure", structure.pk])).content.decode()
    assert "Modification par la CRESS" in content and "Modification par la structure" not in content
    assert "+00:00" not in content and structure.created_at.isoformat()[:10] not in content


def test_the_curators_edit_page_does_not_say_the_cress_will_review_it(client):
    structure = StructureFactory(commune=commune("23077"))
    review_notice = "l'équipe de la CRESS les relira"
    client.force_login(make_curator("REG-75"))
    assert review_notice not in client.get(reverse("curation:structure_edit", args=[structure.pk])).content.decode()
    client.force_login(make_editor(structure))
    assert review_notice in client.get(reverse("curation:structure_edit", args=[structure.pk])).content.decode()
