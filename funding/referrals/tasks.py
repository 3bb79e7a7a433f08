"""Celery tasks of the referrals: they take ids, call a service and may run twice without harm."""

import datetime
import logging

from celery import shared_task

from . import services
from .emails import enqueue_outbox
from .services import outbox_pending_ids, outbox_send

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_outbox_emails(self, outbox_ids: list[int]) -> int:
    """Send these outbox e-mails (those already sent are skipped); retry the ones that failed."""
    failed = outbox_send(ids=outbox_ids)
    if failed and not self.request.is_eager:
        raise self.retry(args=(failed,), countdown=60 * (self.request.retries + 1))
    return len(outbox_ids) - len(failed)


@shared_task
def flush_outbox(older_than_seconds: int = 120) -> int:
    """Beat: re-queue e-mails still pending (broker was down, worker lost the message…)."""
    ids = outbox_pending_ids(older_than=datetime.timedelta(seconds=older_than_seconds))
    for start in range(0, len(ids), 50):
        enqueue_outbox(ids[start : start + 50])
    logger.info("outbox flush: %d e-mail(s) re-queued", len(ids))
    return len(ids)


@shared_task
def referral_daily() -> dict:
    """Beat, daily: reminders, expiry, satisfaction surveys, purge of personal data. Idempotent."""
    return {
        "reminders": services.send_reminders(),
        "expired": services.expire_unanswered(),
        "surveys": services.send_satisfaction_surveys(),
        **services.purge_personal_data(),
    }
