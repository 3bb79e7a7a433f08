"""Parcours a holder chose to keep in their account: the results page's query, never anything personal."""

import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The consent text the holder agrees to; its version is stored with every saved parcours.
CONSENT_VERSION = "2026-11-v1"
CONSENT_TEXT = _(
    "J'accepte que ce parcours soit enregistré dans mon compte, pour le retrouver plus tard. Seules mes réponses "
    "au questionnaire sont gardées (commune, étape, besoins…) ; je peux le supprimer à tout moment."
)
LABEL_MAX_LENGTH = 200


def query_text(query: list[tuple[str, str]]) -> str:
    """The stored form of the profile's parameters (funding.views.profile_query): the results page's query."""
    return urlencode(query)


def query_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class SavedProfileQuerySet(models.QuerySet):
    def of(self, user):
        """The saved parcours of this user only (none for an anonymous visitor)."""
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(user=user)

    def for_query(self, query: list[tuple[str, str]]):
        return self.filter(query_digest=query_digest(query_text(query)))


class SavedProfile(models.Model):
    """One saved parcours: the profile's query string exactly as `funding.views.profile_query` gives it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="saved_profiles", verbose_name=_("compte")
    )
    query = models.TextField(_("réponses (paramètres de la page de résultats)"))
    # The query's SHA-256: what « one parcours per account » is checked on (a query can be long for an index).
    query_digest = models.CharField(max_length=64, editable=False)
    label = models.CharField(_("intitulé"), max_length=LABEL_MAX_LENGTH)
    consent_version = models.CharField(_("version du texte de consentement"), max_length=40)
    consent_given_at = models.DateTimeField(_("consentement recueilli le"))
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    objects = SavedProfileQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "query_digest"], name="saved_profile_unique_per_user"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="saved_profile_user_recent")]
        verbose_name = _("parcours enregistré")
        verbose_name_plural = _("parcours enregistrés")

    def __str__(self):
        return self.label

    def results_url(self) -> str:
        return reverse("funding:results") + (f"?{self.query}" if self.query else "")
