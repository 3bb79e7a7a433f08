import datetime

import pytest
import time_machine

from directory.filters import OfferFilter, StructureFilter
from directory.models import PublicationStatus
from tests.factories import OfferFactory, StructureFactory

pytestmark = pytest.mark.django_db


def titles(params):
    return [offer.title for offer in OfferFilter(params).qs]


def test_territory_commune_means_offers_covering_it():
    OfferFactory(title="Creuse", coverage=["DEP-23"])
    OfferFactory(title="Faux", coverage=["COM-23077"])
    OfferFactory(title="Gentioux", coverage=["COM-23090"])
    OfferFactory(title="Corrèze", coverage=["DEP-19"])
    # Narrowest territory first.
    assert titles({"territory": "COM-23077"}) == ["Faux", "Creuse"]


def test_territory_departement_includes_offers_inside_it():
    OfferFactory(title="Creuse", coverage=["DEP-23"])
    OfferFactory(title="Gentioux", coverage=["COM-23090"])
    OfferFactory(title="Corrèze", coverage=["DEP-19"])
    assert titles({"territory": "DEP-23"}) == ["Gentioux", "Creuse"]


def test_several_values_are_alternatives_and_parameters_combine():
    OfferFactory(title="A", stages=["emergence"], offer_type="financement", fee="gratuit")
    OfferFactory(title="B", stages=["creation"], offer_type="financement", fee="payant")
    OfferFactory(title="C", stages=["creation"], offer_type="accompagnement", fee="gratuit")
    assert set(titles({"stage": ["emergence", "creation"], "offer_type": "financement"})) == {"A", "B"}
    assert titles({"stage": "creation", "fee": "gratuit"}) == ["C"]


def test_role_need_mode_network_and_support_level():
    financer = StructureFactory(role_support=False, role_financer=True)
    OfferFactory(title="Prêt", structure=financer, needs=["financement"], support_level=3, mode_distance=True)
    OfferFactory(title="Atelier", needs=["gouvernance"], mode_presentiel=True)
    assert titles({"role": "financer"}) == ["Prêt"]
    assert titles({"need": "gouvernance"}) == ["Atelier"]
    assert titles({"mode": "distance"}) == ["Prêt"]
    assert titles({"support_level": "3"}) == ["Prêt"]
    assert titles({"network": "france-active"}) == []


@time_machine.travel(datetime.datetime(2026, 11, 23, 12, tzinfo=datetime.UTC))
def test_open_now_keeps_only_calls_open_today():
    OfferFactory(title="Ouvert", opens_on=datetime.date(2026, 11, 1), closes_on=datetime.date(2026, 12, 1))
    OfferFactory(title="Clos", opens_on=datetime.date(2026, 1, 1), closes_on=datetime.date(2026, 2, 1))
    OfferFactory(title="Permanent")
    assert titles({"open_now": "true"}) == ["Ouvert"]
    assert len(titles({})) == 3


def test_unpublished_offers_never_come_out():
    OfferFactory(title="Brouillon", status=PublicationStatus.DRAFT)
    OfferFactory(title="Structure archivée", structure=StructureFactory(status=PublicationStatus.ARCHIVED))
    OfferFactory(title="Visible")
    assert titles({}) == ["Visible"]


def test_free_text_ignores_accents_and_plurals():
    OfferFactory(title="Crèche parentale coopérative", description="Des coopératives d'habitants.")
    OfferFactory(title="Prêt d'honneur")
    assert titles({"q": "creche"}) == ["Crèche parentale coopérative"]
    assert titles({"q": "cooperatives"}) == ["Crèche parentale coopérative"]
    assert titles({"q": "pret honneur"}) == ["Prêt d'honneur"]


def test_sort_by_last_verified():
    old = OfferFactory(title="Ancienne", coverage=["COM-23077"])
    old.last_verified_at = old.last_verified_at - datetime.timedelta(days=400)
    old.save()
    OfferFactory(title="Récente", coverage=["FR"])
    assert titles({"sort": "verification"}) == ["Récente", "Ancienne"]
    assert titles({"sort": "territoire"}) == ["Ancienne", "Récente"]


def test_structure_filter_keeps_structures_with_a_matching_offer():
    place = StructureFactory(name="Tiers-lieu sans offre", role_support=False, role_third_place=True)
    matching = OfferFactory(stages=["creation"]).structure
    OfferFactory(stages=["emergence"])
    assert list(StructureFilter({"stage": "creation"}).qs) == [matching]
    assert list(StructureFilter({"role": "third_place"}).qs) == [place]
    assert len(StructureFilter({}).qs) == 3
