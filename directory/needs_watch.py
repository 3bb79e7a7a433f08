"""Record into the needs watch (directory/models/needs_watch.py) and read it back with small counts hidden.

`record()` is called by the directory's search (a search by territory finding nothing in person), by funding's
parcours (each « mon parcours » shown) and by the referrals (a line closed « pas d'aide », or declined). It keeps
codes and slugs only. « In person » is the directory's one rule, `Offer.objects.reachable_from(commune)`.
"""

import datetime
from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.cache import cached
from directory.models import (
    DISCLOSURE_THRESHOLD,
    NeedsWatchCount,
    Offer,
    ReferralEvent,
    ReferralWatchCount,
    Territory,
    TerritoryKind,
)

WATCHED_PARENT = {TerritoryKind.EPCI: "epci", TerritoryKind.DEPARTEMENT: "departement", TerritoryKind.REGION: "region"}


def _codes(territory: Territory) -> dict[str, str]:
    """`_read_codes`, kept under the directory version (territories are part of it)."""
    return cached("watch-codes", territory.pk, lambda: _read_codes(territory))


def _read_codes(territory: Territory) -> dict[str, str]:
    """The EPCI, département and région codes of a cell: a commune's display parents; an EPCI's, département's or
    région's own code and, above it, the département and région most of its communes are in. One query."""
    if territory.kind == TerritoryKind.COMMUNE:
        parents = [pk for pk in (territory.epci_id, territory.departement_id, territory.region_id) if pk]
        codes = dict(Territory.objects.filter(pk__in=parents).values_list("kind", "code"))
        return {
            "epci_code": codes.get(TerritoryKind.EPCI, ""),
            "departement_code": codes.get(TerritoryKind.DEPARTEMENT, ""),
            "region_code": codes.get(TerritoryKind.REGION, ""),
        }
    field = WATCHED_PARENT[territory.kind]
    main = (
        Territory.objects.filter(kind=TerritoryKind.COMMUNE, **{field: territory})
        .values("departement__code", "region__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "departement__code")
        .first()
    ) or {}
    return {
        "epci_code": territory.code if territory.kind == TerritoryKind.EPCI else "",
        "departement_code": territory.code
        if territory.kind == TerritoryKind.DEPARTEMENT
        else ("" if territory.kind == TerritoryKind.REGION else main.get("departement__code") or ""),
        "region_code": territory.code if territory.kind == TerritoryKind.REGION else main.get("region__code") or "",
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
    """Add one to the cell of each need expressed (one cell without need when none is given).

    `commune` is where the need was expressed: a commune, or for a search by EPCI, département or région, that
    territory itself (counted once, in its own cell: never spread over its communes)."""
    if commune is None or (commune.kind != TerritoryKind.COMMUNE and commune.kind not in WATCHED_PARENT):
        return
    month = (day or timezone.localdate()).replace(day=1)
    place = _codes(commune)
    for need in sorted(set(needs)) or [""]:
        cell = {"month": month, "stage": stage or "", "need": need, "legal_form": legal_form or "", "signal": signal}
        cell.update(epci_code=place["epci_code"], unmet=unmet)
        _increment(cell, place)


CELL = ("month", "epci_code", "departement_code", "region_code", "stage", "need", "legal_form", "signal", "unmet")


def _increment(cell: dict, place: dict, model=NeedsWatchCount, cell_columns=CELL) -> None:
    """Add one to the cell in one statement (INSERT … ON CONFLICT DO UPDATE, on SQLite and PostgreSQL alike), so
    concurrent requests never lose a count and a page's query count does not depend on the cell existing."""
    table = connection.ops.quote_name(model._meta.db_table)
    values = {**place, **cell, "count": 1}
    columns = tuple(dict.fromkeys((*cell_columns, "departement_code", "region_code", "count")))
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(cell_columns)}) DO UPDATE SET count = {table}.count + 1"
    )
    params = [values[column] for column in columns]
    params[0] = connection.ops.adapt_datefield_value(params[0])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


REFERRAL_CELL = ("month", "epci_code", "event", "outcome", "answer_hours")


def record_referral(
    *, commune: Territory, event: str, outcome: str = "", answered_after=None, day: datetime.date | None = None
) -> None:
    """Add one referral line's event to the referral figures of the commune's EPCI (the observatory reads them):
    `answered_after`, a timedelta, for the first answer (kept in whole hours, for the median)."""
    if commune is None or commune.kind != TerritoryKind.COMMUNE or event not in ReferralEvent.values:
        return
    hours = max(0, int(answered_after.total_seconds() // 3600)) if answered_after is not None else 0
    place = _codes(commune)
    cell = {"month": (day or timezone.localdate()).replace(day=1), "epci_code": place["epci_code"], "event": event}
    cell.update(outcome=outcome or "", answer_hours=hours if event == ReferralEvent.ANSWERED else 0)
    _increment(cell, place, ReferralWatchCount, REFERRAL_CELL)


def _scoped(rows, territory: Territory | None, since, until):
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
    return rows


def referral_totals(*, territory: Territory | None = None, since=None, until=None) -> dict:
    """{"events": {event: n}, "outcomes": {outcome: n}, "median_hours": float | None} in one grouped query."""
    rows = _scoped(ReferralWatchCount.objects.all(), territory, since, until)
    events, outcomes, histogram = {}, {}, {}
    grouped = rows.values_list("event", "outcome", "answer_hours").annotate(n=Sum("count")).order_by()
    for event, outcome, hours, n in grouped:
        events[event] = events.get(event, 0) + n
        if event == ReferralEvent.CLOSED:
            outcomes[outcome] = outcomes.get(outcome, 0) + n
        if event == ReferralEvent.ANSWERED:
            histogram[hours] = histogram.get(hours, 0) + n
    return {"events": events, "outcomes": outcomes, "median_hours": _median(histogram)}


def _median(histogram: dict[int, int]) -> float | None:
    """The median of a histogram {value: count} (the mean of the two middle values for an even total)."""
    total = sum(histogram.values())
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]
    found, seen = [], 0
    for value in sorted(histogram):
        seen += histogram[value]
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
    return sum(found) / 2


def nothing_in_person(offers, territory: Territory) -> bool:
    """True when none of these offers is reachable in person from the territory (a commune: the proximity rule;
    an EPCI, a département or a région: when none of them is offered in person)."""
    if territory.kind == TerritoryKind.COMMUNE:
        return not offers.reachable_from(territory).exists()
    return not offers.filter(mode_presentiel=True).exists()


def in_person_offers_exist(commune: Territory, stage) -> bool:
    """Whether anything at this stage is reachable in person from the commune: kept under the directory version."""
    return cached(
        "in-person-exists",
        (commune.pk, stage.pk),
        lambda: Offer.objects.published().for_stage(stage).reachable_from(commune).exists(),
    )


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
    rows = _scoped(NeedsWatchCount.objects.all(), territory, since, until)
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
