"""Vocabularies of the directory that curators may extend (tables), and the fixed ones (TextChoices).

scripts/check_demo_csv.py (standard library only) reads the TextChoices' values from this file's source: write
each member as `NAME = value, ..., label`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from support_chain.models import Vocabulary


class LegalForm(Vocabulary):
    class Meta:
        ordering = ["name"]
        verbose_name = _("forme juridique")
        verbose_name_plural = _("formes juridiques")


class Instrument(Vocabulary):
    """A funding instrument; renaming one refreshes its offers' search document (directory/triggers.py)."""

    class Meta:
        ordering = ["name"]
        verbose_name = _("outil de financement")
        verbose_name_plural = _("outils de financement")


class Network(Vocabulary):
    """A network of structures; renaming one refreshes its offers' search document (directory/triggers.py)."""

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
    """What a structure does; it may do several. The one declaration of the roles: Structure has a boolean column
    per role (`field_name`), and every list of roles (filters, import, forms, admin, map) is built from this class.
    """

    # value, short label (the tags of the map's list and popups), label
    SUPPORT = "support", _("Accompagnement"), _("Structure d'accompagnement")
    FINANCER = "financer", _("Financement"), _("Financeur")
    THIRD_PLACE = "third_place", _("Tiers-lieu"), _("Tiers-lieu")

    def __new__(cls, value, short_label):
        member = str.__new__(cls, value)
        member._value_ = value
        member.short_label = short_label
        return member

    @property
    def field_name(self) -> str:
        """The boolean column of Structure that holds this role."""
        return f"role_{self.value}"


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
    """How an offer is delivered; it may be both. Offer has a boolean column per mode (`field_name`)."""

    IN_PERSON = "presentiel", _("En présentiel")
    REMOTE = "distance", _("À distance")

    @property
    def field_name(self) -> str:
        """The boolean column of Offer that holds this mode."""
        return f"mode_{self.value}"
