"""Reads of the chain of support: which offers a territory has at each stage, through directory's QuerySet API."""

from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, Exists, F, OuterRef, Value, Window
from django.db.models.functions import RowNumber

from directory.models import Offer, OfferType, Territory, TerritoryKind
from support_chain.models import Stage, SupportLevel

# Offers shown per (stage, level, type) group; the rest is a link to the directory search with the same filters.
GROUP_LIMIT = 6


@dataclass
class OfferGroup:
    offer_type: str
    label: str
    offers: list = field(default_factory=list)
    total: int = 0

    @property
    def hidden_count(self) -> int:
        return self.total - len(self.offers)


@dataclass
class LevelGroup:
    level: int
    label: str
    types: list = field(default_factory=list)


@dataclass
class StageStep:
    stage: Stage
    levels: list = field(default_factory=list)
    total: int = 0

    @property
    def is_gap(self) -> bool:
        return self.total == 0


def chain_offers(territory: Territory):
    """Published offers available in the territory, with `covers_all` telling whether they cover all of it.

    For a commune: the offers covering it (the commune, its EPCI, département, région, France, or a zone holding
    it). For an EPCI or a département, a holder anywhere inside it should also see what is offered to a part of
    it (a commune, an EPCI inside the département): those come from `within()` and are flagged `covers_all=False`
    so the page can say « sur une partie du territoire ».
    """
    published = Offer.objects.published().current()
    if territory.kind == TerritoryKind.COMMUNE:
        offers = published.covering(territory).annotate(covers_all=Value(True, output_field=BooleanField()))
    else:
        covering = Offer.objects.covering(territory).filter(pk=OuterRef("pk"))
        offers = published.within(territory).annotate(covers_all=Exists(covering))
    return offers


def support_chain(territory: Territory, *, limit: int = GROUP_LIMIT) -> list[StageStep]:
    """The stages in order, each with its offers grouped by support level then by offer type.

    A territory can have thousands of offers (everything national or regional covers it), so the database keeps
    only the first `limit` offers of each (stage, level, type) group and counts the rest: one query whatever the
    size of the directory.
    """
    stages = list(Stage.objects.order_by("position"))
    group = [F("stages"), F("support_level"), F("offer_type")]
    rows = (
        chain_offers(territory)
        .select_related("structure")
        .only("id", "title", "offer_type", "support_level", "fee", "closes_on", "structure__id", "structure__name")
        .annotate(
            stage_id=F("stages"),
            rank=Window(RowNumber(), partition_by=group, order_by=[F("structure__name"), F("title"), F("pk")]),
            group_total=Window(Count("pk"), partition_by=group),
        )
        .filter(rank__lte=limit)
        .order_by("stage_id", "support_level", "offer_type", "rank")
    )
    type_labels = dict(OfferType.choices)
    # stage id -> level -> type -> OfferGroup
    grid = {stage.pk: {} for stage in stages}
    for offer in rows:
        by_type = grid.setdefault(offer.stage_id, {}).setdefault(offer.support_level, {})
        offer_group = by_type.get(offer.offer_type)
        if offer_group is None:
            offer_group = by_type[offer.offer_type] = OfferGroup(
                offer.offer_type, type_labels.get(offer.offer_type, offer.offer_type), total=offer.group_total
            )
        offer_group.offers.append(offer)
    type_order = {value: index for index, value in enumerate(OfferType.values)}
    steps = []
    for stage in stages:
        step = StageStep(stage=stage)
        for level in SupportLevel:
            by_type = grid[stage.pk].get(level.value)
            if not by_type:
                continue
            types = sorted(by_type.values(), key=lambda offer_group: type_order.get(offer_group.offer_type, 99))
            step.levels.append(LevelGroup(level=level.value, label=level.label, types=types))
            step.total += sum(offer_group.total for offer_group in types)
        steps.append(step)
    return steps
