"""Writes on saved parcours: keep one with the holder's consent, delete one."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from funding.saved_profiles.models import CONSENT_VERSION, SavedProfile, query_digest, query_text


@transaction.atomic
def saved_profile_save(*, user, query: list[tuple[str, str]], label: str) -> tuple[SavedProfile, bool]:
    """Keep the profile (its parameters, as the results page's query) in the user's account, once.

    Saving the same parcours again renews the consent and creates nothing; returns (saved, created)."""
    text = query_text(query)
    digest = query_digest(text)
    now = timezone.now()
    saved = SavedProfile.objects.select_for_update().filter(user=user, query_digest=digest).first()
    if saved is None:
        saved = SavedProfile(
            user=user,
            query=text,
            query_digest=digest,
            label=label,
            consent_version=CONSENT_VERSION,
            consent_given_at=now,
        )
        saved.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                saved.save()
        except IntegrityError:  # the same parcours saved at the same moment (two tabs)
            return SavedProfile.objects.get(user=user, query_digest=digest), False
        return saved, True
    saved.label, saved.consent_version, saved.consent_given_at = label, CONSENT_VERSION, now
    saved.full_clean(validate_constraints=False)
    saved.save(update_fields=["label", "consent_version", "consent_given_at"])
    return saved, False


@transaction.atomic
def saved_profile_delete(*, saved_profile: SavedProfile) -> None:
    saved_profile.delete()
