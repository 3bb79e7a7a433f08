"""What the white zones store: for each commune and stage, is support reachable in person, only remotely, or not
at all (computed by support_chain/white_zones.py, read by the curators' page and `manage.py white_zones`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from support_chain.models import Stage

from .territory import Territory


class ReachStatus(models.TextChoices):
    IN_PERSON = "in_person", _("accompagnement en présentiel à proximité")
    REMOTE_ONLY = "remote_only", _("à distance seulement")
    NONE = "none", _("aucun accompagnement")


class CommuneReach(models.Model):
    """One commune × stage: the published offers that reach it, as rebuilt by the last white-zone computation."""

    commune = models.ForeignKey(Territory, models.CASCADE, related_name="reaches", verbose_name=_("commune"))
    stage = models.ForeignKey(Stage, models.CASCADE, related_name="+", verbose_name=_("étape"))
    status = models.CharField(_("situation"), max_length=12, choices=ReachStatus.choices)
    in_person = models.PositiveIntegerField(_("offres en présentiel à proximité"), default=0)
    # The nearest place of an offer covering the commune for this stage with présentiel, whatever the radius.
    nearest_km = models.FloatField(_("présentiel le plus proche (km)"), null=True, blank=True)

    class Meta:
        verbose_name = _("accès à l'accompagnement d'une commune")
        verbose_name_plural = _("accès à l'accompagnement des communes")
        constraints = [models.UniqueConstraint(fields=["commune", "stage"], name="commune_reach_unique")]

    def __str__(self):
        return f"{self.commune_id} × {self.stage_id}: {self.status}"


class ReachSummary(models.Model):
    """The stored reaches of a territory's communes (EPCI, département, région, France, zone) for one stage and one
    status: inhabitants and communes. Rewritten with the communes' rows, so pages read a few rows, not sums."""

    territory = models.ForeignKey(Territory, models.CASCADE, related_name="+", verbose_name=_("territoire"))
    stage = models.ForeignKey(Stage, models.CASCADE, related_name="+", verbose_name=_("étape"))
    status = models.CharField(_("situation"), max_length=12, choices=ReachStatus.choices)
    population = models.PositiveBigIntegerField(_("habitants"), default=0)
    communes = models.PositiveIntegerField(_("communes"), default=0)

    class Meta:
        verbose_name = _("zones blanches d'un territoire")
        verbose_name_plural = _("zones blanches des territoires")
        constraints = [models.UniqueConstraint(fields=["territory", "stage", "status"], name="reach_summary_unique")]

    def __str__(self):
        return f"{self.territory_id} × {self.stage_id}: {self.status}"


class OfferSummary(models.Model):
    """The published offers within a territory (France, région, département, EPCI), for one stage (or all of them:
    `stage` empty) and one support level: how many, and how many were verified within STALE_AFTER when they were
    counted. The observatory's offer figures, so that its pages read a few rows, not the offers; rewritten with the
    white zones (support_chain/observatory/summaries.py)."""

    territory = models.ForeignKey(Territory, models.CASCADE, related_name="+", verbose_name=_("territoire"))
    stage = models.ForeignKey(Stage, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("étape"))
    support_level = models.PositiveSmallIntegerField(_("niveau d'accompagnement"), null=True, blank=True)
    offers = models.PositiveIntegerField(_("offres"), default=0)
    fresh = models.PositiveIntegerField(_("offres vérifiées depuis moins de 12 mois"), default=0)

    class Meta:
        verbose_name = _("offres d'un territoire")
        verbose_name_plural = _("offres des territoires")

    def __str__(self):
        return f"{self.territory_id} × {self.stage_id} × {self.support_level}: {self.offers}"


class WhiteZoneRun(models.Model):
    """One computation of the white zones (all of France, or one région): when, with which radius, how long."""

    region = models.ForeignKey(
        Territory, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("région")
    )
    radius_km = models.FloatField(_("rayon (km)"))
    communes = models.PositiveIntegerField(_("communes"), default=0)
    started_at = models.DateTimeField(_("commencé le"))
    finished_at = models.DateTimeField(_("terminé le"))

    class Meta:
        ordering = ["-finished_at"]
        verbose_name = _("calcul des zones blanches")
        verbose_name_plural = _("calculs des zones blanches")

    def __str__(self):
        return f"{self.region_id or 'FR'} {self.finished_at:%Y-%m-%d %H:%M}"
