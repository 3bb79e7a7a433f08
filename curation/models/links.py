"""Link checks: does a structure's website or an offer's page still answer?

One row per URL owner (a structure's `website`, an offer's `url`), written by the periodic check
(curation/services/link_check.py). A link is *broken* after BROKEN_AFTER consecutive failures, so one
transient failure never alarms anybody. A row describes the URL it checked: once the entry's URL changes,
the row no longer applies to it (see `LinkCheckQuerySet.current`) until the next check.

Curators' decisions (ignore, stop ignoring) are saved with a reason into the row's history; the check results
themselves are written with bulk updates, which leave no history rows (a weekly status is not a decision).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history import register

from directory.models import Offer, PublicationStatus, Structure, published_offer_q

BROKEN_AFTER = 2


class LinkOutcome(models.TextChoices):
    OK = "ok", _("répond")
    # 401, 403, 429: the server is there and answers, it only refuses robots; a person gets through.
    RESTRICTED = "restricted", _("répond mais refuse les robots")
    HTTP_STATUS = "http_status", _("erreur HTTP")
    TIMEOUT = "timeout", _("délai de réponse dépassé")
    DNS = "dns", _("nom de domaine introuvable")
    REFUSED = "refused", _("connexion refusée")
    SSL = "ssl", _("certificat ou chiffrement invalide")
    TOO_MANY_REDIRECTS = "redirects", _("trop de redirections")
    CONNECTION = "connection", _("connexion interrompue")
    INVALID_URL = "invalid_url", _("adresse invalide")
    FORBIDDEN_ADDRESS = "forbidden", _("adresse de réseau interne refusée")


SUCCESSES = {LinkOutcome.OK, LinkOutcome.RESTRICTED}


class LinkCheckQuerySet(models.QuerySet):
    def current(self):
        """Checks of the URL the entry has now (a check of a URL since replaced says nothing about it)."""
        return self.filter(
            Q(offer__isnull=True, url=F("structure__website")) | Q(offer__isnull=False, url=F("offer__url"))
        )

    def broken(self):
        return self.current().filter(consecutive_failures__gte=BROKEN_AFTER)

    def ignored(self):
        return self.filter(ignored_at__isnull=False)

    def not_ignored(self):
        return self.filter(ignored_at__isnull=True)

    def of_published_entries(self):
        """Checks of published structures, and of published offers of published structures."""
        return self.filter(
            Q(offer__isnull=True, structure__status=PublicationStatus.PUBLISHED) | published_offer_q("offer__")
        )

    def of_entries(self, structures, offers):
        """Checks owned by the structures or offers of two querysets (e.g. a user's scope)."""
        return self.filter(Q(structure__in=structures.values("pk")) | Q(offer__in=offers.values("pk")))


class LinkCheck(models.Model):
    """The last check of one URL owner: a structure's website (`structure`) or an offer's page (`offer`)."""

    structure = models.ForeignKey(
        Structure,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="link_checks",
        verbose_name=_("structure (site web)"),
    )
    offer = models.ForeignKey(
        Offer, models.CASCADE, null=True, blank=True, related_name="link_checks", verbose_name=_("offre (page)")
    )
    url = models.CharField(_("adresse vérifiée"), max_length=2000)
    final_url = models.CharField(_("adresse finale (après redirections)"), max_length=2000, blank=True)
    outcome = models.CharField(_("résultat"), max_length=12, choices=LinkOutcome.choices)
    status_code = models.PositiveSmallIntegerField(_("code HTTP"), null=True, blank=True)
    checked_at = models.DateTimeField(_("vérifié le"), db_index=True)
    consecutive_failures = models.PositiveSmallIntegerField(_("échecs consécutifs"), default=0)
    failing_since = models.DateTimeField(_("en échec depuis"), null=True, blank=True)
    ignored_at = models.DateTimeField(_("ignoré le"), null=True, blank=True)
    ignored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("ignoré par")
    )
    ignore_reason = models.TextField(_("motif"), blank=True)

    objects = LinkCheckQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("vérification de lien")
        verbose_name_plural = _("vérifications de liens")
        constraints = [
            models.CheckConstraint(
                condition=Q(structure__isnull=False, offer__isnull=True)
                | Q(structure__isnull=True, offer__isnull=False),
                name="link_check_one_owner",
            ),
            models.UniqueConstraint(fields=["structure"], name="link_check_one_per_structure"),
            models.UniqueConstraint(fields=["offer"], name="link_check_one_per_offer"),
        ]

    def __str__(self):
        return self.url

    @property
    def entry(self):
        return self.offer or self.structure

    @property
    def is_web_url(self) -> bool:
        """True for an http(s) address, the only kind a page may offer as a link."""
        return urlsplit(self.url).scheme in ("http", "https")

    @property
    def is_failing(self) -> bool:
        return self.outcome not in SUCCESSES

    @property
    def is_broken(self) -> bool:
        return self.consecutive_failures >= BROKEN_AFTER

    @property
    def problem(self) -> str:
        """What went wrong, as a curator reads it: « erreur 404 », « délai de réponse dépassé »…"""
        if self.outcome == LinkOutcome.HTTP_STATUS and self.status_code:
            return _("erreur %(code)s") % {"code": self.status_code}
        return str(self.get_outcome_display())


register(LinkCheck, app="curation")
