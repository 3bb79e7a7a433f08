"""Imports with review: a spreadsheet kept as read, previewed, then applied or rejected by a curator."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("À confirmer")
    APPLIED = "applied", _("Importé")
    REJECTED = "rejected", _("Refusé (erreurs)")
    CANCELLED = "cancelled", _("Abandonné")


class ImportBatch(models.Model):
    """A spreadsheet uploaded by a curator: previewed, then confirmed (all or nothing) or abandoned."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("importé par")
    )
    file_name = models.CharField(_("fichier"), max_length=255)
    content = models.TextField(_("contenu (CSV)"), help_text=_("Le fichier tel que lu, au format CSV d'import."))
    status = models.CharField(_("statut"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    counts = models.JSONField(_("décompte"), default=dict)
    changes = models.JSONField(_("changements prévus"), default=list)
    errors = models.JSONField(_("erreurs"), default=list)
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    applied_at = models.DateTimeField(_("importé le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return self.file_name
