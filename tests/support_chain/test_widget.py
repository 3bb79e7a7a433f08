"""« Le guichet de ma commune »: framable only by the sites curators allow, without cookie nor script."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from directory.models import EmbedOrigin
from tests.factories import OfferFactory, make_curator

pytestmark = pytest.mark.django_db


def test_the_widget_is_framable_only_by_the_allowed_sites(client, territory):
    faux = territory("COM-23077")
    EmbedOrigin.objects.create(territory=faux, origin="https://www.faux-la-montagne.fr")
    EmbedOrigin.objects.create(territory=territory("COM-23001"), origin="https://ailleurs.example")
    OfferFactory(coverage=["DEP-23"], stages=["emergence"])
    response = client.get(reverse("widget:widget", args=["COM-23077"]))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://www.faux-la-montagne.fr; script-src 'none'"
    )
    assert "X-Frame-Options" not in response
    assert not response.cookies  # no session, no CSRF cookie
    page = html.unescape(response.content.decode())
    assert "Vers qui me tourner ?" in page and "<script" not in page
    assert 'name="territory" value="COM-23077"' in page and 'target="_top"' in page
    assert "Émergence</a> :\n  1 offre" in page


def test_an_unknown_territory_answers_a_french_404_inside_the_frame(client):
    response = client.get(reverse("widget:widget", args=["COM-99999"]))
    assert response.status_code == 404
    assert "X-Frame-Options" not in response and response["Content-Security-Policy"].startswith("frame-ancestors")
    assert "Territoire introuvable" in html.unescape(response.content.decode())
    assert client.get(reverse("widget:widget", args=["DEP-23"])).status_code == 404  # a commune or an EPCI only


def test_agents_get_the_snippet_to_paste(client, territory):
    EmbedOrigin.objects.create(territory=territory("EPCI-200044014"), origin="https://www.creuse-grand-sud.fr")
    page = html.unescape(client.get(reverse("widget:snippet", args=["EPCI-200044014"])).content.decode())
    assert '<iframe src="http://testserver/guichet/EPCI-200044014/"' in page
    assert "https://www.creuse-grand-sud.fr" in page


def test_origins_are_checked_and_curators_manage_only_their_regions(client, territory):
    with pytest.raises(ValidationError):
        EmbedOrigin(territory=territory("COM-23077"), origin="https://site.fr/page").full_clean()
    with pytest.raises(ValidationError):
        EmbedOrigin(territory=territory("COM-23077"), origin="https://a.fr; script-src *").full_clean()
    EmbedOrigin.objects.create(territory=territory("COM-23077"), origin="https://creuse.example")
    EmbedOrigin.objects.create(territory=territory("COM-14118"), origin="https://calvados.example")
    curator = make_curator("REG-75", is_staff=True)
    client.force_login(curator)
    listing = client.get(reverse("admin:directory_embedorigin_changelist")).content.decode()
    assert "https://creuse.example" in listing and "https://calvados.example" not in listing
