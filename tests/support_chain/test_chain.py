import pytest
from django.urls import reverse

from directory.models import PublicationStatus
from support_chain.models import Stage
from support_chain.selectors import GROUP_LIMIT, support_chain
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db

FAUX = "COM-23077"


def chain_page(client, key, **params):
    return client.get(reverse("support_chain:chain_detail", args=[key]), params)


# The territory form (the home page submits to it) ------------------------------------------------------------


def test_home_page_offers_a_commune_and_a_stage_in_plain_words(client):
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert f'action="{reverse("support_chain:chain_index")}"' in html
    assert 'method="get"' in html
    assert 'data-territory-autocomplete="COM"' in html
    assert 'data-key-target="id_key"' in html
    for stage in Stage.objects.all():
        assert stage.holder_label in html.replace("&#x27;", "'")
    for path in ("/directory/", "/directory/carte/", "/parcours/"):
        assert f'href="{path}"' in html


def test_a_named_commune_and_a_stage_lead_to_that_stage_of_its_chain(client):
    params = {"territory": "Faux-la-Montagne (23)", "stage": "creation"}
    response = client.get(reverse("support_chain:chain_index"), params)
    assert response.status_code == 302
    assert response["Location"] == f"/chaine/{FAUX}/?stage=creation#etape-creation"


def test_a_postal_code_shared_by_several_communes_asks_which_one(client):
    response = client.get(reverse("support_chain:chain_index"), {"territory": "23340"})
    assert response.status_code == 200
    assert "Le code postal 23340 est celui de plusieurs communes" in response.content.decode()
    assert "Faux-la-Montagne (23)" in response.content.decode()


def test_the_key_chosen_in_the_autocomplete_settles_an_ambiguous_postal_code(client):
    response = client.get(reverse("support_chain:chain_index"), {"territory": "23340", "key": FAUX, "stage": ""})
    assert response["Location"] == f"/chaine/{FAUX}/"


def test_an_unknown_place_keeps_what_was_typed_and_explains(client):
    response = client.get(reverse("support_chain:chain_index"), {"territory": "Xyzzyville"})
    html = response.content.decode()
    assert "Nous ne trouvons pas « Xyzzyville »" in html
    assert 'value="Xyzzyville"' in html


def test_a_forged_key_of_another_kind_is_ignored(client):
    response = client.get(reverse("support_chain:chain_index"), {"territory": "Xyzzyville", "key": "REG-75"})
    assert response.status_code == 200


def test_an_epci_and_a_departement_have_a_chain(client):
    assert client.get(reverse("support_chain:chain_index"), {"territory": "DEP-23"})["Location"] == "/chaine/DEP-23/"
    assert chain_page(client, "EPCI-200044014").status_code == 200


def test_a_region_or_an_unknown_key_has_no_chain_page(client):
    assert chain_page(client, "REG-75").status_code == 404
    assert chain_page(client, "COM-00000").status_code == 404


# The chain -------------------------------------------------------------------------------------------------


def test_stages_come_in_order_with_their_offers_grouped_by_level_with_counts_by_type(client, territory):
    expertise = OfferFactory(title="Diagnostic expert", stages=["creation"], support_level=3, coverage=["DEP-23"])
    info = OfferFactory(title="Permanence info", stages=["creation"], support_level=1, coverage=[FAUX])
    funding = OfferFactory(
        title="Prêt d'honneur", stages=["creation", "emergence"], offer_type="financement", support_level=2
    )
    coaching = OfferFactory(title="Coaching", stages=["creation"], support_level=2, coverage=["REG-75"])
    steps = support_chain(territory(FAUX))
    in_order = Stage.objects.order_by("position").values_list("slug", flat=True)
    assert [step.stage.slug for step in steps] == list(in_order)
    creation = next(step for step in steps if step.stage.slug == "creation")
    assert creation.total == 4
    assert [level.level for level in creation.levels] == [1, 2, 3]
    level2 = creation.levels[1]
    assert sorted(level2.offers, key=lambda offer: offer.pk) == sorted([coaching, funding], key=lambda o: o.pk)
    assert [(count.offer_type, count.count) for count in level2.types] == [("accompagnement", 1), ("financement", 1)]
    assert creation.levels[0].offers == [info]
    assert creation.levels[2].offers == [expertise]
    emergence = next(step for step in steps if step.stage.slug == "emergence")
    assert emergence.total == 1


def test_a_stage_without_offer_is_shown_as_a_gap(client):
    OfferFactory(title="Idée en Creuse", stages=["emergence"], coverage=["DEP-23"])
    html = chain_page(client, "DEP-23").content.decode()
    assert html.count("Aucune offre repérée à cette étape sur ce territoire.") == 6
    assert 'id="etape-reprise-transmission"' in html
    assert html.index('id="etape-emergence"') < html.index('id="etape-changement-echelle"')
    assert html.index('id="etape-changement-echelle"') < html.index('id="etape-reprise-transmission"')
    assert "Idée en Creuse" in html


def test_a_commune_sees_only_offers_covering_it_and_published(client):
    OfferFactory(title="Pour Faux", coverage=[FAUX])
    OfferFactory(title="Pour Gentioux", coverage=["COM-23090"])
    OfferFactory(title="Pour la Corrèze", coverage=["DEP-19"])
    OfferFactory(title="Brouillon", coverage=[FAUX], status=PublicationStatus.DRAFT)
    OfferFactory(title="Structure archivée", coverage=[FAUX], structure__status=PublicationStatus.ARCHIVED)
    html = chain_page(client, FAUX).content.decode()
    assert "Pour Faux" in html
    for absent in ("Pour Gentioux", "Pour la Corrèze", "Brouillon", "Structure archivée"):
        assert absent not in html


def test_a_departement_also_shows_what_covers_part_of_it_and_says_so(client, territory):
    whole = OfferFactory(title="Toute la Creuse", coverage=["DEP-23"])
    part = OfferFactory(title="Gentioux seulement", coverage=["COM-23090"])
    OfferFactory(title="Pour la Corrèze", coverage=["DEP-19"])
    steps = support_chain(territory("DEP-23"))
    offers = {offer.title: offer for offer in steps[0].levels[0].offers}
    assert set(offers) == {"Toute la Creuse", "Gentioux seulement"}
    assert offers[whole.title].covers_all and not offers[part.title].covers_all
    html = chain_page(client, "DEP-23").content.decode()
    assert html.count("sur une partie du territoire") == 1


def test_the_stage_asked_for_is_highlighted(client):
    html = chain_page(client, FAUX, stage="consolidation").content.decode()
    assert 'href="#etape-consolidation" aria-current="step"' in html
    assert html.count('aria-current="step"') == 1
    assert "Votre étape" in html


def test_a_long_group_is_cut_with_links_to_the_directory_search_by_type(client):
    OfferFactory.create_batch(7, stages=["amorcage"], coverage=["DEP-23"], support_level=2)
    OfferFactory.create_batch(2, stages=["amorcage"], coverage=["DEP-23"], support_level=2, offer_type="financement")
    html = chain_page(client, FAUX).content.decode()
    assert "et 3 autres offres dans l'annuaire" in html
    link = "/directory/?territory=COM-23077&amp;stage=amorcage&amp;support_level=2&amp;offer_type=accompagnement"
    assert f'{link}">Accompagnement (7)</a>' in html
    assert 'offer_type=financement">Financement (2)</a>' in html


def test_the_page_is_printable(client):
    html = chain_page(client, FAUX).content.decode()
    assert "css/support-chain.css" in html
    assert "Mon parcours du créateur" in html


@pytest.mark.parametrize("count", [2, 25])
def test_the_chain_runs_a_bounded_number_of_queries(client, count, django_assert_num_queries):
    for index in range(count):
        OfferFactory(stages=["emergence", "creation"], coverage=["DEP-23"], support_level=1 + index % 3)
    # territory, its scope (ancestors, descendants), the région's status, its CRESS, the offers reachable in
    # person (none here: no place), stages, the first offers of each (stage, level) with the counts per type, the
    # nearest in-person offer of the gap stages in three widening rings (60, 120, 200 km; nothing found), the demo
    # flag, the stage select.
    with django_assert_num_queries(12):
        response = chain_page(client, FAUX)
    per_level = [len(range(level, count, 3)) for level in range(3)]
    shown = 2 * sum(min(n, GROUP_LIMIT) for n in per_level)
    assert response.content.decode().count("Offre d&#x27;essai") == shown
