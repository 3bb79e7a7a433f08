"""Quality score of a directory entry, 0 to 100, with the list of what to fix (« à corriger »), in French.

    score = completeness (60) + freshness (25) + working link (15)

**Completeness (60 points)**: the weighted share of the criteria that apply to the entry, scaled to 60 (a
criterion that does not apply, e.g. the amounts of a non-funding offer, neither gives nor costs points).

Structure (weights sum to 60): presentation 12 · contact e-mail or phone 10 · at least one published offer 10
(without one, the structure appears in no « parcours ») · website 6 · coordinates 6 (the map, and proximity:
without them the structure's place is « lieu inconnu », never near anyone) · address 5 · legal form 4 · opening
hours 4 · accessibility 3.

Offer: description 12 · how to access it 10 · a page or an e-mail to reach it 10 · needs met 8 · territories
covered 8 · stages 6 (54 in all); a funding offer adds its instrument 4 and an amount 4; a call for projects
(an opening or a closing date) adds both dates, and not closed yet, 6.

**Freshness (25 points)**: full while `last_verified_at` is less than FRESH_FOR (6 months) old, then falling
linearly to 0 at STALE_AFTER (12 months, when the entry is listed « à vérifier » on the curators' dashboard);
never verified: 0.

**Working link (15 points)**: lost while the website (structure) or the offer's page is broken, i.e. its current
address failed two checks in a row (curation.models.links) and no curator chose to ignore it.

The criteria are declared once, as data: STRUCTURE_RULES and OFFER_RULES below list each criterion with its
weight, the entries it applies to, its checks and what to say when one fails. A check's condition is built from a
few primitives (Filled, NonEmpty, NotNull, Equals, NotPast, Fact, joined by `&` and `|`), each of which tests an
entry in Python (`holds`) and says the same in SQL (`q`). This module scores in Python from that declaration;
curation/quality_sql.py builds the SQL expression from the same one. Adding or reweighting a criterion is one
edit to the tables below.

Pure: no query, no clock unless `now` is omitted (the conditions' SQL is only built when quality_sql asks for it);
relations come in as arguments, which `curation.selectors` fills for a whole list in a fixed number of
queries.
"""

import dataclasses
import datetime
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import reduce

from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.lookups import Exact
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from curation.models import LinkCheck
from directory.models import CALL_DATE_FIELDS, STALE_AFTER, Offer, OfferType, PublicationStatus, Structure

COMPLETENESS_POINTS = 60
FRESHNESS_POINTS = 25
LINK_POINTS = 15
FRESH_FOR = datetime.timedelta(days=183)
GOOD_FROM = 80
FAIR_FROM = 50

# Every character str.isspace() accepts, i.e. what str.strip() removes (a test holds the list complete).
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


# --- Conditions: one test of an entry, in Python and in SQL ---------------------------------------------------


class Condition:
    """A test of an entry: `holds` in Python, `q` the same test in SQL; `a & b`, `a | b` combine them.

    `facts` are what the entry's columns do not say (Fact), `now` the moment of the scoring.
    """

    def holds(self, entry, facts: Mapping[str, bool], now: datetime.datetime) -> bool:
        raise NotImplementedError

    def q(self, now: datetime.datetime) -> Q:
        raise NotImplementedError

    def __and__(self, other: "Condition") -> "Condition":
        return AllOf((self, other))

    def __or__(self, other: "Condition") -> "Condition":
        return AnyOf((self, other))


@dataclass(frozen=True)
class Filled(Condition):
    """Text with something left once Python's whitespace is trimmed: `bool(value.strip())`."""

    field: str

    def holds(self, entry, facts, now):
        return bool(getattr(entry, self.field).strip())

    def q(self, now):
        trimmed = Func(F(self.field), Value(WHITESPACE), function="RTRIM", output_field=TextField())
        return ~Q(Exact(trimmed, Value("")))


@dataclass(frozen=True)
class NonEmpty(Condition):
    """A string that is not empty (an address, an e-mail: a blank one does not validate)."""

    field: str

    def holds(self, entry, facts, now):
        return bool(getattr(entry, self.field))

    def q(self, now):
        return ~Q(**{self.field: ""})


@dataclass(frozen=True)
class NotNull(Condition):
    """A value that is not None: a number, a date, a foreign key by its column (`legal_form_id`)."""

    field: str

    def holds(self, entry, facts, now):
        return getattr(entry, self.field) is not None

    def q(self, now):
        return Q(**{f"{self.field}__isnull": False})


@dataclass(frozen=True)
class Equals(Condition):
    field: str
    value: object

    def holds(self, entry, facts, now):
        return getattr(entry, self.field) == self.value

    def q(self, now):
        return Q(**{self.field: self.value})


@dataclass(frozen=True)
class NotPast(Condition):
    """A date not before today, in the project's time zone at `now` (a missing date is not)."""

    field: str

    def holds(self, entry, facts, now):
        value = getattr(entry, self.field)
        return value is not None and value >= timezone.localdate(now)

    def q(self, now):
        return Q(**{f"{self.field}__gte": timezone.localdate(now)})


@dataclass(frozen=True)
class Fact(Condition):
    """A fact beyond the entry's columns: rows of another table whose `column` names the entry.

    The scorer reads it from `facts[name]`; a page annotates it on its entries with `exists()`, and a whole scope's
    SQL score tests it with `q()`: the same correlated EXISTS, an index probe per entry (see quality_sql)."""

    name: str
    rows: Callable[[], QuerySet]
    column: str

    def holds(self, entry, facts, now):
        return facts[self.name]

    def q(self, now):
        return Q(self.exists())

    def exists(self) -> Exists:
        return Exists(self.rows().filter(**{self.column: OuterRef("pk")}))


@dataclass(frozen=True)
class AllOf(Condition):
    conditions: tuple[Condition, ...]

    def holds(self, entry, facts, now):
        return all(c.holds(entry, facts, now) for c in self.conditions)

    def q(self, now):
        return reduce(operator.and_, (c.q(now) for c in self.conditions))


@dataclass(frozen=True)
class AnyOf(Condition):
    conditions: tuple[Condition, ...]

    def holds(self, entry, facts, now):
        return any(c.holds(entry, facts, now) for c in self.conditions)

    def q(self, now):
        return reduce(operator.or_, (c.q(now) for c in self.conditions))


# --- The criteria, declared once ------------------------------------------------------------------------------


# A lazy string (translated only for the criteria an entry misses: scoring thousands of entries stays fast), or
# a function (entry, now) -> str for a message about the entry.
Message = Promise | Callable[..., str]


@dataclass(frozen=True)
class Check:
    """A condition of a criterion, what to fix when it fails, and the form field concerned, when there is one."""

    condition: Condition
    message: Message
    field: str = ""

    def fix_message(self, entry, now) -> str:
        return str(self.message) if isinstance(self.message, Promise) else self.message(entry, now)


class Criterion:
    """`weight` points, earned when every check holds: the first that fails says what to fix.

    Only the entries `applies_to` holds for are asked to meet it (None: every entry of its kind).
    """

    def __init__(self, name: str, weight: int, *checks: Check, applies_to: Condition | None = None):
        self.name, self.weight, self.checks, self.applies_to = name, weight, checks, applies_to

    def __repr__(self):
        return f"Criterion({self.name!r}, {self.weight})"

    @property
    def condition(self) -> Condition:
        """Met: all its checks hold."""
        return reduce(operator.and_, (check.condition for check in self.checks))


@dataclass(frozen=True)
class Rules:
    """What scores one kind of entry: its criteria, and the address whose check can cost the LINK_POINTS."""

    criteria: tuple[Criterion, ...]
    url_field: str
    link_label: Promise

    @property
    def facts(self) -> tuple[Fact, ...]:
        """The facts beyond the entry's columns that its criteria read, each once, in declaration order."""
        found: dict[str, Fact] = {}
        for criterion in self.criteria:
            for condition in (criterion.applies_to, *(check.condition for check in criterion.checks)):
                for fact in _facts_in(condition):
                    found.setdefault(fact.name, fact)
        return tuple(found.values())


def _facts_in(condition) -> list[Fact]:
    if isinstance(condition, Fact):
        return [condition]
    if isinstance(condition, Condition):
        nested = [getattr(condition, f.name) for f in dataclasses.fields(condition)]
        flat = [c for value in nested for c in (value if isinstance(value, tuple) else (value,))]
        return [fact for c in flat for fact in _facts_in(c)]
    return []


def _closed_call(offer: Offer, now: datetime.datetime) -> str:
    message = _("L'appel est clos depuis le %(date)s : indiquez les dates de la prochaine session ou archivez l'offre")
    return message % {"date": _date(offer.closes_on, now)}


HAS_PUBLISHED_OFFER = Fact(
    "has_published_offer", lambda: Offer.objects.filter(status=PublicationStatus.PUBLISHED), "structure_id"
)
HAS_NEEDS = Fact("has_needs", lambda: Offer.needs.through.objects.all(), "offer_id")
HAS_COVERAGE = Fact("has_coverage", lambda: Offer.coverage.through.objects.all(), "offer_id")
HAS_STAGES = Fact("has_stages", lambda: Offer.stages.through.objects.all(), "offer_id")
FUNDING = Equals("offer_type", OfferType.FUNDING)
CALL_FOR_PROJECTS = reduce(operator.or_, (NotNull(field) for field in CALL_DATE_FIELDS))  # is_call_for_projects

STRUCTURE_RULES = Rules(
    criteria=(
        Criterion(
            "description",
            12,
            Check(Filled("description"), gettext_lazy("Ajoutez une présentation de la structure"), "description"),
        ),
        Criterion(
            "contact",
            10,
            Check(
                NonEmpty("email") | Filled("phone"),
                gettext_lazy("Indiquez un courriel ou un téléphone de contact"),
                "email",
            ),
        ),
        Criterion(
            "published_offer",
            10,
            Check(
                HAS_PUBLISHED_OFFER,
                gettext_lazy("Publiez au moins une offre : sans offre, la structure n'apparaît dans aucun parcours"),
            ),
        ),
        Criterion("website", 6, Check(NonEmpty("website"), gettext_lazy("Indiquez le site web"), "website")),
        Criterion(
            "coordinates",
            6,
            Check(
                NotNull("latitude") & NotNull("longitude"),
                gettext_lazy(
                    "Placez la structure sur la carte (latitude et longitude, à demander à la CRESS) : sans elles, "
                    "son lieu est inconnu et elle ne compte jamais comme « près de chez vous »"
                ),
            ),
        ),
        Criterion(
            "address",
            5,
            Check(Filled("address") & NotNull("commune_id"), gettext_lazy("Indiquez l'adresse"), "address"),
        ),
        Criterion(
            "legal_form", 4, Check(NotNull("legal_form_id"), gettext_lazy("Indiquez la forme juridique"), "legal_form")
        ),
        Criterion(
            "opening_hours",
            4,
            Check(Filled("opening_hours"), gettext_lazy("Indiquez les horaires d'ouverture"), "opening_hours"),
        ),
        Criterion(
            "accessibility",
            3,
            Check(
                Filled("accessibility"),
                gettext_lazy("Décrivez l'accessibilité (personnes à mobilité réduite, transports en commun)"),
                "accessibility",
            ),
        ),
    ),
    url_field="website",
    link_label=gettext_lazy("Le site web"),
)

OFFER_RULES = Rules(
    criteria=(
        Criterion(
            "description",
            12,
            Check(Filled("description"), gettext_lazy("Ajoutez une description de l'offre"), "description"),
        ),
        Criterion(
            "how_to_access",
            10,
            Check(Filled("how_to_access"), gettext_lazy("Expliquez comment accéder à l'offre"), "how_to_access"),
        ),
        Criterion(
            "contact",
            10,
            Check(
                NonEmpty("url") | NonEmpty("email"),
                gettext_lazy("Indiquez une page web ou un courriel de contact pour l'offre"),
                "url",
            ),
        ),
        Criterion("needs", 8, Check(HAS_NEEDS, gettext_lazy("Indiquez à quels besoins l'offre répond"), "needs")),
        Criterion(
            "coverage",
            8,
            Check(HAS_COVERAGE, gettext_lazy("Indiquez les territoires couverts (à demander à la CRESS)"), "coverage"),
        ),
        Criterion(
            "stages",
            6,
            Check(HAS_STAGES, gettext_lazy("Indiquez à quelles étapes du projet l'offre s'adresse"), "stages"),
        ),
        Criterion(
            "instrument",
            4,
            Check(
                NotNull("instrument_id"),
                gettext_lazy("Précisez l'outil de financement : subvention, prêt d'honneur… (à demander à la CRESS)"),
                "instrument",
            ),
            applies_to=FUNDING,
        ),
        Criterion(
            "amount",
            4,
            Check(
                NotNull("amount_min") | NotNull("amount_max"),
                gettext_lazy("Indiquez le montant (minimum, maximum ou les deux)"),
                "amount_min",
            ),
            applies_to=FUNDING,
        ),
        Criterion(
            "call_dates",  # both dates, and not closed yet
            6,
            Check(NotNull("opens_on"), gettext_lazy("Indiquez la date d'ouverture de l'appel"), "opens_on"),
            Check(NotNull("closes_on"), gettext_lazy("Indiquez la date de clôture de l'appel"), "closes_on"),
            Check(NotPast("closes_on"), _closed_call, "closes_on"),
            applies_to=CALL_FOR_PROJECTS,
        ),
    ),
    url_field="url",
    link_label=gettext_lazy("La page de l'offre"),
)

RULES = {Structure: STRUCTURE_RULES, Offer: OFFER_RULES}  # what both scorers, Python and SQL, read


# --- Scoring ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fix:
    """One thing to fix, and the points the entry gains once it is fixed."""

    message: str
    points: int
    field: str = ""  # the form field concerned, when there is one


@dataclass(frozen=True)
class Quality:
    score: int
    fixes: tuple[Fix, ...]

    @property
    def level(self) -> str:
        """« good », « fair » or « poor »: a CSS class and a word for the reader."""
        if self.score >= GOOD_FROM:
            return "good"
        return "fair" if self.score >= FAIR_FROM else "poor"

    @property
    def level_label(self) -> str:
        return {"good": _("bonne"), "fair": _("à améliorer"), "poor": _("faible")}[self.level]


def _round(value: float) -> int:
    return math.floor(value + 0.5)


def _date(value, now) -> str:
    """« 3 novembre », with the year when it is not this year's."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return formats.date_format(value, "j F" if value.year == timezone.localtime(now).year else "j F Y")


def _months_between(earlier: datetime.datetime, later: datetime.datetime) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def freshness_points(last_verified_at: datetime.datetime | None, now: datetime.datetime) -> float:
    """25 within six months of the last verification, then linearly down to 0 at twelve months."""
    if last_verified_at is None:
        return 0.0
    age = now - last_verified_at
    if age <= FRESH_FOR:
        return float(FRESHNESS_POINTS)
    if age >= STALE_AFTER:
        return 0.0
    return FRESHNESS_POINTS * (STALE_AFTER - age) / (STALE_AFTER - FRESH_FOR)


def _freshness_fix(last_verified_at, points: float, now) -> Fix | None:
    lost = _round(FRESHNESS_POINTS - points)
    if last_verified_at is None:
        return Fix(_("Informations jamais vérifiées : relisez la fiche et confirmez qu'elle est à jour"), lost)
    if last_verified_at >= now - FRESH_FOR:
        return None
    months = _months_between(timezone.localtime(last_verified_at), timezone.localtime(now))
    message = _("Informations non vérifiées depuis %(months)d mois : relisez-les et confirmez qu'elles sont à jour")
    return Fix(message % {"months": months}, lost)


def is_broken(link: LinkCheck | None, current_url: str) -> bool:
    """True when the entry's current address failed two checks in a row and no curator ignored it."""
    return bool(
        current_url and link is not None and link.url == current_url and link.is_broken and link.ignored_at is None
    )


def _link_fix(link: LinkCheck, what: str, now) -> Fix:
    since = link.failing_since or link.checked_at
    details = _("%(problem)s depuis le %(date)s") % {"problem": link.problem, "date": _date(since, now)}
    return Fix(_("%(what)s ne répond plus (%(details)s)") % {"what": what, "details": details}, LINK_POINTS)


def _quality(rules: Rules, entry, facts: Mapping[str, bool], link: LinkCheck | None, now) -> Quality:
    now = now or timezone.now()
    criteria = [c for c in rules.criteria if c.applies_to is None or c.applies_to.holds(entry, facts, now)]
    applicable = sum(c.weight for c in criteria)
    earned = 0
    fixes = []
    for criterion in criteria:
        failed = next((check for check in criterion.checks if not check.condition.holds(entry, facts, now)), None)
        if failed is None:
            earned += criterion.weight
        else:
            points = _round(COMPLETENESS_POINTS * criterion.weight / applicable)
            fixes.append(Fix(failed.fix_message(entry, now), points, failed.field))
    completeness = COMPLETENESS_POINTS * earned / applicable
    freshness = freshness_points(entry.last_verified_at, now)
    freshness_fix = _freshness_fix(entry.last_verified_at, freshness, now)
    if freshness_fix:
        fixes.append(freshness_fix)
    broken = is_broken(link, getattr(entry, rules.url_field))
    if broken:
        fixes.append(_link_fix(link, str(rules.link_label), now))
    fixes.sort(key=lambda fix: -fix.points)  # stable: equal points keep the order above
    score = _round(completeness + freshness + (0 if broken else LINK_POINTS))
    return Quality(score=score, fixes=tuple(fixes))


def entry_quality(entry: Structure | Offer, *, facts: Mapping[str, bool], link=None, now=None) -> Quality:
    """The score of a structure or an offer, given the facts its rules read (`RULES[type].facts`)."""
    return _quality(RULES[type(entry)], entry, facts, link, now)


def structure_quality(
    structure: Structure,
    *,
    has_published_offer: bool,
    link: LinkCheck | None = None,
    now: datetime.datetime | None = None,
) -> Quality:
    """The structure's score; `link` is the check of its website, if any."""
    return _quality(RULES[Structure], structure, {"has_published_offer": has_published_offer}, link, now)


def offer_quality(
    offer: Offer,
    *,
    has_stages: bool,
    has_needs: bool,
    has_coverage: bool,
    link: LinkCheck | None = None,
    now: datetime.datetime | None = None,
) -> Quality:
    """The offer's score; `link` is the check of its page, if any."""
    facts = {"has_stages": has_stages, "has_needs": has_needs, "has_coverage": has_coverage}
    return _quality(RULES[Offer], offer, facts, link, now)
