"""« Enregistrer ce parcours dans mon compte » and « Mes parcours enregistrés »."""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from funding.saved_profiles.models import CONSENT_VERSION, SavedProfile
from tests.factories import SavedProfileFactory, make_holder, session_queries

pytestmark = pytest.mark.django_db

SAVE = reverse("funding:save_results")
RESULTS = reverse("funding:results")
LIST = reverse("saved_profiles:list")
PROFILE = {"commune": "23077", "stage": "emergence", "need": ["financement", "local-foncier"]}
QUERY = "commune=23077&stage=emergence&need=financement&need=local-foncier"


@pytest.fixture
def holder():
    return make_holder()


@pytest.fixture
def signed_in(client, holder):
    client.force_login(holder)
    return client


def save(client, **fields):
    return client.post(SAVE, {**PROFILE, "consent": "on", **fields})


def test_with_consent_the_parcours_is_saved_and_the_holder_goes_back_to_the_results(signed_in, holder):
    response = save(signed_in, step="5", website="")
    assert response.status_code == 302
    assert response["Location"] == f"{RESULTS}?{QUERY}"
    [saved] = SavedProfile.objects.all()
    assert saved.user == holder
    # The query exactly as funding.views.profile_query builds it: no step, no button, no form field of ours.
    assert saved.query == QUERY
    assert saved.results_url() == f"{RESULTS}?{QUERY}"
    assert saved.label == "Faux-la-Montagne · Émergence · Financement, Local et foncier"
    assert saved.consent_version == CONSENT_VERSION and saved.consent_given_at
    followed = signed_in.get(response["Location"]).content.decode()
    assert "Ce parcours est enregistré dans votre compte." in followed


def test_without_consent_nothing_is_saved(signed_in):
    response = save(signed_in, consent="")
    assert response.status_code == 400
    assert "Cochez la case pour accepter l&#x27;enregistrement de ce parcours." in response.content.decode()
    # The form keeps the profile so the holder can tick the box and send again.
    assert 'name="commune" value="23077"' in response.content.decode()
    assert not SavedProfile.objects.exists()


def test_saving_twice_does_not_duplicate(signed_in, holder):
    save(signed_in)
    response = save(signed_in)
    assert response.status_code == 302
    assert SavedProfile.objects.filter(user=holder).count() == 1
    assert "Ce parcours était déjà enregistré" in signed_in.get(response["Location"]).content.decode()


def test_the_same_parcours_is_saved_once_per_account(signed_in, holder):
    other = make_holder()
    SavedProfileFactory(user=other, query=QUERY)
    save(signed_in)
    assert SavedProfile.objects.filter(query=QUERY).count() == 2


def test_an_invalid_profile_goes_back_to_the_questionnaire(signed_in):
    response = save(signed_in, stage="inconnue")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("funding:questionnaire"))
    assert "step=2" in response["Location"]
    assert not SavedProfile.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in_and_back_to_the_results(client):
    response = save(client)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(f'{RESULTS}?{QUERY}', safe='/')}"
    assert not SavedProfile.objects.exists()


def test_the_results_page_offers_the_form_to_a_signed_in_holder(signed_in):
    html = signed_in.get(RESULTS, PROFILE).content.decode()
    assert f'action="{SAVE}"' in html and "csrfmiddlewaretoken" in html
    assert "J&#x27;accepte que ce parcours soit enregistré dans mon compte" in html
    assert 'name="need" value="local-foncier"' in html


def test_the_results_page_says_when_the_parcours_is_saved_already(signed_in):
    save(signed_in)
    html = signed_in.get(RESULTS, PROFILE).content.decode()
    assert f'action="{SAVE}"' not in html
    assert f'href="{LIST}"' in html


def test_the_results_page_offers_an_anonymous_visitor_to_sign_in_first(client):
    html = client.get(RESULTS, PROFILE).content.decode()
    assert f'action="{SAVE}"' not in html
    link = f"{reverse('login')}?next={quote(f'{RESULTS}?{QUERY}', safe='/')}"
    assert f'href="{link}"' in html.replace("&amp;", "&")
    assert "Se connecter ou créer un compte pour enregistrer ce parcours" in html


def test_the_sign_in_page_keeps_next_and_offers_the_sign_up(client):
    target = f"{RESULTS}?{QUERY}"
    html = client.get(reverse("login"), {"next": target}).content.decode()
    assert f'href="{reverse("signup")}?next={quote(target, safe="/")}"' in html.replace("&amp;", "&")
    holder = make_holder(email="retour@exemple.org")
    response = client.post(
        reverse("login"), {"username": holder.email, "password": "mot-de-passe-solide-42", "next": target}
    )
    assert response["Location"] == target


def test_csrf_is_enforced(holder):
    client = Client(enforce_csrf_checks=True)
    client.force_login(holder)
    assert client.post(SAVE, {**PROFILE, "consent": "on"}).status_code == 403
    assert not SavedProfile.objects.exists()


def test_get_is_refused(signed_in):
    assert signed_in.get(SAVE, PROFILE).status_code == 405


# --- « Mes parcours enregistrés » -------------------------------------------------------------------------


def test_the_list_shows_only_the_requesters_parcours(signed_in, holder):
    mine = SavedProfileFactory(user=holder, label="Mon projet à Faux")
    theirs = SavedProfileFactory(label="Le projet de quelqu'un d'autre")
    html = signed_in.get(LIST).content.decode()
    assert "Mon projet à Faux" in html
    assert f'href="{mine.results_url()}"'.replace("&", "&amp;") in html
    assert "quelqu&#x27;un d&#x27;autre" not in html
    assert reverse("saved_profiles:delete", args=[theirs.pk]) not in html


def test_the_list_requires_signing_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={LIST}"


def test_the_list_is_paginated(signed_in, holder):
    for _ in range(25):
        SavedProfileFactory(user=holder)
    first = signed_in.get(LIST)
    assert len(first.context["page"].object_list) == 20
    second = signed_in.get(LIST, {"page": 2})
    assert len(second.context["page"].object_list) == 5


# User + the demo banner's check + the navigation's roles + count + the page's rows, and the session's own.
QUERIES_PER_SAVED_LIST = 5 + session_queries()


def test_the_list_query_count_does_not_grow_with_the_parcours(signed_in, holder, django_assert_num_queries):
    SavedProfileFactory(user=holder)
    signed_in.get(LIST)  # warm the session
    with django_assert_num_queries(QUERIES_PER_SAVED_LIST):
        signed_in.get(LIST)
    for _ in range(15):
        SavedProfileFactory(user=holder)
    with django_assert_num_queries(QUERIES_PER_SAVED_LIST):
        response = signed_in.get(LIST)
    assert len(response.context["page"].object_list) == 16


def test_deleting_asks_for_confirmation_then_deletes_on_post(signed_in, holder):
    saved = SavedProfileFactory(user=holder, label="À supprimer")
    url = reverse("saved_profiles:delete", args=[saved.pk])
    page = signed_in.get(url)
    assert page.status_code == 200 and "À supprimer" in page.content.decode()
    assert SavedProfile.objects.filter(pk=saved.pk).exists()
    response = signed_in.post(url)
    assert response.status_code == 302 and response["Location"] == LIST
    assert not SavedProfile.objects.filter(pk=saved.pk).exists()


def test_another_accounts_parcours_is_a_404(signed_in):
    theirs = SavedProfileFactory()
    url = reverse("saved_profiles:delete", args=[theirs.pk])
    assert signed_in.get(url).status_code == 404
    assert signed_in.post(url).status_code == 404
    assert SavedProfile.objects.filter(pk=theirs.pk).exists()


def test_the_navigation_offers_my_parcours_when_signed_in_and_the_sign_up_otherwise(client, signed_in):
    html = signed_in.get(reverse("home")).content.decode()
    assert f'href="{LIST}"' in html and "Mes parcours" in html
    anonymous = Client().get(reverse("home")).content.decode()
    assert f'href="{LIST}"' not in anonymous
    assert f'href="{reverse("signup")}"' in anonymous and "Créer un compte" in anonymous
