"""Publishing a task without ever making a request wait on a dead broker.

`publish` opens its own connection with one quick retry and a short timeout; when the broker is unreachable it
logs one line and returns False, and the caller relies on its durable record (the outbox row, the pending
status…) for a later retry. Used after commit, so a task never sees uncommitted rows."""

import logging

from celery import current_app, signature

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2.0


def publish(name: str, *, args=(), kwargs=None, **options) -> bool:
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
