"""Moderation: public submissions of structures and editors' edits queued for a curator's review.

The history these decisions write is registered in curation/models/history.py.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.models import Offer, Structure, Territory, TerritoryKind


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("À traiter")
    APPROVED = "approved", _("Validée")
    REJECTED = "rejected", _("Refusée")


class SubmissionKind(models.TextChoices):
    NEW = "new", _("Nouvelle structure")
    UPDATE = "update", _("Mise à jour d'une structure")


class ReviewQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=ReviewStatus.PENDING)


class SubmissionQuerySet(ReviewQuerySet):
    def in_regions(self, regions):
        return self.filter(region__in=regions)


class Submission(models.Model):
    """A proposal sent through the public form, without an account; a curator approves or rejects it."""

    kind = models.CharField(_("type"), max_length=10, choices=SubmissionKind.choices)
    structure = models.ForeignKey(
        Structure,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions",
        verbose_name=_("structure concernée"),
    )
    region = models.ForeignKey(
        Territory,
        models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": TerritoryKind.REGION},
        verbose_name=_("région"),
    )
    data = models.JSONField(_("valeurs proposées"), default=dict)
    changes = models.JSONField(_("modifications"), default=list, help_text="[{field, label, old, new}]")
    submitter_name = models.CharField(_("nom de la personne"), max_length=200)
    submitter_email = models.EmailField(_("courriel de la personne"))
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True
    )
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    review_reason = models.TextField(_("motif"), blank=True)
    acknowledged_at = models.DateTimeField(_("accusé de réception envoyé le"), null=True, blank=True)
    decision_sent_at = models.DateTimeField(_("décision envoyée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("proposition")
        verbose_name_plural = _("propositions")

    def __str__(self):
        return f"{self.get_kind_display()} : {self.name}"

    @property
    def name(self) -> str:
        """The structure's proposed name, or its current one when the name is unchanged."""
        return self.data.get("name") or (self.structure.name if self.structure_id else "")


class EditReviewQuerySet(ReviewQuerySet):
    def in_regions(self, regions):
        return self.filter(structure__region__in=regions)


class EditReview(models.Model):
    """An edit by a structure's editor, already published, waiting for the curator's second look."""

    structure = models.ForeignKey(Structure, models.CASCADE, related_name="edit_reviews", verbose_name=_("structure"))
    offer = models.ForeignKey(
        Offer, models.CASCADE, null=True, blank=True, related_name="edit_reviews", verbose_name=_("offre")
    )
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    changes = models.JSONField(_("modifications"), default=list, help_text="[{field, label, old, new}]")
    previous_history_id = models.PositiveBigIntegerField(
        _("version précédente"),
        null=True,
        blank=True,
        help_text=_("La version à rétablir si la modification est annulée."),
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True
    )
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(_("relue le"), null=True, blank=True)
    review_reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(_("modifiée le"), auto_now_add=True)

    objects = EditReviewQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("modification à relire")
        verbose_name_plural = _("modifications à relire")

    def __str__(self):
        return str(self.offer or self.structure)

    @property
    def entry(self):
        return self.offer or self.structure
