"""A holder goes through the questionnaire with the keyboard and reads grouped, explained results."""

import pytest

from tests.browser.axe import assert_accessible
from tests.factories import OfferFactory, StructureFactory

pytestmark = pytest.mark.browser


def make_directory():
    from directory.models import Instrument

    OfferFactory(
        title="Premier accueil des porteurs",
        structure=StructureFactory(name="CRESS Nouvelle-Aquitaine"),
        coverage=["DEP-23"],
        stages=["emergence"],
        needs=["information-orientation"],
    )
    OfferFactory(
        title="Prêt d'honneur Creuse",
        structure=StructureFactory(name="Initiative Creuse", role_financer=True),
        offer_type="financement",
        instrument=Instrument.objects.get(slug="pret-honneur"),
        amount_min=1000,
        amount_max=8000,
        coverage=["REG-75"],
        stages=["emergence"],
        needs=["financement"],
    )
    OfferFactory(title="Corrèze seulement", coverage=["DEP-19"], stages=["emergence"])


def test_a_holder_answers_with_the_keyboard_and_sees_grouped_results(site, page):
    make_directory()
    page.goto(site + "/parcours/")
    assert_accessible(page)
    page.get_by_label("Commune du projet").focus()
    page.keyboard.type("23077")
    page.keyboard.press("Enter")  # « Continuer » is the form's first button

    page.wait_for_url("**step=2**")
    page.get_by_label("J'ai une idée").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Enter")

    page.wait_for_url("**step=3**")
    page.get_by_label("Financement", exact=True).focus()
    page.keyboard.press("Space")
    # Going back keeps the answers.
    page.get_by_role("button", name="Étape précédente").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**step=2**")
    assert page.get_by_label("J'ai une idée").is_checked()
    page.get_by_role("button", name="Continuer").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**step=3**")
    assert page.get_by_label("Financement", exact=True).is_checked()
    page.get_by_role("button", name="Continuer").focus()
    page.keyboard.press("Enter")

    page.wait_for_url("**step=4**")
    assert_accessible(page)
    page.get_by_role("button", name="Continuer").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**step=5**")
    page.get_by_label("Montant recherché (en euros)").focus()
    page.keyboard.type("5000")
    page.keyboard.press("Enter")

    page.wait_for_url("**/parcours/resultats/**")
    assert page.locator("h1").inner_text() == "Mon parcours"
    funding = page.locator("section#financer")
    assert "Prêt d'honneur Creuse" in funding.inner_text()
    assert "Répond à votre besoin : financement" in funding.inner_text()
    assert "Couvre votre région : Nouvelle-Aquitaine" in funding.inner_text()
    accompany = page.locator("section#accompagner")
    assert "Premier accueil des porteurs" in accompany.inner_text()
    assert "Couvre votre département : Creuse" in accompany.inner_text()
    assert "Corrèze seulement" not in page.content()
    assert_accessible(page)

    page.get_by_role("link", name="Modifier mes réponses").click()
    page.wait_for_url("**step=1**")
    assert page.get_by_label("Commune du projet").input_value() == "23077"
