"""Record into the needs watch (directory/models/needs_watch.py) and read it back with small counts hidden.

`record()` is called by the directory's search (a search by territory finding nothing in person), by funding's
parcours (each « mon parcours » shown) and by the referrals (a line closed « pas d'aide », or declined). It keeps
codes and slugs only. « In person » is the directory's one rule, `Offer.objects.reachable_from(commune)`.
"""

import datetime
from collections.abc import Iterable

from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.models import DISCLOSURE_THRESHOLD, NeedsWatchCount, Offer, Territory, TerritoryKind


def _codes(commune: Territory) -> dict[str, str]:
    """The EPCI, département and région codes of a commune (its display parents): one query."""
    parents = [pk for pk in (commune.epci_id, commune.departement_id, commune.region_id) if pk]
    codes = dict(Territory.objects.filter(pk__in=parents).values_list("kind", "code"))
    return {
        "epci_code": codes.get(TerritoryKind.EPCI, ""),
        "departement_code": codes.get(TerritoryKind.DEPARTEMENT, ""),
        "region_code": codes.get(TerritoryKind.REGION, ""),
    }


def record(
    *,
    commune: Territory,
    signal: str,
    unmet: bool,
    stage: str = "",
    needs: Iterable[str] = (),
    legal_form: str = "",
    day: datetime.date | None = None,
) -> None:
    """Add one to the cell of each need expressed (one cell without need when none is given)."""
    if commune is None or commune.kind != TerritoryKind.COMMUNE:
        return
    month = (day or timezone.localdate()).replace(day=1)
    place = _codes(commune)
    for need in sorted(set(needs)) or [""]:
        cell = {"month": month, "stage": stage or "", "need": need, "legal_form": legal_form or "", "signal": signal}
        cell.update(epci_code=place["epci_code"], unmet=unmet)
        _increment(cell, place)


CELL = ("month", "epci_code", "stage", "need", "legal_form", "signal", "unmet")
COLUMNS = (*CELL, "departement_code", "region_code", "count")


def _increment(cell: dict, place: dict) -> None:
    """Add one to the cell in one statement (INSERT … ON CONFLICT DO UPDATE, on SQLite and PostgreSQL alike), so
    concurrent requests never lose a count and a page's query count does not depend on the cell existing."""
    table = connection.ops.quote_name(NeedsWatchCount._meta.db_table)
    values = {**place, **cell, "count": 1}
    sql = (
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
        f"ON CONFLICT ({', '.join(CELL)}) DO UPDATE SET count = {table}.count + 1"
    )
    params = [values[column] for column in COLUMNS]
    params[0] = connection.ops.adapt_datefield_value(params[0])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def nothing_in_person(offers, territory: Territory) -> bool:
    """True when none of these offers is reachable in person from the territory (a commune: the proximity rule;
    a wider territory: when there is no offer at all)."""
    if territory.kind == TerritoryKind.COMMUNE:
        return not offers.reachable_from(territory).exists()
    return not offers.exists()


def in_person_offers_exist(commune: Territory, stage) -> bool:
    return Offer.objects.published().for_stage(stage).reachable_from(commune).exists()


def shown(count: int) -> str:
    """A count as published: under DISCLOSURE_THRESHOLD, « moins de 5 »."""
    if 0 < count < DISCLOSURE_THRESHOLD:
        return _("moins de %(n)s") % {"n": DISCLOSURE_THRESHOLD}
    return str(count)


def totals(
    *,
    territory: Territory | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    by=("stage", "need"),
):
    """Counts expressed and unmet, grouped by `by`, within a territory (France, région, département, EPCI) and the
    months from `since` (included) to `until` (excluded)."""
    rows = NeedsWatchCount.objects.all()
    if territory is not None:
        field = {
            TerritoryKind.REGION: "region_code",
            TerritoryKind.DEPARTEMENT: "departement_code",
            TerritoryKind.EPCI: "epci_code",
        }.get(territory.kind)
        if field:
            rows = rows.filter(**{field: territory.code})
    if since is not None:
        rows = rows.filter(month__gte=since)
    if until is not None:
        rows = rows.filter(month__lt=until)
    grouped = {}
    for row in rows.values(*by, "unmet").annotate(total=Sum("count")).order_by(*by):
        key = tuple(row[name] for name in by)
        entry = grouped.setdefault(key, {"expressed": 0, "unmet": 0})
        entry["expressed"] += row["total"]
        if row["unmet"]:
            entry["unmet"] += row["total"]
    return [
        {
            **dict(zip(by, key, strict=True)),
            "expressed": values["expressed"],
            "unmet": values["unmet"],
            "expressed_shown": shown(values["expressed"]),
            "unmet_shown": shown(values["unmet"]),
        }
        for key, values in grouped.items()
    ]
