"""Curation tasks: they take ids and may run twice; e-mails are written to the outbox (accounts.outbox) once."""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from curation.services.freshness import campaign_run, campaigns_due, reminders_queue, update_request_email_queue
from curation.services.imports import import_apply, import_check, import_failed
from curation.services.link_check import link_checks_run, owners_due
from curation.services.moderation import submission_acknowledgement_queue, submission_decision_queue
from directory.models import Offer, Structure


@shared_task
def send_submission_acknowledgement(submission_id: int) -> bool:
    """Write the submitter's acknowledgement to the outbox; False when it was already written."""
    return submission_acknowledgement_queue(submission_id=submission_id)


@shared_task
def send_submission_decision(submission_id: int) -> bool:
    """Write the submitter's « publiée » / « pas retenue » e-mail to the outbox; False when already written."""
    return submission_decision_queue(submission_id=submission_id)


@shared_task
def send_update_request(update_request_id: int, step: str = "initial") -> bool:
    """Write the request (or one of its reminders) to the outbox; False when already written or answered."""
    return update_request_email_queue(update_request_id=update_request_id, step=step)


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


# Imports: a batch's status is the claim (a task delivered twice finds it decided and does nothing); the import
# is one transaction, so a worker killed midway leaves nothing half-written, and the redelivered task redoes it.


@shared_task
def check_import(batch_id: int) -> str | None:
    """Read an uploaded import file and preview it (curation.services.imports.import_check)."""
    try:
        batch = import_check(batch_id=batch_id)
    except Exception:
        import_failed(batch_id=batch_id)
        raise
    return batch.status if batch else None


@shared_task
def apply_import(batch_id: int, user_id: int | None) -> str | None:
    """Apply a confirmed import (curation.services.imports.import_apply)."""
    try:
        batch = import_apply(batch_id=batch_id, user_id=user_id)
    except Exception:
        import_failed(batch_id=batch_id)
        raise
    return batch.status if batch else None
