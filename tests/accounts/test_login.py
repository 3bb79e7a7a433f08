import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Email, EmailStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "mot-de-passe-solide-42"


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_sign_in_by_email_and_password(client):
    user = UserFactory(email="camille@exemple.org")
    response = client.post(reverse("login"), {"username": "camille@exemple.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_failed_sign_ins_are_throttled_per_email_and_ip_even_with_the_right_password(client):
    UserFactory(email="camille@exemple.org")
    for _attempt in range(5):
        response = client.post(reverse("login"), {"username": "camille@exemple.org", "password": "faux"})
        assert "Adresse électronique ou mot de passe incorrect" in response.content.decode()
    response = client.post(reverse("login"), {"username": "camille@exemple.org", "password": PASSWORD})
    assert "Trop de tentatives de connexion" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another IP address is not blocked.
    response = client.post(
        reverse("login"), {"username": "camille@exemple.org", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 302


def test_a_successful_sign_in_resets_the_counter(client):
    UserFactory(email="camille@exemple.org")
    for _attempt in range(4):
        client.post(reverse("login"), {"username": "camille@exemple.org", "password": "faux"})
    client.post(reverse("login"), {"username": "camille@exemple.org", "password": PASSWORD})
    client.logout()
    for _attempt in range(4):
        client.post(reverse("login"), {"username": "camille@exemple.org", "password": "faux"})
    response = client.post(reverse("login"), {"username": "camille@exemple.org", "password": PASSWORD})
    assert response.status_code == 302


def test_password_reset_by_email_in_french(client, django_capture_on_commit_callbacks, empty_cache, eager_celery):
    user = UserFactory(email="camille@exemple.org")
    response = client.get(reverse("password_reset"))
    assert "Mot de passe oublié" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "camille@exemple.org"})
    # Through the outbox, like every e-mail: the row is written in the request, sent after commit.
    assert Email.objects.get().status == EmailStatus.SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Guichet ESS : choisir un nouveau mot de passe"
    link = re.search(r"https?://[^/]+(/compte/reset/\S+)", message.body).group(1)
    response = client.get(link, follow=True)
    assert "Choisir un nouveau mot de passe" in response.content.decode()
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": "Nouveau-secret-2026", "new_password2": "Nouveau-secret-2026"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Nouveau-secret-2026")


def test_password_reset_is_throttled_per_address_and_per_client(
    client, django_capture_on_commit_callbacks, empty_cache, eager_celery
):
    UserFactory(email="camille@exemple.org")
    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(3):
            response = client.post(reverse("password_reset"), {"email": "Camille@exemple.org"})
            assert response.status_code == 302
        # A fourth request for the same address, from another client: refused, in French, nothing sent.
        response = client.post(reverse("password_reset"), {"email": "camille@exemple.org"}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert "Trop de demandes de réinitialisation" in response.content.decode()
    assert len(mail.outbox) == 3
    # One client trying many addresses is stopped too (10 an hour), whatever the addresses.
    for number in range(10):
        response = client.post(reverse("password_reset"), {"email": f"x{number}@exemple.org"}, REMOTE_ADDR="10.8.8.8")
        assert response.status_code == 302
    response = client.post(reverse("password_reset"), {"email": "y@exemple.org"}, REMOTE_ADDR="10.8.8.8")
    assert response.status_code == 429


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "personne@exemple.org"}, follow=True)
    assert "Consultez votre messagerie" in response.content.decode()
    assert mail.outbox == []
