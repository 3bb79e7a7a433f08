"""The needs watch (« veille des besoins »): anonymous counts, EPCI × stage × need × month.

Low in the layers (directory), so that the directory's search and funding's parcours and referrals all record into
it without an upward import. Only codes and slugs: no person, no address, no IP, no query text.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Counts under this are shown as « moins de 5 » (never their exact value).
DISCLOSURE_THRESHOLD = 5


class NeedSignal(models.TextChoices):
    PARCOURS = "parcours", _("Parcours affiché")
    SEARCH_NOTHING = "search_nothing", _("Recherche sans offre en présentiel")
    REFERRAL_NO_AID = "referral_no_aid", _("Orientation close « pas d'aide »")
    REFERRAL_DECLINED = "referral_declined", _("Orientation déclinée")


class NeedsWatchCount(models.Model):
    """How many times, in a month and an EPCI, a need at a stage was expressed (and whether it went unmet).

    Unmet: no offer reachable in person (parcours, search), or a referral closed without help or declined.
    Written by directory/needs_watch.py only (an increment per event); `epci_code` is the EPCI's SIREN ("" for a
    commune outside any EPCI, and for a search by département or région, counted in that territory's own cell),
    `departement_code` and `region_code` let the observatory sum without joins (and tell those cells apart).
    """

    month = models.DateField(_("mois"))
    epci_code = models.CharField(_("EPCI"), max_length=20, blank=True)
    departement_code = models.CharField(_("département"), max_length=5, blank=True)
    region_code = models.CharField(_("région"), max_length=5, blank=True)
    stage = models.CharField(_("étape"), max_length=60, blank=True)
    need = models.CharField(_("besoin"), max_length=60, blank=True)
    legal_form = models.CharField(_("forme juridique"), max_length=60, blank=True)
    signal = models.CharField(_("signal"), max_length=20, choices=NeedSignal.choices)
    unmet = models.BooleanField(_("non satisfait"), default=False)
    count = models.PositiveIntegerField(_("nombre"), default=0)

    class Meta:
        verbose_name = _("veille des besoins")
        verbose_name_plural = _("veille des besoins")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "month",
                    "epci_code",
                    "departement_code",
                    "region_code",
                    "stage",
                    "need",
                    "legal_form",
                    "signal",
                    "unmet",
                ],
                name="needs_watch_one_row_per_cell",
            )
        ]
        indexes = [models.Index(fields=["region_code", "month"]), models.Index(fields=["departement_code", "month"])]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.epci_code} {self.stage} {self.need}: {self.count}"


class ReferralEvent(models.TextChoices):
    SENT = "sent", _("Envoyée")
    ANSWERED = "answered", _("Première réponse")
    ACCEPTED = "accepted", _("Prise en charge")
    DECLINED = "declined", _("Déclinée")
    EXPIRED = "expired", _("Sans réponse (expirée)")
    CLOSED = "closed", _("Clôturée")


class ReferralWatchCount(models.Model):
    """How many referral lines, in a month and an EPCI (the project's commune), were sent, answered, accepted,
    declined, expired or closed (with their outcome): the observatory's referral figures without reading funding's
    rows (an upward import). `answer_hours` is the time to first answer, in whole hours, of the « answered » events
    (0 for the others): a histogram the median is read from. Written by directory/needs_watch.py
    `record_referral()`, called by the referral services; no person, no dossier number."""

    month = models.DateField(_("mois"))
    epci_code = models.CharField(_("EPCI"), max_length=20, blank=True)
    departement_code = models.CharField(_("département"), max_length=5, blank=True)
    region_code = models.CharField(_("région"), max_length=5, blank=True)
    event = models.CharField(_("événement"), max_length=10, choices=ReferralEvent.choices)
    outcome = models.CharField(_("issue"), max_length=12, blank=True)
    answer_hours = models.PositiveIntegerField(_("délai de première réponse (heures)"), default=0)
    count = models.PositiveIntegerField(_("nombre"), default=0)

    class Meta:
        verbose_name = _("statistique d'orientations")
        verbose_name_plural = _("statistiques d'orientations")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "epci_code", "event", "outcome", "answer_hours"],
                name="referral_watch_one_row_per_cell",
            )
        ]
        indexes = [models.Index(fields=["region_code", "month"]), models.Index(fields=["departement_code", "month"])]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.epci_code} {self.event} {self.outcome}: {self.count}"
