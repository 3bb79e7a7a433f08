"""The recipient answers through a signed, expiring link carrying ids only: accept, decline, close."""

import datetime

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from accounts.magic_links import make_token
from accounts.models import Email
from funding.referrals import emails
from funding.referrals.models import LineStatus, Referral
from tests.factories import make_reachable_offer, make_referral

pytestmark = pytest.mark.django_db


def answer_path(line):
    return reverse("referrals:answer", args=[make_token(emails.ANSWER_PURPOSE, line.pk)])


def test_the_link_in_the_e_mail_opens_the_dossier_without_an_account(client):
    line = make_referral(make_reachable_offer()).lines.get()
    body = Email.objects.get(kind="sent").body
    path = body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    response = client.get(path)
    content = response.content.decode()
    assert response.status_code == 200 and line.offer.title in content.replace("&#x27;", "'")
    assert "Dominique Porteur" in content and "Je prends en charge" in content


def test_the_token_carries_ids_only():
    line = make_referral().lines.get()
    token = make_token(emails.ANSWER_PURPOSE, line.pk)
    payload = signing.loads(token, salt=f"guichet.magic.{emails.ANSWER_PURPOSE}")
    assert payload == {"id": line.pk, "x": {}}
    assert "porteur" not in token.lower()


def test_accept_then_close_through_the_link(client):
    line = make_referral().lines.get()
    path = answer_path(line)
    response = client.post(path, {"action": "accept"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.status == LineStatus.ACCEPTED
    response = client.post(path, {"action": "close", "close-outcome": "funded", "close-funded_amount": "12000"})
    line.refresh_from_db()
    assert (line.status, line.outcome, line.funded_amount) == (LineStatus.CLOSED, "funded", 12000)
    assert "plus aucune action" in client.get(path).content.decode()


def test_decline_through_the_link_needs_a_reason(client):
    line = make_referral().lines.get()
    path = answer_path(line)
    response = client.post(path, {"action": "decline", "decline-reason": "", "decline-note": "Complet"})
    assert response.status_code == 200 and "Ce champ est obligatoire" in response.content.decode()
    line.refresh_from_db()
    assert line.status == LineStatus.SENT
    client.post(path, {"action": "decline", "decline-reason": "no_capacity", "decline-note": "Complet"})
    line.refresh_from_db()
    assert (line.status, line.decline_reason, line.decline_note) == (LineStatus.DECLINED, "no_capacity", "Complet")


def test_a_second_answer_is_refused_with_a_clear_message(client):
    line = make_referral().lines.get()
    path = answer_path(line)
    client.post(path, {"action": "decline", "decline-reason": "out_of_scope"})
    response = client.post(path, {"action": "accept"}, follow=True)
    assert "ne peut pas passer à « Prise en charge »" in response.content.decode()
    line.refresh_from_db()
    assert line.status == LineStatus.DECLINED


def test_closing_as_reoriented_sends_a_new_referral(client):
    other = make_reachable_offer()
    line = make_referral().lines.get()
    path = answer_path(line)
    client.post(path, {"action": "accept"})
    response = client.post(path, {"action": "close", "close-outcome": "reoriented"})
    assert "Indiquez l&#x27;offre vers laquelle" in response.content.decode()
    client.post(path, {"action": "close", "close-outcome": "reoriented", "close-reoriented_to": str(other.pk)})
    assert Referral.objects.get(reoriented_from=line).lines.get().offer == other


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: token.replace(token.split(":")[0], signing.dumps({"id": 1, "x": {}}, compress=True)[:-1]),
        lambda token: "x" + token,
        lambda token: make_token("referral-confirm", 1),  # a link made for another purpose
    ],
)
def test_a_tampered_link_is_refused_and_changes_nothing(client, tamper):
    line = make_referral().lines.get()
    token = tamper(make_token(emails.ANSWER_PURPOSE, line.pk))
    path = reverse("referrals:answer", args=[token])
    assert client.get(path).status_code == 410
    assert client.post(path, {"action": "accept"}).status_code == 410
    line.refresh_from_db()
    assert line.status == LineStatus.SENT


def test_an_expired_link_is_refused(client):
    line = make_referral().lines.get()
    with time_machine.travel(timezone.now() - datetime.timedelta(days=121)):
        path = answer_path(line)
    response = client.post(path, {"action": "accept"})
    assert response.status_code == 410 and "expiré" in response.content.decode()
    line.refresh_from_db()
    assert line.status == LineStatus.SENT
    with time_machine.travel(timezone.now() - datetime.timedelta(days=119)):
        fresh = answer_path(line)
    assert client.get(fresh).status_code == 200


def test_recipients_see_other_answers_only_if_the_holder_agreed(client):
    first, second = make_reachable_offer(), make_reachable_offer()
    private = make_referral(first, second)
    shared = make_referral(first, second, share_answers=True)
    for referral, visible in [(private, False), (shared, True)]:
        line_one, line_two = referral.lines.order_by("pk")
        client.post(answer_path(line_two), {"action": "decline", "decline-reason": "no_capacity"})
        content = client.get(answer_path(line_one)).content.decode()
        assert (second.structure.name.replace("'", "&#x27;") in content) is visible
        assert ("Déclinée" in content) is visible


@pytest.mark.parametrize("named_by", ["title", "address"])
def test_the_reorientation_is_named_by_title_or_page_address_not_by_a_number(client, named_by):
    other = make_reachable_offer(title="Prêt d'honneur solidaire des Deux-Sèvres")
    make_reachable_offer(title="Autre chose")
    line = make_referral().lines.get()
    path = answer_path(line)
    client.post(path, {"action": "accept"})
    content = client.get(path).content.decode()
    assert "(numéro de l" not in content and "Réorienté vers quelle offre" in content
    typed = "prêt d'honneur solidaire" if named_by == "title" else f"http://127.0.0.1:8000{other.get_absolute_url()}"
    client.post(path, {"action": "close", "close-outcome": "reoriented", "close-reoriented_to": typed})
    assert Referral.objects.get(reoriented_from=line).lines.get().offer == other


def test_an_ambiguous_reorientation_names_the_candidates(client):
    make_reachable_offer(title="Accompagnement création")
    make_reachable_offer(title="Accompagnement développement")
    line = make_referral().lines.get()
    path = answer_path(line)
    client.post(path, {"action": "accept"})
    response = client.post(
        path, {"action": "close", "close-outcome": "reoriented", "close-reoriented_to": "accompagnement"}
    )
    content = response.content.decode()
    assert "Plusieurs offres répondent" in content and "Accompagnement création" in content
    assert not Referral.objects.filter(reoriented_from=line).exists()
