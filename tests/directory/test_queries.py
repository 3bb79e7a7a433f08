import datetime

import pytest

from directory.models import Offer, PublicationStatus, Structure
from directory.services.territories import zone_create_or_update
from support_chain.models import Stage
from tests.factories import OfferFactory, StructureFactory

pytestmark = pytest.mark.django_db

LEVELS = ["COM-23077", "EPCI-200044014", "DEP-23", "REG-75", "FR"]


@pytest.fixture
def offers_at_every_level():
    offers = {key: OfferFactory(title=f"Couvre {key}", coverage=[key]) for key in LEVELS}
    offers["neighbour"] = OfferFactory(title="Corrèze seulement", coverage=["DEP-19"])
    offers["other-commune"] = OfferFactory(title="Gentioux seulement", coverage=["COM-23090"])
    return offers


@pytest.mark.parametrize("level", LEVELS)
def test_covering_finds_an_offer_at_each_level(offers_at_every_level, territory, level):
    covering = Offer.objects.covering(territory("COM-23077"))
    assert offers_at_every_level[level] in covering


def test_covering_excludes_other_territories(offers_at_every_level, territory):
    covering = set(Offer.objects.covering(territory("COM-23077")))
    assert covering == {offers_at_every_level[key] for key in LEVELS}


def test_covering_a_custom_zone(territory):
    zone = zone_create_or_update(name="Zone Millevaches", commune_codes=["23077", "19164"])
    offer = OfferFactory(coverage=[zone.key])
    assert offer in Offer.objects.covering(territory("COM-19164"))
    assert offer in Offer.objects.covering(territory("COM-23077"))
    assert offer not in Offer.objects.covering(territory("COM-23001"))


def test_covering_an_offer_with_several_territories_is_returned_once(territory):
    offer = OfferFactory(coverage=["COM-23077", "DEP-23", "FR"])
    assert list(Offer.objects.covering(territory("COM-23077"))) == [offer]


def test_covering_is_one_query(offers_at_every_level, territory, django_assert_num_queries):
    faux = territory("COM-23077")
    with django_assert_num_queries(1):
        assert len(list(Offer.objects.covering(faux))) == len(LEVELS)


def test_within_a_departement_includes_offers_inside_it(offers_at_every_level, territory):
    within = set(Offer.objects.within(territory("DEP-23")))
    assert offers_at_every_level["COM-23077"] in within
    assert offers_at_every_level["other-commune"] in within
    assert offers_at_every_level["FR"] in within
    assert offers_at_every_level["neighbour"] not in within


def test_published_hides_drafts_and_offers_of_unpublished_structures():
    visible = OfferFactory()
    draft = OfferFactory(status=PublicationStatus.DRAFT)
    hidden_structure = OfferFactory(structure=StructureFactory(status=PublicationStatus.ARCHIVED))
    published = set(Offer.objects.published())
    assert visible in published and draft not in published and hidden_structure not in published


def test_for_stage_and_open_on():
    emergence = OfferFactory(stages=["emergence"])
    creation = OfferFactory(stages=["creation", "consolidation"])
    assert set(Offer.objects.for_stage(Stage.objects.get(slug="creation"))) == {creation}
    assert emergence in Offer.objects.for_stage(Stage.objects.get(slug="emergence"))
    closed = OfferFactory(opens_on=datetime.date(2026, 1, 1), closes_on=datetime.date(2026, 3, 1))
    upcoming = OfferFactory(opens_on=datetime.date(2027, 1, 1), closes_on=datetime.date(2027, 3, 1))
    today = datetime.date(2026, 11, 23)
    assert closed not in Offer.objects.open_on(today) and upcoming not in Offer.objects.open_on(today)
    assert upcoming in Offer.objects.current(today) and emergence in Offer.objects.open_on(today)


def test_eligible_for_legal_form():
    from directory.models import LegalForm

    open_to_all = OfferFactory()
    scop_only = OfferFactory(eligible_legal_forms=["scop", "scic"])
    association = LegalForm.objects.get(slug="association")
    scop = LegalForm.objects.get(slug="scop")
    assert set(Offer.objects.eligible_for(association)) == {open_to_all}
    assert set(Offer.objects.eligible_for(scop)) == {open_to_all, scop_only}


def test_structure_region_defaults_to_its_communes_region_and_roles(territory):
    structure = StructureFactory(role_financer=True, role_third_place=True)
    assert structure.region.key == "REG-75"
    assert structure.roles == ["support", "financer", "third_place"]
    assert set(Structure.objects.with_role("third_place")) == {structure}
    assert structure in Structure.objects.in_territory(territory("EPCI-200044014"))
