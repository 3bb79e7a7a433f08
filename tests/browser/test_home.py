import pytest

from directory.models import Territory
from tests.factories import OfferFactory

pytestmark = pytest.mark.browser


def test_home_page_shows_what_the_directory_holds(site, page):
    OfferFactory.create_batch(3)
    page.goto(site + "/")
    assert page.locator("h1").inner_text() == "Vers qui me tourner ?"
    assert page.locator("[data-count=offers]").inner_text() == "3"
    assert page.locator("[data-count=structures]").inner_text() == "3"
    communes = Territory.objects.communes().count()
    assert page.locator("[data-count=communes]").inner_text().replace("\u202f", "").replace("\xa0", "") == str(communes)
    # The skip link is the first thing a keyboard user reaches.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"


def test_home_page_has_no_serious_accessibility_violation(site, page):
    from tests.browser.axe import assert_accessible

    page.goto(site + "/")
    assert_accessible(page)
