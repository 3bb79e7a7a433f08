"""Distances on the Earth, written once for Python, SQLite and PostgreSQL.

The proximity rule (an offer is reachable in person from a commune when one of its places lies within
`PROXIMITY_RADIUS_KM` of the commune's point, straight line) reads distances from here:

- `haversine_km`: the great-circle distance in Python (the white-zone engine, tests);
- `distance_km_expression`: the same formula as a database expression (SQLite has the math functions Django
  registers; PostgreSQL has them natively), so both databases give the same figures;
- `near_q`: « within R km of a point » as a filter: a bounding box first (on PostgreSQL the `earth_box` of the
  `cube` + `earthdistance` extensions, answered by the GiST index on `ll_to_earth(latitude, longitude)` that
  directory's migration creates; on SQLite plain latitude/longitude comparisons), then the exact haversine.
"""

import math

from django.conf import settings
from django.core.checks import Error, register
from django.db import connection
from django.db.models import BooleanField, Case, F, FloatField, Func, Q, Value, When
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt

EARTH_RADIUS_KM = 6371.0088
# earthdistance's sphere (earth() = 6,378,168 m) is larger than ours: its boxes are widened to stay supersets.
EARTHDISTANCE_RADIUS_KM = 6378.168
MAX_RADIUS_KM = 200


def proximity_radius_km() -> float:
    """The radius of « reachable in person » (settings.PROXIMITY_RADIUS_KM, a proxy for travel time)."""
    return float(settings.PROXIMITY_RADIUS_KM)


@register()
def check_proximity_radius(app_configs, **kwargs):
    """A radius ≤ 0 or above 200 km makes « près de chez vous » meaningless: refuse to start."""
    value = getattr(settings, "PROXIMITY_RADIUS_KM", None)
    try:
        radius = float(value)
    except (TypeError, ValueError):
        radius = None
    if radius is None or not (0 < radius <= MAX_RADIUS_KM):
        return [
            Error(
                f"PROXIMITY_RADIUS_KM vaut {value!r} : il doit être un nombre de kilomètres supérieur à 0 "
                f"et au plus égal à {MAX_RADIUS_KM}.",
                hint="Par défaut 30 km (distance à vol d'oiseau, approximation du temps de trajet).",
                id="directory.E001",
            )
        ]
    return []


def check_point(lat: float, lon: float) -> tuple[float, float]:
    lat, lon = float(lat), float(lon)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("coordinates out of range")
    return lat, lon


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a box holding every point within radius_km of (lat, lon)."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    cos_lat = math.cos(math.radians(min(89.9, abs(lat) + dlat)))
    dlon = min(180.0, math.degrees(radius_km / (EARTH_RADIUS_KM * cos_lat)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def distance_km_expression(lat_field: str, lon_field: str, lat: float, lon: float):
    """Great-circle (haversine) distance in km between two fields and a point, as a database expression.

    Plain math functions that SQLite (Django registers them) and PostgreSQL both have; None without coordinates.
    """
    lat, lon = check_point(lat, lon)
    point_lat = Radians(Value(lat, output_field=FloatField()))
    point_lon = Radians(Value(lon, output_field=FloatField()))
    half_dlat = (Radians(F(lat_field)) - point_lat) / 2
    half_dlon = (Radians(F(lon_field)) - point_lon) / 2
    a = Power(Sin(half_dlat), 2) + Cos(point_lat) * Cos(Radians(F(lat_field))) * Power(Sin(half_dlon), 2)
    # Rounding can push `a` a hair above 1 for antipodal points, where ASIN would fail. PostgreSQL's LEAST
    # ignores NULLs, so a row without coordinates is kept NULL explicitly.
    distance = Value(2 * EARTH_RADIUS_KM, output_field=FloatField()) * ASin(
        Least(Sqrt(a), Value(1.0, output_field=FloatField()))
    )
    no_point = Q(**{f"{lat_field}__isnull": True}) | Q(**{f"{lon_field}__isnull": True})
    return Case(
        When(no_point, then=Value(None, output_field=FloatField())), default=distance, output_field=FloatField()
    )


class InEarthBox(Func):
    """PostgreSQL: `earth_box(ll_to_earth(lat, lon), m) @> ll_to_earth(lat_field, lon_field)` (GiST-indexed)."""

    arg_joiner = ", "
    output_field = BooleanField()

    def __init__(self, lat_field, lon_field, lat, lon, meters):
        self.center = (float(lat), float(lon), float(meters))
        super().__init__(F(lat_field), F(lon_field))

    def as_sql(self, compiler, connection, **extra):
        lat, lon, meters = self.center
        template = f"earth_box(ll_to_earth({lat!r}, {lon!r}), {meters!r}) @> ll_to_earth(%(expressions)s)"
        return super().as_sql(compiler, connection, template=template, **extra)


def near_q(lat_field: str, lon_field: str, lat: float, lon: float, radius_km: float) -> Q:
    """Rows whose (lat_field, lon_field) lies within radius_km of (lat, lon); rows without coordinates never do."""
    lat, lon = check_point(lat, lon)
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_km)
    box = Q(
        **{
            f"{lat_field}__gte": min_lat,
            f"{lat_field}__lte": max_lat,
            f"{lon_field}__gte": min_lon,
            f"{lon_field}__lte": max_lon,
        }
    )
    if connection.vendor == "postgresql":
        meters = radius_km * 1000 * EARTHDISTANCE_RADIUS_KM / EARTH_RADIUS_KM * 1.001
        box = Q(InEarthBox(lat_field, lon_field, lat, lon, meters))
    return box & Q(DistanceAtMost(distance_km_expression(lat_field, lon_field, lat, lon), radius_km))


class DistanceAtMost(Func):
    """`distance <= radius` as a boolean expression (usable inside Q, with other filters)."""

    output_field = BooleanField()

    def __init__(self, distance, radius_km):
        super().__init__(distance, Value(float(radius_km), output_field=FloatField()))

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" <= ", **extra)
