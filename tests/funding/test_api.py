import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db

API = reverse("funding:api_match")


def test_the_api_returns_what_the_command_prints(client, directory_around_faux):
    params = {"commune": "23077", "stage": "emergence", "need": "financement", "legal_form": "association"}
    response = client.get(API, params)
    assert response.status_code == 200
    out = StringIO()
    call_command(
        "match", "--commune", "23077", "--stage", "emergence", "--need", "financement",
        "--legal-form", "association", "--json", stdout=out,
    )  # fmt: skip
    printed = json.loads(out.getvalue())
    body = response.json()
    assert {"profile": body["profile"], "results": body["results"]} == printed
    assert (body["count"], body["next"], body["previous"]) == (len(printed["results"]), None, None)
    titles = [row["offer_title"] for row in body["results"]]
    assert titles[0] == "Offre FR"
    assert "Corrèze seulement" not in titles and "Réservé aux SCOP" not in titles


def test_the_api_reads_the_ranking_page_by_page(client, directory_around_faux):
    params = {"commune": "23077", "stage": "emergence"}
    whole = client.get(API, {**params, "limit": 500}).json()["results"]
    assert len(whole) == 8
    first = client.get(API, {**params, "limit": 5}).json()
    assert first["count"] == 8 and len(first["results"]) == 5
    assert "offset=5" in first["next"] and first["previous"] is None
    second = client.get(first["next"]).json()
    assert [row["rank"] for row in second["results"]] == [6, 7, 8]
    assert first["results"] + second["results"] == whole
    assert second["next"] is None
    assert client.get(API, {**params, "limit": 1000}).json()["results"] == whole  # capped at 500


def test_without_a_limit_the_api_answers_its_first_page(client, directory_around_faux, monkeypatch):
    """A profile may match thousands of offers: the default answer is one page, with where the rest is."""
    from funding.api import MatchPagination

    params = {"commune": "23077", "stage": "emergence"}
    whole = client.get(API, {**params, "limit": 500}).json()["results"]
    monkeypatch.setattr(MatchPagination, "default_limit", 3)
    body = client.get(API, params).json()
    assert body["count"] == len(whole) == 8
    assert body["results"] == whole[:3]
    assert "limit=3" in body["next"] and "offset=3" in body["next"]


def test_the_same_question_is_answered_from_the_cache_until_the_directory_changes(
    client, directory_around_faux, django_assert_max_num_queries
):
    params = {"commune": "23077", "stage": "emergence", "limit": 500}
    first = client.get(API, params).json()
    with django_assert_max_num_queries(2):  # the form's validation (commune, stage); no matching, no offer read
        assert client.get(API, params).json() == first
    OfferFactory(title="Toute nouvelle", stages=["emergence"], coverage=["FR"])
    second = client.get(API, params).json()
    assert second["count"] == first["count"] + 1
    assert "Toute nouvelle" in [row["offer_title"] for row in second["results"]]


def test_the_api_accepts_several_needs(client, directory_around_faux):
    response = client.get(API + "?commune=23077&stage=emergence&need=financement&need=statut-juridique")
    assert response.json()["profile"]["needs"] == ["financement", "statut-juridique"]


def test_bad_input_is_a_400_with_french_errors_per_field(client):
    response = client.get(API, {"commune": "Atlantide", "stage": "idee", "need": "argent", "amount": "x"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"commune", "stage", "need", "amount"}
    assert "Nous ne trouvons pas « Atlantide »" in errors["commune"][0]
    assert errors["stage"] == ["Étape inconnue : « idee »."]
    assert errors["need"] == ["Besoin inconnu : « argent »."]


def test_missing_input_is_a_400(client):
    errors = client.get(API).json()["errors"]
    assert errors["commune"] == ["Indiquez la commune où se situe votre projet."]
    assert errors["stage"] == ["Choisissez l'étape où en est votre projet."]


def test_the_endpoint_is_in_the_api_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/parcours/api/correspondances/"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"commune", "stage", "need", "legal_form"}


def test_the_api_takes_sector_keywords_like_the_command(client, directory_around_faux):
    offer = directory_around_faux["FR"]
    offer.description = "Pour les projets culturels et les lieux de spectacle."
    offer.save()
    response = client.get(API, {"commune": "23077", "stage": "emergence", "keyword": ["culture", "numerique"]})
    body = response.json()
    assert body["profile"]["keywords"] == ["culture", "numerique"]
    reasons = {row["offer_title"]: row["reasons"] for row in body["results"]}
    assert reasons["Offre FR"][-1] == "Mentionne votre secteur : arts et culture"
    bad = client.get(API, {"commune": "23077", "stage": "emergence", "keyword": "astronautique"})
    assert bad.status_code == 400
    assert bad.json()["errors"]["keyword"] == ["Secteur inconnu : « astronautique »."]
