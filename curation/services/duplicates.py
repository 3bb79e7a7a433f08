"""Suspected duplicate structures, and merging two of them.

Suspicion: the same SIREN (the company behind a SIRET: SIRET itself is unique here), or similar names in the
same commune or EPCI — trigram similarity on PostgreSQL (pg_trgm), a normalised-name comparison elsewhere.
"""

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from curation.models import DuplicateDismissal, StructureMerge
from curation.services.moderation import STRUCTURE_EDITABLE_FIELDS
from directory.cache import cached
from directory.models import Offer, PublicationStatus, Structure
from directory.text import normalize

TRIGRAM_THRESHOLD = 0.5
FALLBACK_THRESHOLD = 0.85
MAX_PAIRS = 200
# Words that say nothing about which organisation it is.
NOISE_WORDS = {
    "association",
    "asso",
    "sas",
    "sarl",
    "scop",
    "scic",
    "sa",
    "cooperative",
    "la",
    "le",
    "les",
    "l",
    "de",
    "des",
    "du",
    "d",
    "et",
}


@dataclass
class DuplicatePair:
    first: Structure
    second: Structure
    reason: str
    score: float


def _key(name: str) -> str:
    words = re.split(r"[^a-z0-9]+", normalize(name))
    return " ".join(word for word in words if word and word not in NOISE_WORDS)


def _numbers(name: str) -> list[str]:
    return re.findall(r"\d+", name)


def _candidate_ids(structures) -> list[tuple[int, int, str, float]]:
    """(first id, second id, reason, score) for every suspected pair among the structures."""
    rows = list(
        structures.exclude(status=PublicationStatus.ARCHIVED).values_list(
            "pk", "name", "siret", "commune_id", "commune__epci_id"
        )
    )
    pairs: dict[tuple[int, int], tuple[str, float]] = {}
    by_siren = defaultdict(list)
    for pk, _name, siret, _commune, _epci in rows:
        if siret:
            by_siren[siret[:9]].append(pk)
    for ids in by_siren.values():
        for index, first in enumerate(sorted(ids)):
            for second in sorted(ids)[index + 1 :]:
                pairs[(first, second)] = (_("même SIREN"), 1.0)
    if connection.vendor == "postgresql":
        similar = _trigram_pairs([row[0] for row in rows])
    else:
        similar = _normalised_pairs(rows)
    names = {row[0]: row[1] for row in rows}
    for first, second, score in similar:
        if _numbers(names[first]) != _numbers(names[second]):
            continue  # « Antenne 1 » and « Antenne 2 » are two places
        pairs.setdefault((first, second), (_("noms proches, même commune ou EPCI"), score))
    ordered = sorted(pairs.items(), key=lambda item: (-item[1][1], item[0]))
    return [(first, second, reason, score) for (first, second), (reason, score) in ordered]


def _trigram_pairs(ids: list[int]) -> list[tuple[int, int, float]]:
    """Similar names among `ids` in the same commune or the same EPCI.

    Two equi-joins (same commune, same EPCI) rather than one join on « same commune OR same EPCI »: PostgreSQL
    can hash an equi-join, while the OR made it compare every pair of the scope (a région's 2,800 structures
    took 25 s, the country's 20,000 more than three minutes).
    """
    if not ids:
        return []
    sql = """
        WITH scope AS (
            SELECT s.id, s.name, s.commune_id, t.epci_id
            FROM directory_structure s
            JOIN directory_territory t ON t.id = s.commune_id
            WHERE s.id = ANY(%s)
        ),
        neighbours AS (
            SELECT a.id AS first_id, b.id AS second_id, a.name AS first_name, b.name AS second_name
            FROM scope a JOIN scope b ON b.commune_id = a.commune_id AND b.id > a.id
            UNION
            SELECT a.id, b.id, a.name, b.name
            FROM scope a JOIN scope b ON b.epci_id = a.epci_id AND b.id > a.id
        )
        SELECT first_id, second_id, similarity(first_name, second_name) AS score
        FROM neighbours
        WHERE similarity(first_name, second_name) >= %s
        ORDER BY score DESC, first_id, second_id
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, TRIGRAM_THRESHOLD, MAX_PAIRS])
        return [(first, second, float(score)) for first, second, score in cursor.fetchall()]


def _normalised_pairs(rows) -> list[tuple[int, int, float]]:
    buckets = defaultdict(list)
    for pk, name, _siret, commune_id, epci_id in rows:
        entry = (pk, _key(name))
        buckets[("COM", commune_id)].append(entry)
        if epci_id:
            buckets[("EPCI", epci_id)].append(entry)
    found = {}
    for entries in buckets.values():
        entries.sort()
        for index, (first, first_key) in enumerate(entries):
            for second, second_key in entries[index + 1 :]:
                if not first_key or not second_key:
                    continue
                score = 1.0 if first_key == second_key else difflib.SequenceMatcher(None, first_key, second_key).ratio()
                if score >= FALLBACK_THRESHOLD:
                    found[(first, second)] = max(score, found.get((first, second), 0))
    return [(first, second, score) for (first, second), score in found.items()]


def suspected_duplicates(structures) -> list[DuplicatePair]:
    """Suspected pairs among `structures` (a scoped queryset), most likely first, dismissed pairs left out."""
    # Comparing names is the dashboard's costliest part (seconds over the country): the pairs depend only on the
    # directory, so they are kept until its next write (directory/cache.py); dismissals are read live below.
    candidates = cached("duplicates", str(structures.query), lambda: _candidate_ids(structures)[:MAX_PAIRS])
    if not candidates:
        return []
    ids = {pk for first, second, _r, _s in candidates for pk in (first, second)}
    dismissed = set(
        DuplicateDismissal.objects.filter(first__in=ids, second__in=ids).values_list("first_id", "second_id")
    )
    objects = Structure.objects.select_related("commune__departement").in_bulk(ids)
    return [
        DuplicatePair(objects[first], objects[second], reason, score)
        for first, second, reason, score in candidates
        if (first, second) not in dismissed and first in objects and second in objects
    ]


@transaction.atomic
def duplicate_dismiss(*, first: Structure, second: Structure, user, reason: str = "") -> DuplicateDismissal:
    first, second = sorted([first, second], key=lambda s: s.pk)
    dismissal, _created = DuplicateDismissal.objects.get_or_create(
        first=first, second=second, defaults={"dismissed_by": user, "reason": reason}
    )
    return dismissal


def _move_rows(model, field_name: str, drop: Structure, keep: Structure) -> tuple[int, int]:
    """Point every row of `model` from drop to keep; rows that would break a unique constraint stay behind."""
    moved = left = 0
    for pk in model._base_manager.filter(**{field_name: drop}).values_list("pk", flat=True):
        try:
            with transaction.atomic():
                if model is Offer:
                    offer = Offer.objects.get(pk=pk)
                    if Offer.objects.filter(structure=keep, ref=offer.ref).exists():
                        Offer.objects.filter(pk=pk).update(ref=f"{offer.ref}-{drop.pk}"[:80])
                model._base_manager.filter(pk=pk).update(**{field_name: keep})
            moved += 1
        except IntegrityError:
            left += 1
    return moved, left


@transaction.atomic
def structure_merge(*, keep: Structure, drop: Structure, user, reason: str) -> StructureMerge:
    """Merge `drop` into `keep`: every relation pointing at `drop` moves (found through `_meta`, so relations
    added later follow), empty fields of `keep` are filled from `drop`, and `drop` is archived with its history.
    """
    if keep.pk == drop.pk:
        raise ValidationError(_("Choisissez deux structures différentes."))
    if not reason.strip():
        raise ValidationError(_("Indiquez le motif de la fusion."))
    keep = Structure.objects.select_for_update().get(pk=keep.pk)
    drop = Structure.objects.select_for_update().get(pk=drop.pk)
    moved = {}
    for relation in Structure._meta.related_objects:
        label = relation.related_model._meta.label
        if relation.many_to_many:
            through = relation.through if hasattr(relation, "through") else relation.field.remote_field.through
            column = relation.field.m2m_reverse_field_name()
            count = 0
            for row_pk in through._base_manager.filter(**{column: drop}).values_list("pk", flat=True):
                try:
                    with transaction.atomic():
                        through._base_manager.filter(pk=row_pk).update(**{column: keep})
                    count += 1
                except IntegrityError:
                    pass
            # Links that already existed on `keep` are duplicates: drop them.
            through._base_manager.filter(**{column: drop}).delete()
            moved[f"{label}.{relation.field.name}"] = count
        elif relation.one_to_many or relation.one_to_one:
            if relation.related_model is StructureMerge:
                continue
            count, _left = _move_rows(relation.related_model, relation.field.name, drop, keep)
            moved[f"{label}.{relation.field.name}"] = count
    fill = {}
    for name in STRUCTURE_EDITABLE_FIELDS:
        if getattr(keep, name) in (None, "") and getattr(drop, name) not in (None, ""):
            fill[name] = getattr(drop, name)
    if "siret" in fill:
        drop.siret = None
    drop.status = PublicationStatus.ARCHIVED
    drop._change_reason = (_("Fusionnée dans « %(name)s » : %(reason)s") % {"name": keep.name, "reason": reason})[:100]
    drop._history_user = user
    drop.save()
    for name, value in fill.items():
        setattr(keep, name, value)
    keep.full_clean()
    keep._change_reason = (_("Fusion de « %(name)s » : %(reason)s") % {"name": drop.name, "reason": reason})[:100]
    keep._history_user = user
    keep.save()
    return StructureMerge.objects.create(kept=keep, dropped=drop, merged_by=user, reason=reason, moved=moved)
