import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from directory.forms import TerritoryField
from directory.models import TerritoryKind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("23077", "COM-23077"),
        ("75011", "COM-75056"),  # a postal code of one commune
        ("Faux-la-Montagne", "COM-23077"),
        ("faux la montagne", "COM-23077"),
        ("Niort (79)", "COM-79191"),
        ("COM-79191", "COM-79191"),
        ("2A004", "COM-2A004"),
    ],
)
def test_territory_field_resolves_what_people_type(typed, key):
    assert TerritoryField().clean(typed).key == key


def test_ambiguous_name_lists_candidates_and_the_departement_settles_it():
    field = TerritoryField()
    with pytest.raises(Exception) as error:
        field.clean("Saint-Martin")
    assert "plusieurs territoires" in str(error.value) and "Précisez le département" in str(error.value)
    assert field.clean("Saint-Martin (32)").departement.code == "32"


def test_a_postal_code_shared_by_several_communes_asks_which_one():
    with pytest.raises(Exception) as error:
        TerritoryField().clean("23340")
    assert "Faux-la-Montagne (23), Gentioux-Pigerolles (23)" in str(error.value)


def test_unknown_place_is_a_french_error():
    with pytest.raises(Exception) as error:
        TerritoryField().clean("Atlantide")
    assert "Nous ne trouvons pas « Atlantide »" in str(error.value)


def test_larger_territories_when_allowed():
    field = TerritoryField(kinds=[TerritoryKind.COMMUNE, TerritoryKind.EPCI, TerritoryKind.DEPARTEMENT])
    assert field.clean("Creuse (département)").key == "DEP-23"
    assert field.clean("DEP-23").key == "DEP-23"


def test_autocomplete_by_postal_code_and_name(client, django_assert_max_num_queries):
    url = reverse("directory:territory_autocomplete")
    with django_assert_max_num_queries(3):
        results = client.get(url, {"q": "23340"}).json()["results"]
    labels = [r["label"] for r in results]
    assert "Faux-la-Montagne (23)" in labels and "Gentioux-Pigerolles (23)" in labels
    assert all("23340" in r["postal_codes"] for r in results)
    results = client.get(url, {"q": "niort"}).json()["results"]
    assert results[0]["key"] == "COM-79191"


def test_autocomplete_other_kinds_only_when_asked(client):
    url = reverse("directory:territory_autocomplete")
    assert {r["kind"] for r in client.get(url, {"q": "creuse"}).json()["results"]} == {"COM"}
    results = client.get(url, {"q": "creuse", "kind": ["DEP", "EPCI"]}).json()["results"]
    assert {"DEP-23", "EPCI-200044014"} <= {r["key"] for r in results}


@pytest.mark.parametrize(
    "typed",
    ["79000 Niort", "Niort 79000", "Niort 79", "79 Niort", "Niort (79000)", "niortt", "Niorrt (79)"],
)
def test_a_commune_typed_with_its_postal_code_or_departement_in_any_order_or_one_typo(typed):
    assert TerritoryField().clean(typed).key == "COM-79191"


def test_a_postal_code_of_several_communes_of_one_departement_says_so_and_offers_each():
    field = TerritoryField()
    with pytest.raises(Exception) as error:
        field.clean("79000")
    message = str(error.value)
    assert "Le code postal 79000 est celui de plusieurs communes" in message
    assert "Précisez le département" not in message
    assert "Niort (79)" in field.candidates and len(field.candidates) >= 2


def test_a_departement_number_alone_asks_for_the_commune():
    with pytest.raises(Exception) as error:
        TerritoryField().clean("79")
    assert "est un numéro de département" in str(error.value)


def test_two_typos_are_not_guessed():
    with pytest.raises(Exception) as error:
        TerritoryField().clean("Nioorrt")
    assert "Nous ne trouvons pas" in str(error.value)


def test_ambiguous_answers_are_one_click_choices_on_the_page(client):
    response = client.get(reverse("support_chain:chain_index"), {"territory": "79000", "stage": "creation"})
    content = response.content.decode()
    assert '<button type="submit" name="territory" value="Niort (79)" class="link-button">' in content
    followed = client.get(
        reverse("support_chain:chain_index"), {"territory": ["79000", "Niort (79)"], "stage": "creation"}
    )
    assert followed.status_code in (200, 302) and "plusieurs communes" not in followed.content.decode()


def test_a_typo_close_to_several_names_lists_them_or_finds_the_closest():
    # SQLite weighs every name one letter off equally (Niort, Port, Jort); PostgreSQL's trigrams keep the
    # names sharing most of their letters (Niort).
    field = TerritoryField()
    try:
        found = field.clean("Nort")
    except ValidationError:
        assert "Niort (79)" in field.candidates and len(field.candidates) > 1
    else:
        assert found.key == "COM-79191"
    assert TerritoryField().clean("Faux-la-Montagn").key == "COM-23077"
