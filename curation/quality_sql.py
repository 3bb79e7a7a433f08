"""The quality score of curation/quality.py written as an SQL expression: a whole scope scored in one query.

curation/quality.py stays the source of truth, and still scores the entries a page shows (it also says what to
fix). This module builds the same integer in the database from the same declaration: it iterates the criteria of
quality.STRUCTURE_RULES and quality.OFFER_RULES and asks each condition for its SQL (`Condition.q`), so it holds
no criterion, weight or point of its own. What it adds is only what SQL needs to round alike: the same
floating-point operations in the same order on exact integers (weights, microseconds).
tests/curation/test_quality_sql.py holds both forms equal on SQLite and PostgreSQL.

The facts beyond the entry's columns (a published offer, needs, coverage, stages, a broken link) are correlated
EXISTS, an index probe per entry: on a région's scope (8,700 of 60,000 offers) that is half the time of `IN`
subqueries, which hash each whole table whatever the scope, and the same on the national scope. (They were `IN`
subqueries while PostgreSQL's JIT was on: its cost estimate for an EXISTS per row sent the national query to JIT
compilation; the application's connections now run with `jit=off`, portal/settings/base.py.)

    earned       = Σ weights of the criteria met (a criterion is met only where it applies)
    applicable   = Σ weights of the criteria every entry answers + one CASE per condition of applying
    completeness = 60 × earned / applicable   (two exact integers, one correctly rounded division)
    freshness    = 25 × (STALE_AFTER − age) / (STALE_AFTER − FRESH_FOR), with the ages in microseconds
    score        = floor(completeness + freshness + link + 0.5)
"""

import datetime

from django.db import NotSupportedError
from django.db.models import BigIntegerField, Case, F, FloatField, Func, IntegerField, Q, Value, When
from django.db.models.functions import Cast, Floor
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone

from curation.models import BROKEN_AFTER, LinkCheck
from curation.quality import COMPLETENESS_POINTS, FRESH_FOR, FRESHNESS_POINTS, LINK_POINTS, RULES, Criterion
from directory.models import STALE_AFTER, Offer, Structure

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


def _met(criterion: Criterion, now: datetime.datetime) -> Q:
    """The criterion is met: it applies to the entry, and all its checks hold."""
    met = criterion.condition.q(now)
    return criterion.applies_to.q(now) & met if criterion.applies_to else met


def _earned(criteria: tuple[Criterion, ...], now: datetime.datetime):
    """The sum of the weights of the criteria met."""
    return sum((Case(When(_met(c, now), then=Value(c.weight)), default=Value(0)) for c in criteria), Value(0))


def _applicable(criteria: tuple[Criterion, ...], now: datetime.datetime):
    """The sum of the weights of the criteria that apply: a constant, plus a CASE per condition of applying."""
    always = sum(c.weight for c in criteria if c.applies_to is None)
    weights = {}  # the criteria applying to the same entries (a funding offer's two) weigh in one CASE
    for c in criteria:
        if c.applies_to is not None:
            weights[c.applies_to] = weights.get(c.applies_to, 0) + c.weight
    cases = (Case(When(applies.q(now), then=Value(weight)), default=Value(0)) for applies, weight in weights.items())
    return sum(cases, Value(always))


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


def _broken_link(model, url_field: str) -> Q:
    """quality.is_broken: the entry's current address failed two checks in a row and nobody ignored it."""
    owner = model._meta.model_name  # LinkCheck's foreign keys are named after the models they point to
    checks = LinkCheck.objects.filter(
        url=F(f"{owner}__{url_field}"), consecutive_failures__gte=BROKEN_AFTER, ignored_at__isnull=True
    )
    return ~Q(**{url_field: ""}) & Q(pk__in=checks.values(f"{owner}_id"))


def quality_score(model, now: datetime.datetime | None = None):
    """The score expression of a Structure or an Offer queryset's entries, built from quality.RULES[model]."""
    now = now or timezone.now()
    rules = RULES[model]
    earned = _earned(rules.criteria, now)
    applicable = _applicable(rules.criteria, now)
    return _score(earned, applicable, _broken_link(model, rules.url_field), now)


def structure_score(now: datetime.datetime | None = None):
    """The expression of quality.structure_quality(…).score, for a Structure queryset."""
    return quality_score(Structure, now)


def offer_score(now: datetime.datetime | None = None):
    """The expression of quality.offer_quality(…).score, for an Offer queryset."""
    return quality_score(Offer, now)
