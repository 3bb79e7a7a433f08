"""The curators' white-zone map: boundaries coloured per stage, the same figures as the table, axe-core, 360 px."""

import math

import pytest

from directory.models import Territory
from support_chain.white_zones import compute_white_zones
from tests.browser.axe import assert_accessible
from tests.factories import OfferFactory, StructureFactory, commune, make_curator

pytestmark = pytest.mark.browser


def _sign_in(site, page):
    make_curator("REG-75", email="curatrice@cress.example", is_staff=True)
    page.goto(site + "/compte/login/?next=/curation/zones-blanches/")
    page.get_by_label("Adresse électronique").fill("curatrice@cress.example")
    page.get_by_label("Mot de passe").fill("mot-de-passe-solide-42")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/curation/zones-blanches/")


def test_the_white_zone_map_colours_each_departement_per_stage_and_is_accessible(site, page):
    gueret = commune("23096")
    near = StructureFactory(
        commune=gueret, latitude=gueret.latitude + math.degrees(10 / 6371.0088), longitude=gueret.longitude
    )
    OfferFactory(structure=near, mode_presentiel=True, coverage=["DEP-23"], stages=["emergence"])
    OfferFactory(mode_distance=True, coverage=["FR"], stages=["emergence", "creation"])
    compute_white_zones(region=Territory.objects.get(key="REG-75"))
    _sign_in(site, page)

    map_box = page.locator("#white-zone-map")
    page.wait_for_selector("#white-zone-map[data-loaded]")
    assert map_box.get_attribute("data-loaded") == "12"
    assert page.locator("#white-zone-map path.leaflet-interactive").count() == 12
    creuse_cell = page.locator('td[data-cell="DEP-23:emergence"]')
    assert "hab." in creuse_cell.inner_text()
    creation = page.locator('.stage-switch [data-stage="creation"]')
    creation.click()
    assert map_box.get_attribute("data-stage") == "creation"
    assert creation.get_attribute("aria-current") == "true"
    assert "stage=creation" in page.url
    assert_accessible(page)

    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    page.wait_for_selector("#white-zone-map[data-loaded]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # the table scrolls inside its box
    assert_accessible(page)
