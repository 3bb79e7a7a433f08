"""Models of the funding app; referral models live in funding/referrals/ (one package per subject)."""

from funding.match_entries import MatchEntry  # noqa: F401
from funding.referrals.models import (  # noqa: F401
    OutboxEmail,
    Referral,
    ReferralAttachment,
    ReferralLine,
    ReferralTransition,
    SatisfactionAnswer,
)

__all__ = [
    "MatchEntry",
    "OutboxEmail",
    "Referral",
    "ReferralAttachment",
    "ReferralLine",
    "ReferralTransition",
    "SatisfactionAnswer",
]
