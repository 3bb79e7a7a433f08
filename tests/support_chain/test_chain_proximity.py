"""A commune's chain says where help is: « près de chez vous » (distance and place), « à distance », and the gaps."""

import math

import pytest
from django.test import override_settings
from django.urls import reverse

from directory.models import Network, Permanence
from support_chain.selectors import chain
from tests.factories import OfferFactory, StructureFactory, commune, make_curator

pytestmark = pytest.mark.django_db

GUERET = "23096"


def north_of(territory, km):
    return territory.latitude + math.degrees(km / 6371.0088), territory.longitude


def place(territory, km, **fields):
    lat, lon = north_of(territory, km)
    fields.setdefault("commune", territory)
    return StructureFactory(latitude=lat, longitude=lon, **fields)


def chain_html(client, key):
    response = client.get(reverse("support_chain:chain_detail", args=[key]))
    assert response.status_code == 200
    return response.content.decode()


def section(html, slug):
    start = html.index(f'id="etape-{slug}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


def test_a_commune_sees_in_person_offers_near_it_with_distance_and_place(client):
    gueret = commune(GUERET)
    host = place(gueret, 80, name="BGE Limousin")
    offer = OfferFactory(title="Accompagnement BGE", structure=host, mode_presentiel=True, coverage=["REG-75"])
    third_place = place(gueret, 12, name="Tiers-lieu La Quincaillerie", role_support=False, role_third_place=True)
    Permanence.objects.create(place=third_place, host=host, offer=offer, schedule="le 1er mardi du mois")
    OfferFactory(title="Webinaire national", mode_distance=True, coverage=["FR"])
    html = chain_html(client, f"COM-{GUERET}")
    emergence = section(html, "emergence")
    near, remote = emergence.index("Près de chez vous"), emergence.index("À distance ou en ligne")
    assert near < emergence.index("Accompagnement BGE") < remote < emergence.index("Webinaire national")
    assert "à 12 km — permanence au Tiers-lieu La Quincaillerie, le 1er mardi du mois" in emergence
    assert "data-gap" not in emergence


def test_the_chain_of_a_commune_45_km_from_any_place_shows_the_gap_and_the_nearest_offer(client):
    """Issue 13's « done when »: commune B, covered only by a national online offer, is a gap at its stage."""
    gueret = commune(GUERET)
    OfferFactory(title="Ressources en ligne", mode_distance=True, coverage=["FR"], stages=["emergence"])
    far = OfferFactory(
        title="Couveuse lointaine",
        structure=place(gueret, 45, name="Couveuse de Limoges"),
        mode_presentiel=True,
        coverage=["REG-75"],
        stages=["emergence"],
    )
    OfferFactory(structure=place(gueret, 70), mode_presentiel=True, coverage=["REG-75"], stages=["emergence"])
    place(gueret, 300, name="CRESS Nouvelle-Aquitaine", network_id=None, phone="05 00 00 00 00")
    steps = {step.stage.slug: step for step in chain(gueret).steps}
    emergence = steps["emergence"]
    assert emergence.is_gap and emergence.near == []
    assert emergence.nearest_beyond == far and emergence.nearest_beyond.distance_km == pytest.approx(45, abs=0.1)
    html = section(chain_html(client, f"COM-{GUERET}"), "emergence")
    assert "Aucun accompagnement en présentiel à moins de 30 km à cette étape." in html
    assert "Le plus proche en présentiel :" in html and "Couveuse lointaine" in html
    assert "à 45 km — accueil dans ses locaux (Couveuse de Limoges)" in html
    assert "Que faire ? Contactez la CRESS" in html
    assert "Ressources en ligne" in html[html.index("À distance ou en ligne") :]


def test_the_cress_of_the_region_is_named_for_a_gap(client):
    cress = StructureFactory(
        name="CRESS Nouvelle-Aquitaine", commune=commune("33063"), network=Network.objects.get(slug="cress")
    )
    cress.email = "contact@cress-na.exemple.org"
    cress.save()
    html = section(chain_html(client, f"COM-{GUERET}"), "creation")
    assert "La CRESS Nouvelle-Aquitaine connaît les acteurs de la région" in html
    assert f'href="{cress.get_absolute_url()}"' in html and "mailto:contact@cress-na.exemple.org" in html


@override_settings(REGION_MIN_STRUCTURES=3)
def test_a_region_whose_directory_is_not_filled_in_says_so_and_keeps_national_offers(client):
    OfferFactory(title="Offre nationale", coverage=["FR"])
    strasbourg = "COM-67482"
    html = chain_html(client, strasbourg)
    assert "L'annuaire de cette région n'est pas encore renseigné." in html
    assert "Offre nationale" in html
    # A curator and enough structures: the banner goes.
    make_curator("REG-44")
    for _index in range(3):
        StructureFactory(commune=commune("67482"))
    assert "n'est pas encore renseigné" not in chain_html(client, strasbourg)
    # Enough structures but no curator is not filled in either.
    for _index in range(3):
        StructureFactory(commune=commune("23077"))
    assert "n'est pas encore renseigné" in chain_html(client, f"COM-{GUERET}")


def test_an_unknown_commune_code_is_the_french_404_page(client):
    response = client.get(reverse("support_chain:chain_detail", args=["COM-99999"]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html and "territoire qui n'existe pas" in html
