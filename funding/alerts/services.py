"""Alerts: subscribe (double opt-in), confirm, unsubscribe (one click, RFC 8058), and the daily digest.

The daily run (`send_daily_digests`, beat task funding.tasks.alerts_daily):

1. `refresh_watch()` diffs the published offers against OfferWatch: an offer never seen is new (first_seen_at),
   an offer whose closing date moved is changed (closes_on_changed_at). The first run ever only records what
   exists (nothing is « new » on the day alerts are switched on).
2. For each active subscription, what happened since its `checked_until`: new offers, new calls for projects,
   calls whose closing date changed, calls closing within 7 days (each call once, the day it enters the window);
   kept are those matching the subscription: a search through the directory's OfferFilter, a parcours through
   the matching engine's hard filters (funding.selectors.where), both restricted to those few offers.
3. One digest per subscription and day at most (AlertDigest's unique constraint and the outbox key): running the
   task twice sends one e-mail. Every e-mail goes through the outbox, with List-Unsubscribe and
   List-Unsubscribe-Post headers.
"""

import datetime
import logging
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import IntegrityError, connection, transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.magic_links import InvalidLink, make_token, read_token
from accounts.models import Email
from accounts.outbox import queue_email
from directory.filters import OfferFilter
from directory.models import Offer
from funding import selectors
from funding.alerts.models import AlertDigest, AlertKind, AlertRun, AlertSubscription, OfferWatch
from funding.forms import ProfileForm
from funding.match_entries import MatchEntry
from funding.referrals.emails import absolute_url

logger = logging.getLogger(__name__)

CONFIRM_PURPOSE = "alert-confirm"
UNSUBSCRIBE_PURPOSE = "alert-unsubscribe"
CONFIRM_MAX_AGE = datetime.timedelta(days=3)
UNSUBSCRIBE_MAX_AGE = datetime.timedelta(days=3650)  # an unsubscribe link works as long as the e-mails come
CLOSING_SOON_DAYS = 7
MAX_OFFERS_PER_SECTION = 20


# --------------------------------------------------------------------------------------------- subscriptions


def confirm_url(subscription: AlertSubscription) -> str:
    token = make_token(CONFIRM_PURPOSE, subscription.pk, n=subscription.nonce)
    return absolute_url(reverse("funding:alert_confirm", args=[token]))


def unsubscribe_url(subscription: AlertSubscription) -> str:
    token = make_token(UNSUBSCRIBE_PURPOSE, subscription.pk, n=subscription.nonce)
    return absolute_url(reverse("funding:alert_unsubscribe", args=[token]))


def page_url(subscription: AlertSubscription) -> str:
    name = "directory:search" if subscription.kind == AlertKind.SEARCH else "funding:results"
    return absolute_url(reverse(name) + "?" + subscription.query)


@transaction.atomic
def alert_subscribe(*, email: str, kind: str, query: list[tuple[str, str]], label: str, user=None) -> AlertSubscription:
    """Record a subscription; a signed-in holder's verified address is confirmed at once, any other address gets
    the confirmation e-mail only (nothing else is sent until it is confirmed)."""
    subscription = AlertSubscription(
        email=user.email if user is not None else email,
        user=user,
        kind=AlertKind(kind),
        query=urlencode(query)[:1000],
        label=label[:300],
        nonce=secrets.token_hex(8),
    )
    if user is not None:
        subscription.confirmed_at = subscription.checked_until = timezone.now()
    subscription.full_clean()
    subscription.save()
    if subscription.confirmed_at is None:
        _queue(
            key=f"alert-confirm-{subscription.pk}",
            kind="alert-confirm",
            to=[subscription.email],
            template="confirm",
            context={"subscription": subscription, "confirm_url": confirm_url(subscription)},
        )
    return subscription


class AlertLinkError(Exception):
    """A link that changes nothing; `message` says why, in French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _from_token(purpose: str, token: str, max_age) -> AlertSubscription:
    try:
        payload = read_token(purpose, token, max_age=max_age)
    except InvalidLink as error:
        if error.reason == "expired":
            raise AlertLinkError(_("Ce lien a expiré : rien n'a été modifié.")) from None
        raise AlertLinkError(_("Ce lien n'est pas valide : rien n'a été modifié.")) from None
    subscription = AlertSubscription.objects.select_for_update().filter(pk=payload.object_id).first()
    if subscription is None or not secrets.compare_digest(payload.extra.get("n", ""), subscription.nonce):
        raise AlertLinkError(_("Ce lien n'est pas valide : rien n'a été modifié."))
    return subscription


@transaction.atomic
def alert_confirm(*, token: str) -> AlertSubscription:
    subscription = _from_token(CONFIRM_PURPOSE, token, CONFIRM_MAX_AGE)
    if subscription.unsubscribed_at:
        raise AlertLinkError(_("Cette alerte a été désactivée : rien n'a été modifié."))
    if subscription.confirmed_at is None:
        subscription.confirmed_at = subscription.checked_until = timezone.now()
        subscription.save(update_fields=["confirmed_at", "checked_until"])
    return subscription


@transaction.atomic
def alert_unsubscribe(*, token: str) -> AlertSubscription:
    """Stop the alert and forget the address; a link already used, or forged, raises AlertLinkError."""
    subscription = _from_token(UNSUBSCRIBE_PURPOSE, token, UNSUBSCRIBE_MAX_AGE)
    if subscription.unsubscribed_at:
        raise AlertLinkError(_("Vous étiez déjà désinscrit·e de cette alerte : rien n'a été modifié."))
    subscription.unsubscribed_at = timezone.now()
    subscription.email = ""
    subscription.save(update_fields=["unsubscribed_at", "email"])
    return subscription


def _queue(*, key: str, kind: str, to: list[str], template: str, context: dict, headers=None) -> Email | None:
    context = {**context, "site_url": absolute_url("")}
    subject = render_to_string(f"alerts/emails/{template}_subject.txt", context).strip()
    body = render_to_string(f"alerts/emails/{template}.txt", context)
    return queue_email(key=key, kind=kind, to=to, subject=subject, body=body, headers=headers)


# --------------------------------------------------------------------------------------------- the daily run


def refresh_watch(*, now: datetime.datetime) -> dict[str, int]:
    """Diff the published offers against OfferWatch (see the module's docstring); the first run ever (no AlertRun
    yet) only records them."""
    current = dict(Offer.objects.published().values_list("pk", "closes_on"))
    watched = dict(OfferWatch.objects.values_list("offer_id", "closes_on"))
    first_run = not AlertRun.objects.exists()
    new = [
        OfferWatch(offer_id=pk, closes_on=closes_on, first_seen_at=None if first_run else now)
        for pk, closes_on in current.items()
        if pk not in watched
    ]
    changed = [
        OfferWatch(offer_id=pk, closes_on=current[pk], closes_on_changed_at=now)
        for pk, closes_on in watched.items()
        if pk in current and current[pk] != closes_on
    ]
    gone = [pk for pk in watched if pk not in current]
    with transaction.atomic():
        OfferWatch.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        OfferWatch.objects.bulk_update(changed, ["closes_on", "closes_on_changed_at"], batch_size=2000)
        for start in range(0, len(gone), 2000):
            OfferWatch.objects.filter(offer_id__in=gone[start : start + 2000]).delete()
    return {"new": 0 if first_run else len(new), "changed": len(changed), "gone": len(gone)}


@dataclass
class Events:
    """What happened to public offers since an instant: offer ids by kind of news."""

    new: set[int] = field(default_factory=set)
    changed: set[int] = field(default_factory=set)
    closing: set[int] = field(default_factory=set)

    @property
    def ids(self) -> set[int]:
        return self.new | self.changed | self.closing


def events_since(since: datetime.datetime, *, today: datetime.date) -> Events:
    window_start = timezone.localdate(since) + datetime.timedelta(days=CLOSING_SOON_DAYS)
    window_end = today + datetime.timedelta(days=CLOSING_SOON_DAYS)
    return Events(
        new=set(OfferWatch.objects.filter(first_seen_at__gt=since).values_list("offer_id", flat=True)),
        changed=set(OfferWatch.objects.filter(closes_on_changed_at__gt=since).values_list("offer_id", flat=True)),
        # A call enters the « closes within 7 days » window once: the day its closing date is 7 days ahead.
        closing=set(
            OfferWatch.objects.filter(
                closes_on__gt=window_start, closes_on__lte=window_end, closes_on__gte=today
            ).values_list("offer_id", flat=True)
        ),
    )


def matching_ids(subscription: AlertSubscription, candidate_ids: set[int], *, today: datetime.date) -> set[int]:
    """Those of the candidate offers that the subscription's search or parcours finds today."""
    if not candidate_ids:
        return set()
    data = QueryDict(subscription.query)
    if subscription.kind == AlertKind.SEARCH:
        queryset = Offer.objects.published().filter(pk__in=candidate_ids).current(today)
        found = OfferFilter(data=data, queryset=queryset)
        if not found.is_valid():
            return set()
        return set(found.qs.values_list("pk", flat=True))
    form = ProfileForm(data)
    if not form.is_valid():
        return set()
    profile = selectors.build_profile(**form.profile_values())
    conditions, params = selectors.where(profile, today=today)
    ids = sorted(candidate_ids)
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT DISTINCT offer_id FROM {MatchEntry._meta.db_table} "
        f"WHERE {conditions or '1=1'} AND offer_id IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + ids)
        return {row[0] for row in cursor.fetchall()}


def _sections(ids: set[int], events: Events, today: datetime.date) -> dict[str, list[Offer]]:
    offers = {
        offer.pk: offer
        for offer in Offer.objects.filter(pk__in=ids)
        .select_related("structure")
        .only("pk", "title", "opens_on", "closes_on", "offer_type", "structure__name")
    }

    def pick(selected):
        chosen = sorted((offers[pk] for pk in selected if pk in offers), key=lambda o: (o.closes_on or today, o.title))
        return chosen[:MAX_OFFERS_PER_SECTION]

    new = ids & events.new
    return {
        "new_offers": pick({pk for pk in new if pk in offers and not offers[pk].is_call_for_projects}),
        "new_calls": pick({pk for pk in new if pk in offers and offers[pk].is_call_for_projects}),
        "changed_calls": pick((ids & events.changed) - new),
        "closing_calls": pick((ids & events.closing) - new - events.changed),
    }


def send_digest(subscription: AlertSubscription, *, now: datetime.datetime, events_cache: dict) -> bool:
    """Write this subscription's digest for today (at most one a day); True when an e-mail was written.

    `events_cache` is the run's: the events since a moment, and the matches of a (kind, query, since)."""
    today = timezone.localdate(now)
    since = subscription.checked_until or subscription.confirmed_at
    if since not in events_cache:
        events_cache[since] = events_since(since, today=today)
    events = events_cache[since]
    # Many subscriptions share a query (and a `since`): matched once, their sections read once (the run's cache).
    query = (subscription.kind, subscription.query, since)
    if query not in events_cache:
        ids = matching_ids(subscription, events.ids, today=today)
        events_cache[query] = (ids, _sections(ids, events, today) if ids else {})
    ids, sections = events_cache[query]
    counts = {name: len(offers) for name, offers in sections.items() if offers}
    try:
        with transaction.atomic():
            if counts:
                AlertDigest.objects.create(subscription=subscription, day=today, counts=counts)
                unsubscribe = unsubscribe_url(subscription)
                _queue(
                    key=f"alert-digest-{subscription.pk}-{today.isoformat()}",
                    kind="alert-digest",
                    to=[subscription.email],
                    template="digest",
                    context={
                        "subscription": subscription,
                        "sections": sections,
                        "page_url": page_url(subscription),
                        "unsubscribe_url": unsubscribe,
                        "today": today,
                    },
                    headers={
                        "List-Unsubscribe": f"<{unsubscribe}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    },
                )
            elif AlertDigest.objects.filter(subscription=subscription, day=today).exists():
                return False  # today's digest is out: what came since waits for tomorrow's
            AlertSubscription.objects.filter(pk=subscription.pk).update(checked_until=now)
    except IntegrityError:
        return False  # today's digest was already written (a second run): what came since waits for tomorrow
    return bool(counts)


def send_daily_digests(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The daily run (see the module's docstring). Idempotent: a second run the same day sends nothing more."""
    now = now or timezone.now()
    watch = refresh_watch(now=now)
    sent = 0
    events_cache: dict = {}
    for subscription in AlertSubscription.objects.active().order_by("pk").iterator(chunk_size=500):
        sent += send_digest(subscription, now=now, events_cache=events_cache)
    logger.info("alerts: %d digest(s) written", sent)
    result = {"digests": sent, **watch}
    AlertRun.objects.create(ran_at=now, counts=result)
    return result


def purge_unconfirmed(*, now: datetime.datetime | None = None) -> int:
    """Subscriptions never confirmed are deleted after a week (their link expires after three days)."""
    now = now or timezone.now()
    deleted, _detail = AlertSubscription.objects.filter(
        confirmed_at__isnull=True, created_at__lt=now - datetime.timedelta(days=7)
    ).delete()
    return deleted
