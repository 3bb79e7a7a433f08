"""The holders' sign-up: an inactive account, a signed link by e-mail, activation by a POST only."""

import datetime
import logging
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.forms import TERMS_VERSION
from accounts.magic_links import make_token
from accounts.services import activation_token, pending_accounts_purge
from tests.factories import UserFactory, make_holder

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache", "eager_celery")]

User = get_user_model()
SIGNUP = reverse("signup")
SENT = reverse("signup_sent")
ADDRESS = "camille.porteuse@exemple.org"
PASSWORD = "Un-mot-de-passe-solide-2026"
RESULTS = "/parcours/resultats/?commune=23077&stage=emergence"


def sign_up(client, **fields):
    data = {"email": ADDRESS, "terms": "on", "website": ""}
    return client.post(SIGNUP, {**data, **fields})


def activate(client, path, password=PASSWORD, confirmation=None):
    return client.post(path, {"password1": password, "password2": password if confirmation is None else confirmation})


def activation_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/compte/activer/[^\s]+/)", message.body).group(1)


def test_signing_up_creates_an_inactive_account_and_emails_the_link_after_commit(
    client, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = sign_up(client, email="Camille.Porteuse@Exemple.org")
    assert len(callbacks) == 1
    assert response.status_code == 302 and response["Location"] == SENT
    user = User.objects.get()
    assert user.email == ADDRESS and not user.is_active and not user.has_usable_password()
    assert user.terms_version == TERMS_VERSION and user.terms_accepted_at
    [message] = mail.outbox
    assert message.to == [ADDRESS]
    assert "/compte/activer/" in message.body
    # No personal data in the URL nor in the logs.
    assert "camille" not in response["Location"].lower() and "camille" not in activation_path(message).lower()
    assert ADDRESS not in caplog.text
    assert "Vérifiez votre messagerie" in client.get(SENT).content.decode()


def test_the_link_shows_the_password_form_and_a_get_changes_nothing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client)
    path = activation_path(mail.outbox[0])
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'method="post"' in html and "Activer mon compte" in html
    assert 'name="password1"' in html and 'autocomplete="new-password"' in html
    assert not User.objects.get().is_active
    assert "_auth_user_id" not in client.session


def test_activating_by_post_signs_in_and_continues_to_next(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, next=RESULTS)
    response = activate(client, activation_path(mail.outbox[0]))
    assert response.status_code == 302 and response["Location"] == RESULTS
    user = User.objects.get()
    assert user.is_active and user.last_login and user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_without_next_the_activation_leads_to_my_parcours(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client)
    response = activate(client, activation_path(mail.outbox[0]))
    assert response["Location"] == reverse("saved_profiles:list")


def test_the_password_is_chosen_at_activation_so_a_stranger_signing_up_never_knows_it(
    client, django_capture_on_commit_callbacks
):
    """Pre-hijacking: someone signs up with another person's address; the owner activates from the e-mail."""
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(Client(), next=RESULTS)
    stranger = Client()
    assert not stranger.login(email=ADDRESS, password=PASSWORD)
    activate(client, activation_path(mail.outbox[0]), password="Le-choix-de-la-proprietaire-7")
    assert not stranger.login(email=ADDRESS, password=PASSWORD)
    assert stranger.login(email=ADDRESS, password="Le-choix-de-la-proprietaire-7")


def test_django_password_validators_apply_at_activation_and_nothing_changes_on_error(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client)
    path = activation_path(mail.outbox[0])
    numeric = activate(client, path, password="12345678")
    assert numeric.status_code == 400
    assert "Ce mot de passe est entièrement numérique." in numeric.content.decode()
    mismatch = activate(client, path, confirmation="Autre-chose-encore-42")
    assert mismatch.status_code == 400
    assert "Les deux mots de passe ne sont pas identiques." in mismatch.content.decode()
    assert PASSWORD not in mismatch.content.decode()
    user = User.objects.get()
    assert not user.is_active and not user.has_usable_password()
    assert activate(client, path).status_code == 302


@pytest.mark.parametrize("unsafe", ["https://ailleurs.example/piege", "//ailleurs.example/", "javascript:alert(1)"])
def test_an_unsafe_next_is_ignored(client, django_capture_on_commit_callbacks, unsafe):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, next=unsafe)
    response = activate(client, activation_path(mail.outbox[0]))
    assert response["Location"] == reverse("saved_profiles:list")


def test_an_unsafe_next_signed_into_a_link_is_ignored_too(client):
    user = make_holder(is_active=False, last_login=None)
    response = activate(client, reverse("account_activate", args=[activation_token(user, "https://ailleurs.example/")]))
    assert response["Location"] == reverse("saved_profiles:list")


def test_a_link_works_once(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client)
    path = activation_path(mail.outbox[0])
    activate(client, path)
    other = Client()
    for response in (other.get(path), activate(other, path)):
        assert response.status_code == 410
        assert "Ce lien d'activation a déjà servi" in response.content.decode()
    assert "_auth_user_id" not in other.session


def test_a_tampered_link_is_refused(client):
    user = make_holder(is_active=False, last_login=None)
    token = activation_token(user)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for response in (
        client.get(reverse("account_activate", args=[tampered])),
        activate(client, reverse("account_activate", args=[tampered])),
    ):
        assert response.status_code == 410
        assert "incomplet ou a été modifié" in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active


def test_a_link_made_for_another_purpose_is_refused(client):
    user = make_holder(is_active=False, last_login=None)
    response = activate(client, reverse("account_activate", args=[make_token("referral-confirm", user.pk)]))
    assert response.status_code == 410
    user.refresh_from_db()
    assert not user.is_active


def test_an_expired_link_is_refused(client):
    with time_machine.travel(datetime.datetime(2026, 11, 1, 9, tzinfo=datetime.UTC), tick=False):
        user = make_holder(is_active=False, last_login=None)
        token = activation_token(user)
    with time_machine.travel(datetime.datetime(2026, 11, 5, 9, tzinfo=datetime.UTC), tick=False):
        response = activate(client, reverse("account_activate", args=[token]))
    assert response.status_code == 410
    assert "Ce lien d'activation a expiré." in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active


def test_a_link_never_reactivates_a_deactivated_account(client):
    """An account switched off by the team is not one awaiting activation, even with a valid signature."""
    user = UserFactory(is_active=False)
    response = activate(client, reverse("account_activate", args=[activation_token(user)]))
    assert response.status_code == 410
    user.refresh_from_db()
    assert not user.is_active


def test_an_existing_address_is_not_revealed(client, django_capture_on_commit_callbacks):
    owner = make_holder(email=ADDRESS)
    with django_capture_on_commit_callbacks(execute=True):
        known = sign_up(client)
    with django_capture_on_commit_callbacks(execute=True):
        new = sign_up(Client(), email="nouvelle@exemple.org")
    assert (known.status_code, known["Location"]) == (new.status_code, new["Location"]) == (302, SENT)
    assert User.objects.filter(email__iexact=ADDRESS).count() == 1
    owner.refresh_from_db()
    assert owner.check_password("mot-de-passe-solide-42")
    # The owner is told, with the way to sign in; nothing to activate.
    [told] = [message for message in mail.outbox if message.to == [ADDRESS]]
    assert "déjà un compte" in told.body and "/compte/login/" in told.body
    assert "/compte/activer/" not in told.body


def test_signing_up_again_before_activating_sends_a_fresh_link(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client)
        sign_up(client, next=RESULTS)
    assert User.objects.count() == 1
    assert len(mail.outbox) == 2
    response = activate(client, activation_path(mail.outbox[1]))
    assert response["Location"] == RESULTS


def test_a_deactivated_account_gets_nothing(client, django_capture_on_commit_callbacks):
    UserFactory(email=ADDRESS, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client)
    assert response["Location"] == SENT
    assert mail.outbox == []


def test_the_honeypot_creates_nothing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, website="http://spam.example")
    assert response.status_code == 302 and response["Location"] == SENT
    assert not User.objects.exists() and mail.outbox == []


def test_signing_up_is_rate_limited_per_client_keeping_what_was_typed(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [sign_up(client, email=f"personne{n}@exemple.org").status_code for n in range(5)]
        throttled = sign_up(client, email="sixieme@exemple.org", next=RESULTS)
    assert statuses == [302] * 5
    assert throttled.status_code == 429
    html = throttled.content.decode()
    assert "Trop de demandes de création de compte" in html
    assert 'value="sixieme@exemple.org"' in html
    assert re.search(r'name="terms"[^>]*checked', html)
    assert f'value="{RESULTS}"'.replace("&", "&amp;") in html
    assert not User.objects.filter(email="sixieme@exemple.org").exists()
    assert len(mail.outbox) == 5


def test_signing_up_is_rate_limited_per_address(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [sign_up(Client(REMOTE_ADDR=f"192.0.2.{n}")).status_code for n in range(4)]
    assert statuses == [302, 302, 302, 429]


def test_the_terms_must_be_accepted_and_the_address_valid(client):
    response = sign_up(client, email="pas-une-adresse", terms="")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Cette adresse électronique n&#x27;est pas valide." in html
    assert "Cochez la case pour accepter les conditions du compte." in html
    assert 'value="pas-une-adresse"' in html
    assert not User.objects.exists()


def test_the_sign_up_page_keeps_a_safe_next_only(client):
    html = client.get(SIGNUP, {"next": RESULTS}).content.decode()
    assert f'name="next" value="{RESULTS}"'.replace("&", "&amp;") in html
    unsafe = client.get(SIGNUP, {"next": "https://ailleurs.example/"}).content.decode()
    # The page's own forms, in <main> (the « Ma sélection » forms after it return to this page).
    assert 'name="next"' not in unsafe.split('id="contenu"')[1].split("</main>")[0]


def test_csrf_is_enforced():
    response = Client(enforce_csrf_checks=True).post(SIGNUP, {"email": ADDRESS, "terms": "on"})
    assert response.status_code == 403
    assert not User.objects.exists()


def test_sign_ups_never_activated_are_purged_after_a_week():
    old = make_holder(is_active=False, last_login=None)
    User.objects.filter(pk=old.pk).update(date_joined=timezone.now() - datetime.timedelta(days=8))
    recent = make_holder(is_active=False, last_login=None)
    active = make_holder()
    User.objects.filter(pk=active.pk).update(date_joined=timezone.now() - datetime.timedelta(days=30))
    deactivated = UserFactory(is_active=False)
    User.objects.filter(pk=deactivated.pk).update(date_joined=timezone.now() - datetime.timedelta(days=30))
    assert pending_accounts_purge() == 1
    assert set(User.objects.values_list("pk", flat=True)) == {recent.pk, active.pk, deactivated.pk}
