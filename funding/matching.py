"""The matching engine: a holder's profile and candidate offers in, ranked matches with French reasons out.

Pure: no request, no query, no write. The tests build `Candidate` objects from unsaved objects. On the
directory, the database applies the same filters and ranking (funding/selectors.py, over the match entries of
funding/match_entries.py) so that a page reads only its own rows; `rank()` then checks and explains those rows,
and the tests hold both to the same result. Each hard filter of `HARD_FILTERS` and each ranking criterion of
`RANKING` carries its SQL form (text the selectors run) beside its Python one, so the database's WHERE and ORDER
BY are built from this module, not restated.

Hard filters (an offer failing one is never a match), checked in this order (declared once, as the data of
`HARD_FILTERS`: the engine's `failed_filter()` and the database's WHERE are both built from it):
1. published: the offer and its structure are published (the match entries hold only those: no SQL);
2. territory: the offer covers the holder's commune or one of the territories containing it (its EPCI,
   département, région, France, or a custom zone containing the commune);
3. stage: the offer is meant for the holder's stage;
4. legal form: an offer with no restriction is open to every legal form, including « collectif non
   constitué »; a restricted offer is open only to the forms it lists (so a collective not yet registered is
   eligible only where the offer says so). A profile without a legal form is not filtered on it;
5. calls for projects: a closed call (`closes_on` before `today`: directory's one rule, `is_closed_call` /
   `closed_call_q`) is excluded; one whose `opens_on` is after `today` stays, flagged `upcoming` (« Bientôt :
   ouvre le … »);
6. amount sought (when given): an offer with an amount range excludes amounts outside it (below `amount_min`
   or above `amount_max`): a financer does not study a request outside its range, so showing it would mislead.
   An offer without amounts (support, places…) is never filtered on the amount;
7. age of the structure (when given): below `min_structure_age` or above `max_structure_age` is excluded.
   A collective not yet registered counts as 0 years old when no age is given;
8. ESUS (when the profile says whether it holds the agreement): an offer requiring it is excluded for a
   structure without it.
Sector and collective/individual are kept in the profile and shown back, but filter nothing and rank nothing: no
offer field describes them. An offer whose text mentions the holder's sector (a keyword, or a word of the free
text; funding/sectors.py) gets one more reason, « Mentionne votre secteur : … », and nothing else.

Needs are not a filter (adding a need never removes a match); they rank. Ranking, first criterion first (declared
once, as the data of `RANKING`: the engine's sort key and the database's ORDER BY are both built from it):
1. more of the holder's needs met;
2. reachable in person before everything else (« près de chez vous »): the offer is delivered in person
   (présentiel among its modes) and one of its places (`Candidate.places`: its structure's address, the third
   places where the structure holds a permanence for it) lies within `profile.radius_km` of the commune's point
   (straight line, `directory.geo.haversine_km`; a place without coordinates is « lieu inconnu », never near). The
   database ranks by the same rule written as `Offer.objects.reachable_from` (its ids are `profile.reachable_ids`,
   read by funding/selectors.py), and the tests hold both equal. The match says how far and where (« En présentiel
   à 12 km : permanence au Tiers-lieu X, le 1er mardi du mois »);
3. the narrowest covering territory (commune, custom zone, EPCI, département, région, France);
4. support level fitting the stage: information and orientation (1) at émergence, accompaniment (2) from
   amorçage to consolidation, expertise (3) from développement on (`preferred_support_level`); the closer the
   offer's level, the higher;
5. the most recently verified first (never verified last);
6. a stable key: structure name, offer title, offer reference, offer id. Names and titles compare without
   regard to the case of ASCII letters, every other character by its code point (`tie_text`): SQLite's
   `lower()` folds ASCII only and PostgreSQL compares in the « C » collation, so the database, which ranks and
   pages the matches (funding/selectors.py), orders ties exactly as this module does.
The same candidates in any order give the same result.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from string import ascii_lowercase, ascii_uppercase
from typing import Any, NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from directory.geo import haversine_km
from directory.models import CLOSING_DATE_FIELD, KIND_NARROWNESS, Mode, TerritoryKind, is_closed_call, is_public_offer
from funding.sectors import SectorTerms, sector_terms

NOT_REGISTERED = "collectif-non-constitue"
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
# Stages as seeded in fixtures/vocabularies.json; a stage curators add falls back on its position.
PREFERRED_LEVEL = {
    "emergence": 1,
    "amorcage": 2,
    "creation": 2,
    "consolidation": 2,
    "developpement": 3,
    "changement-echelle": 3,
    "reprise-transmission": 3,
}
COVERAGE_REASONS = {
    TerritoryKind.COMMUNE: gettext_noop("Couvre votre commune : %(name)s"),
    TerritoryKind.ZONE: gettext_noop("Couvre votre zone : %(name)s"),
    TerritoryKind.EPCI: gettext_noop("Couvre votre EPCI : %(name)s"),
    TerritoryKind.DEPARTEMENT: gettext_noop("Couvre votre département : %(name)s"),
    TerritoryKind.REGION: gettext_noop("Couvre votre région : %(name)s"),
    TerritoryKind.COUNTRY: gettext_noop("Couvre toute la France"),
}


@dataclass(frozen=True)
class Profile:
    """A holder's situation. `territories` holds the commune and every territory containing it, zones included."""

    commune: Any
    territories: tuple
    stage: Any
    needs: tuple = ()
    legal_form: str | None = None
    collective: bool | None = None
    sector: str = ""
    keywords: tuple = ()
    amount: int | None = None
    structure_age: int | None = None
    esus: bool | None = None
    # « Reachable in person »: the radius around the commune's point, and the ids of the offers the database found
    # reachable (Offer.objects.reachable_from), which its ranking reads; the engine decides from the places.
    radius_km: float = 30.0
    reachable_ids: frozenset = frozenset()

    @property
    def point(self) -> tuple[float, float] | None:
        return getattr(self.commune, "point", None)

    @property
    def territory_by_key(self) -> dict:
        return {territory.key: territory for territory in self.territories}

    @property
    def need_slugs(self) -> list[str]:
        return [need.slug for need in self.needs]

    @property
    def sector_terms(self) -> SectorTerms:
        """What an offer's text must mention to be flagged as about the holder's sector (keyword slugs, free text)."""
        return sector_terms(tuple(self.keywords), self.sector)

    @property
    def effective_age(self) -> int | None:
        if self.structure_age is None and self.legal_form == NOT_REGISTERED:
            return 0
        return self.structure_age


@dataclass(frozen=True)
class Candidate:
    """An offer with its many-to-many values as plain slugs and keys (so unsaved offers can be ranked).

    `text` is what the sector is looked for in; None reads it from the offer (title, description, structure name
    and presentation), a string gives it when the offer is a row without its descriptions.
    """

    offer: Any
    coverage_keys: frozenset = frozenset()
    stage_slugs: frozenset = frozenset()
    need_slugs: frozenset = frozenset()
    legal_form_slugs: frozenset = frozenset()
    text: str | None = None
    places: tuple = ()  # Place: where the offer receives people (its structure, permanences)

    def sector_text(self) -> str:
        if self.text is not None:
            return self.text
        return offer_text(self.offer)


def offer_text(offer) -> str:
    """The words an offer says about itself and its structure, where a sector can be mentioned."""
    structure = offer.structure
    parts = (offer.title, getattr(offer, "description", ""), structure.name, getattr(structure, "description", ""))
    return "\n".join(part for part in parts if part)


@dataclass(frozen=True)
class Place:
    """Where an offer receives people: its structure's address, or a third place holding a permanence."""

    latitude: float | None
    longitude: float | None
    name: str
    permanence: Any = None  # the Permanence (its schedule) when the place is a third place


def nearest_place(candidate: Candidate, point: tuple[float, float] | None) -> tuple[Place, float] | None:
    """The candidate's place nearest to the point, with its distance in km; None without a point or a located place."""
    if point is None:
        return None
    best = None
    for place in candidate.places:
        if place.latitude is None or place.longitude is None:
            continue  # « lieu inconnu »: never near
        distance = haversine_km(point[0], point[1], place.latitude, place.longitude)
        if best is None or distance < best[1]:
            best = (place, distance)
    return best


def reachable_in_person(candidate: Candidate, profile: Profile) -> tuple[Place, float] | None:
    """(nearest place, km) when the candidate is reachable in person from the holder's commune, else None."""
    if not getattr(candidate.offer, Mode.IN_PERSON.field_name, False):
        return None
    nearest = nearest_place(candidate, profile.point)
    if nearest is None or nearest[1] > profile.radius_km:
        return None
    return nearest


@dataclass
class Match:
    offer: Any
    rank: int
    territory: Any
    needs_met: list = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    upcoming: bool = False
    place: Place | None = None  # set when reachable in person
    distance_km: float | None = None

    @property
    def reachable(self) -> bool:
        return self.place is not None


def french_date(day: datetime.date) -> str:
    """« 15 mars 2027 », « 1er avril 2027 », whatever the active language."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def euros(amount: int) -> str:
    """« 50 000 € » with French digit grouping (narrow no-break spaces)."""
    return f"{amount:,} €".replace(",", "\u202f")


def preferred_support_level(stage) -> int:
    if stage.slug in PREFERRED_LEVEL:
        return PREFERRED_LEVEL[stage.slug]
    return 1 if stage.position <= 1 else 2 if stage.position <= 4 else 3


@dataclass(frozen=True)
class HardFilter:
    """One hard filter, written once for the engine and for the database.

    `fails` tells whether a candidate fails it (the holder's territories by key given, read once per ranking);
    `where` writes the condition a match entry (funding/match_entries.py) must meet to pass it, as an SQL term
    with its parameters, for a profile and a day, or None when the filter does not apply to that profile (no
    amount given, say). `ops` is the database's operations (`connection.ops`), which adapt a date as a
    parameter: the engine only writes text, the selectors run it. A filter the match entries already guarantee
    (they exist only for what passes it) has no `where` and says why in `entries_guarantee`.
    """

    name: str
    fails: Callable[[Candidate, Profile, datetime.date, dict], bool]
    where: Callable[[Profile, datetime.date, Any], tuple[str, list] | None] | None = None
    entries_guarantee: str = ""

    def __post_init__(self):
        if (self.where is None) == (not self.entries_guarantee):
            raise ValueError(f"Hard filter {self.name!r}: give either its SQL or why the entries guarantee it.")


def _outside(value: int | None, low: int | None, high: int | None) -> bool:
    """A given value below an offer's minimum or above its maximum (a missing bound restricts nothing)."""
    return value is not None and ((low is not None and value < low) or (high is not None and value > high))


def _within_sql(value: int | None, low: str, high: str) -> tuple[str, list] | None:
    """`_outside` negated as SQL over two columns of the match entries; None when no value is given."""
    if value is None:
        return None
    return f"({low} IS NULL OR {low} <= %s) AND ({high} IS NULL OR {high} >= %s)", [value, value]


def _territory_sql(profile: Profile, today, ops) -> tuple[str, list]:
    territory_ids = [territory.pk for territory in profile.territories]
    return f"territory_id IN ({', '.join(['%s'] * len(territory_ids))})", territory_ids


def _legal_form_sql(profile: Profile, today, ops) -> tuple[str, list] | None:
    if not profile.legal_form:
        return None
    # legal_form_ids holds ids between commas (",12,15,"), empty when the offer restricts nothing. An unknown slug
    # gives NULL: restricted offers are then excluded, as the engine excludes them.
    return (
        "(legal_form_ids = '' OR legal_form_ids LIKE "
        "('%%,' || (SELECT CAST(id AS TEXT) FROM directory_legalform WHERE slug = %s) || ',%%'))"
    ), [profile.legal_form]


# The hard filters, in the order the engine checks them (see the module docstring): the engine's
# `failed_filter()` and the database's WHERE (funding/selectors.py) are both built from it. Match entries exist
# only for published offers of published structures, for each territory an offer covers and each stage it serves
# (funding/triggers.py): so « published » needs no SQL, and selecting the entries of the holder's territories at
# their stage is the territory and stage filters.
HARD_FILTERS = (
    HardFilter(
        "published",
        lambda candidate, profile, today, territories: not is_public_offer(candidate.offer),
        entries_guarantee="entries exist only for published offers of published structures",
    ),
    HardFilter(
        "territory",
        lambda candidate, profile, today, territories: candidate.coverage_keys.isdisjoint(territories),
        _territory_sql,
    ),
    HardFilter(
        "stage",
        lambda candidate, profile, today, territories: profile.stage.slug not in candidate.stage_slugs,
        lambda profile, today, ops: ("stage_id = %s", [profile.stage.pk]),
    ),
    HardFilter(
        "legal_form",
        lambda candidate, profile, today, territories: bool(
            profile.legal_form and candidate.legal_form_slugs and profile.legal_form not in candidate.legal_form_slugs
        ),
        _legal_form_sql,
    ),
    HardFilter(
        "closed",
        lambda candidate, profile, today, territories: is_closed_call(candidate.offer, today),
        lambda profile, today, ops: (
            f"({CLOSING_DATE_FIELD} IS NULL OR {CLOSING_DATE_FIELD} >= %s)",
            [ops.adapt_datefield_value(today)],
        ),
    ),
    HardFilter(
        "amount",
        lambda candidate, profile, today, territories: _outside(
            profile.amount, candidate.offer.amount_min, candidate.offer.amount_max
        ),
        lambda profile, today, ops: _within_sql(profile.amount, "amount_min", "amount_max"),
    ),
    HardFilter(
        "structure_age",
        lambda candidate, profile, today, territories: _outside(
            profile.effective_age, candidate.offer.min_structure_age, candidate.offer.max_structure_age
        ),
        lambda profile, today, ops: _within_sql(profile.effective_age, "min_structure_age", "max_structure_age"),
    ),
    HardFilter(
        "esus",
        lambda candidate, profile, today, territories: profile.esus is False and candidate.offer.esus_required,
        lambda profile, today, ops: ("esus_required = %s", [False]) if profile.esus is False else None,
    ),
)


def failed_filter(candidate: Candidate, profile: Profile, today: datetime.date, territories=None) -> str | None:
    """The name of the first hard filter of HARD_FILTERS the candidate fails, or None when it passes them all."""
    if territories is None:
        territories = profile.territory_by_key
    for hard_filter in HARD_FILTERS:
        if hard_filter.fails(candidate, profile, today, territories):
            return hard_filter.name
    return None


def narrowest_territory(candidate: Candidate, territories: dict):
    """The narrowest of the holder's territories the candidate covers; `territories` maps keys to territories."""
    covering = [territories[key] for key in candidate.coverage_keys if key in territories]
    return min(covering, key=lambda t: (KIND_NARROWNESS[t.kind], t.key))


# Ties fold these letters and no other: what SQLite's lower() folds. The match entries' tie keys are folded in SQL
# from the same two strings (funding/match_entries.py).
TIE_FOLD = (ascii_uppercase, ascii_lowercase)
ASCII_LOWER = str.maketrans(*TIE_FOLD)


def tie_text(text: str) -> str:
    """A name as ties compare it: ASCII letters without case, every other character as it is."""
    return text.translate(ASCII_LOWER)


class Standing(NamedTuple):
    """What the ranking reads of a candidate that passed the hard filters."""

    offer: Any
    needs_met: int
    narrowness: int
    preferred_level: int
    reachable: bool = False


@dataclass(frozen=True)
class Criterion:
    """One ranking criterion, written once for the engine and for the database.

    `value` reads it from a candidate's standing; `sql` writes the same value as an SQL expression over the
    match entries (funding/match_entries.py) with its parameters, for a profile, or None when it cannot tell the
    profile's entries apart. The direction is declared once and applied to both forms: the engine negates a
    descending value (a number) and sorts an unknown one (None) after every other, the database says DESC and
    NULLS LAST. A `text` value compares by code point (in the « C » collation on PostgreSQL).
    """

    name: str
    value: Callable[[Standing], Any]
    sql: Callable[[Profile], tuple[str, list] | None]
    descending: bool = False
    nulls_last: bool = False
    text: bool = False

    def key(self, standing: Standing):
        """The criterion's part of the engine's sort key (ascending)."""
        value = self.value(standing)
        if value is None and self.nulls_last:
            return math.inf
        return -value if self.descending else value


def _column(name: str) -> Callable[[Profile], tuple[str, list]]:
    return lambda profile: (name, [])


def _needs_met_sql(profile: Profile) -> tuple[str, list] | None:
    if not profile.needs:
        return None  # no needs: every offer meets none, nothing to order
    # need_ids holds ids between commas (",12,15,").
    needs = " + ".join(["CASE WHEN need_ids LIKE %s THEN 1 ELSE 0 END"] * len(profile.needs))
    return needs, [f"%,{need.pk},%" for need in profile.needs]


def _in_person_sql(profile: Profile) -> tuple[str, list] | None:
    if not profile.reachable_ids:
        return None  # nothing reachable: every offer is remote, nothing to order
    ids = sorted(profile.reachable_ids)
    return f"CASE WHEN offer_id IN ({', '.join(['%s'] * len(ids))}) THEN 1 ELSE 0 END", ids


def _narrowness_sql(profile: Profile) -> tuple[str, list]:
    cases = " ".join(["WHEN %s THEN %s"] * len(profile.territories))
    return f"CASE territory_id {cases} END", [value for t in profile.territories for value in (t.pk, t.narrowness)]


def _timestamp(moment: datetime.datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


# The ranking, first criterion first (see the module docstring). The last four are the stable key.
RANKING = (
    Criterion("needs_met", lambda s: s.needs_met, _needs_met_sql, descending=True),
    Criterion("in_person", lambda s: int(s.reachable), _in_person_sql, descending=True),
    Criterion("narrowness", lambda s: s.narrowness, _narrowness_sql),
    Criterion(
        "support_level",
        lambda s: abs(s.offer.support_level - s.preferred_level),
        lambda profile: ("ABS(support_level - %s)", [preferred_support_level(profile.stage)]),
    ),
    Criterion(
        "last_verified_at",
        lambda s: _timestamp(s.offer.last_verified_at),
        _column("last_verified_at"),
        descending=True,
        nulls_last=True,
    ),
    Criterion("structure_name", lambda s: tie_text(s.offer.structure.name), _column("structure_key"), text=True),
    Criterion("title", lambda s: tie_text(s.offer.title), _column("title_key"), text=True),
    Criterion("ref", lambda s: s.offer.ref, _column("ref"), text=True),
    Criterion("id", lambda s: s.offer.pk or 0, _column("offer_id")),
)


def sort_key(standing: Standing) -> tuple:
    """The engine's ranking key of a candidate that passed the hard filters: one value per criterion of RANKING."""
    return tuple([criterion.key(standing) for criterion in RANKING])


class _Reasons:
    """The French sentences, translated once per ranking (thousands of matches share them)."""

    def __init__(self, profile: Profile, today: datetime.date):
        self.today = today
        self.coverage = {kind: _(text) for kind, text in COVERAGE_REASONS.items()}
        self.stage = _("Pour l'étape : %(stage)s") % {"stage": profile.stage.name.lower()}
        self.one_need = _("Répond à votre besoin : %(needs)s")
        self.needs = _("Répond à vos besoins : %(needs)s")
        self.soon = _("Bientôt : ouvre le %(date)s")
        self.closes = _("Appel à projets : clôture le %(date)s")
        self.amount = None
        if profile.amount is not None:
            self.amount = _("Montant compatible avec votre besoin : %(amount)s") % {"amount": euros(profile.amount)}
        self.sector_terms = profile.sector_terms
        self.sector = _("Mentionne votre secteur : %(sectors)s")
        self.at_permanence = _("En présentiel à %(km)s km : permanence au %(place)s, %(schedule)s")
        self.at_structure = _("En présentiel à %(km)s km : %(place)s")

    def __call__(self, offer, territory, needs_met: list, text: str = "", near=None) -> list[str]:
        reasons = [self.coverage[territory.kind] % {"name": territory.name}, self.stage]
        if near is not None:
            place, distance = near
            values = {"km": max(1, round(distance)), "place": place.name}
            if place.permanence is not None:
                reasons.append(self.at_permanence % {**values, "schedule": place.permanence.schedule})
            else:
                reasons.append(self.at_structure % values)
        if needs_met:
            names = ", ".join(need.name.lower() for need in needs_met)
            reasons.append((self.one_need if len(needs_met) == 1 else self.needs) % {"needs": names})
        if offer.opens_on is not None and offer.opens_on > self.today:
            reasons.append(self.soon % {"date": french_date(offer.opens_on)})
        elif offer.closes_on is not None:
            reasons.append(self.closes % {"date": french_date(offer.closes_on)})
        if self.amount and (offer.amount_min is not None or offer.amount_max is not None):
            reasons.append(self.amount)
        if self.sector_terms and (mentioned := self.sector_terms.mentioned_in(text)):
            reasons.append(self.sector % {"sectors": ", ".join(mentioned)})
        return reasons


def rank(candidates: Iterable[Candidate], profile: Profile, *, today: datetime.date) -> list[Match]:
    """Keep the candidates passing every hard filter and order them (see the module docstring)."""
    preferred = preferred_support_level(profile.stage)
    territories = profile.territory_by_key
    scored = []
    for candidate in candidates:
        if failed_filter(candidate, profile, today, territories) is not None:
            continue
        needs_met = [need for need in profile.needs if need.slug in candidate.need_slugs]
        territory = narrowest_territory(candidate, territories)
        near = reachable_in_person(candidate, profile)
        standing = Standing(candidate.offer, len(needs_met), territory.narrowness, preferred, near is not None)
        scored.append((sort_key(standing), candidate, territory, needs_met, near))
    scored.sort(key=lambda item: item[0])
    reasons_for = _Reasons(profile, today)
    return [
        Match(
            offer=candidate.offer,
            rank=position,
            territory=territory,
            needs_met=needs_met,
            reasons=reasons_for(
                candidate.offer,
                territory,
                needs_met,
                candidate.sector_text() if reasons_for.sector_terms else "",
                near,
            ),
            upcoming=candidate.offer.opens_on is not None and candidate.offer.opens_on > today,
            place=near[0] if near else None,
            distance_km=near[1] if near else None,
        )
        for position, (_key, candidate, territory, needs_met, near) in enumerate(scored, start=1)
    ]
