"""A NUL byte in an address or a query gets a French 400, never a 500 (PostgreSQL refuses NUL in text)."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_agent

URLS = [
    "/chaine/%00/",
    "/chaine/?commune=%00",
    "/directory/?q=%00",
    "/directory/?q=abc&commune=COM-%00",
    "/directory/territoires/autocompletion/?q=%00",
    "/directory/carte/structures.geojson?q=%00",
    "/orientations/nouvelle/?commune=%00",
    "/orientations/nouvelle/?commune=79191&stage=%00",
    "/orientations/envoyer-mon-dossier/?commune=%00",
    "/orientations/reponse/%00/",
    "/parcours/?commune=%00",
    "/admin/autocomplete/?app_label=curation&model_name=permanence&field_name=offer&term=%00",
    "/%00",
    "/directory/?%00=1",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", URLS)
def test_a_nul_byte_in_the_address_or_the_query_is_a_french_400(client, url):
    agent = make_agent("COM-79191")
    client.force_login(agent)
    response = client.get(url)
    assert response.status_code == 400
    assert "caractère nul" in response.content.decode()


@pytest.mark.django_db
def test_a_nul_byte_in_the_admin_autocomplete_of_a_superuser_is_a_400(client):
    admin = get_user_model().objects.create_superuser("root@example.org", "x" * 12)
    client.force_login(admin)
    url = "/admin/autocomplete/?app_label=curation&model_name=permanence&field_name=offer&term=a%00b"
    response = client.get(url)
    assert response.status_code == 400


@pytest.mark.django_db
def test_an_ordinary_query_still_answers(client):
    response = client.get("/directory/?q=cigales")
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_nul_byte_in_a_posted_commune_is_a_form_error(client):
    from tests.factories import make_reachable_offer

    client.force_login(make_agent("COM-79191"))
    offer = make_reachable_offer()
    response = client.post(
        "/orientations/nouvelle/",
        {"offers": [offer.pk], "holder_name": "A", "description": "B", "commune": "79\x00191", "consent": "on"},
    )
    assert response.status_code == 200
    assert "Le caractère nul n’est pas autorisé" in response.content.decode()
