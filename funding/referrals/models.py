"""Referrals (orientations): one dossier sent to one or several offers, each answered on its own line."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from directory.models import LegalForm, Offer, Territory
from support_chain.models import Need, Stage

# The consent text the holder agrees to; its version is stored with every referral so we know what was agreed.
CONSENT_VERSION = "2026-11-v1"
CONSENT_TEXT = _(
    "J'accepte que mes coordonnées et la description de mon projet soient transmises aux structures "
    "choisies, afin qu'elles me recontactent. Ces données sont conservées au plus 24 mois après la clôture "
    "de l'orientation ; je peux demander leur export ou leur suppression à tout moment."
)
SHARE_ANSWERS_TEXT = _(
    "J'accepte que chaque structure destinataire voie les réponses des autres structures de ce dossier."
)

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_MAX_COUNT = 5
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class PrivateAttachmentStorage(FileSystemStorage):
    """Attachments live outside static and media (no URL): only a permission-checked view serves them.

    The location is read from the settings at each use, so tests can point it at a temporary directory."""

    @property
    def base_location(self):
        return str(getattr(settings, "REFERRAL_ATTACHMENTS_ROOT", None) or settings.VAR_DIR / "private" / "referrals")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


def attachment_storage():
    return PrivateAttachmentStorage()


class ReferralSource(models.TextChoices):
    PRESCRIBER = "prescriber", _("Envoyée par un prescripteur")
    HOLDER = "holder", _("Envoyée par le porteur de projet")


class LineStatus(models.TextChoices):
    DRAFT = "draft", _("En attente de confirmation")
    SENT = "sent", _("Envoyée")
    ACCEPTED = "accepted", _("Prise en charge")
    DECLINED = "declined", _("Déclinée")
    EXPIRED = "expired", _("Sans réponse (expirée)")
    CLOSED = "closed", _("Clôturée")


class DeclineReason(models.TextChoices):
    OUT_OF_SCOPE = "out_of_scope", _("Le projet ne correspond pas à notre offre")
    OUT_OF_TERRITORY = "out_of_territory", _("Hors de notre territoire d'intervention")
    NO_CAPACITY = "no_capacity", _("Pas de disponibilité en ce moment")
    ALREADY_SUPPORTED = "already_supported", _("Porteur déjà accompagné")
    INCOMPLETE = "incomplete", _("Dossier incomplet")
    OTHER = "other", _("Autre raison")


class Outcome(models.TextChoices):
    SUPPORTED = "supported", _("Accompagné")
    FUNDED = "funded", _("Financé")
    NO_AID = "no_aid", _("Pas d'aide disponible")
    UNREACHABLE = "unreachable", _("Injoignable")
    REORIENTED = "reoriented", _("Réorienté vers une autre offre")


class Satisfaction(models.TextChoices):
    YES = "yes", _("Oui, tout à fait")
    PARTLY = "partly", _("En partie")
    NO = "no", _("Non")


class Referral(models.Model):
    """The shared dossier: who the holder is, what the project is, and the consent they gave."""

    source = models.CharField(
        _("origine"), max_length=12, choices=ReferralSource.choices, default=ReferralSource.PRESCRIBER
    )
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="sent_referrals",
        verbose_name=_("prescripteur"),
    )
    holder_name = models.CharField(_("nom du porteur de projet"), max_length=200)
    holder_email = models.EmailField(_("courriel du porteur"), blank=True)
    holder_phone = models.CharField(_("téléphone du porteur"), max_length=30, blank=True)
    holder_email_confirmed_at = models.DateTimeField(_("courriel confirmé le"), null=True, blank=True)
    description = models.TextField(_("description du projet"), max_length=4000)
    commune = models.ForeignKey(
        Territory,
        models.PROTECT,
        related_name="referrals",
        limit_choices_to={"kind": "COM"},
        verbose_name=_("commune du projet"),
    )
    stage = models.ForeignKey(Stage, models.PROTECT, null=True, blank=True, verbose_name=_("étape"))
    needs = models.ManyToManyField(Need, blank=True, verbose_name=_("besoins"))
    legal_form = models.ForeignKey(LegalForm, models.PROTECT, null=True, blank=True, verbose_name=_("forme juridique"))
    consent_version = models.CharField(_("version du texte de consentement"), max_length=40)
    consent_given_at = models.DateTimeField(_("consentement recueilli le"))
    consent_collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consentement recueilli par"),
    )
    share_answers = models.BooleanField(_("le porteur accepte le partage des réponses"), default=False)
    reoriented_from = models.ForeignKey(
        "ReferralLine",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="reorientations",
        verbose_name=_("réorientation de"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True, db_index=True)
    anonymised_at = models.DateTimeField(_("anonymisée le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("orientation")
        verbose_name_plural = _("orientations")
        constraints = [
            models.CheckConstraint(
                condition=~Q(holder_email="", holder_phone="") | Q(anonymised_at__isnull=False),
                name="referral_holder_reachable",
                violation_error_message=_("Indiquez au moins un moyen de contact : courriel ou téléphone."),
            )
        ]

    def __str__(self):
        # Never the holder's name: this string may end up in logs.
        return f"Orientation n° {self.pk}"

    @property
    def is_awaiting_confirmation(self) -> bool:
        return self.source == ReferralSource.HOLDER and self.holder_email_confirmed_at is None


class ReferralLineQuerySet(models.QuerySet):
    def awaiting_answer(self):
        return self.filter(status=LineStatus.SENT)

    def closed_before(self, moment):
        return self.filter(status=LineStatus.CLOSED, closed_at__lt=moment)


class ReferralLine(models.Model):
    """One recipient offer of a dossier, with its own answer and outcome."""

    referral = models.ForeignKey(Referral, models.CASCADE, related_name="lines", verbose_name=_("orientation"))
    offer = models.ForeignKey(Offer, models.PROTECT, related_name="referral_lines", verbose_name=_("offre"))
    status = models.CharField(
        _("statut"), max_length=10, choices=LineStatus.choices, default=LineStatus.DRAFT, db_index=True
    )
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    answered_at = models.DateTimeField(_("première réponse le"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("prise en charge le"), null=True, blank=True)
    declined_at = models.DateTimeField(_("déclinée le"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expirée le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)
    decline_reason = models.CharField(_("motif du refus"), max_length=20, choices=DeclineReason.choices, blank=True)
    decline_note = models.TextField(_("précisions sur le refus"), max_length=2000, blank=True)
    outcome = models.CharField(_("issue"), max_length=12, choices=Outcome.choices, blank=True)
    funded_amount = models.PositiveIntegerField(_("montant financé (€)"), null=True, blank=True)
    reoriented_to = models.ForeignKey(
        Offer, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("réorienté vers")
    )
    closing_note = models.TextField(_("précisions sur la clôture"), max_length=2000, blank=True)
    satisfaction_sent_at = models.DateTimeField(_("questionnaire envoyé le"), null=True, blank=True)

    objects = ReferralLineQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("destinataire d'une orientation")
        verbose_name_plural = _("destinataires des orientations")
        constraints = [models.UniqueConstraint(fields=["referral", "offer"], name="referral_line_unique_offer")]

    def __str__(self):
        return f"Orientation n° {self.referral_id} → offre n° {self.offer_id}"


class ReferralTransition(models.Model):
    """The log of a line's life: who moved it, when, from which state to which."""

    line = models.ForeignKey(ReferralLine, models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=LineStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=LineStatus.choices)
    at = models.DateTimeField(db_index=True)
    by_user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    by_label = models.CharField(_("par"), max_length=200, help_text=_("Ex. : la structure, par lien sécurisé"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("changement d'état")
        verbose_name_plural = _("changements d'état")

    def __str__(self):
        return f"{self.from_status or '∅'} → {self.to_status}"


# A recipient whose line ended this way never took the dossier up: its answer page no longer shows the holder's
# data nor the attachments (see ReferralAttachment).
DOSSIER_WITHDRAWN_STATUSES = (LineStatus.DECLINED, LineStatus.EXPIRED)


class ReferralAttachment(models.Model):
    """A file the holder joined to the dossier, kept privately (no URL) and served by permission-checked views.

    Who sees it, and how long it is kept:
    - a recipient sees it (and the holder's data) on its answer page while its line is to answer, accepted or
      closed; once its line is declined or expired (DOSSIER_WITHDRAWN_STATUSES) the page shows only the line's
      state, and the file's link answers 404: that structure did not take the holder up and needs nothing more;
    - once every line of the referral is declined or expired, nobody is left to work with the files: they are
      deleted at once (services.line_decline / line_expire). The holder and the prescriber keep the dossier
      itself (its text, its history, the holder's export), which the prescriber needs to orient again; the
      holder still has their own files;
    - otherwise (a structure took the dossier up) they are deleted ATTACHMENTS_KEPT after the referral ends, with
      the holder's data anonymised later (services.purge_personal_data), or at once when the holder asks.
    """

    referral = models.ForeignKey(Referral, models.CASCADE, related_name="attachments")
    file = models.FileField(_("fichier"), upload_to="%Y/%m/", storage=attachment_storage, max_length=300)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")

    def __str__(self):
        return f"Pièce jointe n° {self.pk}"


class SatisfactionAnswer(models.Model):
    """The holder's answer to « Cette orientation vous a-t-elle aidé ? », one per line."""

    line = models.OneToOneField(ReferralLine, models.CASCADE, related_name="satisfaction")
    answer = models.CharField(_("réponse"), max_length=8, choices=Satisfaction.choices)
    comment = models.TextField(_("commentaire"), max_length=2000, blank=True)
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("avis du porteur")
        verbose_name_plural = _("avis des porteurs")

    def __str__(self):
        return f"Avis sur la ligne n° {self.line_id}"
