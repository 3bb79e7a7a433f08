"""Reads of the chain of support: which offers a territory has at each stage, through directory's QuerySet API."""

from dataclasses import dataclass, field

from django.db.models import BooleanField, Exists, OuterRef, Value

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
    published = Offer.objects.published()
    if territory.kind == TerritoryKind.COMMUNE:
        offers = published.covering(territory).annotate(covers_all=Value(True, output_field=BooleanField()))
    else:
        covering = Offer.objects.covering(territory).filter(pk=OuterRef("pk"))
        offers = published.within(territory).annotate(covers_all=Exists(covering))
    return offers


def support_chain(territory: Territory, *, limit: int = GROUP_LIMIT) -> list[StageStep]:
    """The stages in order, each with its offers grouped by support level then by offer type (bounded queries)."""
    stages = list(Stage.objects.order_by("position"))
    offers = (
        chain_offers(territory)
        .select_related("structure")
        .prefetch_related("stages")
        .only(
            "id",
            "title",
            "offer_type",
            "support_level",
            "fee",
            "closes_on",
            "structure__id",
            "structure__name",
            "structure__role_third_place",
        )
        .order_by("structure__name", "title", "pk")
    )
    type_labels = dict(OfferType.choices)
    # stage id -> level -> type -> OfferGroup
    grid = {stage.pk: {} for stage in stages}
    for offer in offers:
        for stage in offer.stages.all():
            by_level = grid.setdefault(stage.pk, {})
            by_type = by_level.setdefault(offer.support_level, {})
            group = by_type.get(offer.offer_type)
            if group is None:
                group = by_type[offer.offer_type] = OfferGroup(
                    offer.offer_type, type_labels.get(offer.offer_type, offer.offer_type)
                )
            group.total += 1
            if len(group.offers) < limit:
                group.offers.append(offer)
    type_order = {value: index for index, value in enumerate(OfferType.values)}
    steps = []
    for stage in stages:
        step = StageStep(stage=stage)
        for level in SupportLevel:
            by_type = grid[stage.pk].get(level.value)
            if not by_type:
                continue
            types = sorted(by_type.values(), key=lambda group: type_order.get(group.offer_type, 99))
            step.levels.append(LevelGroup(level=level.value, label=level.label, types=types))
            step.total += sum(group.total for group in types)
        steps.append(step)
    return steps
