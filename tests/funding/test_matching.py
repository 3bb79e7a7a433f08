"""The matching engine on unsaved objects: every hard filter, every ranking rule, the reasons. No database."""

import datetime
from dataclasses import replace

import pytest

from directory.models import Permanence, PublicationStatus, Structure, Territory
from funding.matching import HARD_FILTERS, HardFilter, Place, failed_filter, french_date, rank
from funding.payloads import match_payload
from tests.funding.engine import NOW, TODAY, candidate, profile

# Faux-la-Montagne with a point; 0.009° of latitude is about 1 km.
LOCATED = Territory(id=1, key="COM-23077", kind="COM", code="23077", name="Faux", latitude=45.75, longitude=1.93)


def place_at(km, name="Lieu", permanence=None):
    return Place(LOCATED.latitude + km * 0.008993, LOCATED.longitude, name, permanence)


def titles(matches):
    return [match.offer.title for match in matches]


# Hard filters -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offer_status", "structure_status"),
    [
        (PublicationStatus.DRAFT, PublicationStatus.PUBLISHED),
        (PublicationStatus.ARCHIVED, PublicationStatus.PUBLISHED),
        (PublicationStatus.PUBLISHED, PublicationStatus.PENDING),
    ],
)
def test_unpublished_offers_or_structures_never_match(offer_status, structure_status):
    hidden = candidate(status=offer_status, structure_status=structure_status)
    shown = candidate()
    assert failed_filter(hidden, profile(), TODAY) == "published"
    assert [m.offer for m in rank([hidden, shown], profile(), today=TODAY)] == [shown.offer]


@pytest.mark.parametrize("key", ["COM-23077", "ZONE-millevaches", "EPCI-200044014", "DEP-23", "REG-75", "FR"])
def test_an_offer_covering_the_commune_or_a_territory_containing_it_matches(key):
    assert len(rank([candidate(coverage=[key])], profile(), today=TODAY)) == 1


@pytest.mark.parametrize("keys", [["DEP-19"], ["COM-23090"], ["EPCI-200066652", "REG-84"], []])
def test_an_offer_covering_only_other_territories_does_not_match(keys):
    offer = candidate(coverage=keys)
    assert failed_filter(offer, profile(), TODAY) == "territory"
    assert rank([offer], profile(), today=TODAY) == []


def test_an_offer_for_other_stages_does_not_match():
    other = candidate(stages=["creation", "developpement"])
    assert failed_filter(other, profile(stage="emergence"), TODAY) == "stage"
    assert len(rank([other], profile(stage="creation"), today=TODAY)) == 1


def test_an_offer_without_legal_form_restriction_is_open_to_every_form_even_a_collective_not_registered():
    open_offer = candidate()
    for legal_form in ["association", "scop", "collectif-non-constitue", None]:
        assert failed_filter(open_offer, profile(legal_form=legal_form), TODAY) is None


def test_a_restricted_offer_is_open_only_to_the_forms_it_lists():
    scop_only = candidate(legal_forms=["scop", "scic"])
    assert failed_filter(scop_only, profile(legal_form="scic"), TODAY) is None
    assert failed_filter(scop_only, profile(legal_form="association"), TODAY) == "legal_form"
    assert failed_filter(scop_only, profile(legal_form="collectif-non-constitue"), TODAY) == "legal_form"
    # The holder did not say: not filtered.
    assert failed_filter(scop_only, profile(legal_form=None), TODAY) is None


def test_a_collective_not_registered_matches_offers_that_name_it():
    offer = candidate(legal_forms=["association", "collectif-non-constitue"])
    assert failed_filter(offer, profile(legal_form="collectif-non-constitue"), TODAY) is None


def test_a_closed_call_is_excluded_and_one_closing_today_is_kept():
    closed = candidate(title="Close", closes_on=TODAY - datetime.timedelta(days=1))
    last_day = candidate(title="Dernier jour", closes_on=TODAY)
    assert failed_filter(closed, profile(), TODAY) == "closed"
    assert titles(rank([closed, last_day], profile(), today=TODAY)) == ["Dernier jour"]


def test_a_call_not_yet_open_is_shown_as_upcoming():
    soon = candidate(opens_on=datetime.date(2027, 2, 1), closes_on=datetime.date(2027, 3, 15))
    [match] = rank([soon], profile(), today=TODAY)
    assert match.upcoming is True
    assert "Bientôt : ouvre le 1er février 2027" in match.reasons
    [now_open] = rank([soon], profile(), today=datetime.date(2027, 2, 1))
    assert now_open.upcoming is False
    assert "Appel à projets : clôture le 15 mars 2027" in now_open.reasons


@pytest.mark.parametrize(
    ("amount", "failure"), [(999, "amount"), (1000, None), (50_000, None), (50_001, "amount"), (None, None)]
)
def test_the_amount_sought_must_fall_in_the_offer_range(amount, failure):
    loan = candidate(offer_type="financement", amount_min=1000, amount_max=50_000)
    assert failed_filter(loan, profile(amount=amount), TODAY) == failure


def test_an_offer_without_amounts_is_not_filtered_on_the_amount():
    assert failed_filter(candidate(amount_max=None), profile(amount=10**7), TODAY) is None
    assert failed_filter(candidate(amount_min=5000), profile(amount=10**7), TODAY) is None


@pytest.mark.parametrize(("age", "failure"), [(0, "structure_age"), (1, None), (3, None), (4, "structure_age")])
def test_the_structure_age_must_fall_in_the_offer_bounds(age, failure):
    offer = candidate(min_structure_age=1, max_structure_age=3)
    assert failed_filter(offer, profile(structure_age=age), TODAY) == failure
    assert failed_filter(offer, profile(structure_age=None), TODAY) is None


def test_a_collective_not_registered_counts_as_a_new_structure():
    needs_two_years = candidate(min_structure_age=2)
    assert failed_filter(needs_two_years, profile(legal_form="collectif-non-constitue"), TODAY) == "structure_age"
    assert failed_filter(needs_two_years, profile(legal_form="association"), TODAY) is None


def test_esus_is_a_filter_only_when_the_holder_says_they_lack_it():
    esus_only = candidate(esus_required=True)
    assert failed_filter(esus_only, profile(esus=False), TODAY) == "esus"
    assert failed_filter(esus_only, profile(esus=True), TODAY) is None
    assert failed_filter(esus_only, profile(esus=None), TODAY) is None


def test_every_hard_filter_is_declared_once_with_its_sql_or_why_the_entries_need_none():
    # The engine checks them in this order: failed_filter() names the first one failed.
    assert [hard_filter.name for hard_filter in HARD_FILTERS] == [
        "published",
        "territory",
        "stage",
        "legal_form",
        "closed",
        "amount",
        "structure_age",
        "esus",
    ]
    for hard_filter in HARD_FILTERS:
        assert callable(hard_filter.fails), hard_filter.name
        assert callable(hard_filter.where) != bool(hard_filter.entries_guarantee), hard_filter.name
    assert [hard_filter.name for hard_filter in HARD_FILTERS if hard_filter.where is None] == ["published"]
    with pytest.raises(ValueError, match="either its SQL or why"):
        HardFilter("neither", lambda *args: False)
    with pytest.raises(ValueError, match="either its SQL or why"):
        HardFilter("both", lambda *args: False, lambda *args: None, entries_guarantee="the entries")


def test_needs_rank_but_do_not_filter():
    unrelated = candidate(needs=["local-foncier"])
    assert len(rank([unrelated], profile(needs=["financement"]), today=TODAY)) == 1


# Ranking ----------------------------------------------------------------------------------------------------


def test_more_needs_met_come_first_even_over_a_narrower_territory():
    local_one_need = candidate(title="Commune, un besoin", coverage=["COM-23077"], needs=["financement"])
    national_two_needs = candidate(title="France, deux besoins", needs=["financement", "statut-juridique"])
    national_none = candidate(title="France, aucun besoin", coverage=["FR"])
    matches = rank(
        [national_none, local_one_need, national_two_needs],
        profile(needs=["financement", "statut-juridique"]),
        today=TODAY,
    )
    assert titles(matches) == ["France, deux besoins", "Commune, un besoin", "France, aucun besoin"]
    assert [m.rank for m in matches] == [1, 2, 3]


def test_reachable_in_person_comes_right_after_needs_met_and_says_how_far_and_where():
    holder = replace(profile(needs=["financement"]), commune=LOCATED, radius_km=30)
    third_place = Structure(name="Tiers-lieu X")
    permanence = Permanence(place=third_place, schedule="le 1er mardi du mois")
    near_national = candidate(
        title="National, permanence à 12 km",
        mode_presentiel=True,
        places=(place_at(80, "Siège"), place_at(12, "Tiers-lieu X", permanence)),
    )
    local_remote = candidate(title="Commune, en ligne", coverage=["COM-23077"], mode_distance=True)
    far = candidate(title="Commune, à 45 km", coverage=["COM-23077"], mode_presentiel=True, places=(place_at(45),))
    online_near = candidate(title="Commune, en ligne à 1 km", coverage=["COM-23077"], places=(place_at(1),))
    unknown = candidate(
        title="Commune, lieu inconnu", coverage=["COM-23077"], mode_presentiel=True, places=(Place(None, None, "?"),)
    )
    needs_met = candidate(title="France, besoin", needs=["financement"])
    matches = rank([local_remote, far, online_near, unknown, near_national, needs_met], holder, today=TODAY)
    assert titles(matches)[:2] == ["France, besoin", "National, permanence à 12 km"]
    assert [m.reachable for m in matches] == [False, True, False, False, False, False]
    near = matches[1]
    assert near.distance_km == pytest.approx(12, abs=0.05) and near.place.name == "Tiers-lieu X"
    assert "En présentiel à 12 km : permanence au Tiers-lieu X, le 1er mardi du mois" in near.reasons
    payload = match_payload(near)
    assert payload["in_person_km"] == pytest.approx(12, abs=0.1) and payload["in_person_place"] == "Tiers-lieu X"
    assert match_payload(matches[0])["in_person_km"] is None
    # Without a point (a commune not located), nothing is near and the order is the narrowness'.
    unlocated = rank([near_national, local_remote], profile(), today=TODAY)
    assert titles(unlocated) == ["Commune, en ligne", "National, permanence à 12 km"]


def test_the_narrowest_coverage_comes_first():
    order = ["COM-23077", "ZONE-millevaches", "EPCI-200044014", "DEP-23", "REG-75", "FR"]
    offers = [candidate(title=key, coverage=[key]) for key in reversed(order)]
    assert titles(rank(offers, profile(), today=TODAY)) == order


def test_an_offer_covering_several_levels_is_placed_by_its_narrowest():
    both = candidate(title="Commune et France", coverage=["FR", "COM-23077"])
    epci = candidate(title="EPCI", coverage=["EPCI-200044014"])
    matches = rank([epci, both], profile(), today=TODAY)
    assert titles(matches) == ["Commune et France", "EPCI"]
    assert matches[0].territory.key == "COM-23077"
    assert matches[0].reasons[0] == "Couvre votre commune : Faux-la-Montagne"


@pytest.mark.parametrize(
    ("stage", "expected"),
    [("emergence", ["niveau 1", "niveau 2", "niveau 3"]), ("developpement", ["niveau 3", "niveau 2", "niveau 1"])],
)
def test_support_level_fitting_the_stage_comes_next(stage, expected):
    offers = [candidate(title=f"niveau {level}", support_level=level, stages=[stage]) for level in (2, 3, 1)]
    assert titles(rank(offers, profile(stage=stage), today=TODAY)) == expected


def test_accompaniment_is_preferred_from_amorcage_to_consolidation():
    offers = [candidate(title=f"niveau {level}", support_level=level, stages=["creation"]) for level in (1, 2)]
    assert titles(rank(offers, profile(stage="creation"), today=TODAY))[0] == "niveau 2"


def test_fresher_verification_comes_next_and_never_verified_last():
    old = candidate(title="Ancienne", last_verified_at=NOW - datetime.timedelta(days=400))
    never = candidate(title="Jamais vérifiée", last_verified_at=None)
    fresh = candidate(title="Récente", last_verified_at=NOW)
    assert titles(rank([never, old, fresh], profile(), today=TODAY)) == ["Récente", "Ancienne", "Jamais vérifiée"]


def test_ties_are_broken_by_structure_name_title_then_reference_then_id():
    b = candidate(id=901, structure_name="Beta", title="Z")
    a = candidate(id=902, structure_name="alpha", title="Z")
    a2 = candidate(id=903, structure_name="Alpha", title="A", ref="2")
    a1 = candidate(id=904, structure_name="Alpha", title="A", ref="1")
    twin2 = candidate(id=906, structure_name="Alpha", title="A", ref="1")
    twin1 = candidate(id=905, structure_name="Alpha", title="A", ref="1")
    matches = rank([b, a, a2, twin2, a1, twin1], profile(), today=TODAY)
    assert [m.offer.pk for m in matches] == [904, 905, 906, 903, 902, 901]


# Reasons ----------------------------------------------------------------------------------------------------


def test_reasons_say_territory_stage_needs_and_deadline_in_french():
    offer = candidate(
        coverage=["EPCI-200044014"],
        needs=["financement", "statut-juridique", "local-foncier"],
        closes_on=datetime.date(2027, 3, 15),
    )
    [match] = rank([offer], profile(needs=["statut-juridique", "financement"]), today=TODAY)
    assert match.reasons == [
        "Couvre votre EPCI : CC Creuse Grand Sud",
        "Pour l'étape : émergence",
        "Répond à vos besoins : statut juridique, financement",
        "Appel à projets : clôture le 15 mars 2027",
    ]


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("ZONE-millevaches", "Couvre votre zone : Plateau de Millevaches"),
        ("DEP-23", "Couvre votre département : Creuse"),
        ("REG-75", "Couvre votre région : Nouvelle-Aquitaine"),
        ("FR", "Couvre toute la France"),
    ],
)
def test_the_coverage_reason_names_the_territory(key, reason):
    [match] = rank([candidate(coverage=[key])], profile(), today=TODAY)
    assert match.reasons[0] == reason


def test_a_single_need_met_is_singular_and_the_amount_is_explained():
    offer = candidate(needs=["financement"], offer_type="financement", amount_min=1000, amount_max=90_000)
    [match] = rank([offer], profile(needs=["financement"], amount=25_000), today=TODAY)
    assert "Répond à votre besoin : financement" in match.reasons
    assert "Montant compatible avec votre besoin : 25\u202f000 €" in match.reasons


def test_french_dates():
    assert french_date(datetime.date(2027, 8, 1)) == "1er août 2027"
    assert french_date(datetime.date(2027, 12, 31)) == "31 décembre 2027"
