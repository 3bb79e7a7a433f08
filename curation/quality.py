"""Quality score of a directory entry, 0 to 100, with the list of what to fix (« à corriger »), in French.

    score = completeness (60) + freshness (25) + working link (15)

**Completeness (60 points)**: the weighted share of the criteria that apply to the entry, scaled to 60 (a
criterion that does not apply, e.g. the amounts of a non-funding offer, neither gives nor costs points).

Structure (weights sum to 60): presentation 12 · contact e-mail or phone 10 · at least one published offer 10
(without one, the structure appears in no « parcours ») · website 6 · coordinates (the map) 6 · address 5 ·
legal form 4 · opening hours 4 · accessibility 3.

Offer: description 12 · how to access it 10 · a page or an e-mail to reach it 10 · needs met 8 · territories
covered 8 · stages 6 (54 in all); a funding offer adds its instrument 4 and an amount 4; a call for projects
(an opening or a closing date) adds both dates, and not closed yet, 6.

**Freshness (25 points)**: full while `last_verified_at` is less than FRESH_FOR (6 months) old, then falling
linearly to 0 at STALE_AFTER (12 months, when the entry is listed « à vérifier » on the curators' dashboard);
never verified: 0.

**Working link (15 points)**: lost while the website (structure) or the offer's page is broken, i.e. its current
address failed two checks in a row (curation.models.links) and no curator chose to ignore it.

Pure: no query, no clock unless `now` is omitted; relations come in as arguments, which
`curation.selectors` fills for a whole list in a fixed number of queries.
"""

import datetime
import math
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from curation.models import LinkCheck
from directory.models import STALE_AFTER, Offer, OfferType, Structure

COMPLETENESS_POINTS = 60
FRESHNESS_POINTS = 25
LINK_POINTS = 15
FRESH_FOR = datetime.timedelta(days=183)
GOOD_FROM = 80
FAIR_FROM = 50

# The completeness criteria and their weights (curation.quality_sql writes the same criteria in SQL).
STRUCTURE_WEIGHTS = {
    "description": 12,
    "contact": 10,
    "published_offer": 10,
    "website": 6,
    "coordinates": 6,
    "address": 5,
    "legal_form": 4,
    "opening_hours": 4,
    "accessibility": 3,
}
OFFER_WEIGHTS = {
    "description": 12,
    "how_to_access": 10,
    "contact": 10,
    "needs": 8,
    "coverage": 8,
    "stages": 6,
    "instrument": 4,  # funding offers only
    "amount": 4,  # funding offers only
    "call_dates": 6,  # calls for projects only: both dates, and not closed yet
}

# Lazy: translated only for the criteria an entry misses (scoring a région's thousands of entries stays fast).
M = {
    "structure_description": gettext_lazy("Ajoutez une présentation de la structure"),
    "contact": gettext_lazy("Indiquez un courriel ou un téléphone de contact"),
    "published_offer": gettext_lazy(
        "Publiez au moins une offre : sans offre, la structure n'apparaît dans aucun parcours"
    ),
    "website": gettext_lazy("Indiquez le site web"),
    "coordinates": gettext_lazy("Placez la structure sur la carte (latitude et longitude, à demander à la CRESS)"),
    "address": gettext_lazy("Indiquez l'adresse"),
    "legal_form": gettext_lazy("Indiquez la forme juridique"),
    "opening_hours": gettext_lazy("Indiquez les horaires d'ouverture"),
    "accessibility": gettext_lazy("Décrivez l'accessibilité (personnes à mobilité réduite, transports en commun)"),
    "offer_description": gettext_lazy("Ajoutez une description de l'offre"),
    "how_to_access": gettext_lazy("Expliquez comment accéder à l'offre"),
    "offer_contact": gettext_lazy("Indiquez une page web ou un courriel de contact pour l'offre"),
    "needs": gettext_lazy("Indiquez à quels besoins l'offre répond"),
    "coverage": gettext_lazy("Indiquez les territoires couverts (à demander à la CRESS)"),
    "stages": gettext_lazy("Indiquez à quelles étapes du projet l'offre s'adresse"),
    "instrument": gettext_lazy("Précisez l'outil de financement : subvention, prêt d'honneur… (à demander à la CRESS)"),
    "amount": gettext_lazy("Indiquez le montant (minimum, maximum ou les deux)"),
    "opens_on": gettext_lazy("Indiquez la date d'ouverture de l'appel"),
    "closes_on": gettext_lazy("Indiquez la date de clôture de l'appel"),
}


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


@dataclass(frozen=True)
class _Criterion:
    weight: int
    met: bool
    message: object  # a lazy string: translated only if the criterion is not met
    field: str = ""


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


def _score(criteria: list[_Criterion], last_verified_at, link_fix: Fix | None, now) -> Quality:
    applicable = sum(c.weight for c in criteria)
    earned = sum(c.weight for c in criteria if c.met)
    completeness = COMPLETENESS_POINTS * earned / applicable
    freshness = freshness_points(last_verified_at, now)
    fixes = [
        Fix(str(c.message), _round(COMPLETENESS_POINTS * c.weight / applicable), c.field) for c in criteria if not c.met
    ]
    freshness_fix = _freshness_fix(last_verified_at, freshness, now)
    if freshness_fix:
        fixes.append(freshness_fix)
    if link_fix:
        fixes.append(link_fix)
    fixes.sort(key=lambda fix: -fix.points)  # stable: equal points keep the order above
    score = _round(completeness + freshness + (0 if link_fix else LINK_POINTS))
    return Quality(score=score, fixes=tuple(fixes))


def structure_quality(
    structure: Structure,
    *,
    has_published_offer: bool,
    link: LinkCheck | None = None,
    now: datetime.datetime | None = None,
) -> Quality:
    """The structure's score; `link` is the check of its website, if any."""
    now = now or timezone.now()
    s, w = structure, STRUCTURE_WEIGHTS
    criteria = [
        _Criterion(w["description"], bool(s.description.strip()), M["structure_description"], "description"),
        _Criterion(w["contact"], bool(s.email or s.phone.strip()), M["contact"], "email"),
        _Criterion(w["published_offer"], has_published_offer, M["published_offer"]),
        _Criterion(w["website"], bool(s.website), M["website"], "website"),
        _Criterion(w["coordinates"], s.latitude is not None and s.longitude is not None, M["coordinates"]),
        _Criterion(w["address"], bool(s.address.strip() and s.commune_id), M["address"], "address"),
        _Criterion(w["legal_form"], s.legal_form_id is not None, M["legal_form"], "legal_form"),
        _Criterion(w["opening_hours"], bool(s.opening_hours.strip()), M["opening_hours"], "opening_hours"),
        _Criterion(w["accessibility"], bool(s.accessibility.strip()), M["accessibility"], "accessibility"),
    ]
    link_fix = _link_fix(link, _("Le site web"), now) if is_broken(link, s.website) else None
    return _score(criteria, s.last_verified_at, link_fix, now)


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
    now = now or timezone.now()
    o, w = offer, OFFER_WEIGHTS
    criteria = [
        _Criterion(w["description"], bool(o.description.strip()), M["offer_description"], "description"),
        _Criterion(w["how_to_access"], bool(o.how_to_access.strip()), M["how_to_access"], "how_to_access"),
        _Criterion(w["contact"], bool(o.url or o.email), M["offer_contact"], "url"),
        _Criterion(w["needs"], has_needs, M["needs"], "needs"),
        _Criterion(w["coverage"], has_coverage, M["coverage"], "coverage"),
        _Criterion(w["stages"], has_stages, M["stages"], "stages"),
    ]
    if o.offer_type == OfferType.FUNDING:
        criteria += [
            _Criterion(w["instrument"], o.instrument_id is not None, M["instrument"], "instrument"),
            _Criterion(w["amount"], o.amount_min is not None or o.amount_max is not None, M["amount"], "amount_min"),
        ]
    if o.is_call_for_projects:
        today = timezone.localdate(now)
        if o.opens_on is None:
            criteria.append(_Criterion(w["call_dates"], False, M["opens_on"], "opens_on"))
        elif o.closes_on is None:
            criteria.append(_Criterion(w["call_dates"], False, M["closes_on"], "closes_on"))
        elif o.closes_on < today:
            message = _(
                "L'appel est clos depuis le %(date)s : indiquez les dates de la prochaine session ou archivez l'offre"
            ) % {"date": _date(o.closes_on, now)}
            criteria.append(_Criterion(w["call_dates"], False, message, "closes_on"))
        else:
            criteria.append(_Criterion(w["call_dates"], True, ""))
    link_fix = _link_fix(link, _("La page de l'offre"), now) if is_broken(link, o.url) else None
    return _score(criteria, o.last_verified_at, link_fix, now)
