"""Imports with review: a spreadsheet kept as read, previewed, then applied or rejected by a curator.

Both steps run in a Celery task (curation/tasks.py): the file is checked while the batch is `CHECKING`, applied
while it is `APPLYING`; the task writes its progress in the row (`progress_done` of `progress_total`), which the
import's page shows and refreshes.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Vérification en cours")
    PREVIEW = "preview", _("À confirmer")
    APPLYING = "applying", _("Import en cours")
    APPLIED = "applied", _("Importé")
    REJECTED = "rejected", _("Refusé (erreurs)")
    CANCELLED = "cancelled", _("Abandonné")


class ImportBatch(models.Model):
    """A spreadsheet uploaded by a curator: previewed, then confirmed (all or nothing) or abandoned."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("importé par")
    )
    file_name = models.CharField(_("fichier"), max_length=255)
    # The file as uploaded, until the task has read it into `content` (then emptied).
    source = models.BinaryField(_("fichier déposé"), blank=True, default=b"", editable=False)
    content = models.TextField(
        _("contenu (CSV)"), blank=True, help_text=_("Le fichier tel que lu, au format CSV d'import.")
    )
    status = models.CharField(_("statut"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    counts = models.JSONField(_("décompte"), default=dict)
    changes = models.JSONField(_("changements prévus"), default=list)
    errors = models.JSONField(_("erreurs"), default=list)
    progress_done = models.PositiveIntegerField(_("étapes faites"), default=0)
    progress_total = models.PositiveIntegerField(_("étapes en tout"), default=0)
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    applied_at = models.DateTimeField(_("importé le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return self.file_name

    @property
    def in_progress(self) -> bool:
        return self.status in {ImportStatus.CHECKING, ImportStatus.APPLYING}

    @property
    def progress_percent(self) -> int:
        return min(100, 100 * self.progress_done // self.progress_total) if self.progress_total else 0
