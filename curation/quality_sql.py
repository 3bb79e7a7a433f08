"""The quality score of curation/quality.py written as an SQL expression: a whole scope scored in one query.

curation/quality.py stays the source of truth, and still scores the entries a page shows (it also says what to
fix). This module computes the same integer in the database: the same criteria and weights, and the same
floating-point operations in the same order on exact integers (weights, microseconds), so that both round alike;
tests/directory/test_quality_sql.py holds them equal on SQLite and PostgreSQL.

The facts beyond the entry's columns (a published offer, needs, coverage, stages, a broken link) are `IN`
subqueries: the database hashes each table once for the whole scope, and PostgreSQL's cost estimate stays low
(a correlated EXISTS per row is costed as an index probe per row, which on a national scope sent the query to JIT
compilation, longer than the query itself).

    completeness = 60 × earned / applicable   (two exact integers, one correctly rounded division)
    freshness    = 25 × (STALE_AFTER − age) / (STALE_AFTER − FRESH_FOR), with the ages in microseconds
    score        = floor(completeness + freshness + link + 0.5)
"""

import datetime

from django.db import NotSupportedError
from django.db.models import (
    BigIntegerField,
    Case,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Floor
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone

from curation.models import BROKEN_AFTER, LinkCheck
from curation.quality import (
    COMPLETENESS_POINTS,
    FRESH_FOR,
    FRESHNESS_POINTS,
    LINK_POINTS,
    OFFER_WEIGHTS,
    STRUCTURE_WEIGHTS,
)
from directory.models import STALE_AFTER, Offer, OfferType, PublicationStatus, Structure

# Every character str.isspace() accepts, i.e. what str.strip() removes (a test holds the list complete).
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)


class EpochMicroseconds(Func):
    """Microseconds since 1970-01-01 UTC of a datetime, as an exact integer (None stays None)."""

    arity = 1
    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("EpochMicroseconds is written for PostgreSQL and SQLite only.")

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        # EXTRACT(EPOCH …) is an exact numeric since PostgreSQL 14; the cast rounds to the microsecond either way.
        return f"(EXTRACT(EPOCH FROM {sql}) * 1000000)::bigint", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        # Django stores a datetime as UTC text, « YYYY-MM-DD HH:MM:SS[.ffffff] » (milliseconds when written by
        # Now()): whole seconds from strftime, then the fraction padded to six digits.
        return (
            f"(CAST(strftime('%%s', {sql}) AS INTEGER) * 1000000"
            f" + CAST(substr(substr({sql}, 21) || '000000', 1, 6) AS INTEGER))",
            (*params, *params),
        )


def _microseconds(moment: datetime.datetime) -> int:
    return (moment - EPOCH) // MICROSECOND


def _filled(field: str) -> Q:
    """`bool(value.strip())`: something is left once Python's whitespace is trimmed."""
    trimmed = Func(F(field), Value(WHITESPACE), function="RTRIM", output_field=TextField())
    return ~Q(Exact(trimmed, Value("")))


def _earned(criteria: list[tuple[int, Q]]):
    """The sum of the weights of the criteria met."""
    return sum((Case(When(met, then=Value(weight)), default=Value(0)) for weight, met in criteria), Value(0))


def _freshness(now: datetime.datetime):
    """quality.freshness_points, on the microseconds of `last_verified_at`."""
    verified = EpochMicroseconds("last_verified_at")
    stale_from = _microseconds(now - STALE_AFTER)  # 25 × (STALE_AFTER − age) = 25 × (verified − stale_from)
    decay = Cast(Value(FRESHNESS_POINTS) * (verified - Value(stale_from)), FloatField()) / Cast(
        Value((STALE_AFTER - FRESH_FOR) // MICROSECOND), FloatField()
    )
    return Case(
        When(last_verified_at__isnull=True, then=Value(0.0)),
        When(GreaterThanOrEqual(verified, Value(_microseconds(now - FRESH_FOR))), then=Value(float(FRESHNESS_POINTS))),
        When(LessThanOrEqual(verified, Value(stale_from)), then=Value(0.0)),
        default=decay,
        output_field=FloatField(),
    )


def _score(earned, applicable, broken: Q, now: datetime.datetime):
    completeness = Cast(Value(COMPLETENESS_POINTS) * earned, FloatField()) / Cast(applicable, FloatField())
    link = Case(When(broken, then=Value(0.0)), default=Value(float(LINK_POINTS)), output_field=FloatField())
    return Cast(Floor(completeness + _freshness(now) + link + Value(0.5)), IntegerField())


def _broken_link(owner: str, url_field: str) -> Q:
    """quality.is_broken: the entry's current address failed two checks in a row and nobody ignored it."""
    checks = LinkCheck.objects.filter(
        url=F(f"{owner}__{url_field}"), consecutive_failures__gte=BROKEN_AFTER, ignored_at__isnull=True
    )
    return ~Q(**{url_field: ""}) & Q(pk__in=checks.values(f"{owner}_id"))


def structure_score(now: datetime.datetime | None = None):
    """The expression of quality.structure_quality(…).score, for a Structure queryset."""
    now = now or timezone.now()
    w = STRUCTURE_WEIGHTS
    published_offers = Offer.objects.filter(status=PublicationStatus.PUBLISHED)
    earned = _earned(
        [
            (w["description"], _filled("description")),
            (w["contact"], ~Q(email="") | _filled("phone")),
            (w["published_offer"], Q(pk__in=published_offers.values("structure_id"))),
            (w["website"], ~Q(website="")),
            (w["coordinates"], Q(latitude__isnull=False, longitude__isnull=False)),
            (w["address"], _filled("address") & Q(commune__isnull=False)),
            (w["legal_form"], Q(legal_form__isnull=False)),
            (w["opening_hours"], _filled("opening_hours")),
            (w["accessibility"], _filled("accessibility")),
        ]
    )
    applicable = Value(sum(w.values()))
    return _score(earned, applicable, _broken_link("structure", "website"), now)


def offer_score(now: datetime.datetime | None = None):
    """The expression of quality.offer_quality(…).score, for an Offer queryset."""
    now = now or timezone.now()
    w = OFFER_WEIGHTS
    funding = Q(offer_type=OfferType.FUNDING)
    call = Q(opens_on__isnull=False) | Q(closes_on__isnull=False)
    open_call = Q(opens_on__isnull=False, closes_on__isnull=False, closes_on__gte=timezone.localdate(now))
    earned = _earned(
        [
            (w["description"], _filled("description")),
            (w["how_to_access"], _filled("how_to_access")),
            (w["contact"], ~Q(url="") | ~Q(email="")),
            (w["needs"], Q(pk__in=Offer.needs.through.objects.values("offer_id"))),
            (w["coverage"], Q(pk__in=Offer.coverage.through.objects.values("offer_id"))),
            (w["stages"], Q(pk__in=Offer.stages.through.objects.values("offer_id"))),
            (w["instrument"], funding & Q(instrument__isnull=False)),
            (w["amount"], funding & (Q(amount_min__isnull=False) | Q(amount_max__isnull=False))),
            (w["call_dates"], open_call),
        ]
    )
    always = sum(weight for name, weight in w.items() if name not in {"instrument", "amount", "call_dates"})
    applicable = (
        Value(always)
        + Case(When(funding, then=Value(w["instrument"] + w["amount"])), default=Value(0))
        + Case(When(call, then=Value(w["call_dates"])), default=Value(0))
    )
    return _score(earned, applicable, _broken_link("offer", "url"), now)


def quality_score(model, now: datetime.datetime | None = None):
    """The score expression of a Structure or an Offer queryset's entries."""
    return structure_score(now) if model is Structure else offer_score(now)
