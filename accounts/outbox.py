"""The outbox: the one path for every e-mail of the project.

`queue_email` writes the outbox row (accounts.models.Email) in the caller's transaction and hands it to Celery after
commit (`queue_emails` writes many at once: a batch job's e-mails in a few statements, queued in tasks of
ENQUEUE_BATCH); `send_emails` sends pending rows, each at most once; the beat flush re-queues what the broker could not
take. `publish` queues a task without ever making a request wait on a dead broker: it opens its own connection
with one quick retry and a short timeout; when the broker is unreachable it logs one line and returns False, and
the caller relies on its durable record (the outbox row, the pending status…) for a later retry. Used after
commit, so a task never sees uncommitted rows. Addresses are never logged."""

import datetime
import logging
import uuid

from celery import current_app, signature
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from accounts.models import Email, EmailStatus

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2.0

# Queued by name: services never import tasks.
SEND_EMAILS = "accounts.tasks.send_emails"
MAX_ATTEMPTS = 8
# Ids per send task when many e-mails are queued at once (the beat flush hands over as many).
ENQUEUE_BATCH = 500
SENT_RETENTION = datetime.timedelta(days=30)


def publish(name: str, *, args=(), kwargs=None, **options) -> bool:
    """Queue the task `name`; False (and one log line) when the broker is unreachable, never an exception."""
    try:
        if current_app.conf.task_always_eager:
            signature(name, args=tuple(args), kwargs=kwargs or {}).apply_async(**options)
            return True
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0.1, timeout=CONNECT_TIMEOUT)
            signature(name, args=tuple(args), kwargs=kwargs or {}).apply_async(
                connection=connection, retry=False, **options
            )
    except Exception as error:  # noqa: BLE001 - the caller's durable record makes a later retry possible
        if current_app.conf.task_always_eager:
            raise
        logger.warning("broker unavailable (%s): task %s not queued now", type(error).__name__, name)
        return False
    return True


def queue_email(**fields) -> Email | None:
    """Write one e-mail to the outbox (at most once per key) and queue its sending after commit; `fields` are
    `outbox_row`'s.

    Without a key every call writes a new e-mail. Return the new row, or None when there was no address or the
    key was already written."""
    row = outbox_row(**fields)
    if row is None:
        return None
    email, created = Email.objects.get_or_create(
        key=row.key, defaults={name: getattr(row, name) for name in OUTBOX_FIELDS if name != "key"}
    )
    if not created:
        return None
    transaction.on_commit(lambda: enqueue([email.pk]))
    return email


OUTBOX_FIELDS = ("key", "kind", "to", "reply_to", "headers", "group", "subject", "body")


def outbox_row(
    *,
    kind: str,
    to: list[str],
    subject: str,
    body: str,
    reply_to: list[str] = (),
    key: str = "",
    headers: dict | None = None,
    group: str = "",
) -> Email | None:
    """The unsaved outbox row of one e-mail (for `queue_emails`); None, and a log line, when it has no address."""
    to = [address for address in to if address]
    if not to:
        logger.info("e-mail %s skipped: no address", kind)
        return None
    return Email(
        key=key or f"{kind}-{uuid.uuid4().hex}",
        kind=kind,
        to=list(to),
        reply_to=list(reply_to),
        headers=dict(headers or {}),
        group=group,
        subject=" ".join(subject.split())[:300],
        body=body,
    )


def queue_emails(rows: list[Email]) -> list[int]:
    """Write many outbox rows (from `outbox_row`) in the caller's transaction, each key at most once, and queue
    their sending after commit, ENQUEUE_BATCH ids per task; return the ids of the rows written.

    A key already in the outbox is left as it is and not queued again (what `queue_email` does for one)."""
    rows = [row for row in rows if row is not None]
    written = []
    for start in range(0, len(rows), ENQUEUE_BATCH):
        batch = {row.key: row for row in rows[start : start + ENQUEUE_BATCH]}
        existing = set(Email.objects.filter(key__in=list(batch)).values_list("key", flat=True))
        new = [row for key, row in batch.items() if key not in existing]
        # ignore_conflicts: a concurrent writer of the same key wins, as with get_or_create.
        Email.objects.bulk_create(new, ignore_conflicts=True)
        ids = list(Email.objects.filter(key__in=[row.key for row in new]).order_by("pk").values_list("pk", flat=True))
        if ids:
            transaction.on_commit(lambda ids=ids: enqueue(ids))
        written += ids
    return written


def enqueue(ids: list[int]) -> bool:
    """Hand outbox rows to the broker; when it is unreachable they stay pending for the beat flush."""
    queued = publish(SEND_EMAILS, args=(list(ids),))
    if not queued:
        logger.warning("%d e-mail(s) left pending in the outbox", len(ids))
    return queued


def send_emails(*, ids) -> list[int]:
    """Send the pending e-mails among `ids`, each at most once; return the ids that failed and stay pending.

    The row is locked while it is sent and marked sent in the same transaction, so two workers given the same id
    (a redelivered task, the flush) send it once; a worker killed before the commit leaves it pending."""
    failed = []
    for pk in ids:
        with transaction.atomic():
            email = Email.objects.select_for_update(skip_locked=True).filter(pk=pk, status=EmailStatus.PENDING).first()
            if email is None:
                continue  # already sent, given up on, being sent by another worker, or deleted
            email.attempts += 1
            try:
                EmailMessage(
                    subject=email.subject,
                    body=email.body,
                    to=email.to,
                    reply_to=email.reply_to,
                    headers=email.headers or None,
                ).send()
            except Exception as error:  # noqa: BLE001 - any transport error leaves the row pending for a retry
                email.last_error = type(error).__name__[:300]
                if email.attempts >= MAX_ATTEMPTS:
                    email.status = EmailStatus.FAILED
                failed.append(pk)
                logger.warning("outbox e-mail %s (%s) not sent (attempt %d)", pk, email.kind, email.attempts)
            else:
                email.status = EmailStatus.SENT
                email.sent_at = timezone.now()
                email.last_error = ""
            email.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return failed


def pending_ids(*, older_than: datetime.timedelta = datetime.timedelta(minutes=2), limit: int = 500) -> list[int]:
    """Pending e-mails old enough not to be in flight right after their commit."""
    return list(
        Email.objects.pending()
        .filter(created_at__lte=timezone.now() - older_than)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def purge_sent(*, older_than: datetime.timedelta = SENT_RETENTION) -> int:
    """Sent e-mails hold addresses: they are deleted once they are of no use to support (30 days)."""
    deleted, _ = Email.objects.filter(status=EmailStatus.SENT, sent_at__lt=timezone.now() - older_than).delete()
    return deleted
