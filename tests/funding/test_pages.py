import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from directory.models import Instrument, Permanence
from tests.factories import OfferFactory, StructureFactory, commune
from tests.funding.conftest import LEVELS

pytestmark = pytest.mark.django_db

QUESTIONNAIRE = reverse("funding:questionnaire")
RESULTS = reverse("funding:results")


def query_of(response):
    return parse_qs(urlsplit(response["Location"]).query)


def test_the_first_step_asks_for_the_commune_with_the_autocomplete(client):
    response = client.get(QUESTIONNAIRE)
    html = response.content.decode()
    assert 'data-territory-autocomplete="COM"' in html
    assert "Étape 1 sur 5" in html
    assert 'name="stage"' not in html


def test_each_step_carries_the_previous_answers_in_the_url(client):
    response = client.get(QUESTIONNAIRE, {"step": 1, "commune": "23077", "next": "1"})
    assert response.status_code == 302
    assert query_of(response) == {"commune": ["23077"], "step": ["2"]}
    step_two = client.get(response["Location"])
    html = step_two.content.decode()
    assert '<input type="hidden" name="commune" value="23077">' in html
    assert "J&#x27;ai une idée" in html  # the stage in the holder's words, with its description
    assert "Idée, repérage d&#x27;une opportunité" in html
    assert "Faux-la-Montagne (23)" in html  # the answer so far, with a « Modifier » link
    assert re.search(r'href="/parcours/\?commune=23077&amp;step=1">Modifier', html)


def test_an_unknown_commune_is_a_french_error_keeping_what_was_typed(client):
    response = client.get(QUESTIONNAIRE, {"step": 1, "commune": "Atlantide", "next": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nous ne trouvons pas « Atlantide »" in html
    assert 'value="Atlantide"' in html
    assert 'role="alert"' in html


def test_a_missing_stage_is_an_error_on_its_step_only(client):
    response = client.get(QUESTIONNAIRE, {"step": 2, "commune": "23077", "next": "1"})
    html = response.content.decode()
    assert "Choisissez l&#x27;étape où en est votre projet." in html
    assert "Étape 2 sur 5" in html


def test_back_keeps_everything_typed_on_the_current_step(client):
    response = client.get(
        QUESTIONNAIRE, {"step": 3, "commune": "23077", "stage": "emergence", "need": ["financement"], "back": "1"}
    )
    assert query_of(response) == {
        "commune": ["23077"],
        "stage": ["emergence"],
        "need": ["financement"],
        "step": ["2"],
    }
    html = client.get(response["Location"]).content.decode()
    assert 'value="emergence" id="id_stage_emergence" checked' in html
    assert '<input type="hidden" name="need" value="financement">' in html


def test_the_last_step_leads_to_the_results_with_the_whole_profile(client):
    data = {"step": 5, "commune": "23077", "stage": "creation", "need": ["financement", "statut-juridique"]}
    response = client.get(QUESTIONNAIRE, {**data, "sector": "alimentation", "amount": "20000", "next": "1"})
    assert urlsplit(response["Location"]).path == RESULTS
    assert query_of(response) == {
        "commune": ["23077"],
        "stage": ["creation"],
        "need": ["financement", "statut-juridique"],
        "sector": ["alimentation"],
        "amount": ["20000"],
    }


def test_the_project_step_offers_sector_keywords_and_keeps_them_back_and_forth(client):
    data = {"commune": "23077", "stage": "creation", "sector": "maraîchage", "keyword": ["alimentation", "tourisme"]}
    back = client.get(QUESTIONNAIRE, {**data, "step": 5, "back": "1"})
    assert query_of(back)["keyword"] == ["alimentation", "tourisme"]
    html = client.get(QUESTIONNAIRE, {**data, "step": 5}).content.decode()
    assert "<legend>Votre secteur dans la liste</legend>" in html
    assert re.search(r'value="alimentation"[^>]*checked', html)
    assert re.search(r'value="tourisme"[^>]*checked', html)
    assert not re.search(r'value="culture"[^>]*checked', html)
    assert 'value="maraîchage"' in html
    unknown = client.get(QUESTIONNAIRE, {**data, "keyword": "astronautique", "step": 5, "next": "1"})
    assert "Secteur inconnu : « astronautique »." in unknown.content.decode()


def test_results_flag_the_offers_mentioning_the_sector(client, directory_around_faux):
    offer = directory_around_faux["EPCI-200044014"]
    offer.description = "Un accompagnement pour les fermes et les épiceries."
    offer.save()
    params = {"commune": "23077", "stage": "emergence", "keyword": "alimentation"}
    html = client.get(RESULTS, params).content.decode()
    assert html.count("Mentionne votre secteur : alimentation et agriculture") == 1
    assert "Votre secteur dans la liste : alimentation et agriculture" in html


def test_a_bad_amount_on_the_last_step_is_explained(client):
    response = client.get(
        QUESTIONNAIRE, {"step": 5, "commune": "23077", "stage": "creation", "amount": "beaucoup", "next": "1"}
    )
    assert "Indiquez un montant en euros" in response.content.decode()


def test_results_with_an_invalid_profile_show_the_step_to_fix(client):
    response = client.get(RESULTS, {"commune": "23077", "stage": "idee"})
    html = response.content.decode()
    assert "Étape inconnue : « idee »." in html
    assert "Étape 2 sur 5" in html


@pytest.fixture
def grouped_directory(directory_around_faux):
    loan = Instrument.objects.get(slug="pret-honneur")
    OfferFactory(
        title="Prêt d'honneur création",
        offer_type="financement",
        instrument=loan,
        amount_min=1000,
        amount_max=8000,
        coverage=["DEP-23"],
        stages=["emergence"],
        needs=["financement"],
    )
    OfferFactory(
        title="Appel à projets alimentation",
        offer_type="financement",
        instrument=Instrument.objects.get(slug="subvention"),
        coverage=["REG-75"],
        stages=["emergence"],
        opens_on=datetime.date(2099, 1, 1),
        closes_on=datetime.date(2099, 3, 15),
    )
    place = StructureFactory(name="Tiers-lieu du plateau", role_third_place=True)
    OfferFactory(title="Espace de coworking", structure=place, offer_type="lieu", coverage=["COM-23077"])
    OfferFactory(title="Pour l'amorçage", coverage=["DEP-23"], stages=["amorcage"])
    Permanence.objects.create(place=place, host=StructureFactory(name="BGE Limousin"), schedule="Le 1er mardi, 9h-12h")
    return directory_around_faux


def test_results_are_grouped_for_the_holder_with_reasons_and_links(client, grouped_directory):
    response = client.get(RESULTS, {"commune": "23077", "stage": "emergence", "need": "financement"})
    html = response.content.decode()
    sections = {
        title: html.index(title)
        for title in [
            "Qui peut m&#x27;accompagner",
            "Qui peut me financer",
            "Où travailler et rencontrer",
            "Les étapes suivantes",
        ]
    }
    assert list(sections.values()) == sorted(sections.values())
    funding = html[sections["Qui peut me financer"] : sections["Où travailler et rencontrer"]]
    assert "<h3>Prêt d&#x27;honneur</h3>" in funding
    assert "de 1\u202f000 € à 8\u202f000 €" in funding
    assert "Bientôt : ouvre le 1er janvier 2099" in funding
    places = html[sections["Où travailler et rencontrer"] : sections["Les étapes suivantes"]]
    assert "Espace de coworking" in places
    assert "BGE Limousin" in places and "Le 1er mardi, 9h-12h" in places
    following = html[sections["Les étapes suivantes"] :]
    assert "Pour l&#x27;amorçage" in following
    accompany = html[sections["Qui peut m&#x27;accompagner"] : sections["Qui peut me financer"]]
    assert "Couvre votre EPCI : CC Creuse Grand Sud" in accompany
    assert "Corrèze seulement" not in html
    for offer in grouped_directory.values():
        if offer.title.startswith("Offre"):
            assert f'href="{offer.get_absolute_url()}"' in html
    assert 'href="/parcours/?commune=23077&amp;stage=emergence&amp;need=financement&amp;step=1"' in html


def test_the_results_page_query_count_does_not_grow_with_the_directory(
    client, grouped_directory, django_assert_num_queries
):
    params = {"commune": "23077", "stage": "emergence", "need": "financement"}
    with django_assert_num_queries(QUERIES_PER_RESULTS_PAGE):
        client.get(RESULTS, params)
    for index in range(15):
        OfferFactory(coverage=[LEVELS[index % len(LEVELS)]], stages=["emergence", "amorcage"], needs=["financement"])
    with django_assert_num_queries(QUERIES_PER_RESULTS_PAGE):
        response = client.get(RESULTS, params)
    assert response.context["match_count"] >= 20


# Profile form (commune, stage, needs: 3) + territories (1) + structures receiving near the commune (1; their offers
# reachable in person are one more query when there are some) + ranking (1) and the shown offers (5) + next stage
# (1 + 1 + 5) + permanences (1) + the demo banner's check (1) + the needs watch (in-person check, the commune's
# EPCI/département/région, one count per need: 3). (When a shown offer is delivered in person, one more per
# explained list reads the permanences giving it a place.)
QUERIES_PER_RESULTS_PAGE = 23


def test_a_rubric_can_be_read_in_full_page_by_page(client):
    for index in range(30):
        OfferFactory(title=f"Accompagnement {index:02}", coverage=["DEP-23"], stages=["emergence"])
    response = client.get(RESULTS, {"commune": "23077", "stage": "emergence"})
    html = response.content.decode()
    assert html.count('class="card match"') <= 10 + 5
    assert "Voir les 30 propositions : Qui peut m&#x27;accompagner" in html
    full = client.get(RESULTS, {"commune": "23077", "stage": "emergence", "rubrique": "accompagner"})
    assert len(full.context["page"]) == 25
    second = client.get(RESULTS, {"commune": "23077", "stage": "emergence", "rubrique": "accompagner", "page": 2})
    assert len(second.context["page"]) == 5


def test_results_split_each_rubric_into_near_and_remote(client):
    faux = commune("23077")
    near_place = StructureFactory(name="Couveuse voisine", latitude=faux.latitude + 0.09, longitude=faux.longitude)
    OfferFactory(title="Accompagnement à 10 km", structure=near_place, mode_presentiel=True, coverage=["DEP-23"])
    OfferFactory(title="Accompagnement en ligne", mode_distance=True, coverage=["COM-23077"])
    html = client.get(RESULTS, {"commune": "23077", "stage": "emergence"}).content.decode()
    accompany = html[html.index("Qui peut m&#x27;accompagner") : html.index("Qui peut me financer")]
    near, remote = accompany.index("Près de chez vous</h3>"), accompany.index("À distance ou en ligne</h3>")
    assert near < accompany.index("Accompagnement à 10 km") < remote < accompany.index("Accompagnement en ligne")
    assert "En présentiel à 10 km : Couveuse voisine" in accompany
