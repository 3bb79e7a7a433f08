"""A holder's way from the home page to the chain of support, the map's markers, and axe-core on these pages."""

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.axe import assert_accessible
from tests.factories import OfferFactory, StructureFactory, commune

pytestmark = pytest.mark.browser


def test_a_holder_types_a_postal_code_picks_the_commune_with_the_keyboard_and_a_stage(site, page):
    faux = commune("23077")
    in_faux = StructureFactory(name="Couveuse", commune=faux, latitude=faux.latitude, longitude=faux.longitude)
    OfferFactory(
        title="Couveuse du plateau",
        structure=in_faux,
        stages=["creation"],
        coverage=["COM-23077"],
        mode_presentiel=True,
    )
    OfferFactory(title="Idées en Corrèze", stages=["creation"], coverage=["DEP-19"])
    page.goto(site + "/")
    commune_input = page.get_by_role("combobox", name="Votre commune")
    assert commune_input.get_attribute("role") == "combobox"
    commune_input.press_sequentially("23340", delay=40)
    listbox = page.locator("#" + commune_input.get_attribute("aria-controls"))
    listbox.locator("[role=option]").first.wait_for()
    assert commune_input.get_attribute("aria-expanded") == "true"
    options = listbox.locator("[role=option]").all_inner_texts()
    assert any(text.startswith("Faux-la-Montagne (23)") for text in options)
    assert re.match(r"\d+ suggestions? disponibles?", page.locator("[role=status]").first.inner_text())
    # Down arrow until the active descendant is Faux-la-Montagne, then Enter.
    for _ in range(len(options)):
        commune_input.press("ArrowDown")
        active = page.locator("#" + commune_input.get_attribute("aria-activedescendant"))
        assert active.get_attribute("aria-selected") == "true"
        if active.inner_text().startswith("Faux-la-Montagne"):
            break
    commune_input.press("Enter")
    assert commune_input.input_value() == "Faux-la-Montagne (23)"
    assert commune_input.get_attribute("aria-expanded") == "false"
    assert page.locator("input[name=key]").input_value() == "COM-23077"
    assert page.url.rstrip("/") == site  # Enter chose a suggestion; it did not submit the form.
    page.get_by_label("Où en est votre projet ?").select_option(label="Je lance ma structure")
    page.get_by_role("button", name="Voir qui peut m'accompagner").click()
    page.wait_for_url(re.compile(r"/chaine/COM-23077/\?stage=creation#etape-creation$"))
    assert "Faux-la-Montagne (23)" in page.locator("h1").inner_text()
    creation = page.locator("#etape-creation")
    assert "Couveuse du plateau" in creation.locator("[data-near]").inner_text()
    assert "à moins d'1 km — accueil dans ses locaux (Couveuse)" in creation.inner_text()
    assert "Idées en Corrèze" not in page.content()
    assert page.locator('[aria-current="step"]').inner_text() == "Création"
    assert page.locator("[data-gap]").count() == 6  # every other stage: nothing in person near Faux


def test_escape_closes_the_suggestions_and_the_form_still_submits_what_was_typed(site, page):
    page.goto(site + "/")
    commune_input = page.get_by_role("combobox", name="Votre commune")
    commune_input.press_sequentially("Faux-la-Mon", delay=30)
    page.locator("[role=option]").first.wait_for()
    commune_input.press("Escape")
    assert commune_input.get_attribute("aria-expanded") == "false"
    commune_input.fill("Faux-la-Montagne")
    commune_input.press("Escape")
    page.get_by_role("button", name="Voir qui peut m'accompagner").click()
    page.wait_for_url(re.compile(r"/chaine/COM-23077/$"))


def test_the_map_loads_its_markers_from_the_geojson_endpoint(site, page):
    bordeaux = StructureFactory(
        name="Atelier bordelais", commune=commune("33063"), latitude=44.8378, longitude=-0.5792, role_third_place=True
    )
    StructureFactory(name="Fabrique lyonnaise", commune=commune("69123"), latitude=45.7640, longitude=4.8357)
    OfferFactory(structure=bordeaux, stages=["creation"])
    with page.expect_response(lambda response: "structures.geojson" in response.url) as answer:
        page.goto(site + "/directory/carte/")
    response = answer.value
    assert response.ok
    query = parse_qs(urlparse(response.url).query)
    west, south, east, north = map(float, query["bbox"][0].split(","))
    assert west < -0.58 < east and south < 44.84 < north
    assert {f["properties"]["name"] for f in response.json()["features"]} == {"Atelier bordelais", "Fabrique lyonnaise"}
    page.locator('.leaflet-marker-icon[title="Atelier bordelais"]').wait_for()
    page.locator('.leaflet-marker-icon[title="Fabrique lyonnaise"]').wait_for()
    assert page.locator("[data-map-status]").inner_text() == "2 structures sur cette vue de la carte."
    # A popup names the roles with the labels the page gives (StructureRole), not the GeoJSON's values.
    page.locator('.leaflet-marker-icon[title="Atelier bordelais"]').click()
    assert page.locator(".map-popup").inner_text() == "Atelier bordelais\nAccompagnement · Tiers-lieu"
    # The list below the map holds the same structures.
    assert page.locator(".map-list >> text=Atelier bordelais").count() == 1

    # The same filters as the list: only the structure with an offer at the « création » stage.
    with page.expect_response(lambda response: "structures.geojson" in response.url) as answer:
        page.goto(site + "/directory/carte/?stage=creation")
    assert parse_qs(urlparse(answer.value.url).query)["stage"] == ["creation"]
    page.locator('.leaflet-marker-icon[title="Atelier bordelais"]').wait_for()
    assert page.locator('.leaflet-marker-icon[title="Fabrique lyonnaise"]').count() == 0


def test_home_map_and_chain_pages_have_no_serious_accessibility_violation(site, page):
    structure = StructureFactory(
        name="Atelier bordelais", commune=commune("33063"), latitude=44.8378, longitude=-0.5792
    )
    OfferFactory(structure=structure, stages=["creation"], coverage=["DEP-23"], support_level=2)
    faux = commune("23077")
    near = StructureFactory(name="Tiers-lieu", commune=faux, latitude=faux.latitude + 0.1, longitude=faux.longitude)
    OfferFactory(structure=near, stages=["creation"], coverage=["DEP-23"], mode_presentiel=True)
    OfferFactory(stages=["creation", "emergence"], coverage=["FR"], mode_presentiel=True)
    page.goto(site + "/")
    assert_accessible(page)
    page.goto(site + "/directory/carte/")
    page.locator(".leaflet-marker-icon").first.wait_for()
    assert_accessible(page)
    page.goto(site + "/chaine/COM-23077/?stage=creation")
    assert_accessible(page)
    page.goto(site + "/chaine/")
    assert_accessible(page)
