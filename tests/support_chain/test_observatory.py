"""The public observatory: per territory, the same figures as chart, accessible table and CSV."""

import csv
import datetime
import html
import io

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from directory import needs_watch
from directory.models import NeedSignal
from support_chain.observatory.summaries import summarise_offers
from tests.factories import OfferFactory, StructureFactory, commune

pytestmark = pytest.mark.django_db


@pytest.fixture
def observed():
    structure = StructureFactory(commune=commune("23077"))
    OfferFactory(structure=structure, coverage=["DEP-23"], stages=["emergence", "creation"], support_level=2)
    OfferFactory(structure=structure, coverage=["EPCI-200044014"], stages=["emergence"], support_level=1)
    OfferFactory(structure=structure, coverage=["DEP-14"], stages=["emergence"], last_verified_at=None)
    summarise_offers()  # what the white zones' run does, nightly and after approvals
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


def test_population_without_in_person_support_per_stage_from_the_stored_white_zones(client):
    from django.db.models import Sum
    from django.utils import timezone
    from django.utils.formats import date_format

    from directory.models import CommuneReach, ReachStatus, Territory, WhiteZoneRun
    from support_chain.white_zones import compute_white_zones

    gueret = commune("23096")
    OfferFactory(
        structure=StructureFactory(commune=gueret, latitude=gueret.latitude, longitude=gueret.longitude),
        mode_presentiel=True,
        coverage=["COM-23096"],
        stages=["emergence"],
    )
    url = reverse("observatory:detail", args=["DEP-23"])
    before = html.unescape(client.get(url, {"trimestre": "2026-T1"}).content.decode())
    assert "Population sans accompagnement en présentiel" in before
    assert (
        "Aucune donnée pour ce territoire" in before.split("Population sans accompagnement")[1].split("</section>")[0]
    )
    assert "pas encore calculés" in before  # the page says its stored figures are not computed yet

    compute_white_zones(region=Territory.objects.get(key="REG-75"))
    cache.clear()  # the pages' figures are cached for an hour
    creuse = CommuneReach.objects.filter(commune__departement__key="DEP-23")
    without = creuse.filter(stage__slug="emergence").exclude(status=ReachStatus.IN_PERSON)
    population = without.aggregate(n=Sum("commune__population"))["n"]
    everyone = creuse.filter(stage__slug="emergence").aggregate(n=Sum("commune__population"))["n"]
    assert 0 < population < everyone  # Guéret has its offer in person, most of the Creuse has none
    consolidation = creuse.filter(stage__slug="consolidation").aggregate(n=Sum("commune__population"))["n"]

    response = client.get(url, {"trimestre": "2026-T1", "format": "csv", "table": "zones-blanches"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["Étape", "Habitants sans présentiel"]
    emergence = next(row for row in rows if row[0] == "Émergence")
    assert emergence[1] == str(population) and emergence[4] == str(without.count())
    assert emergence[5] == f"{round(100 * population / everyone)} %"
    assert next(row for row in rows if row[0] == "Consolidation")[1:4] == [str(consolidation), "0", str(consolidation)]
    page = html.unescape(client.get(url, {"trimestre": "2026-T1"}).content.decode())
    assert f"<title>Émergence : {population}</title>" in page  # the chart's bar
    assert f'<th scope="row">Émergence</th><td>{population}</td>' in page  # the accessible table
    run = WhiteZoneRun.objects.get()
    as_of = date_format(timezone.localtime(run.finished_at), "j F Y à H:i")
    assert f"chiffres calculés le {as_of}" in page  # and as of when


def test_referral_figures_sent_answered_accepted_outcomes_and_median_time_to_first_answer(client):
    from funding.referrals.services import line_accept, line_close, line_decline
    from tests.factories import make_referral

    def at(day, hour=10):
        return time_machine.travel(datetime.datetime(2026, 2, day, hour, tzinfo=datetime.UTC), tick=False)

    offers = [OfferFactory(email=f"accueil{n}@structure-essai.fr") for n in range(6)]
    with at(2):
        referral = make_referral(*offers)  # Niort: CA du Niortais, Deux-Sèvres, Nouvelle-Aquitaine
        make_referral(OfferFactory(email="caen@structure-essai.fr"), commune_code="14118")  # Caen: elsewhere
    lines = list(referral.lines.order_by("pk"))
    with at(3):  # three first answers after 24 h
        for line in lines[:3]:
            line_accept(line=line)
    with at(6):  # three after 96 h: the median of 24, 24, 24, 96, 96, 96 is 60 h, 2.5 days
        for line in lines[3:5]:
            line_accept(line=line)
        line_decline(line=lines[5], reason="no_capacity")
    with at(10):
        line_close(line=lines[0], outcome="funded", funded_amount=5000)
        line_close(line=lines[1], outcome="no_aid")

    def figures(key):
        url = reverse("observatory:detail", args=[key])
        response = client.get(url, {"trimestre": "2026-T1", "format": "csv", "table": "orientations"})
        return dict(csv.reader(io.StringIO(response.content.decode())))

    niortais = figures("EPCI-200041317")
    assert niortais["Envoyée"] == "6" and niortais["Première réponse"] == "6" and niortais["Prise en charge"] == "5"
    assert niortais["Déclinée"] == "moins de 5" and niortais["Sans réponse (expirée)"] == "0"
    assert niortais["Clôturée"] == "moins de 5" and niortais["Clôturées : Financé"] == "moins de 5"
    assert niortais["Clôturées : Accompagné"] == "0"
    assert niortais["Délai médian de première réponse (jours)"] == "2,5"
    assert figures("DEP-79") == niortais
    assert figures("DEP-14")["Envoyée"] == "moins de 5"  # Caen's one line, in its own département
    assert figures("FR")["Envoyée"] == "7"
    later = client.get(
        reverse("observatory:detail", args=["DEP-79"]),
        {"trimestre": "2026-T2", "format": "csv", "table": "orientations"},
    )
    assert list(csv.reader(io.StringIO(later.content.decode()))) == [["Lignes d'orientation", "Nombre"]]
    page = html.unescape(
        client.get(reverse("observatory:detail", args=["DEP-79"]), {"trimestre": "2026-T1"}).content.decode()
    )
    assert "<title>Envoyée : 6</title>" in page and '<th scope="row">Prise en charge</th><td>5</td>' in page


def test_offer_summaries_count_each_offer_within_each_territory_once(django_assert_max_num_queries):
    """The stored figures are those of Offer.objects.within() (each offer once, however many of its coverage
    territories lie in the territory), for France, a région, a département and an EPCI; a page reads them in a
    few queries, whatever the number of offers."""
    from django.db.models import Count, Q

    from directory.models import STALE_AFTER, Offer, OfferSummary, Territory
    from support_chain.observatory import selectors
    from support_chain.observatory.selectors import Quarter

    structure = StructureFactory(commune=commune("23077"))
    OfferFactory(structure=structure, coverage=["COM-23077", "COM-23096", "DEP-23"], stages=["emergence", "creation"])
    OfferFactory(structure=structure, coverage=["FR"], stages=["consolidation"], support_level=3)
    OfferFactory(structure=structure, coverage=["EPCI-200044014"], stages=["emergence"], last_verified_at=None)
    OfferFactory(structure=structure, coverage=["DEP-14"], stages=["emergence"])
    OfferFactory(structure=structure, coverage=["DEP-23"], stages=["emergence"], status="draft")
    summarise_offers()
    since = timezone.now() - STALE_AFTER
    for key in ("FR", "REG-75", "DEP-23", "EPCI-200044014", "DEP-14"):
        territory = Territory.objects.get(key=key)
        offers = Offer.objects.published()
        offers = offers if key == "FR" else offers.within(territory)
        live = {
            (row["stage_id"], row["offer__support_level"]): row["n"]
            for row in Offer.stages.through.objects.filter(offer__in=offers.values("pk"))
            .values("stage_id", "offer__support_level")
            .annotate(n=Count("offer_id"))
        }
        stored = {
            (stage_id, level): n
            for stage_id, level, n in OfferSummary.objects.filter(territory=territory, stage__isnull=False).values_list(
                "stage_id", "support_level", "offers"
            )
        }
        assert stored == live, key
        totals = offers.aggregate(total=Count("pk"), fresh=Count("pk", filter=Q(last_verified_at__gte=since)))
        table = selectors.freshness(territory)
        assert [row[1] for row in table.rows] == [totals["total"], totals["fresh"]], key
    cache.clear()
    with django_assert_max_num_queries(10):
        selectors.figures(Territory.objects.get(key="FR"), Quarter.of(timezone.localdate()))
