from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from funding.saved_profiles.models import CONSENT_TEXT, LABEL_MAX_LENGTH


class SaveProfileForm(forms.Form):
    """Opt-in: keep this parcours in my account (the profile itself travels in the same POST)."""

    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        error_messages={"required": _("Cochez la case pour accepter l'enregistrement de ce parcours.")},
    )


def profile_label(profile_form) -> str:
    """A short label from a valid ProfileForm's answers: « Faux-la-Montagne · Émergence · Financement »."""
    data = profile_form.cleaned_data
    parts = [data["commune"].name, data["stage"].name]
    needs = ", ".join(need.name for need in data.get("need") or [])
    if needs:
        parts.append(needs)
    return Truncator(" · ".join(parts)).chars(LABEL_MAX_LENGTH)
