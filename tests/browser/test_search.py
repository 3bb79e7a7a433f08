import re

import pytest

from directory.models import Permanence
from tests.browser.axe import assert_accessible
from tests.factories import OfferFactory, StructureFactory, commune

pytestmark = pytest.mark.browser


def make_directory():
    host = StructureFactory(name="Boutique de gestion Creuse", phone="05 55 00 00 00", opening_hours="9h-17h")
    offer = OfferFactory(
        structure=host,
        title="Couveuse d'activités",
        description="Tester son activité en grandeur réelle.",
        coverage=["COM-23077"],
        stages=["emergence"],
        needs=["definition-projet"],
    )
    OfferFactory(title="Prêt d'honneur Creuse", coverage=["DEP-23"], stages=["creation"], offer_type="financement")
    OfferFactory(title="Atelier normand", coverage=["DEP-14"], stages=["emergence"])
    place = StructureFactory(name="Tiers-lieu du plateau", role_third_place=True, commune=commune("23090"))
    Permanence.objects.create(place=place, host=host, offer=offer, schedule="Le 1er mardi du mois")
    return offer


def test_a_holder_filters_by_territory_and_stage_then_opens_an_offer(site, page):
    make_directory()
    page.goto(site + "/directory/")
    assert page.locator("h1").inner_text() == "Annuaire de l'accompagnement et du financement"
    page.get_by_label("Territoire").fill("Faux-la-Montagne")
    page.get_by_role("button", name="Rechercher").click()
    results = page.locator(".search-results .cards h3")
    assert sorted(results.all_inner_texts()) == ["Couveuse d'activités", "Prêt d'honneur Creuse"]
    # The territory typed is kept, shown as resolved; the stage facet counts within it.
    assert page.get_by_label("Territoire").input_value() == "Faux-la-Montagne (23)"
    page.get_by_label(re.compile(r"^Émergence \(1")).check()
    page.get_by_role("button", name="Appliquer les filtres").click()
    assert results.all_inner_texts() == ["Couveuse d'activités"]
    assert "stage=emergence" in page.url and "territory=" in page.url
    page.get_by_role("link", name="Couveuse d'activités").click()
    assert page.locator("h1").inner_text() == "Couveuse d'activités"
    assert page.get_by_text("Tester son activité en grandeur réelle.").is_visible()
    assert page.get_by_role("link", name="Tiers-lieu du plateau").is_visible()


def test_search_offer_and_structure_pages_have_no_serious_accessibility_violation(site, page):
    offer = make_directory()
    page.goto(site + "/directory/?territory=COM-23077")
    assert page.locator(".search-results .cards li").count() == 2
    assert_accessible(page)
    page.goto(site + "/directory/?territory=DEP-75")  # the empty state
    assert page.get_by_text("Aucune offre ne correspond à votre recherche.").is_visible()
    assert_accessible(page)
    page.goto(site + offer.get_absolute_url())
    assert_accessible(page)
    page.goto(site + offer.structure.get_absolute_url())
    assert page.get_by_role("heading", name="Permanences tenues dans des tiers-lieux").is_visible()
    assert_accessible(page)


def test_search_page_is_usable_at_360_pixels(site, page):
    make_directory()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(site + "/directory/")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert page.get_by_role("button", name="Rechercher").is_visible()
