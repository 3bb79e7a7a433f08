"""Error pages with DEBUG off: French, in the site's layout (header and navigation), with a way on."""

import logging

import pytest
from django.test import Client

from tests.factories import make_holder

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.error_urls")]

LAYOUT = ('class="site-header"', "Vers qui me tourner", "Revenir à l'accueil")


def _assert_site_page(response, status, *phrases):
    content = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    for phrase in (*LAYOUT, *phrases):
        assert phrase in content, phrase
    assert "Traceback" not in content and "Not Found" not in content and "Forbidden" not in content


def test_404_is_french_in_the_layout(client, settings):
    settings.DEBUG = False
    _assert_site_page(client.get("/pas-de-page-ici/"), 404, "Cette page n'existe pas ou plus")


def test_403_is_french_and_logs_no_traceback(client, settings, caplog):
    settings.DEBUG = False
    client.force_login(make_holder())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/curation/")
    _assert_site_page(response, 403, "Cette page ne vous est pas ouverte")
    records = [record for record in caplog.records if record.name == "django.request"]
    assert records and all(record.exc_info is None for record in records)
    formatted = [logging.Formatter().format(record) for record in records]
    assert not any("Traceback" in line for line in formatted)


def test_500_is_french_in_the_layout(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    _assert_site_page(client.get("/essai/erreur/"), 500, "Le service a rencontré une erreur")


def test_csrf_failure_is_french_in_the_layout(settings):
    settings.DEBUG = False
    client = Client(enforce_csrf_checks=True)
    response = client.post("/compte/login/", {"username": "a@exemple.org", "password": "x"})
    _assert_site_page(response, 403, "Le formulaire a expiré")


def test_bare_410_and_429_answers_get_the_french_page_and_others_keep_theirs(client, settings):
    settings.DEBUG = False
    _assert_site_page(client.get("/essai/parti/"), 410, "Ce lien n'est plus valable")
    _assert_site_page(client.get("/essai/trop/"), 429, "Trop de demandes en peu de temps")
    assert client.get("/essai/trop-avec-contenu/").content == b"limite"
