"""Reads of the chain of support: what a territory has at each stage, and where it is, through directory's QuerySets.

A commune's chain splits each stage into « Près de chez vous » (offers reachable in person: présentiel, covering
the commune, a place within `PROXIMITY_RADIUS_KM` of its point; `Offer.objects.reachable_from`) and « À distance
ou en ligne » (everything else covering it). A stage with nothing reachable in person is a gap: the page says so,
names the CRESS of the région and the nearest in-person offer beyond the radius.

An EPCI or a département has no single point: its chain lists what covers all of it or a part of it, flagged.

Whatever the size of the directory the page reads a fixed number of queries, each with one EXISTS on the coverage
table over literal territory ids (no nested EXISTS, so PostgreSQL plans them cheaply without JIT):
- `grouped_rows`: per stage and per level the first `limit` offers, and per offer type its count, by windows over
  one scan (the full lists are behind « voir tout », the directory search with the same filters);
- for a commune, the offers reachable in person (few: the radius bounds them; their ids first, through the
  spatial index, then the nearest place of those only) and, for the gap stages only, the nearest in-person offer
  beyond the radius, looked for in widening rings (2R, 4R, up to MAX_RADIUS_KM) rather than by measuring every
  in-person offer of the country.
"""

import copy
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import BooleanField, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, Window
from django.db.models.functions import Coalesce, RowNumber

from directory.geo import MAX_RADIUS_KM
from directory.models import (
    Offer,
    OfferType,
    Permanence,
    PublicationStatus,
    Structure,
    Territory,
    TerritoryKind,
    TerritoryLink,
)
from directory.proximity import reachable_offers
from support_chain.models import Stage, SupportLevel

# Offers shown per (stage, level) group; the rest is a link to the directory search with the same filters.
GROUP_LIMIT = 6
# Offers shown « près de chez vous » per stage, nearest first.
NEAR_LIMIT = 5
# The slug of the CRESS network (fixtures/vocabularies.json): the contact of a région's gaps.
CRESS_NETWORK = "cress"
OFFER_COLUMNS = ("id", "title", "offer_type", "support_level", "fee", "closes_on", "structure__id", "structure__name")


@dataclass
class TypeCount:
    offer_type: str
    label: str
    count: int


@dataclass
class LevelGroup:
    level: int
    label: str
    offers: list = field(default_factory=list)
    types: list = field(default_factory=list)  # TypeCount, in OfferType order
    total: int = 0

    @property
    def hidden_count(self) -> int:
        return self.total - len(self.offers)


@dataclass
class StageStep:
    stage: Stage
    levels: list = field(default_factory=list)  # « à distance » for a commune, everything for an EPCI, a département
    near: list = field(default_factory=list)  # a commune's offers reachable in person, nearest first
    near_total: int = 0
    nearest_beyond: object = None  # a commune's nearest in-person offer beyond the radius, for a gap
    proximity: bool = False  # True for a commune: « près de chez vous » applies

    @property
    def remote_total(self) -> int:
        return sum(level.total for level in self.levels)

    @property
    def total(self) -> int:
        return self.near_total + self.remote_total

    @property
    def is_gap(self) -> bool:
        """Nothing reachable in person (a commune), or nothing at all (an EPCI, a département)."""
        return self.near_total == 0 if self.proximity else self.total == 0

    @property
    def is_empty(self) -> bool:
        return self.total == 0


@dataclass
class RegionStatus:
    """Whether the région's directory is filled in yet, and who to contact there."""

    region: Territory | None
    curated: bool
    structure_count: int
    cress: Structure | None = None


@dataclass
class Chain:
    territory: Territory
    steps: list
    region: RegionStatus
    radius_km: float | None = None

    @property
    def gap_count(self) -> int:
        return sum(1 for step in self.steps if step.is_gap)


def territory_scope(territory: Territory) -> tuple[list[int], list[int]]:
    """(ids of the territory and everything containing it, ids of everything inside it): one query."""
    links = TerritoryLink.objects.filter(Q(descendant=territory) | Q(ancestor=territory)).values_list(
        "ancestor_id", "descendant_id"
    )
    ancestors, descendants = {territory.pk}, set()
    for ancestor_id, descendant_id in links:
        if descendant_id == territory.pk:
            ancestors.add(ancestor_id)
        else:
            descendants.add(descendant_id)
    return sorted(ancestors), sorted(descendants - ancestors)


def _covering_ids(ids):
    """One EXISTS on the coverage table: the offer covers one of these territory ids."""
    return Exists(Offer.coverage.through.objects.filter(offer_id=OuterRef("pk"), territory_id__in=ids))


def chain_offers(territory: Territory, scope=None):
    """Published, current offers available in the territory, with `covers_all` telling whether they cover all of it.

    For a commune: the offers covering it (the commune, its EPCI, département, région, France, or a zone holding
    it). For an EPCI or a département, a holder anywhere inside it should also see what is offered to a part of
    it (a commune, an EPCI inside the département): those are flagged `covers_all=False` so the page can say « sur
    une partie du territoire ». A closed call for projects is never listed (`Offer.objects.current`).
    """
    ancestors, descendants = scope or territory_scope(territory)
    offers = Offer.objects.published().current()
    if territory.kind == TerritoryKind.COMMUNE or not descendants:
        return offers.filter(_covering_ids(ancestors)).annotate(covers_all=Value(True, output_field=BooleanField()))
    return offers.filter(_covering_ids(ancestors + descendants)).annotate(covers_all=_covering_ids(ancestors))


def grouped_rows(offers, *, limit: int) -> list:
    """The first `limit` offers of each (stage, level), and the first of each (stage, level, type): one query.

    Each row carries its `stage_id`, its `rank` in its (stage, level), and `type_total`, the number of offers of its
    (stage, level, type): so the counts of every type come with the rows, whatever the limit cuts.
    """
    level_group = [F("stages"), F("support_level")]
    type_group = [*level_group, F("offer_type")]
    order = [F("structure__name"), F("title"), F("pk")]
    return list(
        offers.select_related("structure")
        .only(*OFFER_COLUMNS)
        .annotate(
            stage_id=F("stages"),
            rank=Window(RowNumber(), partition_by=level_group, order_by=order),
            type_rank=Window(RowNumber(), partition_by=type_group, order_by=order),
            type_total=Window(Count("pk"), partition_by=type_group),
        )
        .filter(Q(rank__lte=limit) | Q(type_rank=1))
        .order_by("stage_id", "support_level", "rank")
    )


def support_chain(territory: Territory, *, limit: int = GROUP_LIMIT, exclude_ids=(), scope=None) -> list[StageStep]:
    """The stages in order, each with its offers by support level: the first `limit` of each level and the counts.

    `exclude_ids`: offers listed elsewhere on the page (a commune's « près de chez vous »).
    """
    stages = list(Stage.objects.order_by("position"))
    offers = chain_offers(territory, scope)
    if exclude_ids:
        offers = offers.exclude(pk__in=list(exclude_ids))
    counts, shown = {}, defaultdict(list)
    for offer in grouped_rows(offers, limit=limit):
        counts[(offer.stage_id, offer.support_level, offer.offer_type)] = offer.type_total
        if offer.rank <= limit:
            shown[(offer.stage_id, offer.support_level)].append(offer)
    type_labels = dict(OfferType.choices)
    steps = []
    for stage in stages:
        step = StageStep(stage=stage)
        for level in SupportLevel:
            types = [
                TypeCount(offer_type, type_labels[offer_type], counts[(stage.pk, level.value, offer_type)])
                for offer_type in OfferType.values
                if counts.get((stage.pk, level.value, offer_type))
            ]
            if not types:
                continue
            step.levels.append(
                LevelGroup(
                    level=level.value,
                    label=level.label,
                    offers=shown[(stage.pk, level.value)],
                    types=types,
                    total=sum(type_count.count for type_count in types),
                )
            )
        steps.append(step)
    return steps


# --- proximity: a commune's « près de chez vous » --------------------------------------------------------------


def proximity_radius() -> float:
    return float(settings.PROXIMITY_RADIUS_KM)


def _located_rows(commune: Territory, pairs) -> list:
    """The offers of (offer id, stage id) pairs, each annotated with its nearest place from the commune's point
    (`distance_km`, `nearest_place_name`, `permanence`) and its `stage_id`: one query, two for permanences."""
    ids = {offer_id for offer_id, _stage_id in pairs}
    if not ids:
        return []
    located = {
        offer.pk: offer
        for offer in Offer.objects.filter(pk__in=ids)
        .select_related("structure")
        .only(*OFFER_COLUMNS)
        .with_nearest_place(*commune.point)
    }
    _attach_permanences(list(located.values()))
    rows = []
    for offer_id, stage_id in sorted(pairs):
        offer = copy.copy(located[offer_id])
        offer.stage_id = stage_id
        rows.append(offer)
    return rows


def _attach_permanences(offers) -> None:
    """Give each offer met at a permanence its `permanence` (schedule, place): one query for all."""
    ids = {offer.nearest_permanence_id for offer in offers if getattr(offer, "nearest_permanence_id", None)}
    permanences = Permanence.objects.select_related("place__commune").in_bulk(ids) if ids else {}
    for offer in offers:
        offer.permanence = permanences.get(getattr(offer, "nearest_permanence_id", None))


def _reachable_pairs(commune: Territory, radius: float, stage_ids=None) -> set[tuple[int, int]]:
    """(offer id, stage id) of the public, current offers reachable in person within `radius`: ids only, so the
    query is the spatial index's bounding box and one EXISTS, without measuring anything."""
    reachable = reachable_offers(Offer.objects.published().current(), commune, radius).order_by()
    if stage_ids is not None:
        reachable = reachable.filter(stages__in=stage_ids)
    return set(reachable.values_list("pk", "stages"))


def near_by_stage(commune: Territory, radius: float) -> dict[int, list]:
    """{stage id: offers reachable in person from the commune, nearest first}, each offer annotated with
    `distance_km`, `nearest_place_name` and `permanence` (or None at the structure's own address)."""
    if commune.point is None:
        return {}
    by_stage = defaultdict(list)
    for offer in _located_rows(commune, _reachable_pairs(commune, radius)):
        by_stage[offer.stage_id].append(offer)
    for offers in by_stage.values():
        offers.sort(key=lambda offer: (offer.distance_km, offer.title, offer.pk))
    return by_stage


def nearest_beyond(commune: Territory, stage_ids: list[int], radius: float) -> dict[int, object]:
    """{stage id: the nearest in-person offer covering the commune at that stage}, for the gap stages given.

    Looked for in widening rings (2R, 4R, … up to MAX_RADIUS_KM), each through the spatial index; a stage with
    nothing in person within MAX_RADIUS_KM has no nearest offer to show.
    """
    if not stage_ids or commune.point is None:
        return {}
    found, wanted, ring = {}, set(stage_ids), radius
    while wanted and ring < MAX_RADIUS_KM:
        ring = min(ring * 2, MAX_RADIUS_KM)
        for offer in _located_rows(commune, _reachable_pairs(commune, ring, wanted)):
            best = found.get(offer.stage_id)
            if best is None or (offer.distance_km, offer.title, offer.pk) < (best.distance_km, best.title, best.pk):
                found[offer.stage_id] = offer
        wanted -= set(found)
    return found


def region_status(territory: Territory) -> RegionStatus:
    """Whether the territory's région has a directory yet: a curator and `REGION_MIN_STRUCTURES` published structures.

    Read from directory's side (curators are the reverse relation of accounts' Curator.regions), so this page
    does not import accounts. One query, and one more for the CRESS of the région.
    """
    region_id = territory.pk if territory.kind == TerritoryKind.REGION else territory.region_id
    if region_id is None:
        return RegionStatus(region=None, curated=True, structure_count=0)
    published = Structure.objects.filter(region=OuterRef("pk"), status=PublicationStatus.PUBLISHED)
    region = (
        Territory.objects.filter(pk=region_id)
        .annotate(
            has_curator=Exists(Territory.objects.filter(pk=OuterRef("pk"), curators__isnull=False)),
            structure_count=_count(published),
        )
        .get()
    )
    minimum = settings.REGION_MIN_STRUCTURES
    cress = (
        Structure.objects.published()
        .filter(region_id=region_id, network__slug=CRESS_NETWORK)
        .order_by("name", "pk")
        .first()
    )
    return RegionStatus(
        region=region,
        curated=region.has_curator and region.structure_count >= minimum,
        structure_count=region.structure_count,
        cress=cress,
    )


def _count(queryset):
    counted = queryset.order_by().values("region").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def chain(territory: Territory, *, limit: int = GROUP_LIMIT, near_limit: int = NEAR_LIMIT) -> Chain:
    """The whole chain page of a territory: its steps, and for a commune where help is in person."""
    scope = territory_scope(territory)
    status = region_status(territory)
    if territory.kind != TerritoryKind.COMMUNE:
        return Chain(territory, support_chain(territory, limit=limit, scope=scope), status)
    radius = proximity_radius()
    near = near_by_stage(territory, radius)
    near_ids = {offer.pk for offers in near.values() for offer in offers}
    steps = support_chain(territory, limit=limit, exclude_ids=near_ids, scope=scope)
    for step in steps:
        step.proximity = True
        offers = near.get(step.stage.pk, [])
        step.near, step.near_total = offers[:near_limit], len(offers)
    beyond = nearest_beyond(territory, [step.stage.pk for step in steps if step.is_gap], radius)
    for step in steps:
        step.nearest_beyond = beyond.get(step.stage.pk)
    return Chain(territory, steps, status, radius_km=radius)
