"""Duplicates: pairs a curator dismissed, and merges done (what was kept, what was moved)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.models import Structure


class DuplicateDismissal(models.Model):
    """Two structures a curator declared distinct: no longer suggested as duplicates."""

    first = models.ForeignKey(Structure, models.CASCADE, related_name="+")
    second = models.ForeignKey(Structure, models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["first", "second"], name="duplicate_dismissal_unique")]
        verbose_name = _("faux doublon")
        verbose_name_plural = _("faux doublons")

    def __str__(self):
        return f"{self.first_id} ≠ {self.second_id}"


class StructureMerge(models.Model):
    """The record of a merge: `dropped` was archived and everything pointing at it moved to `kept`."""

    kept = models.ForeignKey(Structure, models.CASCADE, related_name="merges_kept", verbose_name=_("conservée"))
    dropped = models.ForeignKey(Structure, models.CASCADE, related_name="merges_dropped", verbose_name=_("fusionnée"))
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    reason = models.TextField(_("motif"), blank=True)
    moved = models.JSONField(_("relations déplacées"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fusion de structures")
        verbose_name_plural = _("fusions de structures")

    def __str__(self):
        return f"{self.dropped_id} → {self.kept_id}"
