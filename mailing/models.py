"""The outbox: every e-mail the site sends is a row here first (written in the caller's transaction), then sent by
a Celery worker. A broker or SMTP outage delays e-mails; it never loses them, and a row is sent at most once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec définitif")


class EmailQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=EmailStatus.PENDING)


class Email(models.Model):
    """One e-mail to send. `key` makes a queued e-mail idempotent (a retried task writes it once)."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=40)
    to = models.JSONField(default=list)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = EmailQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("courriel à envoyer")
        verbose_name_plural = _("courriels à envoyer")

    def __str__(self):
        return f"{self.kind} n° {self.pk}"
