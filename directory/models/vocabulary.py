"""Vocabularies of the directory that curators may extend (tables), and the fixed ones (TextChoices)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from support_chain.models import Vocabulary


class LegalForm(Vocabulary):
    class Meta:
        ordering = ["name"]
        verbose_name = _("forme juridique")
        verbose_name_plural = _("formes juridiques")


class Instrument(Vocabulary):
    class Meta:
        ordering = ["name"]
        verbose_name = _("outil de financement")
        verbose_name_plural = _("outils de financement")


class Network(Vocabulary):
    class Meta:
        ordering = ["name"]
        verbose_name = _("réseau")
        verbose_name_plural = _("réseaux")


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PENDING = "pending", _("En attente de validation")
    PUBLISHED = "published", _("Publié")
    ARCHIVED = "archived", _("Archivé")


class StructureRole(models.TextChoices):
    SUPPORT = "support", _("Structure d'accompagnement")
    FINANCER = "financer", _("Financeur")
    THIRD_PLACE = "third_place", _("Tiers-lieu")


class OfferType(models.TextChoices):
    ACCOMPANIMENT = "accompagnement", _("Accompagnement")
    FUNDING = "financement", _("Financement")
    PLACE = "lieu", _("Lieu")
    TRAINING = "formation", _("Formation")
    INFORMATION = "information", _("Information")
    NETWORKING = "mise-en-reseau", _("Mise en réseau")


class Fee(models.TextChoices):
    FREE = "gratuit", _("Gratuit")
    PAID = "payant", _("Payant")
    MEMBERSHIP = "adhesion", _("Sur adhésion")


class Mode(models.TextChoices):
    IN_PERSON = "presentiel", _("En présentiel")
    REMOTE = "distance", _("À distance")
