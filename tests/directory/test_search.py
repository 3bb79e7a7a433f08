"""French full-text search: the same behaviour on PostgreSQL (tsvector) and SQLite (folded text).

The search document is kept by database triggers: these tests write through every path (ORM, relations,
structure rename, vocabulary rename, bulk and raw inserts, the importer, the admin) and search right after.
"""

import pytest
from django.db import connection
from django.urls import reverse

from directory.models import Offer, Structure
from directory.search import fold_text, fold_word
from directory.services.bulk import insert_many
from directory.services.importer import import_offers
from support_chain.models import Need, Stage
from tests.directory.test_import import row, to_csv
from tests.factories import OfferFactory, StructureFactory, UserFactory

pytestmark = pytest.mark.django_db


def found(text):
    return set(Offer.objects.search(text).values_list("title", flat=True))


def test_fold_word_folds_french_plurals_and_final_e():
    assert fold_word("cooperatives") == fold_word("cooperative") == "cooperativ"
    assert fold_word("locaux") == fold_word("local")
    assert fold_word("bureaux") == fold_word("bureau")
    assert fold_word("bus") == "bus" and fold_word("2027") == "2027"
    assert fold_text("Crèche", None, "Coopératives !") == " crech cooperativ "


def test_accents_case_and_plurals_are_ignored():
    OfferFactory(title="Crèche parentale", description="Pour les COOPÉRATIVES d'habitants")
    OfferFactory(title="Autre chose")
    assert found("creche") == {"Crèche parentale"}
    assert found("Crèches") == {"Crèche parentale"}
    assert found("cooperative") == {"Crèche parentale"}
    assert found("creche cooperative") == {"Crèche parentale"}
    assert found("creche inexistant") == set()


def test_empty_text_does_not_filter():
    OfferFactory.create_batch(2)
    assert Offer.objects.search("  ").count() == 2
    assert Offer.objects.search("!!").count() == 2


def test_the_document_holds_structure_stages_needs_and_type():
    structure = StructureFactory(name="Fabrique à initiatives Limousin")
    OfferFactory(title="Atelier", structure=structure, stages=["reprise-transmission"], needs=["gouvernance"])
    OfferFactory(title="Autre")
    assert found("fabrique initiatives") == {"Atelier"}
    assert found("reprise") == {"Atelier"}
    assert found("gouvernance") == {"Atelier"}
    assert found("accompagnement") == {"Atelier", "Autre"}


def test_orm_updates_and_relation_changes_are_searchable_at_once():
    offer = OfferFactory(title="Premier titre")
    offer.title = "Pépinière d'entreprises"
    offer.save()
    assert found("pepiniere") == {"Pépinière d'entreprises"}
    Offer.objects.filter(pk=offer.pk).update(description="Bureaux partagés")
    assert found("bureau") == {"Pépinière d'entreprises"}
    offer.needs.add(Need.objects.get(slug="local-foncier"))
    assert found("foncier") == {"Pépinière d'entreprises"}
    offer.needs.clear()
    assert found("foncier") == set()
    offer.stages.set(Stage.objects.filter(slug="changement-echelle"))
    assert found("changement echelle") == {"Pépinière d'entreprises"}


def test_structure_rename_and_vocabulary_rename_reach_the_offers():
    structure = StructureFactory(name="Ancien nom")
    OfferFactory(title="Offre", structure=structure, needs=["numerique"])
    Structure.objects.filter(pk=structure.pk).update(name="Ruche solidaire")
    assert found("ruche") == {"Offre"}
    assert found("ancien") == set()
    need = Need.objects.get(slug="numerique")
    need.name = "Transition numérique et sobriété"
    need.save()
    assert found("sobriete") == {"Offre"}


def test_bulk_and_raw_inserts_are_covered():
    structure = StructureFactory(name="Générateur")
    Offer.objects.bulk_create([Offer(structure=structure, ref="b1", title="Boutique éphémère", offer_type="lieu")])
    offer = Offer.objects.get(ref="b1")
    insert_many(
        Offer.needs.through._meta.db_table,
        ["offer_id", "need_id"],
        [(offer.pk, Need.objects.get(slug="communication").pk)],
    )
    assert set(Offer.objects.search("ephemere communication").values_list("ref", flat=True)) == {"b1"}


def test_importer_writes_are_searchable():
    import_offers(to_csv(row(offer_title="Garantie de prêt bancaire", offer_description="Pour les épiceries")))
    assert found("epicerie") == {"Garantie de prêt bancaire"}
    assert found("statut juridique") == {"Garantie de prêt bancaire"}  # a need of the row
    import_offers(to_csv(row(offer_title="Garantie de prêt bancaire", offer_description="", needs="numerique")))
    assert found("epicerie") == set() and found("statut juridique") == set()


def test_admin_edits_are_searchable(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    offer = OfferFactory(title="Avant", coverage=["DEP-23"])
    data = {
        "structure": offer.structure_id,
        "ref": offer.ref,
        "title": "Microcrédit accompagné",
        "offer_type": "financement",
        "description": "",
        "how_to_access": "",
        "stages": [s.pk for s in Stage.objects.filter(slug="creation")],
        "needs": [n.pk for n in Need.objects.filter(slug="financement")],
        "support_level": "2",
        "coverage": [offer.coverage.get().pk],
        "fee": "",
        "url": "",
        "email": "",
        "status": "published",
        "last_verified_at_0": "",
        "last_verified_at_1": "",
    }
    response = client.post(reverse("admin:directory_offer_change", args=[offer.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert found("microcredit") == {"Microcrédit accompagné"}
    assert found("avant") == set()


@pytest.mark.postgres
def test_postgres_weights_title_above_description_and_uses_the_french_stemmer():
    OfferFactory(title="Aide générale", description="Un financement pour les coopératives")
    OfferFactory(title="Financement des coopératives")
    ranked = list(Offer.objects.search("cooperative").order_by("-rank").values_list("title", flat=True))
    assert ranked == ["Financement des coopératives", "Aide générale"]
    # The French stemmer folds plurals and derived forms.
    assert found("financements") == {"Aide générale", "Financement des coopératives"}


@pytest.mark.postgres
def test_postgres_vector_is_gin_indexed_and_uses_the_unaccent_configuration():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'directory_offer'")
        indexes = [definition for (definition,) in cursor.fetchall()]
        cursor.execute("SELECT to_tsvector('french_unaccent', 'Crèches coopératives')::text")
        (vector,) = cursor.fetchone()
    assert any("gin (search_vector)" in definition for definition in indexes)
    assert vector == "'cooper':2 'crech':1"
