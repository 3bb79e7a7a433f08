"""Reads for the matching: a profile's territories and candidate offers, in a bounded number of queries.

`match()` costs at most six queries whatever the directory's size: the territories containing the commune
(closure table), the candidate offers with their structure and instrument, then one query each for their
covering territories, stages, the holder's needs they meet and their legal-form restrictions.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, replace

from django.db.models import Subquery
from django.urls import reverse

from directory.models import LegalForm, Offer, OfferType, Permanence, PublicationStatus, TerritoryKind
from funding.matching import Candidate, Match, Profile, rank

# Candidates are read as plain rows, not model instances: a match may hold a couple of thousand offers and
# building that many instances costs more than the query. The rows answer what the engine, the payload and
# the templates read (the same attribute names as Offer, Structure and Instrument).
OFFER_COLUMNS = [
    "id",
    "ref",
    "title",
    "offer_type",
    "support_level",
    "status",
    "last_verified_at",
    "amount_min",
    "amount_max",
    "opens_on",
    "closes_on",
    "esus_required",
    "min_structure_age",
    "max_structure_age",
    "fee",
    "instrument_id",
    "structure_id",
]
STRUCTURE_COLUMNS = ["structure__name", "structure__siret", "structure__status"]
INSTRUMENT_COLUMNS = ["instrument__slug", "instrument__name"]


@dataclass(frozen=True, slots=True)
class StructureRow:
    id: int
    name: str
    siret: str | None
    status: str

    @property
    def pk(self):
        return self.id

    def get_absolute_url(self):
        return reverse("directory:structure_detail", args=[self.id])


@dataclass(frozen=True, slots=True)
class InstrumentRow:
    id: int
    slug: str
    name: str

    def __str__(self):
        return self.name


@dataclass(frozen=True, slots=True)
class OfferRow:
    id: int
    ref: str
    title: str
    offer_type: str
    support_level: int
    status: str
    last_verified_at: datetime.datetime | None
    amount_min: int | None
    amount_max: int | None
    opens_on: datetime.date | None
    closes_on: datetime.date | None
    esus_required: bool
    min_structure_age: int | None
    max_structure_age: int | None
    fee: str
    instrument_id: int | None
    structure_id: int
    structure: StructureRow
    instrument: InstrumentRow | None

    @property
    def pk(self):
        return self.id

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("directory:offer_detail", args=[self.id])

    def get_offer_type_display(self):
        return OfferType(self.offer_type).label if self.offer_type in OfferType.values else self.offer_type


def _offer_rows(queryset) -> list[OfferRow]:
    width = len(OFFER_COLUMNS)
    rows = []
    for values in queryset.values_list(*OFFER_COLUMNS, *STRUCTURE_COLUMNS, *INSTRUMENT_COLUMNS):
        fields = values[:width]
        name, siret, status, instrument_slug, instrument_name = values[width:]
        instrument_id, structure_id = fields[-2], fields[-1]
        rows.append(
            OfferRow(
                *fields,
                structure=StructureRow(structure_id, name, siret, status),
                instrument=InstrumentRow(instrument_id, instrument_slug, instrument_name) if instrument_id else None,
            )
        )
    return rows


def profile_territories(commune) -> tuple:
    """The commune and every territory containing it (EPCI, département, région, France, zones): one query."""
    return tuple(commune.ancestors_and_self().only("id", "key", "kind", "code", "name"))


def build_profile(*, commune, stage, needs=(), legal_form=None, **details) -> Profile:
    """A Profile from cleaned values (model instances); `legal_form` may be a LegalForm or its slug."""
    slug = getattr(legal_form, "slug", legal_form) or None
    return Profile(
        commune=commune,
        territories=profile_territories(commune),
        stage=stage,
        needs=tuple(needs),
        legal_form=slug,
        **details,
    )


def candidates(profile: Profile, *, today: datetime.date) -> list[Candidate]:
    """Offers that may match, narrowed in the database by the same filters the engine applies again."""
    offers = (
        Offer.objects.published().covering(profile.commune).for_stage(profile.stage).not_closed_on(today).order_by()
    )
    if profile.legal_form:
        offers = offers.eligible_for(Subquery(LegalForm.objects.filter(slug=profile.legal_form).values("pk")[:1]))
    offers = _offer_rows(offers)
    if not offers:
        return []
    # The many-to-many rows are read for every offer covering the holder's territories (a cheap indexed
    # subquery) rather than for a list of thousands of candidate ids, and only the memberships the engine reads:
    # the holder's territories, stage and needs. Rows of offers that are not candidates are simply unused.
    keys = {territory.pk: territory.key for territory in profile.territories}
    covering = Offer.coverage.through.objects.filter(territory_id__in=keys)
    covering_ids = covering.values("offer_id")
    coverage = _grouped(covering.values_list("offer_id", "territory_id"), keys.get)
    stages = _grouped(
        Offer.stages.through.objects.filter(offer_id__in=covering_ids, stage_id=profile.stage.pk).values_list(
            "offer_id", "stage_id"
        ),
        lambda _pk: profile.stage.slug,
    )
    needs = {}
    if profile.needs:
        needs = _grouped(
            Offer.needs.through.objects.filter(
                offer_id__in=covering_ids, need_id__in=[need.pk for need in profile.needs]
            ).values_list("offer_id", "need_id"),
            {need.pk: need.slug for need in profile.needs}.get,
        )
    legal_forms = _grouped(
        Offer.eligible_legal_forms.through.objects.filter(offer_id__in=covering_ids).values_list(
            "offer_id", "legalform__slug"
        )
    )
    return [
        Candidate(
            offer=offer,
            coverage_keys=coverage.get(offer.pk, frozenset()),
            stage_slugs=stages.get(offer.pk, frozenset()),
            need_slugs=needs.get(offer.pk, frozenset()),
            legal_form_slugs=legal_forms.get(offer.pk, frozenset()),
        )
        for offer in offers
    ]


def _grouped(rows, convert=lambda value: value) -> dict[int, frozenset]:
    grouped = defaultdict(set)
    for offer_id, value in rows:
        grouped[offer_id].add(convert(value))
    return {offer_id: frozenset(values) for offer_id, values in grouped.items()}


def match(profile: Profile, *, today: datetime.date) -> list[Match]:
    """The ranked matches of a profile (at most six queries)."""
    return rank(candidates(profile, today=today), profile, today=today)


def next_stage_matches(profile: Profile, *, today: datetime.date, limit: int = 5) -> tuple:
    """(the next stage of the chain, its first matches on the holder's territory), or (None, [])."""
    next_stage = profile.stage.next_stages().order_by("position").first()
    if next_stage is None:
        return None, []
    return next_stage, match(replace(profile, stage=next_stage), today=today)[:limit]


def permanences_near(profile: Profile, *, limit: int = 10) -> list[Permanence]:
    """Permanences held in published third places of the holder's département (one query)."""
    departement = next((t for t in profile.territories if t.kind == TerritoryKind.DEPARTEMENT), None)
    if departement is None:
        return []
    return list(
        Permanence.objects.filter(
            place__status=PublicationStatus.PUBLISHED,
            host__status=PublicationStatus.PUBLISHED,
            place__commune__ancestor_links__ancestor=departement,
        )
        .select_related("place__commune", "host")
        .order_by("place__name", "host__name", "pk")[:limit]
    )
