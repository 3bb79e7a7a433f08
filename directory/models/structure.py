"""Structures (support bodies, financers, third places) and what they offer."""

import datetime
import operator
from functools import reduce

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, Value, When
from django.db.models.functions import ASin, Coalesce, Cos, Least, Power, Radians, Sin, Sqrt
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import keep_lazy_text
from django.utils.translation import gettext_lazy as _

from directory.cache import directory_changed
from directory.search import search_offers
from directory.validators import validate_siret
from support_chain.models import Need, Stage, SupportLevel

from .territory import Territory, TerritoryKind, TerritoryLink
from .vocabulary import (
    Fee,
    Instrument,
    LegalForm,
    Mode,
    Network,
    OfferType,
    PublicationStatus,
    StructureRole,
)

# An entry not verified for this long is flagged "à vérifier".
STALE_AFTER = datetime.timedelta(days=365)


@keep_lazy_text
def _lower_first(text: str) -> str:
    """A label as a verbose name: lowercase first, as Django expects (the admin capitalises it back)."""
    return text[:1].lower() + text[1:]


class BooleanColumns:
    """One boolean column per member of a TextChoices whose values a row may hold several of.

    Each column is named by the member's `field_name` and described by its label. Plain columns rather than one list
    field, so that every filter stays a test of one column, on SQLite and PostgreSQL alike.
    """

    def __init__(self, choices):
        # Created while the model's class body runs, so the columns keep their place among the model's fields.
        self.fields = {
            member.field_name: models.BooleanField(_lower_first(member.label), default=False) for member in choices
        }

    def contribute_to_class(self, model, name):
        for field_name, field in self.fields.items():
            model.add_to_class(field_name, field)


class PublishableQuerySet(models.QuerySet):
    # Writes that send no signal per row still bump the directory version (directory/cache.py).
    def update(self, **kwargs):
        rows = super().update(**kwargs)
        if rows:
            directory_changed(using=self.db)
        return rows

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            directory_changed(using=self.db)
        return created

    def bulk_update(self, objs, *args, **kwargs):
        rows = super().bulk_update(objs, *args, **kwargs)
        if rows:
            directory_changed(using=self.db)
        return rows

    def published(self):
        return self.filter(status=PublicationStatus.PUBLISHED)

    def stale(self, now=None):
        now = now or timezone.now()
        return self.filter(Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=now - STALE_AFTER))


class Publishable(models.Model):
    status = models.CharField(
        _("statut de publication"),
        max_length=12,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        db_index=True,
    )
    last_verified_at = models.DateTimeField(_("vérifié le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_stale(self) -> bool:
        return self.last_verified_at is None or self.last_verified_at < timezone.now() - STALE_AFTER


class StructureQuerySet(PublishableQuerySet):
    def with_role(self, role):
        return self.filter(**{StructureRole(role).field_name: True})

    def in_territory(self, territory):
        """Structures located in the territory (their commune is the territory or inside it)."""
        return self.filter(commune__ancestor_links__ancestor=territory)

    def with_distance(self, lat, lon):
        """Annotate `distance_km` from (lat, lon), computed in the database; None for structures without coordinates."""
        return self.annotate(distance_km=distance_km_expression("latitude", "longitude", lat, lon))

    def by_distance(self, lat, lon):
        """Nearest first; structures without coordinates last."""
        return self.with_distance(lat, lon).order_by(F("distance_km").asc(nulls_last=True), "name", "pk")


class Structure(Publishable):
    """One organisation: a support body, a financer, a third place, or several at once.

    Renaming it, or changing its network, commune or status, fires the triggers of directory/triggers.py (the
    search columns of its offers) and funding/triggers.py (the matching's read model). Its `history` is kept by
    curation (curation/models/history.py).
    """

    siret = models.CharField(_("SIRET"), max_length=14, unique=True, null=True, blank=True, validators=[validate_siret])
    name = models.CharField(_("nom"), max_length=200)
    legal_form = models.ForeignKey(LegalForm, models.PROTECT, null=True, blank=True, verbose_name=_("forme juridique"))
    role_columns = BooleanColumns(StructureRole)  # role_support, role_financer, role_third_place
    network = models.ForeignKey(Network, models.PROTECT, null=True, blank=True, verbose_name=_("réseau"))
    description = models.TextField(_("présentation"), blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    commune = models.ForeignKey(
        Territory,
        models.PROTECT,
        related_name="structures",
        limit_choices_to={"kind": TerritoryKind.COMMUNE},
        verbose_name=_("commune"),
    )
    region = models.ForeignKey(
        Territory,
        models.PROTECT,
        related_name="curated_structures",
        limit_choices_to={"kind": TerritoryKind.REGION},
        verbose_name=_("région de rattachement (CRESS)"),
        help_text=_("Par défaut, la région de la commune."),
        blank=True,
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    website = models.URLField(_("site web"), blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    opening_hours = models.TextField(_("horaires d'ouverture"), blank=True)
    accessibility = models.TextField(_("accessibilité"), blank=True)

    objects = StructureQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        indexes = [models.Index(fields=["status", "name"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.siret == "":
            self.siret = None
        if self.commune_id and not self.region_id:
            self.region_id = Territory.objects.values_list("region_id", flat=True).get(pk=self.commune_id)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("directory:structure_detail", args=[self.pk])

    @property
    def roles(self) -> list[StructureRole]:
        return [role for role in StructureRole if getattr(self, role.field_name)]

    def set_roles(self, roles):
        for role in StructureRole:
            setattr(self, role.field_name, role in roles)

    def clean(self):
        if not self.roles:
            raise ValidationError(_("Indiquez au moins un rôle : accompagnement, financement ou tiers-lieu."))
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Renseignez la latitude et la longitude ensemble."))
        if self.latitude is not None and not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
            raise ValidationError(_("Coordonnées géographiques hors limites."))


# The rule of a public offer: published, and its structure published. In a query, `published_offer_q(path)`, where
# `path` leads from a model to the offer ("offer__" from a link check); of an offer already read (a model or any
# object with `status` and `structure.status`, such as the matching's rows), `is_public_offer(offer)`.
PUBLIC_STATUS_PATHS = ("status", "structure__status")


# An offer is a call for projects when it has an opening or a closing date (`Offer.is_call_for_projects`; in a query,
# `call_for_projects_q()`).
CALL_DATE_FIELDS = ("opens_on", "closes_on")


def call_for_projects_q() -> Q:
    return reduce(operator.or_, (Q(**{f"{field}__isnull": False}) for field in CALL_DATE_FIELDS))


def published_offer_q(path: str = "") -> Q:
    return Q(**{f"{path}{field}": PublicationStatus.PUBLISHED for field in PUBLIC_STATUS_PATHS})


def is_public_offer(offer) -> bool:
    return all(_follow(offer, field) == PublicationStatus.PUBLISHED for field in PUBLIC_STATUS_PATHS)


def _follow(obj, path: str):
    for name in path.split("__"):
        obj = getattr(obj, name)
    return obj


# Where an offer without coverage sorts by narrowness: after France (5), as NULLS LAST puts it.
NO_COVERAGE = 6

# The directory's default order (`OfferQuerySet.by_narrowness`, the index `directory_offer_public_order`).
NARROWEST_FIRST = (
    F("narrowness").asc(nulls_last=True),
    F("last_verified_at").desc(nulls_last=True),
    F("title"),
    F("id"),
)


class OfferQuerySet(PublishableQuerySet):
    def published(self):
        """Published offers of published structures."""
        return self.filter(published_offer_q())

    def covering(self, territory):
        """Offers whose coverage contains the territory (the territory itself or any of its ancestors)."""
        ancestors = TerritoryLink.objects.filter(descendant=territory).values("ancestor_id")
        return self.filter(
            Exists(Offer.coverage.through.objects.filter(offer_id=OuterRef("pk"), territory_id__in=ancestors))
        )

    def within(self, territory):
        """Offers covering the territory, one of its ancestors, or any territory inside it."""
        ancestors = TerritoryLink.objects.filter(descendant=territory).values("ancestor_id")
        descendants = TerritoryLink.objects.filter(ancestor=territory).values("descendant_id")
        coverage = Offer.coverage.through.objects.filter(offer_id=OuterRef("pk"))
        return self.filter(Exists(coverage.filter(Q(territory_id__in=ancestors) | Q(territory_id__in=descendants))))

    def for_stage(self, stage):
        return self.filter(Exists(Offer.stages.through.objects.filter(offer_id=OuterRef("pk"), stage=stage)))

    def for_need(self, need):
        return self.filter(Exists(Offer.needs.through.objects.filter(offer_id=OuterRef("pk"), need=need)))

    def of_type(self, offer_type):
        return self.filter(offer_type=offer_type)

    def open_on(self, day):
        """Offers that are not calls for projects, or calls open on that day."""
        return self.filter(Q(opens_on__isnull=True) | Q(opens_on__lte=day)).filter(
            Q(closes_on__isnull=True) | Q(closes_on__gte=day)
        )

    def not_closed_on(self, day):
        return self.filter(Q(closes_on__isnull=True) | Q(closes_on__gte=day))

    def search(self, text):
        """Offers matching the words of a French free text, annotated with `rank` (see directory/search.py)."""
        return search_offers(self, text)

    def by_narrowness(self, *, few: bool = False):
        """Narrowest coverage first (commune … France, none last), then the freshest: the directory's default order.

        `narrowness` is a column kept by the triggers (directory/triggers.py) and the order matches the index
        `directory_offer_public_order` they install on PostgreSQL (SQLite cannot index NULLS LAST), so a page of it
        is an index read with a LIMIT, whatever the size of the directory. `few`: the filters keep few offers spread
        over every level (those covering one territory): reading them all and sorting them is then cheaper than
        walking the index until a page of them turns up, and an expression of the column steers the planner to it.
        """
        if few:
            return self.order_by(Coalesce("narrowness", Value(NO_COVERAGE)), *NARROWEST_FIRST[1:])
        return self.order_by(*NARROWEST_FIRST)

    def eligible_for(self, legal_form):
        """Offers open to every legal form, or explicitly to this one."""
        restricted = Offer.eligible_legal_forms.through.objects.filter(offer_id=OuterRef("pk"))
        return self.filter(~Exists(restricted) | Exists(restricted.filter(legalform=legal_form)))

    def with_distance(self, lat, lon):
        """Annotate `distance_km`, the distance of the offer's structure from (lat, lon), computed in the database."""
        return self.annotate(
            distance_km=distance_km_expression("structure__latitude", "structure__longitude", lat, lon)
        )

    def by_distance(self, lat, lon):
        """Offers of the nearest structures first; structures without coordinates last."""
        return self.with_distance(lat, lon).order_by(F("distance_km").asc(nulls_last=True), "title", "pk")


class Offer(Publishable):
    """What a structure offers: support, funding, a place, training, information or networking.

    Database triggers maintain two things from its rows: `search_vector` / `search_text` (directory/triggers.py)
    and the matching's read model, `funding.MatchEntry` (funding/triggers.py). Its `history` is kept by curation
    (curation/models/history.py).
    """

    structure = models.ForeignKey(Structure, models.CASCADE, related_name="offers", verbose_name=_("structure"))
    ref = models.CharField(
        _("référence"),
        max_length=80,
        help_text=_("L'identifiant de l'offre dans la source, unique par structure."),
    )
    title = models.CharField(_("intitulé"), max_length=200)
    offer_type = models.CharField(_("type d'offre"), max_length=20, choices=OfferType.choices, db_index=True)
    description = models.TextField(_("description"), blank=True)
    stages = models.ManyToManyField(Stage, related_name="offers", verbose_name=_("étapes"))
    needs = models.ManyToManyField(Need, related_name="offers", blank=True, verbose_name=_("besoins"))
    support_level = models.PositiveSmallIntegerField(
        _("niveau d'accompagnement"), choices=SupportLevel.choices, default=SupportLevel.INFORMATION
    )
    coverage = models.ManyToManyField(Territory, related_name="offers", verbose_name=_("territoires couverts"))
    eligible_legal_forms = models.ManyToManyField(
        LegalForm,
        related_name="offers",
        blank=True,
        verbose_name=_("formes juridiques éligibles"),
        help_text=_("Vide : ouvert à toutes les formes juridiques."),
    )
    esus_required = models.BooleanField(_("agrément ESUS requis"), default=False)
    min_structure_age = models.PositiveSmallIntegerField(_("ancienneté minimale (ans)"), null=True, blank=True)
    max_structure_age = models.PositiveSmallIntegerField(_("ancienneté maximale (ans)"), null=True, blank=True)
    instrument = models.ForeignKey(
        Instrument, models.PROTECT, null=True, blank=True, verbose_name=_("outil de financement")
    )
    amount_min = models.PositiveIntegerField(_("montant minimum (€)"), null=True, blank=True)
    amount_max = models.PositiveIntegerField(_("montant maximum (€)"), null=True, blank=True)
    opens_on = models.DateField(_("ouverture de l'appel"), null=True, blank=True)
    closes_on = models.DateField(_("clôture de l'appel"), null=True, blank=True)
    fee = models.CharField(_("coût"), max_length=10, choices=Fee.choices, blank=True)
    mode_columns = BooleanColumns(Mode)  # mode_presentiel, mode_distance
    url = models.URLField(_("page de l'offre"), blank=True)
    email = models.EmailField(_("courriel de contact"), blank=True)
    how_to_access = models.TextField(_("comment y accéder"), blank=True)
    # Filled by database triggers on every write (see directory/search.py): never set them from Python.
    search_vector = SearchVectorField(null=True, editable=False)
    search_text = models.TextField(default="", blank=True, editable=False)
    # The kind rank of the narrowest territory covered (0 commune … 5 France; NULL without coverage), kept by the
    # same triggers from the coverage rows.
    narrowness = models.PositiveSmallIntegerField(_("étendue de la couverture"), null=True, editable=False)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("offre")
        verbose_name_plural = _("offres")
        constraints = [models.UniqueConstraint(fields=["structure", "ref"], name="offer_ref_unique_per_structure")]
        indexes = [
            models.Index(fields=["status", "offer_type"]),
            models.Index(fields=["closes_on"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("directory:offer_detail", args=[self.pk])

    @property
    def modes(self) -> list[Mode]:
        return [mode for mode in Mode if getattr(self, mode.field_name)]

    def set_modes(self, modes):
        for mode in Mode:
            setattr(self, mode.field_name, mode in modes)

    @property
    def is_call_for_projects(self) -> bool:
        return any(getattr(self, field) is not None for field in CALL_DATE_FIELDS)

    def clean(self):
        errors = {}
        if self.amount_min is not None and self.amount_max is not None and self.amount_min > self.amount_max:
            errors["amount_max"] = _("Le montant maximum doit être supérieur ou égal au montant minimum.")
        if self.opens_on and self.closes_on and self.opens_on > self.closes_on:
            errors["closes_on"] = _("La date de clôture doit suivre la date d'ouverture.")
        if (
            self.min_structure_age is not None
            and self.max_structure_age is not None
            and self.min_structure_age > self.max_structure_age
        ):
            errors["max_structure_age"] = _("L'ancienneté maximale doit être supérieure à l'ancienneté minimale.")
        if errors:
            raise ValidationError(errors)


class Permanence(models.Model):
    """A support body holding regular office hours in a third place."""

    place = models.ForeignKey(
        Structure,
        models.CASCADE,
        related_name="hosted_permanences",
        limit_choices_to={StructureRole.THIRD_PLACE.field_name: True},
        verbose_name=_("lieu d'accueil"),
    )
    host = models.ForeignKey(
        Structure,
        models.CASCADE,
        related_name="permanences",
        verbose_name=_("structure qui tient la permanence"),
    )
    offer = models.ForeignKey(Offer, models.SET_NULL, null=True, blank=True, verbose_name=_("offre concernée"))
    schedule = models.CharField(_("quand"), max_length=200, help_text=_("Ex. : le 1er mardi du mois, 9h-12h"))
    note = models.TextField(_("précisions"), blank=True)

    class Meta:
        verbose_name = _("permanence")
        verbose_name_plural = _("permanences")

    def __str__(self):
        return f"{self.host} @ {self.place} — {self.schedule}"


EARTH_RADIUS_KM = 6371.0088


def distance_km_expression(lat_field: str, lon_field: str, lat: float, lon: float):
    """Great-circle (haversine) distance in km between two fields and a point, as a database expression.

    Plain math functions that SQLite (Django registers them) and PostgreSQL both have, so no GIS extension is needed.
    """
    lat, lon = float(lat), float(lon)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("coordinates out of range")
    point_lat = Radians(Value(lat, output_field=FloatField()))
    point_lon = Radians(Value(lon, output_field=FloatField()))
    half_dlat = (Radians(F(lat_field)) - point_lat) / 2
    half_dlon = (Radians(F(lon_field)) - point_lon) / 2
    a = Power(Sin(half_dlat), 2) + Cos(point_lat) * Cos(Radians(F(lat_field))) * Power(Sin(half_dlon), 2)
    # Rounding can push `a` a hair above 1 for antipodal points, where ASIN would fail. PostgreSQL's LEAST
    # ignores NULLs, so a structure without coordinates is kept NULL explicitly.
    distance = Value(2 * EARTH_RADIUS_KM, output_field=FloatField()) * ASin(
        Least(Sqrt(a), Value(1.0, output_field=FloatField()))
    )
    no_point = Q(**{f"{lat_field}__isnull": True}) | Q(**{f"{lon_field}__isnull": True})
    return Case(
        When(no_point, then=Value(None, output_field=FloatField())), default=distance, output_field=FloatField()
    )
