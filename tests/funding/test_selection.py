"""« Ma sélection »: gathered without an account, counted in the header, sent as one dossier to every offer."""

import pytest
from django.core import mail
from django.urls import reverse

from funding.referrals.models import Referral
from funding.referrals.services import MAX_OFFERS
from tests.factories import OfferFactory, StructureFactory, commune, deliver_outbox, make_agent

pytestmark = pytest.mark.django_db


def _add(client, offer, next_url="/directory/"):
    return client.post(reverse("selection:add"), {"offer": offer.pk, "next": next_url})


def test_add_remove_clear_with_the_count_in_the_header(client):
    first, second = OfferFactory(title="Prêt d'honneur"), OfferFactory(title="Accompagnement")
    response = _add(client, first, "/directory/?q=pret")
    assert response.status_code == 302 and response["Location"] == "/directory/?q=pret"
    _add(client, second)
    page = client.get(reverse("selection:detail")).content.decode()
    assert 'Ma sélection <span class="selection-count">(2' in page
    assert "Prêt d&#x27;honneur" in page and "Accompagnement" in page
    client.post(reverse("selection:remove"), {"offer": first.pk})
    page = client.get(reverse("selection:detail")).content.decode()
    assert "Prêt d&#x27;honneur" not in page and "(1<span" in page
    client.post(reverse("selection:clear"))
    assert "Votre sélection est vide" in client.get(reverse("selection:detail")).content.decode()


def test_the_buttons_are_plain_forms_on_search_and_offer_pages(client):
    offer = OfferFactory()
    page = client.get(offer.get_absolute_url()).content.decode()
    assert f'action="{reverse("selection:add")}"' in page and 'name="csrfmiddlewaretoken"' in page
    assert f'form="selection-add" name="offer" value="{offer.pk}"' in page
    _add(client, offer)
    page = client.get(offer.get_absolute_url()).content.decode()
    assert f'form="selection-remove" name="offer" value="{offer.pk}"' in page and "Dans ma sélection" in page
    search = client.get(reverse("directory:search")).content.decode()
    assert f'form="selection-remove" name="offer" value="{offer.pk}"' in search


def test_unpublished_offers_are_refused_and_the_selection_stops_at_the_dossier_maximum(client):
    draft = OfferFactory(status="draft")
    response = _add(client, draft)
    assert client.session.get("selection") is None and response.status_code == 302
    offers = [OfferFactory() for _ in range(MAX_OFFERS + 1)]
    for offer in offers:
        _add(client, offer)
    assert client.session["selection"]["offers"] == [offer.pk for offer in offers[:MAX_OFFERS]]


def test_next_must_stay_on_the_site(client):
    response = _add(client, OfferFactory(), "https://evil.example.org/")
    assert response["Location"] == reverse("selection:detail")


def test_holder_form_opens_with_every_selected_offer_and_how_each_is_reached(client):
    reachable = OfferFactory(title="Joignable", email="contact@joignable.example.org")
    silent = OfferFactory(title="Sans adresse", email="", structure=StructureFactory(email="", region=None))
    for offer in (reachable, silent):
        _add(client, offer)
    page = client.get(reverse("referrals:self_send")).content.decode()
    assert page.count('name="offers"') == 2
    assert "Joignable" in page and "reçoit le dossier par courriel" in page
    assert "ne peut pas recevoir de dossier" in page


def test_holder_sends_one_dossier_to_all_selected_offers(client, django_capture_on_commit_callbacks):
    offers = [OfferFactory(email=f"offre{index}@exemple.org") for index in range(3)]
    results = f"{reverse('funding:results')}?commune=79191&stage=creation"
    for offer in offers:
        _add(client, offer, results)
    page = client.get(reverse("referrals:self_send")).content.decode()
    assert 'value="79191"' in page or "Niort" in page  # the profile of « Mon parcours » came along
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("referrals:self_send"),
            {
                "offers": [offer.pk for offer in offers],
                "holder_name": "Camille Durand",
                "holder_email": "camille@exemple.org",
                "description": "Une épicerie coopérative.",
                "commune": "79191",
                "consent": "on",
            },
        )
    assert response.status_code == 200, response.content.decode()
    referral = Referral.objects.get()
    assert sorted(referral.lines.values_list("offer_id", flat=True)) == sorted(offer.pk for offer in offers)
    assert client.session.get("selection") is None  # sent: the selection is emptied
    deliver_outbox()
    assert any("camille@exemple.org" in message.to for message in mail.outbox)


def test_agent_starts_from_a_holders_parcours_and_the_form_carries_its_profile(client):
    agent = make_agent("DEP-79")
    client.force_login(agent)
    parcours = f"http://testserver{reverse('funding:results')}?commune=79191&stage=creation&need=financement"
    response = client.get(reverse("selection:from_parcours"), {"adresse": parcours})
    assert response["Location"] == f"{reverse('funding:results')}?commune=79191&stage=creation&need=financement"
    first, second = OfferFactory(), OfferFactory()
    for offer in (first, second):
        _add(client, offer, response["Location"])
    form = client.get(reverse("referrals:create")).context["form"]
    assert sorted(form.initial["offers"]) == sorted([first.pk, second.pk])
    assert form.initial["stage"] == "creation" and form.initial["needs"] == ["financement"]
    assert form.initial["commune"] == commune("79191")


def test_a_wrong_parcours_address_says_what_is_expected(client):
    client.force_login(make_agent("DEP-79"))
    response = client.get(reverse("selection:from_parcours"), {"adresse": "https://example.org/x"}, follow=True)
    assert "n&#x27;est pas celle d&#x27;une page « Mon parcours »" in response.content.decode()


def test_the_offer_page_offers_contact_and_the_way_back_to_mon_parcours(client):
    offer = OfferFactory()
    results = f"{reverse('funding:results')}?commune=79191&stage=creation"
    page = client.get(offer.get_absolute_url(), HTTP_REFERER=f"http://testserver{results}").content.decode()
    assert f'href="{reverse("referrals:self_send")}?offer={offer.pk}"' in page and "Être mis en relation" in page
    assert f'href="{results.replace("&", "&amp;")}"' in page and "Retour à « Mon parcours »" in page
    # Another site's address is never offered as the way back.
    page = client.get(offer.get_absolute_url(), HTTP_REFERER=f"https://evil.example.org{results}").content.decode()
    assert "Retour à « Mon parcours »" not in page
    client.force_login(make_agent("DEP-79"))
    page = client.get(offer.get_absolute_url()).content.decode()
    assert f'href="{reverse("referrals:create")}?offer={offer.pk}"' in page
