"""Where « Le guichet de ma commune » may be embedded: the sites curators allow, per territory."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.validators import validate_origin

from .territory import Territory


class EmbedOrigin(models.Model):
    """A website allowed to show the widget of a territory in an iframe (CSP `frame-ancestors`)."""

    territory = models.ForeignKey(Territory, models.CASCADE, related_name="embed_origins", verbose_name=_("territoire"))
    origin = models.CharField(_("site autorisé"), max_length=200, validators=[validate_origin])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("site autorisé à intégrer le guichet")
        verbose_name_plural = _("sites autorisés à intégrer le guichet")
        constraints = [models.UniqueConstraint(fields=["territory", "origin"], name="embed_origin_once")]

    def __str__(self):
        return f"{self.origin} ({self.territory})"
