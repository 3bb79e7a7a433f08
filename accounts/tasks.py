"""Account tasks, and the outbox's: they take ids, may run twice (a redelivered message, the flush) and send each
e-mail once. Every e-mail of the project goes through the outbox (accounts/outbox.py)."""

import datetime
import logging

from celery import shared_task

from accounts.outbox import enqueue, pending_ids, purge_sent, send_emails
from accounts.services import pending_accounts_purge

logger = logging.getLogger(__name__)


@shared_task
def purge_pending_accounts() -> int:
    """Beat task (daily): delete the sign-ups never activated."""

    deleted = pending_accounts_purge()
    logger.info("pending accounts purge: %d deleted", deleted)
    return deleted


@shared_task(
    bind=True,
    name="accounts.tasks.send_emails",  # the name services queue (accounts.outbox.SEND_EMAILS)
    max_retries=5,
    default_retry_delay=60,
    acks_late=True,
    reject_on_worker_lost=True,
)
def send_emails_task(self, email_ids: list[int]) -> int:
    failed = send_emails(ids=email_ids)
    if failed and not self.request.is_eager:
        raise self.retry(args=(failed,), countdown=60 * (self.request.retries + 1))
    return len(email_ids) - len(failed)


@shared_task
def flush_emails(older_than_seconds: int = 120) -> int:
    """Beat: re-queue e-mails still pending (broker was down, a worker died before sending…)."""
    ids = pending_ids(older_than=datetime.timedelta(seconds=older_than_seconds))
    for start in range(0, len(ids), 50):
        enqueue(ids[start : start + 50])
    if ids:
        logger.info("outbox flush: %d e-mail(s) re-queued", len(ids))
    return len(ids)


@shared_task
def purge_sent_emails() -> int:
    deleted = purge_sent()
    logger.info("outbox purge: %d sent e-mail(s) deleted", deleted)
    return deleted
