"""Reads for the matching: a profile's territories and candidate offers, in a bounded number of queries.

`match()` costs at most six queries whatever the directory's size: the territories containing the commune
(closure table), the candidate offers with their structure and instrument, then one query each for their
covering territories, stages, the holder's needs they meet and their legal-form restrictions.
"""

import datetime
from collections import defaultdict
from dataclasses import replace

from django.db.models import Subquery

from directory.models import LegalForm, Offer, Permanence, PublicationStatus, TerritoryKind
from funding.matching import Candidate, Match, Profile, rank

# The fields the results read; the rest of the row (descriptions…) stays in the database.
OFFER_FIELDS = [
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
    "mode_presentiel",
    "mode_distance",
    "structure",
    "structure__id",
    "structure__name",
    "structure__siret",
    "structure__status",
    "instrument",
    "instrument__id",
    "instrument__slug",
    "instrument__name",
]


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
        Offer.objects.published()
        .covering(profile.commune)
        .for_stage(profile.stage)
        .not_closed_on(today)
        .select_related("structure", "instrument")
        .only(*OFFER_FIELDS)
    )
    if profile.legal_form:
        offers = offers.eligible_for(Subquery(LegalForm.objects.filter(slug=profile.legal_form).values("pk")[:1]))
    offers = list(offers)
    if not offers:
        return []
    ids = [offer.pk for offer in offers]
    keys = {territory.pk: territory.key for territory in profile.territories}
    coverage = _grouped(
        Offer.coverage.through.objects.filter(offer_id__in=ids, territory_id__in=keys).values_list(
            "offer_id", "territory_id"
        ),
        keys.get,
    )
    # Only the memberships the engine reads: the holder's stage and needs, the holder's territories.
    stages = _grouped(
        Offer.stages.through.objects.filter(offer_id__in=ids, stage_id=profile.stage.pk).values_list(
            "offer_id", "stage_id"
        ),
        lambda _pk: profile.stage.slug,
    )
    needs = {}
    if profile.needs:
        needs = _grouped(
            Offer.needs.through.objects.filter(
                offer_id__in=ids, need_id__in=[need.pk for need in profile.needs]
            ).values_list("offer_id", "need_id"),
            {need.pk: need.slug for need in profile.needs}.get,
        )
    legal_forms = _grouped(
        Offer.eligible_legal_forms.through.objects.filter(offer_id__in=ids).values_list("offer_id", "legalform__slug")
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
