"""Alerts: subscribe (double opt-in), confirm, unsubscribe (one click, RFC 8058), and the daily digest.

The daily run (`send_daily_digests`, beat task funding.tasks.alerts_daily):

1. `refresh_watch()` diffs the published offers against OfferWatch: an offer never seen is new (first_seen_at),
   an offer whose closing date moved is changed (closes_on_changed_at). The first run ever only records what
   exists (nothing is « new » on the day alerts are switched on).
2. For each active subscription, what happened since its `checked_until`: new offers, new calls for projects,
   calls whose closing date changed, calls closing within 7 days (each call once, the day it enters the window);
   kept are those matching the subscription: a search through the directory's OfferFilter, a parcours through
   the matching engine's hard filters (funding.selectors.where), both restricted to those few offers. The run
   reads the events of an instant, and matches a (kind, query, instant), once (`DailyRun`), whatever the number
   of subscriptions sharing them.
3. One digest per subscription and day at most (AlertDigest's unique constraint and the outbox key): running the
   task twice sends one e-mail. Every e-mail goes through the outbox, with List-Unsubscribe and
   List-Unsubscribe-Post headers. Subscriptions are written CHUNK at a time, each chunk in one transaction of a
   few statements (digests, outbox rows, `checked_until`), never a statement per subscription.
"""

import datetime
import logging
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection, transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.magic_links import InvalidLink, make_token, read_token
from accounts.models import Email
from accounts.outbox import outbox_row, queue_email, queue_emails
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
CHUNK = 500  # subscriptions per transaction of the daily run


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


def _render(template: str, context: dict) -> tuple[str, str]:
    """The subject and body of an alert e-mail."""
    context = {**context, "site_url": absolute_url("")}
    subject = render_to_string(f"alerts/emails/{template}_subject.txt", context).strip()
    return subject, render_to_string(f"alerts/emails/{template}.txt", context)


def _queue(*, key: str, kind: str, to: list[str], template: str, context: dict, headers=None) -> Email | None:
    subject, body = _render(template, context)
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
    profile = selectors.build_profile(**form.profile_values(), for_ranking=False)
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


def _offers_of(events: Events) -> dict[int, Offer]:
    """The offers the events name, with what a digest shows of them: one query."""
    return {
        offer.pk: offer
        for offer in Offer.objects.filter(pk__in=events.ids)
        .select_related("structure")
        .only("pk", "title", "opens_on", "closes_on", "offer_type", "structure__name")
    }


def _sections(ids: set[int], events: Events, offers: dict[int, Offer], today: datetime.date) -> dict[str, list[Offer]]:
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


class DailyRun:
    """What one daily run reads once: the events since an instant (and the offers they name), and the digest
    sections of a (kind, query, instant), shared by every subscription with that query checked until then."""

    def __init__(self, now: datetime.datetime):
        self.now = now
        self.today = timezone.localdate(now)
        self._events: dict[datetime.datetime, tuple[Events, dict[int, Offer]]] = {}
        self._sections: dict[tuple, dict[str, list[Offer]]] = {}

    def sections(self, subscription: AlertSubscription) -> dict[str, list[Offer]]:
        since = subscription.checked_until or subscription.confirmed_at
        if since not in self._events:
            events = events_since(since, today=self.today)
            self._events[since] = (events, _offers_of(events) if events.ids else {})
        events, offers = self._events[since]
        query = (subscription.kind, subscription.query, since)
        if query not in self._sections:
            ids = matching_ids(subscription, events.ids, today=self.today)
            self._sections[query] = _sections(ids, events, offers, self.today) if ids else {}
        return self._sections[query]


def _digest_email(subscription: AlertSubscription, sections: dict, today: datetime.date) -> Email | None:
    """The unsaved outbox row of a subscription's digest of the day (List-Unsubscribe headers, RFC 8058)."""
    unsubscribe = unsubscribe_url(subscription)
    subject, body = _render(
        "digest",
        {
            "subscription": subscription,
            "sections": sections,
            "page_url": page_url(subscription),
            "unsubscribe_url": unsubscribe,
            "today": today,
        },
    )
    return outbox_row(
        key=f"alert-digest-{subscription.pk}-{today.isoformat()}",
        kind="alert-digest",
        to=[subscription.email],
        subject=subject,
        body=body,
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def _digested(subscription_ids, day: datetime.date) -> set[int]:
    """Those of the subscriptions whose digest of the day is already written."""
    return set(
        AlertDigest.objects.filter(subscription_id__in=list(subscription_ids), day=day).values_list(
            "subscription_id", flat=True
        )
    )


def send_digests(subscriptions: list[AlertSubscription], run: DailyRun) -> int:
    """Write today's digests of these subscriptions (at most one a day each) in one transaction; return how many.

    A subscription whose digest of the day is out is left alone: what came since waits for tomorrow's. The others
    are checked until the run's instant, with or without news. The subscriptions are locked and read again before
    writing, so a run started at the same time (or an unsubscription meanwhile) cannot make a second e-mail."""
    digested = _digested((subscription.pk for subscription in subscriptions), run.today)
    drafts = {
        subscription.pk: (subscription, run.sections(subscription))
        for subscription in subscriptions
        if subscription.pk not in digested
    }
    if not drafts:
        return 0
    with transaction.atomic():
        locked = AlertSubscription.objects.active().select_for_update().filter(pk__in=list(drafts))
        active = set(locked.values_list("pk", flat=True))
        digested = _digested(active, run.today)
        digests, emails, checked = [], [], []
        for pk, (subscription, sections) in drafts.items():
            if pk not in active or pk in digested:
                continue
            checked.append(pk)
            counts = {name: len(offers) for name, offers in sections.items() if offers}
            if counts:
                digests.append(AlertDigest(subscription_id=pk, day=run.today, counts=counts))
                emails.append(_digest_email(subscription, sections, run.today))
        # The unique constraint and the outbox keys keep a digest single even past the lock (SQLite has none).
        AlertDigest.objects.bulk_create(digests, ignore_conflicts=True)
        queue_emails(emails)
        AlertSubscription.objects.filter(pk__in=checked).update(checked_until=run.now)
    return len(digests)


def send_daily_digests(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The daily run (see the module's docstring). Idempotent: a second run the same day sends nothing more."""
    now = now or timezone.now()
    watch = refresh_watch(now=now)
    run = DailyRun(now)
    sent, last_pk = 0, 0
    while chunk := list(AlertSubscription.objects.active().filter(pk__gt=last_pk).order_by("pk")[:CHUNK]):
        sent += send_digests(chunk, run)
        last_pk = chunk[-1].pk
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
