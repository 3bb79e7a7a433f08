"""« Près de chez vous » for many offers at once, fast: the structures that can receive people near a commune first.

`Offer.objects.reachable_from(commune, radius)` is the rule (directory/models/structure.py). Run over the whole
directory, PostgreSQL starts from every offer covering the commune (thousands for a région-wide directory) and tests
each; its estimated cost then also crosses the JIT thresholds. Only offers of structures that have a place within
the radius can pass, and those structures are few and found through the spatial index: `reachable_offers()` reads
their ids first (one query), then applies the rule to their offers only.
"""

from django.db.models import Q

from directory.models import Permanence, PublicationStatus, Structure


def structures_receiving_near(commune, radius_km: float) -> list[int]:
    """Ids of the structures with a place within `radius_km` of the commune's point: their own address, or a
    published third place where they hold a permanence. One query; [] for a commune without a point."""
    point = commune.point
    if point is None:
        return []
    near = Structure.objects.near(*point, radius_km).values("pk")
    hosts = Permanence.objects.filter(place__in=near, place__status=PublicationStatus.PUBLISHED).values("host_id")
    return list(Structure.objects.filter(Q(pk__in=near) | Q(pk__in=hosts)).values_list("pk", flat=True))


def reachable_offers(queryset, commune, radius_km: float):
    """`queryset.reachable_from(commune, radius_km)`, read from the offers of the structures receiving near only."""
    return queryset.filter(structure_id__in=structures_receiving_near(commune, radius_km)).reachable_from(
        commune, radius_km
    )
