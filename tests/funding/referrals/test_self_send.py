"""A holder sends their dossier themselves: no account, address confirmed first, rate-limited, honeypot."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.magic_links import make_token
from accounts.models import Email
from funding.referrals import emails
from funding.referrals.models import LineStatus, Referral, ReferralSource
from tests.factories import make_reachable_offer

pytestmark = pytest.mark.django_db
URL = reverse("referrals:self_send")


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def form_data(offers, **changes):
    data = {
        "offers": [offer.pk for offer in offers],
        "holder_name": "Dominique Porteur",
        "holder_email": "Dom@Exemple.org",
        "description": "Une recyclerie.",
        "commune": "79191",
        "stage": "emergence",
        "consent": "on",
        "website": "",
    }
    data.update(changes)
    return data


def confirm_path(referral):
    return reverse("referrals:confirm", args=[make_token(emails.CONFIRM_PURPOSE, referral.pk)])


def test_the_results_page_link_opens_the_form_without_an_account(client):
    offer = make_reachable_offer()
    response = client.get(URL + f"?offer={offer.pk}&commune=79191&stage=emergence")
    assert response.status_code == 200
    assert response.context["form"].initial["offers"] == [offer.pk] and response.context["self_send"]
    assert 'name="website"' in response.content.decode()  # the honeypot is there, hidden


def test_nothing_is_sent_before_the_address_is_confirmed(client):
    offers = [make_reachable_offer(), make_reachable_offer()]
    response = client.post(URL, form_data(offers))
    assert "confirmez votre adresse" in response.content.decode()
    referral = Referral.objects.get()
    assert referral.source == ReferralSource.HOLDER and referral.prescriber is None
    assert referral.holder_email == "dom@exemple.org" and referral.holder_email_confirmed_at is None
    assert set(referral.lines.values_list("status", flat=True)) == {LineStatus.DRAFT}
    assert list(Email.objects.values_list("kind", "to")) == [("confirm", ["dom@exemple.org"])]

    path = confirm_path(referral)
    assert client.get(path).status_code == 200
    referral.refresh_from_db()
    assert referral.holder_email_confirmed_at is None  # a mail scanner opening the link sends nothing
    client.post(path)
    client.post(path)  # twice: still one e-mail per recipient
    referral.refresh_from_db()
    assert referral.holder_email_confirmed_at is not None
    assert set(referral.lines.values_list("status", flat=True)) == {LineStatus.SENT}
    sent = Email.objects.filter(kind="sent")
    assert sorted(email.to[0] for email in sent) == sorted(offer.email for offer in offers)
    assert all(email.reply_to == ["dom@exemple.org"] for email in sent)  # the structure answers the holder


def test_an_expired_or_forged_confirmation_link_sends_nothing(client):
    client.post(URL, form_data([make_reachable_offer()]))
    referral = Referral.objects.get()
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        old = confirm_path(referral)
    assert client.post(old).status_code == 410
    forged = reverse("referrals:confirm", args=[make_token(emails.ANSWER_PURPOSE, referral.pk)])
    assert client.post(forged).status_code == 410
    referral.refresh_from_db()
    assert referral.holder_email_confirmed_at is None


def test_the_honeypot_stops_robots(client):
    response = client.post(URL, form_data([make_reachable_offer()], website="http://spam.example"))
    assert response.status_code == 200 and Referral.objects.count() == 0 and Email.objects.count() == 0


def test_an_e_mail_address_is_required(client):
    response = client.post(URL, form_data([make_reachable_offer()], holder_email=""))
    assert "Ce champ est obligatoire" in response.content.decode() and Referral.objects.count() == 0


def test_sending_is_rate_limited_per_connection(client):
    offer = make_reachable_offer()
    for _ in range(5):
        client.post(URL, form_data([offer]))
    response = client.post(URL, form_data([offer]))
    assert "Trop d&#x27;envois" in response.content.decode()
    assert Referral.objects.count() == 5
    other = client.post(URL, form_data([offer]), REMOTE_ADDR="192.0.2.7")
    assert "confirmez votre adresse" in other.content.decode() and Referral.objects.count() == 6


def test_once_confirmed_the_holder_gets_a_recap_and_the_structures_see_the_needs(client):
    offers = [make_reachable_offer(title="Prêt solidaire"), make_reachable_offer(title="Couveuse")]
    client.post(URL, form_data(offers, needs=["financement", "statut-juridique"]))
    referral = Referral.objects.get()
    client.post(confirm_path(referral))
    recap = Email.objects.get(kind="sent-holder")
    assert recap.to == ["dom@exemple.org"]
    assert "Prêt solidaire" in recap.body and "Couveuse" in recap.body and "Une recyclerie." in recap.body
    assert "la personne qui vous a orienté" not in recap.body
    to_structure = Email.objects.filter(kind="sent").first()
    assert "Besoins" in to_structure.body and "Financement" in to_structure.body


def test_the_holders_form_speaks_to_them_and_the_missing_address_has_one_error(client):
    content = client.get(URL).content.decode()
    assert "Ce que le porteur" not in content and "Ce que vous voulez faire" in content
    response = client.post(URL, form_data([make_reachable_offer()], holder_email=""))
    errors = response.context["form"].errors["holder_email"]
    assert len(errors) == 1 and "au moins un moyen de contact" not in errors[0]
