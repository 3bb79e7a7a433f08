"""White zones: for a région, which territories have no published offer for a stage of a project's life.

A territory is covered by an offer whose coverage holds the territory or one of its ancestors (the meaning
of `OfferQuerySet.covering`). Counts are computed in a fixed number of queries, whatever the matrix size.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from directory.models import Offer, OfferType, Territory, TerritoryKind, TerritoryLink
from support_chain.models import Stage


@dataclass
class Cell:
    territory: Territory
    stage: Stage
    by_type: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_type.values())

    @property
    def is_empty(self) -> bool:
        return self.total == 0

    @property
    def type_counts(self) -> list[tuple[str, int]]:
        return [(label, self.by_type.get(value, 0)) for value, label in OfferType.choices if self.by_type.get(value)]

    @property
    def search_url(self) -> str:
        """The directory search that proves the cell (empty or not)."""
        query = urlencode({"territory": self.territory.key, "stage": self.stage.slug})
        return f"{reverse('directory:search')}?{query}"


@dataclass
class Matrix:
    region: Territory
    stages: list[Stage]
    rows: list[tuple[Territory, list[Cell]]]

    @property
    def empty_cells(self) -> int:
        return sum(cell.is_empty for _territory, cells in self.rows for cell in cells)


def territories_for(region: Territory, departement: Territory | None = None) -> list[Territory]:
    """The région's départements, or the EPCIs of one of its départements."""
    if departement is not None:
        return list(
            Territory.objects.filter(kind=TerritoryKind.EPCI, ancestor_links__ancestor=departement, is_active=True)
            .distinct()
            .order_by("name")
        )
    return list(Territory.objects.filter(kind=TerritoryKind.DEPARTEMENT, region=region).order_by("code"))


def white_zone_matrix(region: Territory, departement: Territory | None = None) -> Matrix:
    territories = territories_for(region, departement)
    stages = list(Stage.objects.order_by("position"))
    ancestors = defaultdict(set)  # territory id -> ids of itself and its ancestors
    for descendant, ancestor in TerritoryLink.objects.filter(descendant__in=territories).values_list(
        "descendant_id", "ancestor_id"
    ):
        ancestors[descendant].add(ancestor)
    for territory in territories:
        ancestors[territory.pk].add(territory.pk)
    wanted = set().union(*ancestors.values()) if ancestors else set()
    # Offers by coverage territory: {territory id: {(offer id, stage id, type)}}, in one query.
    covering = defaultdict(set)
    rows = (
        Offer.objects.published()
        .filter(coverage__in=wanted)
        .values_list("pk", "coverage", "stages", "offer_type")
        .distinct()
    )
    for offer_id, territory_id, stage_id, offer_type in rows:
        if stage_id is not None:
            covering[territory_id].add((offer_id, stage_id, offer_type))
    matrix_rows = []
    for territory in territories:
        offers = set().union(*(covering[pk] for pk in ancestors[territory.pk]))
        counts = defaultdict(lambda: defaultdict(int))
        for _offer_id, stage_id, offer_type in offers:
            counts[stage_id][offer_type] += 1
        matrix_rows.append((territory, [Cell(territory, stage, dict(counts[stage.pk])) for stage in stages]))
    return Matrix(region, stages, matrix_rows)
