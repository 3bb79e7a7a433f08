"""The public observatory: per territory, the same figures as chart, accessible table and CSV."""

import csv
import datetime
import html
import io

import pytest
import time_machine
from django.urls import reverse

from directory import needs_watch
from directory.models import NeedSignal
from tests.factories import OfferFactory, StructureFactory, commune

pytestmark = pytest.mark.django_db


@pytest.fixture
def observed():
    structure = StructureFactory(commune=commune("23077"))
    OfferFactory(structure=structure, coverage=["DEP-23"], stages=["emergence", "creation"], support_level=2)
    OfferFactory(structure=structure, coverage=["EPCI-200044014"], stages=["emergence"], support_level=1)
    OfferFactory(structure=structure, coverage=["DEP-14"], stages=["emergence"], last_verified_at=None)
    faux = commune("23077")
    with time_machine.travel(datetime.datetime(2026, 2, 10, 12, tzinfo=datetime.UTC)):
        for _ in range(6):
            needs_watch.record(commune=faux, signal=NeedSignal.PARCOURS, unmet=True, needs=["financement"])
        needs_watch.record(commune=faux, signal=NeedSignal.PARCOURS, unmet=False, needs=["gouvernance"])


def test_a_region_page_shows_its_figures_as_table_and_chart(client, observed):
    page = client.get(reverse("observatory:detail", args=["REG-75"]), {"trimestre": "2026-T1"})
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert "Observatoire de l'ESS : Nouvelle-Aquitaine" in text
    # Offers by stage: the two Creuse offers are at émergence (level 1 and 2), one at création; Calvados is out.
    assert '<th scope="row">Émergence</th><td>1</td><td>1</td><td>0</td><td>2</td>' in text
    assert '<th scope="row">Création</th><td>0</td><td>1</td><td>0</td><td>1</td>' in text
    assert "<title>Émergence : 2</title>" in text  # the chart's bar carries the same figure
    # Needs: 6 expressed and unmet; 1 expressed: « moins de 5 », never the exact figure.
    assert '<th scope="row">Financement</th><td>6</td><td>6</td>' in text
    assert '<th scope="row">Gouvernance</th><td>moins de 5</td><td>0</td>' in text
    assert "100 % des offres publiées" in text
    assert reverse("observatory:detail", args=["DEP-23"]) in text  # its départements


def test_csv_holds_the_tables_figures(client, observed):
    url = reverse("observatory:detail", args=["DEP-23"])
    response = client.get(url, {"trimestre": "2026-T1", "format": "csv", "table": "besoins"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["Besoin", "Exprimés", "Non satisfaits"],
        ["Financement", "6", "6"],
        ["Gouvernance", "moins de 5", "0"],
    ]
    # Another quarter: nothing recorded then.
    later = client.get(url, {"trimestre": "2026-T2", "format": "csv", "table": "besoins"})
    assert list(csv.reader(io.StringIO(later.content.decode()))) == [["Besoin", "Exprimés", "Non satisfaits"]]


def test_france_page_and_unknown_or_unobserved_territories(client, observed):
    france = html.unescape(client.get(reverse("observatory:index"), {"trimestre": "2026-T1"}).content.decode())
    assert '<th scope="row">Émergence</th><td>2</td><td>1</td><td>0</td><td>3</td>' in france  # Calvados too
    assert "2 des 3" not in france and "67 % des offres publiées" in france
    assert client.get(reverse("observatory:detail", args=["COM-23077"])).status_code == 404
    assert client.get(reverse("observatory:detail", args=["REG-00"])).status_code == 404
    assert client.get(reverse("observatory:index"), {"format": "csv", "table": "x"}).status_code == 404
