"""White zones (support_chain/white_zones.py): commune × stage reached in person, only at a distance, or not at all."""

import datetime
import json
import math

import pytest
from django.core.management import call_command

from directory.geo import haversine_km
from directory.models import CommuneReach, Offer, Permanence, ReachStatus, Territory
from support_chain.models import Stage
from support_chain.white_zones import compute_white_zones, reach_summary, request_white_zones_refresh
from tests.factories import OfferFactory, StructureFactory, commune

pytestmark = pytest.mark.django_db


def north_of(territory, km):
    return territory.latitude + math.degrees(km / 6371.0088), territory.longitude


@pytest.fixture
def hand_built():
    """Commune A (Guéret) has a présentiel offer 10 km away; commune B (Faux-la-Montagne), far from every place,
    is covered by a national online offer only for « émergence »."""
    a, b = commune("23096"), commune("23077")
    lat, lon = north_of(a, 10)
    near_a = StructureFactory(commune=a, latitude=lat, longitude=lon, name="Accueil de Guéret")
    OfferFactory(structure=near_a, mode_presentiel=True, coverage=["DEP-23"], stages=["emergence"])
    # A closed call for projects, in person and near A, covers nobody.
    closed_on = datetime.date.today() - datetime.timedelta(days=1)
    OfferFactory(structure=near_a, mode_presentiel=True, coverage=["DEP-23"], stages=["creation"], closes_on=closed_on)
    national = StructureFactory(commune=commune("75056"), latitude=48.8566, longitude=2.3522)
    OfferFactory(structure=national, mode_distance=True, coverage=["FR"], stages=["emergence", "creation"])
    return a, b, (lat, lon)


def reach(code, stage="emergence"):
    return CommuneReach.objects.get(commune__key=f"COM-{code}", stage__slug=stage)


def test_commune_a_with_a_presentiel_offer_10_km_away_is_not_a_white_zone_and_b_is(hand_built):
    a, b, place = hand_built
    assert haversine_km(*b.point, *place) > 45
    report = compute_white_zones(region=Territory.objects.get(key="REG-75"))
    assert report.communes == Territory.objects.communes().filter(region__key="REG-75").count()

    at_a = reach("23096")
    assert at_a.status == ReachStatus.IN_PERSON and at_a.in_person == 1
    assert at_a.nearest_km == pytest.approx(10, abs=0.01)
    at_b = reach("23077")
    assert at_b.status == ReachStatus.REMOTE_ONLY and at_b.in_person == 0
    # The nearest présentiel offer covering B for the stage, whatever the radius.
    assert at_b.nearest_km == pytest.approx(haversine_km(*b.point, *place), abs=0.01)
    assert reach("23096", "creation").status == ReachStatus.REMOTE_ONLY  # only the national online offer
    assert reach("23096", "consolidation").status == ReachStatus.NONE
    assert reach("23096", "consolidation").nearest_km is None
    # Outside the région: not computed by a région's run.
    assert not CommuneReach.objects.filter(commune__region__key="REG-28").exists()


def test_the_engine_agrees_with_reachable_from_commune_by_commune(hand_built):
    a, _b, _place = hand_built
    third_place = StructureFactory(
        commune=commune("23176"), latitude=46.0, longitude=2.2, role_support=False, role_third_place=True
    )
    far_host = StructureFactory(commune=commune("87085"), latitude=45.83, longitude=1.26)
    offer = OfferFactory(structure=far_host, mode_presentiel=True, coverage=["REG-75"], stages=["amorcage"])
    Permanence.objects.create(place=third_place, host=far_host, offer=offer, schedule="le 1er mardi du mois")
    compute_white_zones(region=Territory.objects.get(key="REG-75"))
    stages = {stage.slug: stage for stage in Stage.objects.all()}
    for code in ["23096", "23077", "23176", "23001", "87085", "19031", "24322"]:
        place = commune(code)
        for slug in ["emergence", "amorcage"]:
            expected = Offer.objects.published().reachable_from(place).for_stage(stages[slug])
            stored = reach(code, slug)
            assert stored.in_person == expected.count(), (code, slug)
            assert (stored.status == ReachStatus.IN_PERSON) == expected.exists()
            nearest = Offer.objects.published().in_person_covering(place).for_stage(stages[slug]).first()
            if nearest is None or nearest.distance_km is None:
                assert stored.nearest_km is None
            else:
                assert stored.nearest_km == pytest.approx(nearest.distance_km, abs=0.01)


def test_population_sums_equal_the_communes_populations(hand_built):
    region = Territory.objects.get(key="REG-75")
    compute_white_zones(region=region)
    summary = reach_summary(region)
    creuse = next(cells for territory, cells in summary.rows if territory.key == "DEP-23")
    creuse_population = sum(
        Territory.objects.communes().filter(departement__key="DEP-23").values_list("population", flat=True)
    )
    for cell in creuse:
        assert cell.total_population == creuse_population
        assert sum(cell.communes.values()) == Territory.objects.communes().filter(departement__key="DEP-23").count()
    region_population = sum(Territory.objects.communes().filter(region=region).values_list("population", flat=True))
    assert all(cell.total_population == region_population for cell in summary.total)
    assert sum(cells[0].total_population for _t, cells in summary.rows) == region_population
    emergence = creuse[0]
    assert 0 < emergence.population_without < creuse_population  # Guéret's surroundings are served
    by_epci = reach_summary(region, Territory.objects.get(key="DEP-23"))
    assert all(t.kind == "EPCI" for t, _cells in by_epci.rows)


def test_white_zones_command_prints_the_stored_json(hand_built, capsys):
    call_command("compute_white_zones", "--region", "REG-75")
    capsys.readouterr()
    call_command("white_zones", "--territory", "DEP-23", "--stage", "emergence", "--json")
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"territory", "stage", "radius_km", "population", "communes"}
    assert (data["territory"], data["stage"], data["radius_km"]) == ("DEP-23", "emergence", 30)
    assert set(data["population"]) == {"in_person", "remote_only", "none"}
    faux = next(c for c in data["communes"] if c["code"] == "COM-23077")
    assert faux == {
        "code": "COM-23077",
        "name": "Faux-la-Montagne",
        "population": commune("23077").population,
        "status": "remote_only",
        "nearest_km": round(reach("23077").nearest_km, 1),
    }
    assert sum(c["population"] for c in data["communes"]) == sum(data["population"].values())
    assert (
        sum(c["population"] for c in data["communes"] if c["status"] == "in_person") == data["population"]["in_person"]
    )


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--territory", "DEP-999", "--stage", "emergence"], "Territoire inconnu"),
        (["--territory", "DEP-23", "--stage", "idee"], "Étape inconnue"),
    ],
)
def test_white_zones_command_refuses_unknown_codes_in_french(arguments, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("white_zones", *arguments)
    with pytest.raises(CommandError, match="Région inconnue"):
        call_command("compute_white_zones", "--region", "REG-00")


def test_refresh_is_queued_once_per_delay_and_runs_the_task(
    settings, eager_celery, empty_cache, hand_built, django_capture_on_commit_callbacks
):
    settings.WHITE_ZONES_REFRESH_DELAY = 300
    with django_capture_on_commit_callbacks(execute=True):
        assert request_white_zones_refresh(["REG-75"]) == ["REG-75"]
        assert request_white_zones_refresh(["REG-75"]) == []  # debounced
    assert reach("23096").status == ReachStatus.IN_PERSON  # the task ran (eagerly) for the région
    # The task released its lock when it started: the next change queues again.
    with django_capture_on_commit_callbacks(execute=False):
        assert request_white_zones_refresh(["REG-75"]) == ["REG-75"]
    settings.WHITE_ZONES_REFRESH_DELAY = None
    assert request_white_zones_refresh(["REG-28"]) == []


def test_the_place_grid_finds_what_a_scan_of_every_place_finds():
    """The grid (large groups of places) gives the same offers within the radius and the same nearest place,
    stage by stage."""
    import random

    from directory.geo import haversine_km
    from support_chain.white_zones import NOTHING, PlaceIndex, _here, _km, cell_box

    rng = random.Random(13)
    index, places = PlaceIndex(), []
    for offer_id in range(400):
        lat, lon = rng.uniform(42.5, 51), rng.uniform(-4.5, 8)
        stages = tuple(sorted(rng.sample(range(3), rng.randint(1, 2))))
        index.add(lat, lon, offer_id, stages)
        places.append((lat, lon, offer_id, stages))
    assert not index.is_small
    for _ in range(300):
        lat, lon = rng.uniform(41, 52), rng.uniform(-6, 10)
        radius = rng.choice([5, 30, 60])
        here = _here(lat, lon, radius)
        within, best = [set(), set(), set()], [NOTHING] * 3
        index.within(here, cell_box(lat, lon, radius), within, best)
        index.nearest(here, {k for k in range(3) if not within[k]}, best)
        for k in range(3):
            distances = [(haversine_km(lat, lon, p[0], p[1]), p[2]) for p in places if k in p[3]]
            assert within[k] == {offer_id for distance, offer_id in distances if distance <= radius}
            assert _km(best[k]) == pytest.approx(min(distances)[0], abs=1e-6)
