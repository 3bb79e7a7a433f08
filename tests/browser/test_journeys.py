"""The three journeys of issue 16, at 1280 px and at 360 px, every page checked with axe and for horizontal
scrolling (tests/browser/steps.py)."""

import csv
import io

import pytest

from accounts.models import Email
from curation.models import ImportBatch, ImportStatus
from directory.models import Offer
from funding.referrals.models import Referral
from tests.browser.steps import (
    add_to_selection,
    below_header,
    check,
    link_in_email,
    open_page,
    selection_count,
    sign_in,
)
from tests.factories import StructureFactory, commune, make_agent, make_curator, make_reachable_offer

pytestmark = pytest.mark.browser
WIDTHS = ["bureau", "mobile"]


def niort_offers():
    """Three offers for a creation project in Niort, each reaching its structure by e-mail."""
    return [
        make_reachable_offer(
            structure=StructureFactory(name=name, commune=commune("79191")),
            title=title,
            coverage=["DEP-79"],
            stages=["creation"],
            needs=["financement"],
        )
        for name, title in [
            ("Initiative Deux-Sèvres", "Prêt d'honneur création"),
            ("Couveuse Niortaise", "Couveuse d'activités"),
            ("Solidarité Financement", "Financement participatif solidaire"),
        ]
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_holder_composes_one_dossier_for_three_offers(site, browser, width):
    offers = niort_offers()
    page = open_page(browser, width)
    page.goto(site + "/")
    check(page)
    page.get_by_label("Votre commune").fill("Niort 79")
    page.get_by_role("button", name="Voir qui peut m'accompagner").click()
    page.wait_for_url("**/chaine/**")
    check(page)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Trouver de l'aide").click()
    page.wait_for_url("**/parcours/")
    check(page)
    # The questionnaire's steps are walked in test_matching.py; its answers land in « Mon parcours »'s address.
    page.goto(site + "/parcours/resultats/?commune=79191&stage=creation&need=financement")
    check(page)
    add_to_selection(page, "Prêt d'honneur création")
    add_to_selection(page, "Couveuse d'activités")
    assert selection_count(page).startswith("(2")
    page.goto(site + "/directory/?q=participatif")
    check(page)
    if width == "mobile":
        assert below_header(page, ".search-results .offer-card") < 640, "first result below the first screen"
    add_to_selection(page, "Financement participatif solidaire")
    assert selection_count(page).startswith("(3")

    page.get_by_role("link", name="Ma sélection").click()
    check(page)
    page.get_by_role("link", name="Envoyer mon dossier à ces 3 structures").click()
    check(page)
    for offer in offers:
        assert page.get_by_label(offer.title, exact=False).is_checked()
    assert page.get_by_label("Commune de votre projet").input_value() == "Niort (79)"
    page.get_by_label("Votre nom et prénom").fill("Camille Durand")
    page.get_by_label("Votre adresse électronique").fill("camille@exemple.org")
    page.get_by_label("Votre projet en quelques lignes").fill("Une épicerie coopérative dans le quartier.")
    page.get_by_label("J'accepte que mes coordonnées", exact=False).check()
    page.get_by_role("button", name="Préparer l'envoi").click()
    page.wait_for_load_state()
    check(page)

    page.goto(site + link_in_email("confirm"))
    check(page)
    page.get_by_role("button", name="Transmettre mon dossier").click()
    page.wait_for_load_state()
    check(page)
    sent = Email.objects.filter(kind="sent")
    assert sorted(email.to[0] for email in sent) == sorted(offer.email for offer in offers)
    assert Email.objects.filter(kind="sent-holder", to=["camille@exemple.org"]).exists()
    assert Referral.objects.get().lines.count() == 3


@pytest.mark.parametrize("width", WIDTHS)
def test_curator_publishes_a_submission_and_imports_a_file(site, browser, width, tmp_path, eager_celery):
    curator = make_curator("REG-75", email="claude@cress-na.org")
    page = open_page(browser, width)
    sign_in(page, site, curator.email)
    assert page.url == site + "/curation/"  # lands on the dashboard
    check(page)

    # A structure is proposed through the public form, by someone without an account.
    public = open_page(browser, width)
    public.goto(site + "/curation/referencer/")
    check(public)
    public.get_by_label("Nom de la structure").fill("La Fabrique solidaire")
    public.locator("input[name=roles][value=support]").check()
    public.locator("#id_commune").fill("Faux-la-Montagne 23")
    public.get_by_label("Intitulé de l'offre").fill("Accompagnement des cafés associatifs")
    public.get_by_label("Type d'offre").select_option("accompagnement")
    public.locator("input[name=offer_stages][value=creation]").check()
    public.get_by_label("Votre nom").fill("Dominique Martin")
    public.get_by_label("Votre adresse électronique").fill("dominique@exemple.org")
    public.get_by_role("button", name="Envoyer la proposition").click()
    public.wait_for_url("**/referencer/merci/")
    check(public)
    public.context.close()

    page.reload()
    page.get_by_role("link", name="La Fabrique solidaire").click()
    check(page)
    page.get_by_role("button", name="Valider et publier").click()
    page.wait_for_load_state()
    assert Offer.objects.filter(title="Accompagnement des cafés associatifs", status="published").exists()
    page.goto(site + "/directory/?q=cafés associatifs")
    check(page)
    assert page.get_by_role("link", name="Accompagnement des cafés associatifs").is_visible()
    page.goto(site + "/directory/carte/?territory=Faux-la-Montagne+(23)")
    check(page)
    assert page.locator(".map-list").get_by_text("La Fabrique solidaire").is_visible()
    if width == "mobile":
        assert below_header(page, "#map") < 640, "the map starts below the first screen"

    # The import: the template, one bad line refused with its reason, fixed, confirmed.
    page.goto(site + "/curation/imports/")
    check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le modèle", exact=False).click()
    template = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(template)))
    rows[1]["support_level"] = "7"
    bad = tmp_path / "offres.csv"
    bad.write_text(_csv(rows), encoding="utf-8")
    page.get_by_label("Fichier CSV ou XLSX").set_input_files(str(bad))
    page.get_by_role("button", name="Prévisualiser l'import", exact=True).click()
    page.wait_for_url("**/curation/imports/*/")
    check(page)
    assert page.get_by_text("niveau d'accompagnement « 7 » invalide", exact=False).is_visible()
    rows[1]["support_level"] = "1"
    bad.write_text(_csv(rows), encoding="utf-8")
    page.goto(site + "/curation/imports/")
    page.get_by_label("Fichier CSV ou XLSX").set_input_files(str(bad))
    page.get_by_role("button", name="Prévisualiser l'import", exact=True).click()
    page.wait_for_url("**/curation/imports/*/")
    page.get_by_role("button", name="Confirmer l'import").click()
    page.wait_for_load_state()
    check(page)
    assert ImportBatch.objects.filter(status=ImportStatus.APPLIED).count() == 1
    page.goto(site + "/curation/zones-blanches/")
    check(page)


def _csv(rows) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@pytest.mark.parametrize("width", WIDTHS)
def test_agent_refers_a_holder_from_their_parcours_and_sees_the_answer(site, browser, width):
    first, second, _third = niort_offers()
    agent = make_agent("EPCI-200041317", email="alix@agglo-niort.fr")
    page = open_page(browser, width)
    sign_in(page, site, agent.email)
    assert page.url == site + "/orientations/"  # lands on « Orientations »
    check(page)

    page.get_by_role("link", name="Ma sélection").click()
    check(page)
    page.get_by_label("Adresse de sa page « Mon parcours »").fill(
        site + "/parcours/resultats/?commune=79191&stage=creation&need=financement"
    )
    page.get_by_role("button", name="Ouvrir son parcours").click()
    page.wait_for_url("**/parcours/resultats/**")
    add_to_selection(page, first.title)
    add_to_selection(page, second.title)
    page.get_by_role("link", name="Ma sélection").click()
    page.get_by_role("link", name="Orienter un porteur de projet vers ces 2 offres").click()
    check(page)
    assert page.get_by_label(first.title, exact=False).is_checked()
    assert page.get_by_label(second.title, exact=False).is_checked()
    assert page.get_by_label("Commune du projet").input_value() == "Niort (79)"
    page.get_by_label("Nom et prénom du porteur de projet").fill("Dominique Porteur")
    page.get_by_label("Courriel du porteur").fill("dom@exemple.org")
    page.get_by_label("Le projet en quelques lignes").fill("Une épicerie coopérative à Niort.")
    page.get_by_label("J'accepte que mes coordonnées", exact=False).check()
    page.get_by_role("button", name="Envoyer le dossier").click()
    referral = Referral.objects.get()
    page.wait_for_url(f"**/orientations/{referral.pk}/")
    check(page)

    recipient = open_page(browser, width)
    recipient.goto(site + link_in_email("sent", to=[first.email]))
    check(recipient)
    recipient.get_by_role("button", name="Je prends en charge").click()
    recipient.wait_for_load_state()
    check(recipient)
    recipient.context.close()

    page.reload()
    line = page.locator(f"[data-line='{referral.lines.get(offer=first).pk}'] [data-status]")
    assert line.inner_text() == "Prise en charge"
    page.goto(site + "/orientations/")
    check(page)
