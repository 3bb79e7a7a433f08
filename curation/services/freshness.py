"""Update campaigns: ask structures to confirm their entry, remind them, track what came of it.

E-mails are written to the outbox (accounts.outbox) by the task queued on commit; it claims its timestamp in the same
transaction, so running it twice writes one e-mail, and the outbox sends it once.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.magic_links import make_token, read_token
from accounts.outbox import publish, queue_email
from curation.models import UpdateCampaign, UpdateOutcome, UpdateRequest
from directory.models import PublicationStatus, Structure

# Queued by name: services never import tasks (the tasks import the services).
SEND_UPDATE_REQUEST = "curation.tasks.send_update_request"

LINK_PURPOSE = "update-request"
LINK_MAX_AGE = datetime.timedelta(days=45)
FIRST_REMINDER_AFTER = datetime.timedelta(days=14)
SECOND_REMINDER_AFTER = datetime.timedelta(days=30)
NO_ANSWER_AFTER = LINK_MAX_AGE


def update_request_token(update_request: UpdateRequest) -> str:
    return make_token(LINK_PURPOSE, update_request.pk)


def update_request_from_token(token: str) -> UpdateRequest:
    """The request a link points at; raises InvalidLink (tampered, expired) or UpdateRequest.DoesNotExist."""
    payload = read_token(LINK_PURPOSE, token, max_age=LINK_MAX_AGE)
    return UpdateRequest.objects.select_related("structure").get(pk=payload.object_id)


def _queue(update_request_id: int, step: str) -> None:
    transaction.on_commit(lambda: publish(SEND_UPDATE_REQUEST, args=(update_request_id, step)))


STEP_FIELDS = {"initial": "sent_at", "first_reminder": "first_reminder_at", "second_reminder": "second_reminder_at"}


@transaction.atomic
def update_request_email_queue(*, update_request_id: int, step: str = "initial") -> bool:
    """Write the request (or one of its reminders) with its magic link to the outbox; False when already written
    or answered."""
    field = STEP_FIELDS[step]
    claimed = UpdateRequest.objects.filter(
        pk=update_request_id, outcome=UpdateOutcome.PENDING, **{f"{field}__isnull": True}
    ).update(**{field: timezone.now()})
    if not claimed:
        return False
    update_request = UpdateRequest.objects.select_related("structure").get(pk=update_request_id)
    link = settings.SITE_URL.rstrip("/") + reverse(
        "curation:update_answer", args=[update_request_token(update_request)]
    )
    subjects = {
        "initial": _("Guichet ESS : votre fiche est-elle à jour ?"),
        "first_reminder": _("Rappel — Guichet ESS : votre fiche est-elle à jour ?"),
        "second_reminder": _("Dernier rappel — Guichet ESS : votre fiche est-elle à jour ?"),
    }
    queue_email(
        key=f"update-request-{update_request_id}-{step}",
        kind="update-request",
        to=[update_request.structure.email],
        subject=subjects[step],
        body=render_to_string(
            "curation/emails/update_request.txt",
            {"structure": update_request.structure, "link": link, "step": step},
        ),
    )
    return True


def campaigns_due(now=None):
    now = now or timezone.now()
    campaigns = UpdateCampaign.objects.filter(is_active=True).select_related("region")
    return [c for c in campaigns if c.last_run_at is None or c.last_run_at + datetime.timedelta(c.period_days) <= now]


@transaction.atomic
def campaign_run(*, campaign: UpdateCampaign, now=None) -> list[UpdateRequest]:
    """Ask every published structure of the région not verified within the period (and not already asked)."""
    now = now or timezone.now()
    campaign = UpdateCampaign.objects.select_for_update().get(pk=campaign.pk)
    structures = (
        Structure.objects.filter(region=campaign.region_id, status=PublicationStatus.PUBLISHED)
        .exclude(email="")
        .filter(
            Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=now - datetime.timedelta(campaign.period_days))
        )
        .exclude(update_requests__outcome=UpdateOutcome.PENDING)
    )
    requests = UpdateRequest.objects.bulk_create(
        [UpdateRequest(campaign=campaign, structure=structure) for structure in structures.only("pk")]
    )
    campaign.last_run_at = now
    campaign.save(update_fields=["last_run_at"])
    for update_request in requests:
        _queue(update_request.pk, "initial")
    return requests


@transaction.atomic
def update_request_create(*, structure: Structure, user, reason: str = "") -> UpdateRequest:
    """A curator's one-off « ask for update »; an open request is reused (and sent again only if never sent)."""
    if not structure.email:
        raise ValidationError(_("Cette structure n'a pas de courriel : impossible de lui demander une mise à jour."))
    existing = structure.update_requests.open().first()
    if existing is not None:
        return existing
    update_request = UpdateRequest.objects.create(structure=structure, requested_by=user, reason=reason)
    _queue(update_request.pk, "initial")
    return update_request


@transaction.atomic
def reminders_queue(*, now=None) -> int:
    """Queue the reminders due (14 and 30 days after the request) and close the requests left unanswered."""
    now = now or timezone.now()
    open_requests = UpdateRequest.objects.open().filter(sent_at__isnull=False)
    queued = 0
    for pk in (
        open_requests.filter(first_reminder_at__isnull=True, sent_at__lte=now - FIRST_REMINDER_AFTER)
        .filter(sent_at__gt=now - SECOND_REMINDER_AFTER)
        .values_list("pk", flat=True)
    ):
        _queue(pk, "first_reminder")
        queued += 1
    for pk in open_requests.filter(
        second_reminder_at__isnull=True, sent_at__lte=now - SECOND_REMINDER_AFTER, sent_at__gt=now - NO_ANSWER_AFTER
    ).values_list("pk", flat=True):
        _queue(pk, "second_reminder")
        queued += 1
    open_requests.filter(sent_at__lte=now - NO_ANSWER_AFTER).update(outcome=UpdateOutcome.NO_ANSWER, answered_at=now)
    return queued


@transaction.atomic
def update_request_confirm(*, update_request: UpdateRequest) -> UpdateRequest:
    """« Rien n'a changé »: the entry is verified now (a second click changes nothing)."""
    update_request = UpdateRequest.objects.select_for_update().get(pk=update_request.pk)
    if update_request.outcome != UpdateOutcome.PENDING:
        return update_request
    now = timezone.now()
    structure = update_request.structure
    structure.last_verified_at = now
    structure._change_reason = _("Confirmée par la structure (« rien n'a changé »)")
    structure.save()
    update_request.outcome = UpdateOutcome.CONFIRMED
    update_request.answered_at = now
    update_request.save(update_fields=["outcome", "answered_at"])
    return update_request


@transaction.atomic
def update_request_mark_edited(*, update_request: UpdateRequest) -> UpdateRequest:
    updated = UpdateRequest.objects.filter(pk=update_request.pk, outcome=UpdateOutcome.PENDING).update(
        outcome=UpdateOutcome.EDITED, answered_at=timezone.now()
    )
    if updated:
        update_request.refresh_from_db()
    return update_request
