"""The French territorial referential (COG) and custom zones, with a closure table of ancestors."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from directory.text import normalize


class TerritoryKind(models.TextChoices):
    # The values are the prefixes of the `dispositif-aide` coverage codes.
    COMMUNE = "COM", _("Commune")
    ZONE = "ZONE", _("Zone personnalisée")
    EPCI = "EPCI", _("Intercommunalité (EPCI)")
    DEPARTEMENT = "DEP", _("Département")
    REGION = "REG", _("Région")
    COUNTRY = "FR", _("France")


# From the narrowest to the widest: the matching ranks offers by this (commune first, France last).
KIND_NARROWNESS = {
    TerritoryKind.COMMUNE: 0,
    TerritoryKind.ZONE: 1,
    TerritoryKind.EPCI: 2,
    TerritoryKind.DEPARTEMENT: 3,
    TerritoryKind.REGION: 4,
    TerritoryKind.COUNTRY: 5,
}


class PointSource(models.TextChoices):
    """Where a commune's point comes from (see scripts/build_territories.py)."""

    MAIRIE = "mairie", _("mairie")
    CENTROID = "centroid", _("centre de la commune")
    EPCI = "epci", _("centre de l'intercommunalité (commune absente de la source)")


class UnknownTerritoryCode(ValueError):
    def __init__(self, code):
        super().__init__(_("Territoire inconnu : « %(code)s »") % {"code": code})
        self.code = code


class TerritoryQuerySet(models.QuerySet):
    def communes(self):
        return self.filter(kind=TerritoryKind.COMMUNE)

    def of_kind(self, kind):
        return self.filter(kind=kind)

    def by_codes(self, codes):
        """Return {coverage code: territory} for the given codes; raise UnknownTerritoryCode on the first miss."""
        codes = [code.strip() for code in codes if code and code.strip()]
        found = {t.key: t for t in self.filter(key__in=codes)}
        for code in codes:
            if code not in found:
                raise UnknownTerritoryCode(code)
        return found

    def search(self, text, limit=20):
        """Territories whose name starts with the text (accents and case ignored), or communes by postal code."""
        text = (text or "").strip()
        if not text:
            return self.none()
        if text.isdigit():
            return (
                self.communes()
                .filter(postal_codes__code__startswith=text)
                .distinct()
                .order_by("-population", "name")[:limit]
            )
        needle = normalize(text)
        # The start of the name, or of a word in it ("creuse" finds "CC Creuse Grand Sud").
        return self.filter(Q(search_name__startswith=needle) | Q(search_name__contains=f" {needle}")).order_by(
            "kind_rank", "-population", "name"
        )[:limit]


class Territory(models.Model):
    """A commune, EPCI, département, région, France, or a custom zone made of communes."""

    key = models.CharField(_("code de couverture"), max_length=40, unique=True, help_text="COM-23077, DEP-23…")
    kind = models.CharField(_("type"), max_length=4, choices=TerritoryKind.choices, db_index=True)
    code = models.CharField(_("code officiel"), max_length=30)
    name = models.CharField(_("nom"), max_length=200)
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    kind_rank = models.PositiveSmallIntegerField(editable=False, default=0)
    population = models.PositiveIntegerField(_("population"), default=0)
    # Direct parents of a commune, kept for display; the closure table answers every "is inside" question.
    departement = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("département")
    )
    region = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("région")
    )
    epci = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("EPCI"))
    description = models.TextField(_("description"), blank=True)
    # A commune's point: its mairie, else its centroid (fixtures/territories/geo.json.gz); None: « lieu inconnu ».
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    # Null rather than "": SQLite adds a nullable column in place; a NOT NULL one rebuilds the table (and triggers).
    point_source = models.CharField(
        _("origine du point"), max_length=10, choices=PointSource.choices, null=True, blank=True
    )
    is_active = models.BooleanField(_("en vigueur"), default=True)

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        ordering = ["kind_rank", "name"]
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")
        indexes = [models.Index(fields=["kind", "code"])]

    def __str__(self):
        if self.kind == TerritoryKind.COMMUNE and self.departement_id:
            return f"{self.name} ({self.departement.code})"
        return self.name

    def save(self, *args, **kwargs):
        self.key = self.key or make_key(self.kind, self.code)
        self.search_name = normalize(self.name)
        self.kind_rank = KIND_NARROWNESS[self.kind]
        super().save(*args, **kwargs)

    @property
    def narrowness(self) -> int:
        return KIND_NARROWNESS[self.kind]

    @property
    def point(self) -> tuple[float, float] | None:
        """(latitude, longitude), or None when the territory has no point."""
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)

    def ancestors_and_self(self):
        """This territory and every territory containing it (one indexed query through the closure table)."""
        return Territory.objects.filter(descendant_links__descendant=self)

    def descendants_and_self(self):
        return Territory.objects.filter(ancestor_links__ancestor=self)


def make_key(kind: str, code: str) -> str:
    return "FR" if kind == TerritoryKind.COUNTRY else f"{kind}-{code}"


class TerritoryLink(models.Model):
    """Closure table: `ancestor` contains `descendant` (every territory is also linked to itself, depth 0)."""

    ancestor = models.ForeignKey(Territory, models.CASCADE, related_name="descendant_links")
    descendant = models.ForeignKey(Territory, models.CASCADE, related_name="ancestor_links")
    depth = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["descendant", "ancestor"], name="territory_link_unique")]
        indexes = [models.Index(fields=["ancestor", "descendant"])]

    def __str__(self):
        return f"{self.descendant_id} ⊂ {self.ancestor_id}"


class TerritoryBoundary(models.Model):
    """The simplified boundary of an EPCI, département or région, as a GeoJSON geometry, for maps.

    Kept apart from Territory so that reading territories never reads their polygons.
    """

    territory = models.OneToOneField(Territory, models.CASCADE, primary_key=True, related_name="boundary")
    geometry = models.TextField(_("géométrie (GeoJSON)"))

    class Meta:
        verbose_name = _("contour de territoire")
        verbose_name_plural = _("contours de territoires")

    def __str__(self):
        return str(self.territory_id)


class PostalCode(models.Model):
    code = models.CharField(_("code postal"), max_length=5, db_index=True)
    commune = models.ForeignKey(Territory, models.CASCADE, related_name="postal_codes")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "commune"], name="postal_code_unique")]
        ordering = ["code"]

    def __str__(self):
        return self.code


class ReferentialVersion(models.Model):
    """The checksum of the territorial fixture last loaded, so reloading an unchanged file is skipped."""

    name = models.CharField(max_length=40, unique=True)
    checksum = models.CharField(max_length=64)
    source = models.CharField(max_length=200)
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name} ({self.source})"
