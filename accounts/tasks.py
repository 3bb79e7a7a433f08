"""Account tasks. E-mails (activation, « vous avez déjà un compte ») go through the outbox (accounts.services)."""

import logging

from celery import shared_task

from accounts.services import pending_accounts_purge

logger = logging.getLogger(__name__)


@shared_task
def purge_pending_accounts() -> int:
    """Beat task (daily): delete the sign-ups never activated."""

    deleted = pending_accounts_purge()
    logger.info("pending accounts purge: %d deleted", deleted)
    return deleted
