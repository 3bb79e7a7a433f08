"""The vocabulary of the support chain: the stages of a project's life, the needs, the support levels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


# scripts/check_demo_csv.py (standard library only) reads these values from this file's source.
class SupportLevel(models.IntegerChoices):
    INFORMATION = 1, _("Information, orientation")
    ACCOMPANIMENT = 2, _("Accompagnement")
    EXPERTISE = 3, _("Expertise")


class VocabularyQuerySet(models.QuerySet):
    def by_slugs(self, slugs):
        return self.filter(slug__in=slugs)


class Vocabulary(models.Model):
    """A curator-extensible list of terms identified by a stable slug."""

    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    objects = VocabularyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Stage(Vocabulary):
    """A stage of a project's life; `position` orders the chain from emergence onwards.

    Renaming one refreshes the search document of its offers (a trigger of directory/triggers.py).
    """

    position = models.PositiveSmallIntegerField(_("rang"), unique=True)
    holder_label = models.CharField(
        _("formulation pour le porteur"), max_length=160, blank=True, help_text=_("Ex. : « J'ai une idée »")
    )

    class Meta:
        ordering = ["position"]
        verbose_name = _("étape")
        verbose_name_plural = _("étapes")

    def next_stages(self):
        return Stage.objects.filter(position__gt=self.position)


class Need(Vocabulary):
    """What a holder needs; renaming one refreshes its offers' search document (directory/triggers.py)."""

    class Meta:
        ordering = ["name"]
        verbose_name = _("besoin")
        verbose_name_plural = _("besoins")
