import pytest
from django.urls import reverse

from accounts.models import StructureMembership
from accounts.scopes import curated_structures
from curation.models import EditReview, StructureMerge, Submission, UpdateRequest
from curation.services.duplicates import duplicate_dismiss, structure_merge, suspected_duplicates
from directory.models import Offer, Permanence, PublicationStatus, Structure
from tests.factories import OfferFactory, StructureFactory, commune, make_curator, make_editor

pytestmark = pytest.mark.django_db


def names(pairs):
    return {frozenset((pair.first.name, pair.second.name)) for pair in pairs}


@pytest.fixture
def directory():
    return {
        "fabrique": StructureFactory(name="La Fabrique solidaire", commune=commune("23077")),
        # Another commune of the same EPCI (CC Creuse Grand Sud).
        "fabrique_bis": StructureFactory(name="Fabrique Solidaire", commune=commune("23090")),
        "plateaux": StructureFactory(name="Coop des Plateaux", commune=commune("23077")),
        # Same name, far away: not a duplicate.
        "fabrique_gueret": StructureFactory(name="La Fabrique solidaire", commune=commune("23096")),
        "siren_a": StructureFactory(name="France Active Creuse", siret="73282932000074", commune=commune("23096")),
        "siren_b": StructureFactory(name="Antenne de Guéret", siret="73282932000017", commune=commune("23001")),
        "caen": StructureFactory(name="Fabrique solidaire", commune=commune("14118")),
        "caen_bis": StructureFactory(name="La Fabrique Solidaire", commune=commune("14118")),
    }


def test_suspects_same_siren_and_similar_names_in_the_same_commune_or_epci(directory):
    curator = make_curator("REG-75")
    pairs = suspected_duplicates(curated_structures(curator))
    assert names(pairs) == {
        frozenset({"La Fabrique solidaire", "Fabrique Solidaire"}),
        frozenset({"France Active Creuse", "Antenne de Guéret"}),
    }
    assert {pair.first.pk for pair in pairs} | {pair.second.pk for pair in pairs} >= {
        directory["fabrique"].pk,
        directory["fabrique_bis"].pk,
    }
    assert directory["fabrique_gueret"].pk not in {p.first.pk for p in pairs} | {p.second.pk for p in pairs}


def test_dismissed_and_archived_pairs_are_no_longer_suggested(directory):
    curator = make_curator("REG-75")
    assert len(suspected_duplicates(curated_structures(curator))) == 2  # now cached until the directory changes
    duplicate_dismiss(first=directory["siren_b"], second=directory["siren_a"], user=curator, reason="Deux antennes")
    assert len(suspected_duplicates(curated_structures(curator))) == 1  # dismissals are read live
    # A QuerySet.update sends no signal: it bumps the directory version itself.
    Structure.objects.filter(pk=directory["fabrique_bis"].pk).update(status=PublicationStatus.ARCHIVED)
    assert suspected_duplicates(curated_structures(curator)) == []


def test_dashboard_lists_only_the_curators_duplicates(client, directory):
    client.force_login(make_curator("REG-28"))
    content = client.get(reverse("curation:dashboard")).content.decode()
    assert "Doublons probables" in content and "(1)" in content
    assert "France Active Creuse" not in content
    response = client.get(reverse("curation:merge", args=[directory["fabrique"].pk, directory["fabrique_bis"].pk]))
    assert response.status_code == 404


def test_merge_moves_every_relation_fills_blanks_and_archives_with_history(directory):
    keep, drop = directory["fabrique"], directory["fabrique_bis"]
    Structure.objects.filter(pk=drop.pk).update(website="https://fabrique.example.org", phone="05 55 00 00 00")
    drop.refresh_from_db()
    OfferFactory(structure=keep, ref="accueil")
    OfferFactory(structure=drop, ref="accueil", title="Accueil (doublon)")
    OfferFactory(structure=drop, ref="pret", title="Prêt d'honneur")
    place = StructureFactory(name="Tiers-lieu", commune=commune("23077"), role_third_place=True)
    Permanence.objects.create(place=place, host=drop, schedule="le lundi")
    both = make_editor(keep)
    StructureMembership.objects.create(user=both, structure=drop, status="active")
    only_drop = make_editor(drop)
    submission = Submission.objects.create(
        kind="update", structure=drop, region=drop.region, submitter_name="A", submitter_email="a@exemple.org"
    )
    review = EditReview.objects.create(structure=drop)
    update_request = UpdateRequest.objects.create(structure=drop)
    curator = make_curator("REG-75")

    merge = structure_merge(keep=keep, drop=drop, user=curator, reason="Même structure")

    assert set(Offer.objects.filter(structure=keep).values_list("ref", flat=True)) == {
        "accueil",
        f"accueil-{drop.pk}",
        "pret",
    }
    assert Permanence.objects.get().host == keep
    assert set(StructureMembership.objects.filter(structure=keep).values_list("user", flat=True)) == {
        both.pk,
        only_drop.pk,
    }
    for obj in (submission, review, update_request):
        obj.refresh_from_db()
        assert obj.structure_id == keep.pk
    # Every relation found through _meta now points at `keep` (except duplicates that stayed behind).
    for relation in Structure._meta.related_objects:
        if relation.related_model in (StructureMerge, StructureMembership) or relation.many_to_many:
            continue
        assert not relation.related_model._base_manager.filter(**{relation.field.name: drop}).exists(), relation
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert keep.website == "https://fabrique.example.org" and keep.phone == "05 55 00 00 00"
    assert drop.status == PublicationStatus.ARCHIVED
    assert drop.history.count() >= 2 and "Fusionnée dans" in drop.history.latest().history_change_reason
    assert keep.history.latest().history_user == curator
    assert merge.moved["directory.Offer.structure"] == 2


def test_merge_page_confirms_before_merging(client, directory):
    client.force_login(make_curator("REG-75"))
    url = reverse("curation:merge", args=[directory["fabrique"].pk, directory["fabrique_bis"].pk])
    page = client.get(url).content.decode()
    assert "Fabrique Solidaire" in page and "Fusionner" in page
    assert Structure.objects.filter(status=PublicationStatus.ARCHIVED).count() == 0
    response = client.post(url, {"keep": directory["fabrique_bis"].pk, "reason": ""})
    assert response.status_code == 200 and Structure.objects.filter(status=PublicationStatus.ARCHIVED).count() == 0
    client.post(url, {"keep": directory["fabrique_bis"].pk, "reason": "Doublon"})
    assert Structure.objects.get(pk=directory["fabrique"].pk).status == PublicationStatus.ARCHIVED
