"""Celery tasks of the referrals: they take ids, call a service and may run twice without harm."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task
def referral_daily() -> dict:
    """Beat, daily: reminders, expiry, satisfaction surveys, purge of personal data. Idempotent."""
    return {
        "reminders": services.send_reminders(),
        "expired": services.expire_unanswered(),
        "surveys": services.send_satisfaction_surveys(),
        **services.purge_personal_data(),
    }
