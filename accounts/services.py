"""Account writes."""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.magic_links import InvalidLink, make_token, read_token
from accounts.models import Curator, User
from accounts.outbox import queue_email
from accounts.scopes import holds_role

logger = logging.getLogger(__name__)

ACTIVATION_PURPOSE = "account-activation"
ACTIVATION_MAX_AGE = datetime.timedelta(days=3)

# A sign-up whose link was never used is deleted after this delay (the link itself expires sooner).
PENDING_ACCOUNT_MAX_AGE = datetime.timedelta(days=7)


class AccountHoldsRole(Exception):
    """The account carries a role (staff, curator, agent, structure member): its holder cannot delete it."""


@transaction.atomic
def curator_appoint(*, user: User, regions) -> Curator:
    """Make the user a curator of the régions; curators work in the admin, so they get the staff flag."""
    curator, _created = Curator.objects.get_or_create(user=user)
    curator.regions.set(regions)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return curator


@transaction.atomic
def account_sign_up(*, email: str, terms_version: str, next_path: str = "") -> None:
    """Create an inactive account without a password and e-mail its activation link, where the password is
    chosen; for a known address, e-mail its owner instead.

    The caller learns nothing about which case happened (same return), so the sign-up page cannot tell whether an
    address has an account. E-mails are queued once the transaction commits."""
    email = User.objects.normalize_email(email).lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        user = User(
            email=email,
            is_active=False,
            terms_version=terms_version,
            terms_accepted_at=timezone.now(),
        )
        user.set_unusable_password()
        user.full_clean()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same address signed up at the same moment
            existing = User.objects.get(email__iexact=email)
        else:
            activation_email_queue(user=user, next_path=next_path)
            return
    if existing.awaits_activation:
        # Signed up before and lost the e-mail: a fresh link.
        activation_email_queue(user=existing, next_path=next_path)
    elif existing.is_active:
        account_exists_email_queue(user=existing)
    else:
        logger.info("sign-up for deactivated account %s: nothing sent", existing.pk)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def activation_email_queue(*, user: User, next_path: str = "") -> bool:
    """Write the activation e-mail to the outbox (sent after commit, or by the flush if the broker is down)."""
    if not user.awaits_activation:
        return False
    link = _absolute(reverse("account_activate", args=[activation_token(user, next_path)]))
    body = render_to_string("registration/emails/activation.txt", {"link": link, "days": ACTIVATION_MAX_AGE.days})
    queue_email(kind="activation", to=[user.email], subject=_("Guichet ESS : activez votre compte"), body=body)
    return True


def account_exists_email_queue(*, user: User) -> bool:
    """Tell the owner of an address that someone tried to create an account with it (it already has one)."""
    if not user.is_active:
        return False
    body = render_to_string(
        "registration/emails/account_exists.txt",
        {"login_url": _absolute(reverse("login")), "reset_url": _absolute(reverse("password_reset"))},
    )
    queue_email(kind="account-exists", to=[user.email], subject=_("Guichet ESS : vous avez déjà un compte"), body=body)
    return True


def activation_token(user: User, next_path: str = "") -> str:
    """The signed link's token: the account's id and where to go once activated (a path, nothing personal)."""
    return make_token(ACTIVATION_PURPOSE, user.pk, next=next_path)


def account_from_activation_token(token: str) -> tuple[User, str]:
    """The account awaiting activation and the `next` path; InvalidLink("used") once it is activated."""
    payload = read_token(ACTIVATION_PURPOSE, token, max_age=ACTIVATION_MAX_AGE)
    user = User.objects.filter(pk=payload.object_id).first()
    if user is None:
        raise InvalidLink("invalid")
    if not user.awaits_activation:
        raise InvalidLink("used")
    return user, str(payload.extra.get("next") or "")


@transaction.atomic
def account_activate(*, user: User, password: str) -> User | None:
    """Set the password of an account awaiting activation and activate it; None when it was already activated
    (a link works once: the row is locked, so two submissions at once activate it once)."""
    awaiting = (
        User.objects.select_for_update()
        .filter(pk=user.pk, is_active=False, last_login__isnull=True, terms_accepted_at__isnull=False)
        .first()
    )
    if awaiting is None:
        return None
    awaiting.set_password(password)
    awaiting.is_active = True
    awaiting.save(update_fields=["password", "is_active"])
    return awaiting


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete a holder's account and what hangs on it (saved parcours); refused for an account holding a role."""
    if holds_role(user):
        raise AccountHoldsRole
    user.delete()


@transaction.atomic
def pending_accounts_purge(*, older_than: datetime.timedelta = PENDING_ACCOUNT_MAX_AGE) -> int:
    """Delete the sign-ups never activated after `older_than`: an unconfirmed address is not kept."""
    _total, by_model = User.objects.filter(
        is_active=False,
        last_login__isnull=True,
        terms_accepted_at__isnull=False,
        date_joined__lt=timezone.now() - older_than,
        is_staff=False,
        is_superuser=False,
    ).delete()
    return by_model.get(User._meta.label, 0)
