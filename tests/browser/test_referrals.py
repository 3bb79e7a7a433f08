"""An agent refers a holder of Niort to two offers; one structure accepts through its link; the agent sees it."""

import pytest

from accounts.models import Email
from funding.referrals.models import LineStatus, Referral
from tests.browser.axe import assert_accessible
from tests.factories import StructureFactory, make_agent, make_reachable_offer

pytestmark = pytest.mark.browser
PASSWORD = "mot-de-passe-solide-42"


def test_an_agent_sends_a_two_recipient_dossier_and_follows_the_answer(site, page, browser):
    incubator = make_reachable_offer(
        structure=StructureFactory(name="Incubateur ESS des Deux-Sèvres"),
        title="Incubation de projets ESS",
        coverage=["DEP-79"],
    )
    association = make_reachable_offer(
        structure=StructureFactory(name="France Active Poitou"),
        title="Prêt d'honneur solidaire",
        coverage=["COM-79191"],
    )
    agent = make_agent("EPCI-200041317", email="alix@agglo-niort.fr")

    page.goto(site + "/compte/login/")
    page.fill("#id_username", agent.email)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(site + "/orientations/")  # an agent lands on their orientations

    # The offer page of a published offer covering Niort carries the « Orienter » link.
    page.goto(site + incubator.get_absolute_url())
    page.get_by_role("link", name="Orienter un porteur de projet").click()
    page.wait_for_url(f"**/orientations/nouvelle/?offer={incubator.pk}")
    assert page.get_by_label("Incubation de projets ESS — Incubateur ESS des Deux-Sèvres").is_checked()
    # Like the matching results page, the dossier goes to a second offer and carries the holder's commune.
    page.goto(page.url + f"&offer={association.pk}&commune=79191&stage=emergence&need=financement")
    assert page.get_by_label("Prêt d'honneur solidaire — France Active Poitou").is_checked()
    assert page.get_by_label("Commune du projet").input_value() == "Niort (79)"
    assert_accessible(page)

    page.get_by_label("Nom et prénom du porteur de projet").fill("Dominique Porteur")
    page.get_by_label("Courriel du porteur").fill("dom@exemple.org")
    page.get_by_label("Le projet en quelques lignes").fill("Une épicerie coopérative à Niort.")
    # Submitting without the holder's consent keeps what was typed and says why.
    page.get_by_role("button", name="Envoyer le dossier").click()
    assert page.get_by_text("Le porteur de projet doit avoir donné son accord").is_visible()
    assert page.get_by_label("Nom et prénom du porteur de projet").input_value() == "Dominique Porteur"
    page.get_by_label("J'accepte que mes coordonnées", exact=False).check()
    page.get_by_role("button", name="Envoyer le dossier").click()

    referral = Referral.objects.get()
    page.wait_for_url(f"**/orientations/{referral.pk}/")
    statuses = page.locator("[data-status]")
    assert statuses.all_inner_texts() == ["Envoyée", "Envoyée"]
    assert_accessible(page)

    # The incubator opens its e-mail's link, without an account, in another browser.
    body = Email.objects.get(kind="sent", to=[incubator.email]).body
    link = body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    recipient = browser.new_context(locale="fr-FR")
    structure_page = recipient.new_page()
    structure_page.goto(site + link)
    assert structure_page.get_by_text("Dominique Porteur").is_visible()
    assert "France Active Poitou" not in structure_page.content()  # never the other recipients
    structure_page.get_by_role("button", name="Je prends en charge").click()
    assert structure_page.locator("[data-status]").inner_text() == "Prise en charge"
    recipient.close()

    page.reload()
    line = page.locator(f"[data-line='{referral.lines.get(offer=incubator).pk}'] [data-status]")
    assert line.inner_text() == "Prise en charge"
    other = page.locator(f"[data-line='{referral.lines.get(offer=association).pk}'] [data-status]")
    assert other.inner_text() == "Envoyée"
    assert referral.lines.get(offer=incubator).status == LineStatus.ACCEPTED
