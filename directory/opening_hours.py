"""Opening hours in the OpenStreetMap `opening_hours` syntax: validated on input, read back in French.

Structures and permanences store the OSM text (« Mo-Fr 09:00-12:00,14:00-17:00; Tu[1] 09:00-12:00 »), parsed by
the `opening-hours-py` package; a page says « Ouvert aujourd'hui de 9 h à 12 h et de 14 h à 17 h ». Times are the
wall clock of metropolitan France (settings.TIME_ZONE): the parser is given naive local times.
"""

import datetime
from functools import lru_cache

import opening_hours
from django.utils import timezone
from django.utils.translation import gettext as _

EXAMPLE = "Mo-Fr 09:00-12:00,14:00-17:00"
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


@lru_cache(maxsize=1024)
def parse(value: str) -> opening_hours.OpeningHours | None:
    """The parsed expression, or None when the text is not valid OSM syntax."""
    try:
        return opening_hours.OpeningHours(value)
    except (opening_hours.ParserError, ValueError, TypeError):
        return None


def error(value: str) -> str | None:
    """A French explanation naming the value when it is not valid OSM `opening_hours` syntax, else None."""
    if not value or not value.strip() or parse(value.strip()) is not None:
        return None
    return _(
        "Horaires d'ouverture invalides : « %(value)s ». Écrivez-les dans la syntaxe OpenStreetMap, par exemple "
        "« %(example)s » (lundi à vendredi, 9 h à 12 h et 14 h à 17 h) ou « Tu[1] 09:00-12:00 » (le 1er mardi "
        "du mois)."
    ) % {"value": value, "example": EXAMPLE}


def french_time(moment: datetime.time | datetime.datetime) -> str:
    """« 9 h », « 9 h 30 », « 0 h »."""
    return f"{moment.hour} h" if moment.minute == 0 else f"{moment.hour} h {moment.minute:02d}"


def _local_now(now: datetime.datetime | None) -> datetime.datetime:
    now = now or timezone.now()
    if timezone.is_aware(now):
        now = timezone.localtime(now)
    return now.replace(tzinfo=None)


def day_intervals(value: str, day: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]] | None:
    """The open intervals of that day ([] when closed), or None when the text cannot be read."""
    parsed = parse(value.strip()) if value else None
    if parsed is None:
        return None
    start = datetime.datetime.combine(day, datetime.time())
    end = start + datetime.timedelta(days=1)
    return [
        (begin, finish)
        for begin, finish, state, _comment in parsed.intervals(start, end)
        if state == opening_hours.State.OPEN
    ]


def _ranges(intervals) -> str:
    parts = []
    for begin, finish in intervals:
        last = finish if finish.date() == begin.date() else None
        parts.append(
            _("de %(start)s à %(end)s") % {"start": french_time(begin), "end": french_time(last) if last else "24 h"}
        )
    return _(" et ").join(parts)


def today_text(value: str, now: datetime.datetime | None = None) -> str:
    """« Ouvert aujourd'hui de 9 h à 12 h et de 14 h à 17 h », « Fermé aujourd'hui », or "" when unreadable."""
    intervals = day_intervals(value, _local_now(now).date())
    if intervals is None:
        return ""
    if not intervals:
        return _("Fermé aujourd'hui")
    return _("Ouvert aujourd'hui %(ranges)s") % {"ranges": _ranges(intervals)}


def week_lines(value: str, now: datetime.datetime | None = None) -> list[tuple[str, str]]:
    """The next seven days from today, as (« mardi 1er décembre », « de 9 h à 12 h » or « fermé »); [] if unreadable."""
    today = _local_now(now).date()
    lines = []
    for offset in range(7):
        day = today + datetime.timedelta(days=offset)
        intervals = day_intervals(value, day)
        if intervals is None:
            return []
        number = "1er" if day.day == 1 else str(day.day)
        label = f"{WEEKDAYS[day.weekday()]} {number}"
        lines.append((label, _ranges(intervals) if intervals else _("fermé")))
    return lines
