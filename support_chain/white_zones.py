"""White zones: for every commune × stage, is support reachable in person, only at a distance, or not at all.

The rule is directory's (`Offer.objects.published().reachable_from(commune)`, directory/models/structure.py):
an offer reaches commune C **in person** when it is public and current (not a call for projects closed
today), its modes include présentiel, its coverage covers C
(C or one of its ancestors, through the closure table) and one of its places (its structure's address, or a
published third place where the structure holds a permanence for it or for all its offers) lies within
`PROXIMITY_RADIUS_KM` of C's point. An offer that covers C otherwise is « à distance »: C is `remote_only` for
the stage when nothing reaches it in person, `none` when nothing covers it at all. `nearest_km` is the nearest
place of a présentiel offer covering C for the stage, whatever the radius.

`compute_white_zones()` reads the directory in a fixed number of queries, measures distances in Python
(haversine of directory/geo.py over a grid of places: the same figures as the database's expression) and
rewrites `CommuneReach` for France or one région, then `ReachSummary`, its sums in inhabitants and communes for
every EPCI, département, région, zone and France above those communes. The pages read the sums
(`reach_summary`), `manage.py white_zones` the communes' rows (`territory_report`).

Refreshing: nightly (beat), by `manage.py compute_white_zones [--region REG-xx]`, and after imports and
approvals through `request_white_zones_refresh`, debounced (one run per région per WHITE_ZONES_REFRESH_DELAY).
Each run also rewrites the observatory's offer figures (support_chain/observatory/summaries.py).
"""

import logging
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from celery import current_app, signature
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from directory.geo import EARTH_RADIUS_KM, bounding_box, proximity_radius_km
from directory.models import (
    CommuneReach,
    Mode,
    Offer,
    Permanence,
    PublicationStatus,
    ReachStatus,
    ReachSummary,
    Structure,
    Territory,
    TerritoryKind,
    TerritoryLink,
    WhiteZoneRun,
)
from directory.services.bulk import insert_many
from support_chain.models import Stage
from support_chain.observatory.summaries import summarise_offers

logger = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]

# The task is named, not imported: services never import tasks (support_chain/tasks.py imports this module).
COMPUTE_TASK = "support_chain.tasks.compute_white_zones_task"


def _no_progress(phase: str, done: int, total: int) -> None:
    pass


# --- Places, indexed on a grid ---------------------------------------------------------------------------

CELL_DEGREES = 0.25
BRUTE_FORCE_BELOW = 24  # points: below this, a group is scanned whole
MAX_RINGS = 12  # beyond this many rings of cells (~300 km), scanning every point is cheaper
NOTHING = 2.0  # above any haversine « a » (which lies in [0, 1]): no place at all

# Distances are compared as the haversine's « a » (monotonic in the distance): one sine pair per place, and the
# square root and arcsine only for the nearest one. `_km` converts back, `_a` converts a radius.


def _a(km: float) -> float:
    return math.sin(km / (2 * EARTH_RADIUS_KM)) ** 2


def _km(a: float) -> float:
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class PlaceIndex:
    """The présentiel places of the offers covering one territory, on a grid of CELL_DEGREES cells.

    Each place carries its offer and the offer's stages (as indexes 0…6), so one pass over the places near a
    commune answers every stage at once.
    """

    def __init__(self):
        self.points: list[tuple] = []  # (latitude rad, longitude rad, cos latitude, offer id, stage indexes)
        self.cells: dict[tuple[int, int], list[tuple]] = defaultdict(list)

    @property
    def is_small(self) -> bool:
        return len(self.points) < BRUTE_FORCE_BELOW

    def add(self, lat: float, lon: float, offer_id: int, stages: tuple[int, ...] = (0,)) -> None:
        phi = math.radians(lat)
        point = (phi, math.radians(lon), math.cos(phi), offer_id, stages)
        self.points.append(point)
        self.cells[(math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES))].append(point)

    def within(self, here, box: tuple[int, int, int, int], within: list[set], best: list[float]) -> None:
        """Add to `within[k]` the offers of stage k with a place within the radius; lower `best[k]` to the « a » of
        the nearest place of stage k seen.

        `here` is `_here(lat, lon, radius_km)`, `box` is `cell_box(lat, lon, radius_km)`: the cells holding every
        place within the radius. A small index is scanned whole, so its nearest is exact; a larger one's nearest
        for stage k is exact only when something of stage k lies within the radius (else ask `nearest`).
        """
        if self.is_small:
            _scan(self.points, here, within, best)
            return
        cells = self.cells
        i_min, i_max, j_min, j_max = box
        for i in range(i_min, i_max + 1):
            for j in range(j_min, j_max + 1):
                points = cells.get((i, j))
                if points:
                    _scan(points, here, within, best)

    def nearest(self, here, stages: set[int], best: list[float]) -> None:
        """Lower `best[k]` for each stage k of `stages` to the « a » of its nearest place, ring of cells by ring."""
        lat = math.degrees(here[0])
        i0, j0 = math.floor(lat / CELL_DEGREES), math.floor(math.degrees(here[1]) / CELL_DEGREES)
        cell_km = math.radians(CELL_DEGREES) * EARTH_RADIUS_KM
        ignored = [set() for _ in best]  # `within` is not wanted here
        for ring in range(MAX_RINGS + 1):
            # Every place of this ring lies at least (ring - 1) cells away, in latitude or in (shrunk) longitude.
            shrink = math.cos(math.radians(min(89.0, abs(lat) + (ring + 1) * CELL_DEGREES)))
            floor = _a(max(0, ring - 1) * cell_km * shrink)
            if all(best[k] < NOTHING and floor > best[k] for k in stages):
                return
            for i, j in _ring(i0, j0, ring):
                points = self.cells.get((i, j))
                if points:
                    _scan(points, here, ignored, best)
        _scan(self.points, here, ignored, best)  # far from everything: scan it all once


def _here(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    phi = math.radians(lat)
    return (phi, math.radians(lon), math.cos(phi), _a(radius_km))


def cell_box(lat: float, lon: float, radius_km: float) -> tuple[int, int, int, int]:
    """(first row, last row, first column, last column) of the grid cells covering the circle's bounding box."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_km)
    return (
        math.floor(min_lat / CELL_DEGREES),
        math.floor(max_lat / CELL_DEGREES),
        math.floor(min_lon / CELL_DEGREES),
        math.floor(max_lon / CELL_DEGREES),
    )


def _ring(i0: int, j0: int, ring: int):
    if ring == 0:
        yield i0, j0
        return
    for j in range(j0 - ring, j0 + ring + 1):
        yield i0 - ring, j
        yield i0 + ring, j
    for i in range(i0 - ring + 1, i0 + ring):
        yield i, j0 - ring
        yield i, j0 + ring


def _scan(points, here, within: list[set], best: list[float]) -> None:
    phi1, lam1, cos1, a_radius = here
    sin = math.sin
    for phi2, lam2, cos2, offer_id, stages in points:
        a = sin((phi2 - phi1) * 0.5) ** 2 + cos1 * cos2 * sin((lam2 - lam1) * 0.5) ** 2
        if a <= a_radius:
            for k in stages:
                within[k].add(offer_id)
        for k in stages:
            if a < best[k]:
                best[k] = a


# --- Computation -----------------------------------------------------------------------------------------


@dataclass
class ComputeReport:
    communes: int = 0
    rows: int = 0
    radius_km: float = 0.0
    seconds: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)


def _scope_communes(region: Territory | None):
    communes = Territory.objects.communes().filter(is_active=True)
    return communes.filter(region=region) if region is not None else communes


def compute_white_zones(
    *, region: Territory | None = None, radius_km: float | None = None, progress: Progress = _no_progress
) -> ComputeReport:
    """Rewrite `CommuneReach` for every commune of France (or of one région) and every stage."""
    started = timezone.now()
    radius = proximity_radius_km() if radius_km is None else float(radius_km)
    stages = list(Stage.objects.order_by("position").values_list("pk", flat=True))
    communes = list(_scope_communes(region).values_list("pk", "latitude", "longitude").order_by("pk"))
    commune_ids = [pk for pk, _lat, _lon in communes]
    progress("Lecture de l'annuaire", 0, 1)
    ancestors = defaultdict(list)
    links = TerritoryLink.objects.filter(descendant__kind=TerritoryKind.COMMUNE, descendant__is_active=True)
    if region is not None:
        links = links.filter(descendant__region=region)
    for descendant, ancestor in links.values_list("descendant_id", "ancestor_id"):
        ancestors[descendant].append(ancestor)
    covered, groups = _offer_groups(region, stages)
    progress("Lecture de l'annuaire", 1, 1)
    rows = []
    by_status = defaultdict(int)
    for done, (commune_id, lat, lon) in enumerate(communes, start=1):
        mine = ancestors[commune_id]
        within, best = [set() for _ in stages], [NOTHING] * len(stages)
        if lat is not None and lon is not None:
            box, here = cell_box(lat, lon, radius), _here(lat, lon, radius)
            large = []
            for territory_id in mine:
                index = groups.get(territory_id)
                if index is not None:
                    index.within(here, box, within, best)
                    if not index.is_small:
                        large.append(index)
            missing = {k for k, found in enumerate(within) if not found}
            if missing and large:
                # Nothing of these stages within the radius: their nearest place may lie outside the boxes.
                for index in large:
                    index.nearest(here, missing, best)
        for k, stage_id in enumerate(stages):
            if within[k]:
                status = ReachStatus.IN_PERSON
            elif any((territory_id, stage_id) in covered for territory_id in mine):
                status = ReachStatus.REMOTE_ONLY
            else:
                status = ReachStatus.NONE
            by_status[status] += 1
            nearest = round(_km(best[k]), 3) if best[k] < NOTHING else None
            rows.append((commune_id, stage_id, status, len(within[k]), nearest))
        if done % 500 == 0 or done == len(communes):
            progress("Communes", done, len(communes))
    with transaction.atomic():
        stale = CommuneReach.objects.all()
        if region is not None:
            # `commune_id IN (the région's communes)`, not a join: the table was often just written in this very
            # transaction, and without fresh statistics PostgreSQL would plan a join of it with itself row by row.
            stale = stale.filter(commune_id__in=Territory.objects.filter(region=region).values("pk"))
        stale._raw_delete(stale.db)  # no signal nor cascade to honour: a plain DELETE … WHERE
        insert_many(
            CommuneReach._meta.db_table,
            ["commune_id", "stage_id", "status", "in_person", "nearest_km"],
            rows,
            progress,
            "Enregistrement",
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # fresh statistics for the summary's join that follows, and pages
                cursor.execute(f"ANALYZE {CommuneReach._meta.db_table}")
        _summarise(region, progress)
        # The observatory's offer figures, for all of France (offers covering France count in every territory).
        summarise_offers(now=started)
        WhiteZoneRun.objects.create(
            region=region, radius_km=radius, communes=len(commune_ids), started_at=started, finished_at=timezone.now()
        )
    return ComputeReport(
        communes=len(communes),
        rows=len(rows),
        radius_km=radius,
        seconds=(timezone.now() - started).total_seconds(),
        by_status=dict(by_status),
    )


def _summarise(region: Territory | None, progress: Progress) -> None:
    """Rewrite ReachSummary for every territory above the computed communes, from the stored communes' rows."""
    above = TerritoryLink.objects.filter(descendant__kind=TerritoryKind.COMMUNE).exclude(
        ancestor__kind=TerritoryKind.COMMUNE
    )
    if region is not None:
        above = above.filter(descendant__region=region)
    affected = above.values("ancestor_id").distinct()
    stale = ReachSummary.objects.filter(territory_id__in=affected)
    stale._raw_delete(stale.db)
    sums = (
        CommuneReach.objects.filter(commune__ancestor_links__ancestor__in=affected)
        .values_list("commune__ancestor_links__ancestor", "stage", "status")
        .annotate(population=Sum("commune__population"), communes=Count("pk"))
        .order_by()
    )
    rows = [(territory, stage, status, population or 0, count) for territory, stage, status, population, count in sums]
    insert_many(
        ReachSummary._meta.db_table,
        ["territory_id", "stage_id", "status", "population", "communes"],
        rows,
        progress,
        "Agrégats",
    )


def _offer_groups(region: Territory | None, stage_ids: list[int]) -> tuple[set[tuple[int, int]], dict[int, PlaceIndex]]:
    """({(territory id, stage id) covered by a public offer}, {territory id: présentiel places of its offers}).

    Five queries whatever the size of the directory; for a région, only the offers covering one of its communes'
    ancestors (subqueries, never lists of ids: SQLite bounds their length).
    """
    # A call for projects closed today covers nobody (the directory's rule of a current offer).
    current = Offer.objects.published().current(timezone.localdate())
    coverage_rows = Offer.coverage.through.objects.filter(offer__in=current)
    if region is not None:
        coverage_rows = coverage_rows.filter(
            territory_id__in=TerritoryLink.objects.filter(
                descendant__kind=TerritoryKind.COMMUNE, descendant__region=region
            ).values("ancestor_id")
        )
    coverage = defaultdict(list)
    for offer_id, territory_id in coverage_rows.values_list("offer_id", "territory_id"):
        coverage[offer_id].append(territory_id)
    public = current.filter(pk__in=coverage_rows.values("offer_id"))
    offers = {
        pk: (structure_id, presentiel)
        for pk, structure_id, presentiel in public.values_list("pk", "structure_id", Mode.IN_PERSON.field_name)
    }
    stages = defaultdict(list)
    for offer_id, stage_id in Offer.stages.through.objects.filter(offer__in=public.values("pk")).values_list(
        "offer_id", "stage_id"
    ):
        stages[offer_id].append(stage_id)
    located = Structure.objects.filter(latitude__isnull=False, longitude__isnull=False)
    own_place = {
        pk: (lat, lon)
        for pk, lat, lon in located.filter(pk__in=public.values("structure_id")).values_list(
            "pk", "latitude", "longitude"
        )
    }
    permanences = defaultdict(list)  # host id -> [(offer id or None, lat, lon)]
    for host_id, offer_id, lat, lon in Permanence.objects.filter(
        place__in=located.filter(status=PublicationStatus.PUBLISHED)
    ).values_list("host_id", "offer_id", "place__latitude", "place__longitude"):
        permanences[host_id].append((offer_id, lat, lon))
    position = {stage_id: k for k, stage_id in enumerate(stage_ids)}
    covered, groups = set(), {}
    for offer_id, (structure_id, presentiel) in offers.items():
        places = []
        if presentiel:
            if structure_id in own_place:
                places.append(own_place[structure_id])
            places += [(lat, lon) for for_offer, lat, lon in permanences[structure_id] if for_offer in (None, offer_id)]
        indexes = tuple(position[stage_id] for stage_id in stages[offer_id] if stage_id in position)
        for territory_id in coverage[offer_id]:
            for stage_id in stages[offer_id]:
                covered.add((territory_id, stage_id))
            if places and indexes:
                index = groups.setdefault(territory_id, PlaceIndex())
                for lat, lon in places:
                    index.add(lat, lon, offer_id, indexes)
    return covered, groups


# --- Reading what is stored ------------------------------------------------------------------------------


@dataclass
class Cell:
    """One territory × stage: inhabitants and communes by status."""

    territory: Territory
    stage: Stage
    population: dict[str, int] = field(default_factory=dict)
    communes: dict[str, int] = field(default_factory=dict)

    @property
    def total_population(self) -> int:
        return sum(self.population.values())

    @property
    def population_without(self) -> int:
        """Inhabitants with no in-person support within the radius (remote only, or nothing at all)."""
        return self.population.get(ReachStatus.REMOTE_ONLY, 0) + self.population.get(ReachStatus.NONE, 0)

    @property
    def communes_without(self) -> int:
        return self.communes.get(ReachStatus.REMOTE_ONLY, 0) + self.communes.get(ReachStatus.NONE, 0)

    @property
    def share_without(self) -> float:
        total = self.total_population
        return self.population_without / total if total else 0.0

    @property
    def level(self) -> int:
        """0 … 4, the class of the share without in-person support (the map's and the table's colours)."""
        return share_level(self.share_without) if self.total_population else 0

    @property
    def is_gap(self) -> bool:
        return self.population_without > 0


# Upper bounds of the classes of « share of inhabitants without in-person support »: 0, up to 10 %, 25 %, 50 %, more.
LEVELS = (0.0, 0.10, 0.25, 0.50)


def share_level(share: float) -> int:
    if share <= 0:
        return 0
    return 1 + sum(share > bound for bound in LEVELS[1:])


@dataclass
class Summary:
    scope: Territory
    stages: list[Stage]
    rows: list[tuple[Territory, list[Cell]]]
    total: list[Cell]
    radius_km: float
    run: WhiteZoneRun | None

    @property
    def is_computed(self) -> bool:
        return self.run is not None


def territories_for(region: Territory, departement: Territory | None = None) -> list[Territory]:
    """The région's départements, or the EPCIs of one of its départements."""
    if departement is not None:
        return list(
            Territory.objects.filter(kind=TerritoryKind.EPCI, ancestor_links__ancestor=departement, is_active=True)
            .distinct()
            .order_by("name")
        )
    return list(Territory.objects.filter(kind=TerritoryKind.DEPARTEMENT, region=region).order_by("code"))


def _cells(territories: list[Territory], stages: list[Stage]) -> dict[int, dict[int, Cell]]:
    """{territory id: {stage id: Cell}} from the stored summaries (written with the communes' rows), one query."""
    cells = {t.pk: {s.pk: Cell(t, s) for s in stages} for t in territories}
    rows = ReachSummary.objects.filter(territory__in=[t.pk for t in territories]).values_list(
        "territory_id", "stage_id", "status", "population", "communes"
    )
    for territory_id, stage_id, status, population, count in rows:
        cell = cells[territory_id].get(stage_id)
        if cell is not None:
            cell.population[status] = population
            cell.communes[status] = count
    return cells


def last_run(region: Territory | None = None) -> WhiteZoneRun | None:
    """The latest computation that covered the région (its own, or one for all of France)."""
    runs = WhiteZoneRun.objects.filter(Q(region__isnull=True) | Q(region=region)) if region else WhiteZoneRun.objects
    return runs.order_by("-finished_at").first()


def reach_summary(region: Territory, departement: Territory | None = None) -> Summary:
    """The white zones of a région (by département) or of a département (by EPCI), from the stored reaches."""
    scope = departement or region
    territories = territories_for(region, departement)
    stages = list(Stage.objects.order_by("position"))
    cells = _cells([*territories, scope], stages)
    run = last_run(region)
    return Summary(
        scope=scope,
        stages=stages,
        rows=[(t, [cells[t.pk][s.pk] for s in stages]) for t in territories],
        total=[cells[scope.pk][s.pk] for s in stages],
        radius_km=run.radius_km if run else proximity_radius_km(),
        run=run,
    )


def territory_report(territory: Territory, stage: Stage) -> dict:
    """What is stored for the communes of a territory and a stage: the JSON of `manage.py white_zones`."""
    reaches = (
        CommuneReach.objects.filter(stage=stage, commune__ancestor_links__ancestor=territory)
        .select_related("commune")
        .order_by("commune__code")
    )
    population = {status.value: 0 for status in ReachStatus}
    communes = []
    for reach in reaches:
        population[reach.status] += reach.commune.population
        communes.append(
            {
                "code": reach.commune.key,
                "name": reach.commune.name,
                "population": reach.commune.population,
                "status": reach.status,
                "nearest_km": None if reach.nearest_km is None else round(reach.nearest_km, 1),
            }
        )
    run = last_run(territory if territory.kind == TerritoryKind.REGION else territory.region)
    return {
        "territory": territory.key,
        "stage": stage.slug,
        "radius_km": _number(run.radius_km if run else proximity_radius_km()),
        "population": population,
        "communes": communes,
    }


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


# --- Refreshing ------------------------------------------------------------------------------------------


def _lock_key(region_key: str) -> str:
    return f"white-zones-refresh:{region_key}"


def request_white_zones_refresh(region_keys: Iterable[str] = ()) -> list[str]:
    """Queue a recomputation of these régions (all of France without any), at most once per debounce delay.

    Called after imports and approvals; the task runs WHITE_ZONES_REFRESH_DELAY seconds later, so a burst of
    approvals costs one computation. Returns the keys actually queued. None as the delay turns it off.
    """
    delay = settings.WHITE_ZONES_REFRESH_DELAY
    if delay is None:
        return []
    queued = []
    for key in sorted(set(region_keys)) or ["FR"]:
        if cache.add(_lock_key(key), timezone.now().isoformat(), timeout=int(delay) + 60):
            queued.append(key)
            transaction.on_commit(lambda key=key: _enqueue(key, delay))
    return queued


def release_refresh_lock(region_key: str | None) -> None:
    """Called by the task as it starts: changes made while it runs queue the next computation."""
    cache.delete(_lock_key(region_key or "FR"))


def _enqueue(region_key: str, delay: float) -> None:
    args = (None if region_key == "FR" else region_key,)
    try:
        if current_app.conf.task_always_eager:
            signature(COMPUTE_TASK, args=args).apply_async()
        else:
            signature(COMPUTE_TASK, args=args).apply_async(countdown=delay, retry=False)
    except Exception as error:  # noqa: BLE001 - the nightly run will catch up
        release_refresh_lock(region_key)
        logger.warning("broker unavailable (%s): white zones of %s not queued", type(error).__name__, region_key)
