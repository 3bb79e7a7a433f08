import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

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


def test_password_reset_by_email_in_french(client):
    user = UserFactory(email="camille@exemple.org")
    response = client.get(reverse("password_reset"))
    assert "Mot de passe oublié" in response.content.decode()
    client.post(reverse("password_reset"), {"email": "camille@exemple.org"})
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


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "personne@exemple.org"}, follow=True)
    assert "Consultez votre messagerie" in response.content.decode()
    assert mail.outbox == []
