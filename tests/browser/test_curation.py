import pytest

from curation.services.moderation import submission_create
from tests.factories import StructureFactory, commune, make_curator

pytestmark = pytest.mark.browser


def test_a_curator_signs_in_approves_a_submission_and_the_public_page_shows_it(site, page):
    structure = StructureFactory(name="Coop des Plateaux", commune=commune("23077"), phone="05 55 00 00 00")
    submission_create(
        structure=structure,
        values={"name": "Coop des Plateaux limousins", "phone": "05 55 11 22 33"},
        submitter_name="Dominique",
        submitter_email="dominique@exemple.org",
    )
    make_curator("REG-75", email="curatrice@cress.example", is_staff=True)

    page.goto(site + "/curation/")
    assert "/compte/login/" in page.url  # the dashboard asks to sign in first
    page.get_by_label("Adresse électronique").fill("curatrice@cress.example")
    page.get_by_label("Mot de passe").fill("mot-de-passe-solide-42")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/curation/")

    page.get_by_role("link", name="Coop des Plateaux limousins").click()
    diff = page.locator("table.diff")
    assert "05 55 00 00 00" in diff.inner_text() and "05 55 11 22 33" in diff.inner_text()
    page.get_by_label("Motif (gardé dans l'historique)").fill("Vérifié au téléphone")
    page.get_by_role("button", name="Valider et publier").click()
    page.wait_for_url("**/curation/")
    assert "est publiée" in page.locator(".messages").inner_text()

    page.goto(site + structure.get_absolute_url())
    assert page.locator("h1").inner_text() == "Coop des Plateaux limousins"


def test_the_dashboard_and_the_public_form_have_no_serious_accessibility_violation(site, page):
    from tests.browser.axe import assert_accessible

    page.goto(site + "/curation/referencer/")
    assert_accessible(page)
    make_curator("REG-75", email="curatrice@cress.example", is_staff=True)
    page.goto(site + "/compte/login/?next=/curation/")
    page.get_by_label("Adresse électronique").fill("curatrice@cress.example")
    page.get_by_label("Mot de passe").fill("mot-de-passe-solide-42")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/curation/")
    assert_accessible(page)
