"""A holder creates an account from their results, activates it from the e-mail, saves the parcours, finds it."""

import re

import pytest
from django.core import mail

from tests.browser.axe import assert_accessible
from tests.factories import OfferFactory

pytestmark = pytest.mark.browser

RESULTS = "/parcours/resultats/?commune=23077&stage=emergence"


def test_a_holder_signs_up_from_the_results_and_saves_the_parcours(site, page, eager_celery):
    OfferFactory(title="Premier accueil des porteurs", coverage=["DEP-23"], stages=["emergence"])
    page.goto(site + RESULTS)
    page.get_by_role("link", name="Se connecter ou créer un compte pour enregistrer ce parcours").click()
    page.get_by_role("main").get_by_role("link", name="Créer un compte").click()
    assert_accessible(page)
    page.get_by_role("textbox", name="Adresse électronique").fill("camille.porteuse@exemple.org")
    page.get_by_label("J'accepte les conditions du compte", exact=False).check()
    page.get_by_role("button", name="Créer mon compte").click()
    page.get_by_role("heading", name="Vérifiez votre messagerie").wait_for()

    link = re.search(r"https?://\S+(/compte/activer/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(site + link)
    assert_accessible(page)
    page.fill("#id_password1", "Un-mot-de-passe-solide-2026")
    page.fill("#id_password2", "Un-mot-de-passe-solide-2026")
    page.get_by_role("button", name="Activer mon compte").click()
    page.wait_for_url(f"**{RESULTS}")

    page.get_by_label("J'accepte que ce parcours soit enregistré dans mon compte", exact=False).check()
    page.get_by_role("button", name="Enregistrer ce parcours").click()
    page.get_by_text("Ce parcours est enregistré dans votre compte.").first.wait_for()

    page.get_by_role("link", name="Mes parcours", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="Faux-la-Montagne · Émergence", exact=True).click()
    page.wait_for_url(f"**{RESULTS}")
