"""Curation e-mails: tasks take ids, claim their work before sending (run twice, one e-mail) and retry."""

import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from curation.models import ReviewStatus, Submission, UpdateOutcome, UpdateRequest
from curation.services.freshness import campaign_run, campaigns_due, reminders_queue, update_request_token
from curation.services.link_check import link_checks_run, owners_due
from directory.models import Offer, Structure


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_submission_acknowledgement(self, submission_id: int) -> bool:
    """Tell the submitter their proposal arrived; returns False when it was already sent."""
    claimed = Submission.objects.filter(pk=submission_id, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now()
    )
    if not claimed:
        return False
    submission = Submission.objects.get(pk=submission_id)
    try:
        send_mail(
            _("Guichet ESS : nous avons bien reçu votre proposition"),
            render_to_string("curation/emails/submission_acknowledgement.txt", {"submission": submission}),
            None,
            [submission.submitter_email],
        )
    except Exception:
        # Release the claim so the retry sends it.
        Submission.objects.filter(pk=submission_id).update(acknowledged_at=None)
        raise
    return True


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_submission_decision(self, submission_id: int) -> bool:
    """Tell the submitter their proposal was published or declined (and why); False when already sent."""
    claimed = (
        Submission.objects.filter(pk=submission_id, decision_sent_at__isnull=True)
        .exclude(status=ReviewStatus.PENDING)
        .update(decision_sent_at=timezone.now())
    )
    if not claimed:
        return False
    submission = Submission.objects.select_related("structure").get(pk=submission_id)
    approved = submission.status == ReviewStatus.APPROVED
    context = {
        "submission": submission,
        "structure_url": (
            settings.SITE_URL.rstrip("/") + submission.structure.get_absolute_url()
            if approved and submission.structure_id
            else ""
        ),
    }
    try:
        send_mail(
            _("Guichet ESS : votre proposition est publiée")
            if approved
            else _("Guichet ESS : votre proposition n'a pas été retenue"),
            render_to_string(
                "curation/emails/submission_approved.txt" if approved else "curation/emails/submission_rejected.txt",
                context,
            ),
            None,
            [submission.submitter_email],
        )
    except Exception:
        Submission.objects.filter(pk=submission_id).update(decision_sent_at=None)
        raise
    return True


STEP_FIELDS = {"initial": "sent_at", "first_reminder": "first_reminder_at", "second_reminder": "second_reminder_at"}


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_update_request(self, update_request_id: int, step: str = "initial") -> bool:
    """Send the request (or one of its reminders) with its magic link; False when already sent or answered."""

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
    try:
        send_mail(
            subjects[step],
            render_to_string(
                "curation/emails/update_request.txt",
                {"structure": update_request.structure, "link": link, "step": step},
            ),
            None,
            [update_request.structure.email],
        )
    except Exception:
        UpdateRequest.objects.filter(pk=update_request_id).update(**{field: None})
        raise
    return True


@shared_task
def run_update_campaigns() -> dict:
    """Beat task (daily): start the campaigns that are due, queue the reminders that are due."""

    started = [campaign_run(campaign=campaign) for campaign in campaigns_due()]
    return {"requests": sum(len(requests) for requests in started), "reminders": reminders_queue()}


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def check_links(
    self, structure_ids: list[int] = (), offer_ids: list[int] = (), checked_before: str | None = None
) -> dict:
    """Check the websites of the structures and the pages of the offers given by id, and record the results.

    Idempotent: an entry whose current URL was checked at or after `checked_before` (ISO 8601, the moment the
    check was asked for) is skipped, so a task delivered twice counts one failure, not two.
    """
    since = datetime.datetime.fromisoformat(checked_before) if checked_before else timezone.now()
    owners = owners_due(
        checked_before=since,
        structures=Structure.objects.filter(pk__in=list(structure_ids)),
        offers=Offer.objects.filter(pk__in=list(offer_ids)),
    )
    return link_checks_run(owners=owners, checked_before=since).as_dict()


@shared_task
def check_due_links() -> dict:
    """Beat task (weekly): queue checks of the published entries whose check is older than LINK_CHECK_MAX_AGE_DAYS.

    In chunks of LINK_CHECK_CHUNK_SIZE entries (one task each, well within the task time limit); the entries
    sharing a URL go in the same chunk, so that URL is asked once.
    """
    cutoff = timezone.now() - datetime.timedelta(days=settings.LINK_CHECK_MAX_AGE_DAYS)
    by_url = {}
    for owner in owners_due(checked_before=cutoff):
        by_url.setdefault(owner.url, []).append(owner)
    chunks, chunk = [], []
    for owners in by_url.values():
        if chunk and len(chunk) + len(owners) > settings.LINK_CHECK_CHUNK_SIZE:
            chunks.append(chunk)
            chunk = []
        chunk += owners
    if chunk:
        chunks.append(chunk)
    for chunk in chunks:
        check_links.delay(
            structure_ids=[o.pk for o in chunk if o.kind == "structure"],
            offer_ids=[o.pk for o in chunk if o.kind == "offer"],
            checked_before=cutoff.isoformat(),
        )
    return {"entries": sum(len(chunk) for chunk in chunks), "chunks": len(chunks)}
