"""Curation: public submissions, edits queued for review, update campaigns, imports, merges, dismissed duplicates.

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


class UpdateCampaign(models.Model):
    """A recurring request to a région's structures to confirm or update their entry."""

    region = models.OneToOneField(
        Territory,
        models.CASCADE,
        related_name="update_campaign",
        limit_choices_to={"kind": TerritoryKind.REGION},
        verbose_name=_("région"),
    )
    period_days = models.PositiveSmallIntegerField(
        _("période (jours)"),
        default=180,
        help_text=_("Une structure reçoit une demande si sa fiche n'a pas été vérifiée depuis cette durée."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_run_at = models.DateTimeField(_("dernière campagne le"), null=True, blank=True)

    class Meta:
        verbose_name = _("campagne de mise à jour")
        verbose_name_plural = _("campagnes de mise à jour")

    def __str__(self):
        return str(self.region)


class UpdateOutcome(models.TextChoices):
    PENDING = "pending", _("En attente de réponse")
    CONFIRMED = "confirmed", _("Rien n'a changé (confirmé)")
    EDITED = "edited", _("Mise à jour proposée")
    NO_ANSWER = "no_answer", _("Sans réponse")


class UpdateRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(outcome=UpdateOutcome.PENDING)


class UpdateRequest(models.Model):
    """One e-mail asking a structure to confirm its entry, its reminders, and what came of it."""

    campaign = models.ForeignKey(
        UpdateCampaign, models.SET_NULL, null=True, blank=True, related_name="requests", verbose_name=_("campagne")
    )
    structure = models.ForeignKey(
        Structure, models.CASCADE, related_name="update_requests", verbose_name=_("structure")
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    first_reminder_at = models.DateTimeField(_("1re relance le"), null=True, blank=True)
    second_reminder_at = models.DateTimeField(_("2e relance le"), null=True, blank=True)
    outcome = models.CharField(
        _("résultat"), max_length=10, choices=UpdateOutcome.choices, default=UpdateOutcome.PENDING, db_index=True
    )
    answered_at = models.DateTimeField(_("répondu le"), null=True, blank=True)

    objects = UpdateRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("demande de mise à jour")
        verbose_name_plural = _("demandes de mise à jour")

    def __str__(self):
        return f"{self.structure} — {self.get_outcome_display()}"


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
