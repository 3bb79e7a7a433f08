"""Freshness campaigns: a région's periodic requests to structures to confirm or update their entry."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.models import Structure, Territory, TerritoryKind


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
