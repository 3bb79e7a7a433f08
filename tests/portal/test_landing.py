"""Signing in lands on the person's own work, or on `next`."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories import StructureFactory, make_agent, make_curator, make_editor, make_holder

pytestmark = pytest.mark.django_db

PASSWORD = "mot-de-passe-solide-42"


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def _sign_in(client, user, **extra):
    user.set_password(PASSWORD)
    user.save()
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD, **extra}, follow=True)
    return response.redirect_chain[-1][0]


@pytest.mark.parametrize(
    ("make_user", "landing"),
    [
        (lambda: make_curator("REG-75"), "curation:dashboard"),
        (lambda: make_agent("DEP-79"), "referrals:list"),
        (lambda: make_editor(StructureFactory()), "curation:my_structures"),
        (make_holder, "saved_profiles:list"),
    ],
)
def test_each_person_lands_on_their_work(client, make_user, landing):
    assert _sign_in(client, make_user()) == reverse(landing)


def test_next_wins(client):
    assert _sign_in(client, make_curator("REG-75"), next="/directory/") == "/directory/"


def test_every_page_names_an_icon_that_exists_and_favicon_ico_leads_to_it(client):
    from django.contrib.staticfiles import finders
    from django.templatetags.static import static

    icon = static("favicon.svg")
    assert f'<link rel="icon" href="{icon}"' in client.get("/").content.decode()
    assert finders.find("favicon.svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == icon
