"""Quality scores on the editors' pages and the curators' « Qualité des fiches », each scoped to its reader."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from curation.models import LinkCheck, LinkOutcome
from directory.models import LegalForm, Structure
from tests.factories import OfferFactory, StructureFactory, UserFactory, commune, make_curator, make_editor

pytestmark = pytest.mark.django_db


def complete(**fields):
    """A structure meeting every criterion, with a published offer, verified today."""
    values = {
        "commune": commune("23077"),
        "description": "Accompagne les projets coopératifs.",
        "website": "https://complete.example/",
        "email": "contact@complete.example",
        "address": "1 place du Marché",
        "latitude": 45.95,
        "longitude": 2.17,
        "legal_form": LegalForm.objects.get(slug="association"),
        "opening_hours": "9h-17h",
        "accessibility": "Plain-pied",
    }
    values.update(fields)
    structure = StructureFactory(**values)
    OfferFactory(
        structure=structure,
        title=f"Offre de {structure.name}",
        description="Un accompagnement.",
        how_to_access="Sur rendez-vous.",
        email="offre@complete.example",
        needs=["financement"],
    )
    return structure


@pytest.fixture
def entries():
    mine = complete(name="Ma structure", description="")  # 100 - 12
    theirs = complete(name="Leur structure", website="https://leur.example/")
    LinkCheck.objects.create(
        structure=theirs,
        url=theirs.website,
        outcome=LinkOutcome.HTTP_STATUS,
        status_code=410,
        checked_at=timezone.now(),
        consecutive_failures=2,
        failing_since=timezone.now() - datetime.timedelta(days=10),
    )  # 100 - 15
    caen = complete(name="Structure caennaise", commune=commune("14118"), accessibility="")  # 100 - 3
    return {"mine": mine, "theirs": theirs, "caen": caen}


def test_editors_see_their_structures_score_and_fixes_only(client, entries):
    client.force_login(make_editor(entries["mine"]))
    content = client.get(reverse("curation:my_structures")).content.decode()
    assert "Ma structure" in content and "88/100" in content
    assert "Ajoutez une présentation de la structure" in content
    assert "Leur structure" not in content and "85/100" not in content and "ne répond plus" not in content


def test_the_structure_edit_page_shows_the_score_the_fixes_linked_to_their_fields_and_the_offers(client, entries):
    mine = entries["mine"]
    offer = mine.offers.get()
    offer.how_to_access = ""
    offer.save()
    client.force_login(make_editor(mine))
    content = client.get(reverse("curation:structure_edit", args=[mine.pk])).content.decode()
    assert "88/100" in content
    assert '<a href="#id_description">Ajoutez une présentation de la structure</a>' in content
    assert "Offre de Ma structure" in content and "89/100" in content  # 100 - round(60 × 10/54)
    assert "ne répond plus" not in content


def test_the_offer_edit_page_shows_the_offers_fixes(client, entries):
    offer = OfferFactory(structure=entries["mine"], title="Offre incomplète", description="Une offre.")
    client.force_login(make_editor(entries["mine"]))
    content = client.get(reverse("curation:offer_edit", args=[offer.pk])).content.decode()
    assert "Offre incomplète" in content
    assert '<a href="#id_how_to_access">Expliquez comment accéder à l&#x27;offre</a>' in content
    assert '<a href="#id_needs_0">Indiquez à quels besoins l&#x27;offre répond</a>' in content
    # The coverage is not in the editor's form: said, not linked.
    assert "Indiquez les territoires couverts" not in content  # the factory covers France
    assert "/100" in content


def test_a_rejected_edit_does_not_change_the_score_shown(client, entries):
    mine = entries["mine"]
    client.force_login(make_editor(mine))
    response = client.post(
        reverse("curation:structure_edit", args=[mine.pk]),
        {"name": "", "description": "Une présentation jamais enregistrée", "commune": "COM-23077"},
    )
    assert response.status_code == 200  # the form has errors: nothing saved
    assert "88/100" in response.content.decode()


def test_editors_confirm_their_entry_is_up_to_date(client, entries):
    mine = entries["mine"]
    Structure.objects.filter(pk=mine.pk).update(last_verified_at=timezone.now() - datetime.timedelta(days=500))
    editor = make_editor(mine)
    client.force_login(editor)
    page = client.get(reverse("curation:structure_edit", args=[mine.pk])).content.decode()
    assert "63/100" in page and "Informations non vérifiées depuis 16 mois" in page
    assert client.get(reverse("curation:entry_confirm", args=["structure", mine.pk])).status_code == 405
    response = client.post(reverse("curation:entry_confirm", args=["structure", mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert timezone.now() - mine.last_verified_at < datetime.timedelta(minutes=1)
    record = mine.history.latest()
    assert record.history_change_reason == "Confirmée à jour par la structure" and record.history_user == editor
    assert "88/100" in client.get(reverse("curation:structure_edit", args=[mine.pk])).content.decode()
    # Not someone else's entry.
    theirs = entries["theirs"]
    before = theirs.last_verified_at
    assert client.post(reverse("curation:entry_confirm", args=["structure", theirs.pk])).status_code == 404
    assert client.post(reverse("curation:entry_confirm", args=["offre", theirs.offers.get().pk])).status_code == 404
    assert client.post(reverse("curation:entry_confirm", args=["autre", mine.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.last_verified_at == before


def test_curators_see_the_lowest_scores_of_their_scope_first(client, entries):
    client.force_login(make_curator("REG-75"))
    content = client.get(reverse("curation:quality")).content.decode()
    assert content.index("Leur structure") < content.index("Ma structure")  # 85 before 88
    assert "Le site web ne répond plus (erreur 410 depuis le" in content
    assert "Structure caennaise" not in content and "2 fiches" in content
    descending = client.get(reverse("curation:quality"), {"tri": "-score"}).content.decode()
    assert descending.index("Ma structure") < descending.index("Leur structure")
    weak = client.get(reverse("curation:quality"), {"sous": "86"})
    assert weak.status_code == 200  # not a choice: the form ignores it
    offers = client.get(reverse("curation:quality"), {"type": "offre"}).content.decode()
    assert "Offre de Ma structure" in offers and "Offre de Structure caennaise" not in offers


def test_another_regions_curator_sees_only_theirs(client, entries):
    client.force_login(make_curator("REG-28"))
    content = client.get(reverse("curation:quality")).content.decode()
    assert "Structure caennaise" in content and "<strong>97</strong>/100" in content
    assert "Ma structure" not in content and "Leur structure" not in content and "1 fiche" in content
    other = client.get(reverse("curation:quality"), {"departement": "DEP-23"})
    assert "Ma structure" not in other.content.decode()  # a département of another région is not a choice


def test_the_quality_page_is_for_curators_and_filters_by_departement_and_score(client, entries):
    assert client.get(reverse("curation:quality")).status_code == 302
    client.force_login(UserFactory())
    assert client.get(reverse("curation:quality")).status_code == 403
    client.force_login(make_editor(entries["mine"]))
    assert client.get(reverse("curation:quality")).status_code == 403
    client.force_login(make_curator("REG-75", "REG-28"))
    creuse = client.get(reverse("curation:quality"), {"departement": "DEP-23"}).content.decode()
    assert "Ma structure" in creuse and "Structure caennaise" not in creuse
    below = client.get(reverse("curation:quality"), {"sous": "80"}).content.decode()
    assert "Aucune fiche ne correspond." in below


def test_the_quality_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    client.force_login(make_curator("REG-75"))
    for index in range(3):
        complete(name=f"Fiche {index}", description="")
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("curation:quality"))
        client.get(reverse("curation:my_structures"))
    for index in range(30):
        structure = complete(name=f"Autre fiche {index}")
        LinkCheck.objects.create(structure=structure, url=structure.website, outcome="ok", checked_at=timezone.now())
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("curation:quality"))
        client.get(reverse("curation:my_structures"))
    assert "page=2" in response.content.decode()


def test_the_quality_pages_follow_the_ranking(client):
    client.force_login(make_curator("REG-75"))
    for index in range(22):
        complete(name=f"Fiche {index:02d}", description="" if index < 11 else "Une présentation.")
    first = client.get(reverse("curation:quality")).content.decode()
    second = client.get(reverse("curation:quality"), {"page": 2}).content.decode()
    assert "22 fiches" in first and "Fiche 00" in first and "Fiche 19" in first and "Fiche 20" not in first
    assert "Fiche 20" in second and "Fiche 21" in second and "Fiche 10" not in second
    assert first.index("Fiche 10") < first.index("Fiche 11")  # 88 before 100
    beyond = client.get(reverse("curation:quality"), {"page": 99}).content.decode()
    assert "Fiche 21" in beyond  # the last page
