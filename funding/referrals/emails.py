"""Who gets which e-mail about a referral, with which Reply-To; e-mails are written to the outbox table.

Rows are written inside the caller's transaction and handed to Celery only after commit, so an e-mail is never
sent for a change that was rolled back, and never lost when the broker is down (the beat flush picks it up).
"""

import logging

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.magic_links import make_token
from accounts.models import Curator, MembershipStatus
from accounts.outbox import queue_email

from .models import Referral, ReferralLine

logger = logging.getLogger(__name__)

ANSWER_PURPOSE = "referral-answer"
CONFIRM_PURPOSE = "referral-confirm"
SATISFACTION_PURPOSE = "referral-satisfaction"


def absolute_url(path: str) -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/") + path


def answer_url(line: ReferralLine) -> str:
    return absolute_url(reverse("referrals:answer", args=[make_token(ANSWER_PURPOSE, line.pk)]))


def confirm_url(referral: Referral) -> str:
    return absolute_url(reverse("referrals:confirm", args=[make_token(CONFIRM_PURPOSE, referral.pk)]))


def satisfaction_url(line: ReferralLine) -> str:
    return absolute_url(reverse("referrals:satisfaction", args=[make_token(SATISFACTION_PURPOSE, line.pk)]))


def recipient_addresses(offer) -> list[str]:
    """The offer's contact address, else the structure's, else its active members', else the CRESS curators
    of its région (who forward it): a dossier never leaves for nobody."""
    if offer.email:
        return [offer.email]
    if offer.structure.email:
        return [offer.structure.email]
    members = offer.structure.memberships.filter(status=MembershipStatus.ACTIVE).values_list("user__email", flat=True)
    if members:
        return sorted(members)
    return sorted(
        Curator.objects.filter(regions=offer.structure.region_id, user__is_active=True).values_list(
            "user__email", flat=True
        )
    )


class Reach:
    """How a dossier reaches an offer, in the order `recipient_addresses` tries: shown before sending."""

    DIRECT = "direct"
    MEMBERS = "members"
    CRESS = "cress"
    NONE = "none"


REACH_LABELS = {
    Reach.DIRECT: _("reçoit le dossier par courriel"),
    Reach.MEMBERS: _("reçoit le dossier par courriel, via les gestionnaires de sa fiche"),
    Reach.CRESS: _("pas d'adresse de contact : la CRESS de la région lui transmet le dossier"),
    Reach.NONE: _("ne peut pas recevoir de dossier : aucune adresse connue"),
}


def recipient_reach(offer) -> str:
    """Which of the `recipient_addresses` steps finds an address for the offer (a Reach value)."""
    if offer.email or offer.structure.email:
        return Reach.DIRECT
    if offer.structure.memberships.filter(status=MembershipStatus.ACTIVE).exists():
        return Reach.MEMBERS
    if Curator.objects.filter(regions=offer.structure.region_id, user__is_active=True).exists():
        return Reach.CRESS
    return Reach.NONE


def prescriber_addresses(referral: Referral) -> list[str]:
    """Who followed the referral: the prescriber, or the holder who sent it themselves."""
    if referral.prescriber_id and referral.prescriber.email:
        return [referral.prescriber.email]
    if referral.source == "holder" and referral.holder_email:
        return [referral.holder_email]
    return []


def holder_addresses(referral: Referral) -> list[str]:
    return [referral.holder_email] if referral.holder_email else []


def email_group(referral: Referral) -> str:
    """The outbox's `group` of a referral's e-mails (the purge and the deletion of a referral find them by it)."""
    return f"referral-{referral.pk}"


def queue(
    *, key: str, kind: str, referral: Referral | None, to: list[str], reply_to: list[str], template: str, context
):
    """Write one e-mail to the outbox (at most once per key) and hand it to Celery after commit.

    Return the new row, or None when there was no address or the e-mail was already written."""
    if not to:
        logger.info("referral e-mail %s skipped: no address", kind)
        return None
    context = {**context, "site_url": absolute_url("")}
    subject = render_to_string(f"referrals/emails/{template}_subject.txt", context).strip()
    body = render_to_string(f"referrals/emails/{template}.txt", context)
    return queue_email(
        key=key,
        kind=kind,
        to=to,
        reply_to=reply_to,
        subject=subject,
        body=body,
        group=email_group(referral) if referral is not None else "",
    )
