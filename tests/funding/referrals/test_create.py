"""The create page: from an offer page or the matching results, by a signed-in person with a role."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Email
from funding.referrals.models import CONSENT_VERSION, LineStatus, Referral
from tests.factories import (
    OfferFactory,
    StructureFactory,
    UserFactory,
    make_agent,
    make_curator,
    make_editor,
    make_reachable_offer,
)

pytestmark = pytest.mark.django_db
URL = reverse("referrals:create")


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.REFERRAL_ATTACHMENTS_ROOT = tmp_path / "private"
    return settings.REFERRAL_ATTACHMENTS_ROOT


def form_data(offers, **changes):
    data = {
        "offers": [offer.pk for offer in offers],
        "holder_name": "Dominique Porteur",
        "holder_email": "dom@exemple.org",
        "holder_phone": "",
        "description": "Une épicerie coopérative.",
        "commune": "79191",
        "stage": "emergence",
        "needs": ["financement", "statut-juridique"],
        "legal_form": "association",
        "consent": "on",
    }
    data.update(changes)
    return data


def test_anonymous_people_are_sent_to_the_login_page(client):
    response = client.get(URL + "?offer=1")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_people_without_a_role_may_not_refer(client):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data([make_reachable_offer()])).status_code == 403
    assert Referral.objects.count() == 0


@pytest.mark.parametrize("role", ["agent", "curator", "editor"])
def test_every_role_may_prepare_a_referral(client, role):
    user = {
        "agent": lambda: make_agent("DEP-79"),
        "curator": lambda: make_curator("REG-75"),
        "editor": lambda: make_editor(StructureFactory()),
    }[role]()
    client.force_login(user)
    assert client.get(URL).status_code == 200


def test_the_page_prefills_the_offers_and_the_profile_of_the_results_page(client):
    client.force_login(make_agent("DEP-79"))
    first, second, unpublished = make_reachable_offer(), make_reachable_offer(), OfferFactory(status="draft")
    query = f"?offer={first.pk}&offer={second.pk}&offer={unpublished.pk}&commune=79191&stage=creation&need=financement"
    response = client.get(URL + query)
    content = response.content.decode()
    offers = response.context["form"].fields["offers"].queryset
    assert set(offers) == {first, second}  # only the chosen offers, and only published ones
    assert escape(first.title) in content and escape(second.title) in content
    assert escape(unpublished.title) not in content
    assert 'value="Niort (79)"' in content
    assert response.context["form"].initial["needs"] == ["financement"]
    assert "J&#x27;accepte que mes coordonnées" in content and CONSENT_VERSION in content


def test_a_two_offer_dossier_is_saved_and_its_e_mails_queued_in_one_go(client):
    agent = make_agent("DEP-79")
    client.force_login(agent)
    offers = [make_reachable_offer() for _ in range(2)]
    response = client.post(URL, form_data(offers))
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("referrals:detail", args=[referral.pk])
    assert referral.prescriber == agent and referral.commune.code == "79191"
    assert sorted(referral.needs.values_list("slug", flat=True)) == ["financement", "statut-juridique"]
    assert referral.legal_form.slug == "association" and referral.stage.slug == "emergence"
    assert set(referral.lines.values_list("offer", "status")) == {(o.pk, LineStatus.SENT) for o in offers}
    assert sorted(Email.objects.values_list("kind", flat=True)) == ["sent", "sent", "sent-holder"]
    # No personal data in the URL the browser is sent to.
    assert "Dominique" not in response["Location"] and "dom@" not in response["Location"]


def test_errors_are_in_french_and_what_was_typed_is_kept(client):
    client.force_login(make_agent("DEP-79"))
    offer = make_reachable_offer()
    data = form_data([offer], consent="", holder_email="", holder_phone="", commune="Nullepartville")
    response = client.post(URL, data)
    content = response.content.decode()
    assert response.status_code == 200 and Referral.objects.count() == 0
    assert "Le porteur de projet doit avoir donné son accord" in content
    assert "Indiquez au moins un moyen de contact du porteur" in content
    assert "Nous ne trouvons pas « Nullepartville »" in content
    assert 'value="Dominique Porteur"' in content and "Une épicerie coopérative." in content
    assert f'value="{offer.pk}"' in content and "checked" in content


def test_the_form_is_protected_against_cross_site_posts():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_agent("DEP-79"))
    assert client.post(URL, form_data([make_reachable_offer()])).status_code == 403
    assert Referral.objects.count() == 0


def test_attachments_are_limited_in_type_and_size(client):
    client.force_login(make_agent("DEP-79"))
    offer = make_reachable_offer()
    script = SimpleUploadedFile("virus.exe", b"MZ...", content_type="application/octet-stream")
    response = client.post(URL, {**form_data([offer]), "attachments": [script]})
    assert "format non accepté" in response.content.decode() and Referral.objects.count() == 0
    fake_pdf = SimpleUploadedFile("budget.pdf", b"<html>", content_type="application/pdf")
    response = client.post(URL, {**form_data([offer]), "attachments": [fake_pdf]})
    assert "n&#x27;est pas un PDF valide" in response.content.decode()
    big = SimpleUploadedFile("budget.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), content_type="application/pdf")
    response = client.post(URL, {**form_data([offer]), "attachments": [big]})
    assert "dépasse 5 Mo" in response.content.decode() and Referral.objects.count() == 0


def test_an_attachment_is_stored_privately_and_served_only_to_those_who_see_the_referral(client, private_files):
    agent = make_agent("DEP-79")
    client.force_login(agent)
    pdf = SimpleUploadedFile("budget.pdf", b"%PDF-1.4 budget", content_type="application/pdf")
    client.post(URL, {**form_data([make_reachable_offer()]), "attachments": [pdf]})
    attachment = Referral.objects.get().attachments.get()
    assert str(private_files) in attachment.file.path and attachment.size == len(b"%PDF-1.4 budget")
    url = reverse("referrals:attachment", args=[attachment.referral_id, attachment.pk])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 budget"
    assert response["Content-Disposition"].startswith("attachment") and response["X-Content-Type-Options"] == "nosniff"
    client.force_login(make_agent("DEP-79"))  # another agent, without the territory right
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_the_offer_page_links_to_the_create_page_for_people_with_a_role_only(client):
    offer = make_reachable_offer()
    link = f'href="{URL}?offer={offer.pk}"'
    assert link not in client.get(offer.get_absolute_url()).content.decode()
    client.force_login(UserFactory())
    assert link not in client.get(offer.get_absolute_url()).content.decode()
    client.force_login(make_agent("DEP-79"))
    assert link in client.get(offer.get_absolute_url()).content.decode()
