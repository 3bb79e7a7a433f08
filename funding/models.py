"""Models of the funding app; referrals and saved parcours live in their own packages (one per subject)."""

from funding.alerts.models import AlertDigest, AlertRun, AlertSubscription, OfferWatch  # noqa: F401
from funding.match_entries import MatchEntry  # noqa: F401
from funding.referrals.models import (  # noqa: F401
    Referral,
    ReferralAttachment,
    ReferralLine,
    ReferralTransition,
    SatisfactionAnswer,
)
from funding.saved_profiles.models import SavedProfile  # noqa: F401

__all__ = [
    "AlertDigest",
    "AlertRun",
    "AlertSubscription",
    "OfferWatch",
    "MatchEntry",
    "Referral",
    "ReferralAttachment",
    "ReferralLine",
    "ReferralTransition",
    "SatisfactionAnswer",
    "SavedProfile",
]
