"""Reads for the matching: a profile's territories, then its matches ranked and paged by the database.

A profile may match a couple of thousand offers when a région or France is covered; a holder reads the first
ten of each rubric. So the database applies the engine's hard filters and its ranking over the match entries
(`ranked()`, filtered and ordered by the engine's own declarations, `funding.matching.HARD_FILTERS` and `RANKING`,
rendered as SQL by `where()` and `order_by()`), returning offer ids only; the engine then checks and explains
the rows shown (`explain()`: the offers, then one query each for their covering territories, stages, the
holder's needs they meet and their legal-form restrictions). Whatever the directory's size:
- `match_preview()` (the results page): the ranking + five;
- `RankedMatches` (a rubric page by page, the API): the ranking once + five per slice (chunked beyond 500).
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, replace

from django.db import connection
from django.db.models import Q
from django.urls import reverse

from directory.cache import cached
from directory.geo import proximity_radius_km
from directory.models import Offer, OfferType, Permanence, PublicationStatus, TerritoryKind
from directory.proximity import reachable_offers
from funding.grouping import ACCOMPANY, RUBRIC_OF_TYPE
from funding.match_entries import MatchEntry
from funding.matching import HARD_FILTERS, RANKING, Candidate, Match, Place, Profile, rank

logger = logging.getLogger(__name__)

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
    "mode_presentiel",
    "instrument_id",
    "structure_id",
]
STRUCTURE_COLUMNS = [
    "structure__name",
    "structure__siret",
    "structure__status",
    "structure__latitude",
    "structure__longitude",
]
INSTRUMENT_COLUMNS = ["instrument__slug", "instrument__name"]


@dataclass(frozen=True, slots=True)
class StructureRow:
    id: int
    name: str
    siret: str | None
    status: str
    latitude: float | None = None
    longitude: float | None = None

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
    mode_presentiel: bool
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
        name, siret, status, latitude, longitude, instrument_slug, instrument_name = values[width:]
        instrument_id, structure_id = fields[-2], fields[-1]
        rows.append(
            OfferRow(
                *fields,
                structure=StructureRow(structure_id, name, siret, status, latitude, longitude),
                instrument=InstrumentRow(instrument_id, instrument_slug, instrument_name) if instrument_id else None,
            )
        )
    return rows


def profile_territories(commune) -> tuple:
    """The commune and every territory containing it (EPCI, département, région, France, zones): one query."""
    return tuple(commune.ancestors_and_self().only("id", "key", "kind", "code", "name"))


def reachable_ids(commune, radius_km: float) -> frozenset:
    """Ids of the public offers reachable in person from the commune (Offer.objects.reachable_from): one query,
    kept under the directory version (every match of that commune reads the same set)."""

    def compute():
        reachable = reachable_offers(Offer.objects.published(), commune, radius_km)
        return frozenset(reachable.order_by().values_list("pk", flat=True))

    return cached("reachable-ids", (commune.pk, radius_km), compute)


def build_profile(*, commune, stage, needs=(), legal_form=None, for_ranking: bool = True, **details) -> Profile:
    """A Profile from cleaned values (model instances); `legal_form` may be a LegalForm or its slug.

    Two queries: the commune's territories, and the offers reachable in person from it (the ranking reads them).
    `for_ranking=False` leaves the second out, for a profile only filtered by (`where()`: the hard filters do not
    read the reachable offers).
    """
    slug = getattr(legal_form, "slug", legal_form) or None
    radius = details.pop("radius_km", None) or proximity_radius_km()
    return Profile(
        commune=commune,
        territories=profile_territories(commune),
        stage=stage,
        needs=tuple(needs),
        legal_form=slug,
        radius_km=radius,
        reachable_ids=reachable_ids(commune, radius) if for_ranking else frozenset(),
        **details,
    )


def ranked(profile: Profile, *, today: datetime.date) -> list[tuple[int, str]]:
    """(offer id, rubric) of every offer passing the engine's hard filters, in the engine's order: one query.

    Reads the match entries (funding/match_entries.py) of the holder's territories at their stage. An offer
    covering several of them (its commune and its département, say) has one entry for each, identical but for
    the narrowness, which is a ranking criterion: its narrowest entry comes first and the others are dropped.
    Only two narrow columns travel; the rows to show are read and explained afterwards (`explain()`).

    The SQL is text (the engine's declarations, `where()` and `order_by()`) rather than built with the ORM: it is
    the hot path of every match, and compiling its ordering expressions cost as much as running it. Every value
    is a parameter.
    """
    conditions, params = where(profile, today=today)
    order, order_params = order_by(profile)
    sql = f"SELECT offer_id, offer_type FROM {MatchEntry._meta.db_table} WHERE {conditions} ORDER BY {order}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params + order_params)
        rows = cursor.fetchall()
    seen, ranking = set(), []
    for offer_id, offer_type in rows:
        if offer_id not in seen:
            seen.add(offer_id)
            ranking.append((offer_id, RUBRIC_OF_TYPE.get(offer_type, ACCOMPANY)))
    return ranking


def where(profile: Profile, *, today: datetime.date) -> tuple[str, list]:
    """The engine's hard filters (funding.matching.HARD_FILTERS) as a WHERE over the match entries, and its
    parameters.

    A filter that does not apply to the profile (no amount given, say) is left out, and so is one the entries
    already guarantee (published).
    """
    terms, params = [], []
    for hard_filter in HARD_FILTERS:
        term = hard_filter.where(profile, today, connection.ops) if hard_filter.where else None
        if term is None:
            continue
        expression, values = term
        terms.append(expression)
        params += values
    return " AND ".join(terms), params


def order_by(profile: Profile) -> tuple[str, list]:
    """The engine's ranking (funding.matching.RANKING) as an ORDER BY over the match entries, and its parameters.

    A criterion that cannot tell the profile's entries apart (needs met, when the profile names none) is left out.
    """
    terms, params = [], []
    for criterion in RANKING:
        term = criterion.sql(profile)
        if term is None:
            continue
        expression, values = term
        if criterion.text and connection.vendor == "postgresql":
            expression += ' COLLATE "C"'
        if criterion.descending:
            expression += " DESC"
        if criterion.nulls_last:
            expression += " NULLS LAST"
        terms.append(expression)
        params += values
    return ", ".join(terms), params


# SQLite accepts a limited number of parameters in one statement: long id lists are read in chunks.
CHUNK = 500


def _chunks(ids):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def explain(ids: list[int], profile: Profile, *, today: datetime.date, ranks: dict | None = None) -> list[Match]:
    """The engine's matches (reasons, territory, needs met) for offers the database ranked: five queries (six
    when the profile names a sector).

    `ranks` maps offer ids to their rank among all the profile's matches (default: their order in `ids`). The
    engine applies its hard filters again on the offers themselves: an entry can never show what the offer
    does not say.
    """
    if not ids:
        return []
    keys = {territory.pk: territory.key for territory in profile.territories}
    need_slugs = {need.pk: need.slug for need in profile.needs}
    rows, coverage, stages, needs, legal_forms, texts, permanences = [], [], [], [], [], {}, []
    for chunk in _chunks(ids):
        chunk_rows = _offer_rows(Offer.objects.filter(pk__in=chunk))
        rows += chunk_rows
        if any(row.mode_presentiel for row in chunk_rows):
            permanences += _permanences_of(chunk_rows)
        if profile.sector_terms:
            # The descriptions only when a sector is looked for in them (a sixth query).
            for offer_id, *parts in Offer.objects.filter(pk__in=chunk).values_list(
                "id", "title", "description", "structure__name", "structure__description"
            ):
                texts[offer_id] = "\n".join(part for part in parts if part)
        coverage += Offer.coverage.through.objects.filter(offer_id__in=chunk, territory_id__in=keys).values_list(
            "offer_id", "territory_id"
        )
        stages += Offer.stages.through.objects.filter(offer_id__in=chunk, stage_id=profile.stage.pk).values_list(
            "offer_id", "stage_id"
        )
        if need_slugs:
            needs += Offer.needs.through.objects.filter(offer_id__in=chunk, need_id__in=need_slugs).values_list(
                "offer_id", "need_id"
            )
        legal_forms += Offer.eligible_legal_forms.through.objects.filter(offer_id__in=chunk).values_list(
            "offer_id", "legalform__slug"
        )
    coverage = _grouped(coverage, keys.get)
    stages = _grouped(stages, lambda _pk: profile.stage.slug)
    needs = _grouped(needs, need_slugs.get)
    legal_forms = _grouped(legal_forms)
    candidates = [
        Candidate(
            offer=row,
            coverage_keys=coverage.get(row.id, frozenset()),
            stage_slugs=stages.get(row.id, frozenset()),
            need_slugs=needs.get(row.id, frozenset()),
            legal_form_slugs=legal_forms.get(row.id, frozenset()),
            text=texts.get(row.id, ""),
            places=places_of(row, permanences),
        )
        for row in rows
    ]
    matches = rank(candidates, profile, today=today)
    if len(matches) < len(ids):
        # Entries disagree with their offers (a restore without triggers?): say so rather than page short.
        dropped = sorted(set(ids) - {match.offer.id for match in matches})
        logger.warning("Match entries out of date for offers %s: run manage.py rebuild_match_entries", dropped)
    if ranks is None:
        ranks = {offer_id: position for position, offer_id in enumerate(ids, start=1)}
    for match in matches:
        match.rank = ranks[match.offer.id]
    matches.sort(key=lambda match: match.rank)
    return matches


def _permanences_of(rows) -> list[Permanence]:
    """The permanences giving these offers a place (held by their structure, for one of them or for all its
    offers, in a published third place): one query."""
    return list(
        Permanence.objects.filter(
            Q(offer__isnull=True) | Q(offer_id__in=[row.id for row in rows]),
            host_id__in={row.structure_id for row in rows},
            place__status=PublicationStatus.PUBLISHED,
        )
        .select_related("place")
        .order_by("pk")
    )


def places_of(offer, permanences) -> tuple[Place, ...]:
    """Where the offer receives people: its structure's address, then the third places of its permanences."""
    structure = offer.structure
    places = [Place(structure.latitude, structure.longitude, structure.name)]
    for permanence in permanences:
        if permanence.host_id == offer.structure_id and permanence.offer_id in (None, offer.id):
            place = permanence.place
            places.append(Place(place.latitude, place.longitude, place.name, permanence))
    return tuple(places)


def _grouped(rows, convert=lambda value: value) -> dict[int, frozenset]:
    grouped = defaultdict(set)
    for offer_id, value in rows:
        grouped[offer_id].add(convert(value))
    return {offer_id: frozenset(values) for offer_id, values in grouped.items()}


class RankedMatches:
    """A profile's matches, ranked by the database: a slice reads and explains only its own rows.

    Fits a Paginator (`count()` and slicing); `rubric` keeps one of the holder's rubrics (funding.grouping).
    The ranking (ids only) is read once, on first use.
    """

    def __init__(self, profile: Profile, *, today: datetime.date, rubric: str | None = None):
        self.profile, self.today, self.rubric = profile, today, rubric
        self._ranking = None

    @property
    def ranking(self) -> list[tuple[int, int]]:
        """(offer id, rank among all the profile's matches), in order."""
        if self._ranking is None:
            self._ranking = [
                (offer_id, position)
                for position, (offer_id, rubric) in enumerate(ranked(self.profile, today=self.today), start=1)
                if self.rubric is None or rubric == self.rubric
            ]
        return self._ranking

    def count(self) -> int:
        return len(self.ranking)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index) -> list[Match]:
        if not isinstance(index, slice):
            return self[index : index + 1 or None][0]
        chosen = self.ranking[index]
        return explain([offer_id for offer_id, _rank in chosen], self.profile, today=self.today, ranks=dict(chosen))


def match(profile: Profile, *, today: datetime.date, limit: int | None = None) -> list[Match]:
    """The ranked matches of a profile, all of them or the first `limit` (six queries up to 500 matches)."""
    return RankedMatches(profile, today=today)[:limit]


def match_preview(profile: Profile, *, today: datetime.date, per_rubric: int) -> tuple[dict, dict]:
    """The first matches of each rubric and each rubric's total: one ranking query, five to explain.

    Returns ({rubric: [Match, …]}, {rubric: total}); a match's rank is its rank among all the profile's matches.
    """
    ranks, rubric_of, totals = {}, {}, defaultdict(int)
    for position, (offer_id, rubric) in enumerate(ranked(profile, today=today), start=1):
        totals[rubric] += 1
        if totals[rubric] <= per_rubric:
            ranks[offer_id], rubric_of[offer_id] = position, rubric
    grouped = defaultdict(list)
    for found in explain(list(ranks), profile, today=today, ranks=ranks):
        grouped[rubric_of[found.offer.id]].append(found)
    return dict(grouped), dict(totals)


def next_stage_matches(profile: Profile, *, today: datetime.date, limit: int = 5) -> tuple:
    """(the next stage of the chain, its first matches on the holder's territory), or (None, [])."""
    next_stage = profile.stage.next_stages().order_by("position").first()
    if next_stage is None:
        return None, []
    return next_stage, match(replace(profile, stage=next_stage), today=today, limit=limit)


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
