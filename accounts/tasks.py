"""Account e-mails and checks. Tasks take ids; addresses are read here and never logged."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import ACTIVATION_MAX_AGE, activation_token, pending_accounts_purge

logger = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_activation_email(user_id: int, next_path: str = "") -> bool:
    """E-mail the activation link of an account awaiting activation; False when there is nothing to activate."""

    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.awaits_activation:
        return False
    link = _absolute(reverse("account_activate", args=[activation_token(user, next_path)]))
    body = render_to_string("registration/emails/activation.txt", {"link": link, "days": ACTIVATION_MAX_AGE.days})
    send_mail(_("Guichet ESS : activez votre compte"), body, None, [user.email])
    return True


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_account_exists_email(user_id: int) -> bool:
    """Tell the owner of an address that someone tried to create an account with it (it already has one)."""

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    body = render_to_string(
        "registration/emails/account_exists.txt",
        {"login_url": _absolute(reverse("login")), "reset_url": _absolute(reverse("password_reset"))},
    )
    send_mail(_("Guichet ESS : vous avez déjà un compte"), body, None, [user.email])
    return True


@shared_task
def purge_pending_accounts() -> int:
    """Beat task (daily): delete the sign-ups never activated."""

    deleted = pending_accounts_purge()
    logger.info("pending accounts purge: %d deleted", deleted)
    return deleted
