"""Alerts: a person subscribes (double opt-in) to a directory search or a parcours and gets a daily digest."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.models import Offer


class AlertKind(models.TextChoices):
    SEARCH = "search", _("Recherche dans l'annuaire")
    PARCOURS = "parcours", _("Parcours")


class AlertSubscriptionQuerySet(models.QuerySet):
    def active(self):
        """Confirmed and not unsubscribed: the subscriptions the daily digest is for."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


class AlertSubscription(models.Model):
    """A search or a parcours someone follows by e-mail.

    `query` holds the search's or the parcours's parameters (codes and slugs only, no personal data). The address is
    blanked on unsubscription; the row stays so that a reused unsubscribe link is recognised.
    """

    email = models.EmailField(_("courriel"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="alert_subscriptions"
    )
    kind = models.CharField(_("type"), max_length=10, choices=AlertKind.choices)
    query = models.CharField(_("critères"), max_length=1000)
    label = models.CharField(_("intitulé"), max_length=300)
    nonce = models.CharField(max_length=32, editable=False)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmée le"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("désinscrite le"), null=True, blank=True)
    # The digest covers what happened after this instant (moved forward by each daily run).
    checked_until = models.DateTimeField(null=True, blank=True)

    objects = AlertSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("alerte")
        verbose_name_plural = _("alertes")
        indexes = [models.Index(fields=["confirmed_at", "unsubscribed_at"])]

    def __str__(self):
        return self.label


class AlertDigest(models.Model):
    """The digest of one day for one subscription: at most one (the unique constraint makes the run idempotent)."""

    subscription = models.ForeignKey(AlertSubscription, models.CASCADE, related_name="digests")
    day = models.DateField()
    counts = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscription", "day"], name="alert_digest_once_a_day")]

    def __str__(self):
        return f"{self.subscription_id} @ {self.day}"


class OfferWatch(models.Model):
    """What the daily run last saw of a public offer: when it first appeared and when its closing date changed.

    Kept by the run itself (a diff of the published offers against this table), so offers changed by any path
    (pages, imports, admin, bulk updates) are seen alike.
    """

    offer = models.OneToOneField(Offer, models.CASCADE, primary_key=True, related_name="+")
    closes_on = models.DateField(null=True, blank=True)
    first_seen_at = models.DateTimeField(null=True, blank=True, db_index=True)  # None: there before alerts existed
    closes_on_changed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self):
        return f"offre {self.offer_id}"


class AlertRun(models.Model):
    """One daily run: the first one ever only records the offers that exist (none of them is « new »)."""

    ran_at = models.DateTimeField()
    counts = models.JSONField(default=dict)

    def __str__(self):
        return f"{self.ran_at:%Y-%m-%d %H:%M}"
