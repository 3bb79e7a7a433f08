"""The needs watch: anonymous counts EPCI × stage × need × month, recorded by the parcours, the search and the
referrals; small counts published as « moins de 5 »."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from directory import needs_watch
from directory.models import NeedSignal, NeedsWatchCount
from funding.referrals.services import line_accept, line_close, line_decline
from tests.factories import OfferFactory, StructureFactory, commune, make_referral

pytestmark = pytest.mark.django_db

FAUX = "23077"  # Faux-la-Montagne, CC Creuse Grand Sud (EPCI 200044014), Creuse, Nouvelle-Aquitaine


def in_person_offer(**fields):
    faux = commune(FAUX)
    structure = StructureFactory(commune=faux, latitude=faux.point[0], longitude=faux.point[1])
    return OfferFactory(structure=structure, coverage=["DEP-23"], mode_presentiel=True, **fields)


def cells():
    return list(
        NeedsWatchCount.objects.order_by("signal", "need").values(
            "month",
            "epci_code",
            "departement_code",
            "region_code",
            "stage",
            "need",
            "legal_form",
            "signal",
            "unmet",
            "count",
        )
    )


@time_machine.travel(datetime.datetime(2026, 3, 14, 10, tzinfo=datetime.UTC), tick=False)
def test_each_parcours_shown_counts_unmet_when_nothing_is_reachable_in_person(client):
    OfferFactory(coverage=["DEP-23"], mode_distance=True)  # remote only
    query = {"commune": FAUX, "stage": "emergence", "need": ["financement", "gouvernance"], "legal_form": "scic"}
    assert client.get(reverse("funding:results"), query).status_code == 200
    client.get(reverse("funding:results"), query)
    base = {
        "month": datetime.date(2026, 3, 1),
        "epci_code": "200044014",
        "departement_code": "23",
        "region_code": "75",
        "stage": "emergence",
        "legal_form": "scic",
        "signal": "parcours",
        "unmet": True,
        "count": 2,
    }
    assert cells() == [{**base, "need": "financement"}, {**base, "need": "gouvernance"}]
    # The fields are codes and counts: nothing about a person, their address or their words.
    assert {f.name for f in NeedsWatchCount._meta.fields} == {
        "id",
        "month",
        "epci_code",
        "departement_code",
        "region_code",
        "stage",
        "need",
        "legal_form",
        "signal",
        "unmet",
        "count",
    }


def test_a_parcours_with_an_offer_in_person_counts_as_met(client):
    in_person_offer()
    client.get(reverse("funding:results"), {"commune": FAUX, "stage": "emergence"})
    [cell] = cells()
    assert (cell["need"], cell["unmet"], cell["count"]) == ("", False, 1)


def test_a_kept_parcours_page_still_counts_and_a_write_changes_what_it_counts(client):
    """An anonymous visitor's « mon parcours » is kept under the directory version, but each showing counts; what
    decides « unmet » (help in person) is read again after a write."""
    offer = in_person_offer(title="Permanence de Faux", stages=["emergence"])
    query = {"commune": FAUX, "stage": "emergence"}
    first = client.get(reverse("funding:results"), query)
    second = client.get(reverse("funding:results"), query)
    assert first.context is not None and second.context is None  # the second one is the kept page
    assert "no-store" in second["Cache-Control"]  # each showing counts: no browser shows it again uncounted
    assert "Permanence de Faux" in second.content.decode()
    assert [(cell["unmet"], cell["count"]) for cell in cells()] == [(False, 2)]
    offer.mode_presentiel = False
    offer.mode_distance = True
    offer.save()
    client.get(reverse("funding:results"), query)
    assert sorted((cell["unmet"], cell["count"]) for cell in cells()) == [(False, 2), (True, 1)]


def test_a_search_by_commune_finding_nothing_in_person_counts(client):
    OfferFactory(coverage=["DEP-23"], stages=["emergence"], mode_distance=True)
    response = client.get(
        reverse("directory:search"), {"territory": f"COM-{FAUX}", "stage": "emergence", "q": "secret mot"}
    )
    assert "no-store" in response["Cache-Control"]  # each showing counts: never revalidated into a 304
    [cell] = cells()
    assert (cell["signal"], cell["stage"], cell["unmet"], cell["count"]) == ("search_nothing", "emergence", True, 1)
    assert "secret" not in str(cell)  # never the query's words

    in_person_offer(stages=["creation"])
    client.get(reverse("directory:search"), {"territory": f"COM-{FAUX}", "stage": "creation"})
    client.get(reverse("directory:search"), {"q": "rien"})  # no territory: not a search by territory
    assert NeedsWatchCount.objects.count() == 1


def test_a_search_by_epci_or_departement_finding_nothing_in_person_counts_once_in_that_territorys_cell(client):
    OfferFactory(coverage=["DEP-23"], stages=["emergence"], mode_distance=True)  # online only
    search = reverse("directory:search")
    client.get(search, {"territory": "EPCI-200044014", "stage": "emergence"})
    client.get(search, {"territory": "DEP-23", "stage": "emergence"})
    client.get(search, {"territory": "DEP-23", "stage": "emergence"})
    client.get(search, {"territory": "REG-75", "stage": "emergence"})
    found = [(c["epci_code"], c["departement_code"], c["region_code"], c["count"]) for c in cells()]
    assert sorted(found) == [("", "", "75", 1), ("", "23", "75", 2), ("200044014", "23", "75", 1)]
    assert {(c["signal"], c["stage"], c["unmet"]) for c in cells()} == {("search_nothing", "emergence", True)}

    # Each territory's page sums its own cell and those under it; the EPCI's page does not see the département's.
    creuse = needs_watch.totals(territory=commune(FAUX).departement, by=("stage",))
    assert [(row["stage"], row["expressed"]) for row in creuse] == [("emergence", 3)]
    epci = needs_watch.totals(territory=commune(FAUX).epci, by=("stage",))
    assert [(row["stage"], row["expressed"]) for row in epci] == [("emergence", 1)]

    # An offer in person for the stage in the département: its searches no longer count.
    in_person_offer(stages=["emergence"])
    client.get(search, {"territory": "DEP-23", "stage": "emergence"})
    client.get(search, {"territory": "COM-75056"})  # a commune outside: counted in its own cell (not Creuse's)
    assert sum(c["count"] for c in cells() if c["departement_code"] == "23") == 3


def test_referrals_declined_or_closed_without_aid_count_as_unmet():
    referral = make_referral(
        OfferFactory(email="a@structure-essai.fr"),
        OfferFactory(email="b@structure-essai.fr"),
        commune_code=FAUX,
    )
    referral.needs.set([])
    first, second = referral.lines.order_by("pk")
    line_decline(line=first, reason="no_capacity")
    line_accept(line=second)
    line_close(line=second, outcome="no_aid")
    assert [(c["signal"], c["unmet"], c["epci_code"], c["count"]) for c in cells()] == [
        ("referral_declined", True, "200044014", 1),
        ("referral_no_aid", True, "200044014", 1),
    ]


def test_counts_under_five_are_published_as_moins_de_5(territory):
    faux = commune(FAUX)
    for _ in range(3):
        needs_watch.record(
            commune=faux, signal=NeedSignal.PARCOURS, unmet=True, stage="emergence", needs=["financement"]
        )
    for _ in range(7):
        needs_watch.record(
            commune=faux, signal=NeedSignal.PARCOURS, unmet=False, stage="emergence", needs=["formation"]
        )
    rows = {row["need"]: row for row in needs_watch.totals(territory=territory("REG-75"), by=("need",))}
    assert rows["financement"]["expressed_shown"] == "moins de 5" and rows["financement"]["unmet_shown"] == "moins de 5"
    assert (rows["formation"]["expressed_shown"], rows["formation"]["unmet_shown"]) == ("7", "0")
    assert needs_watch.totals(territory=territory("REG-28"), by=("need",)) == []  # Normandie: nothing there
