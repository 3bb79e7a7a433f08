import json

import pytest
from django.core.management import CommandError, call_command

from tests.funding.conftest import LEVELS

pytestmark = pytest.mark.django_db


def run_match(*args):
    from io import StringIO

    out = StringIO()
    call_command("match", *args, stdout=out)
    return out.getvalue()


def test_json_lists_every_level_narrowest_first_and_nothing_else(directory_around_faux):
    payload = json.loads(run_match("--commune", "23077", "--stage", "emergence", "--on", "2027-01-10", "--json"))
    titles = [row["offer_title"] for row in payload["results"]]
    assert set(titles) == {f"Offre {key}" for key in LEVELS} | {"Réservé aux SCOP"}
    assert [title for title in titles if title.startswith("Offre")] == [f"Offre {key}" for key in LEVELS]
    assert [row["rank"] for row in payload["results"]] == list(range(1, 8))
    first = payload["results"][0]
    offer = directory_around_faux["COM-23077"]
    assert first["structure"] == offer.structure.name
    assert first["structure_siret"] is None
    assert first["offer_ref"] == offer.ref
    assert first["reasons"][:2] == ["Couvre votre commune : Faux-la-Montagne", "Pour l'étape : émergence"]
    epci_row = payload["results"][2]
    assert epci_row["reasons"][0] == "Couvre votre EPCI : CC Creuse Grand Sud"
    assert payload["profile"]["commune"] == "23077"
    assert payload["profile"]["stage"] == "emergence"
    assert payload["profile"]["on"] == "2027-01-10"


def test_a_need_and_a_legal_form_reorder_and_filter(directory_around_faux):
    payload = json.loads(
        run_match(
            "--commune", "23077", "--stage", "emergence", "--need", "financement",
            "--legal-form", "association", "--on", "2027-01-10", "--json",
        )
    )  # fmt: skip
    titles = [row["offer_title"] for row in payload["results"]]
    assert titles[0] == "Offre FR"
    assert payload["results"][0]["reasons"][2] == "Répond à votre besoin : financement"
    assert "Réservé aux SCOP" not in titles
    assert payload["profile"]["needs"] == ["financement"]
    assert payload["profile"]["legal_form"] == "association"


def test_on_sets_today_for_calls_for_projects(directory_around_faux):
    payload = json.loads(run_match("--commune", "23077", "--stage", "emergence", "--on", "2026-12-31", "--json"))
    closed = [row for row in payload["results"] if row["offer_title"] == "Appel clos"]
    assert closed and closed[0]["reasons"][-1] == "Appel à projets : clôture le 31 décembre 2026"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--commune", "99999", "--stage", "emergence"], "« 99999 »"),
        (["--commune", "23077", "--stage", "idee"], "Étape inconnue : « idee »"),
        (["--commune", "23077", "--stage", "emergence", "--need", "argent"], "Besoin inconnu : « argent »"),
        (["--commune", "23077", "--stage", "emergence", "--legal-form", "sarl"], "Forme juridique inconnue : « sarl »"),
        (["--commune", "23077", "--stage", "emergence", "--on", "demain"], "Date invalide : « demain »"),
    ],
)
def test_unknown_values_are_named_in_a_french_error(args, message):
    with pytest.raises(CommandError) as error:
        run_match(*args, "--json")
    assert message in str(error.value)
    # manage.py turns a CommandError into this exit status.
    assert error.value.returncode == 1


def test_the_table_output_is_readable(directory_around_faux):
    text = run_match("--commune", "23077", "--stage", "emergence", "--on", "2027-01-10")
    assert "7 offre(s) pour Faux-la-Montagne" in text
    assert "· Couvre votre EPCI : CC Creuse Grand Sud" in text


def test_a_sector_adds_a_reason_to_the_offers_that_mention_it_and_changes_no_rank(directory_around_faux):
    offer = directory_around_faux["DEP-23"]
    offer.description = "Nous aidons les épiceries et les ressourceries du département."
    offer.save()
    base = ["--commune", "23077", "--stage", "emergence", "--on", "2027-01-10", "--json"]
    plain = json.loads(run_match(*base))
    payload = json.loads(run_match(*base, "--keyword", "alimentation", "--sector", "Ressourcerie"))
    assert [row["offer_ref"] for row in payload["results"]] == [row["offer_ref"] for row in plain["results"]]
    mentions = {row["offer_title"]: row["reasons"][-1] for row in payload["results"]}
    assert mentions["Offre DEP-23"] == "Mentionne votre secteur : alimentation et agriculture, ressourcerie"
    assert sum(reason.startswith("Mentionne") for reason in mentions.values()) == 1
    assert payload["profile"]["keywords"] == ["alimentation"]
    assert payload["profile"]["sector"] == "Ressourcerie"


def test_an_unknown_keyword_is_named_in_a_french_error():
    with pytest.raises(CommandError) as error:
        run_match("--commune", "23077", "--stage", "emergence", "--keyword", "astronautique", "--json")
    assert "--keyword : Secteur inconnu : « astronautique »." in str(error.value)
