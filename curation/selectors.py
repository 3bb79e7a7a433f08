"""Reads of the curation pages, scoped by the requester (through accounts.scopes)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import F, Q
from django.utils import timezone

from accounts.scopes import curated_offers, curated_regions, curated_structures
from curation.models import EditReview, ImportBatch, ImportStatus, LinkCheck, Submission, UpdateRequest
from curation.quality import RULES, Quality, entry_quality
from curation.quality_sql import quality_score
from curation.services.moderation import display_value
from directory.models import Offer, Structure, Territory

HISTORY_PAGE_SIZE = 20
QUALITY_PAGE_SIZE = 20
SKIPPED_HISTORY_FIELDS = {"id", "created_at", "updated_at"}


def pending_submissions(user):
    return (
        Submission.objects.pending()
        .in_regions(curated_regions(user))
        .select_related("structure", "region")
        .order_by("created_at", "pk")
    )


def submissions(user):
    return Submission.objects.in_regions(curated_regions(user)).select_related("structure", "region", "reviewed_by")


def pending_edit_reviews(user):
    return (
        EditReview.objects.pending()
        .in_regions(curated_regions(user))
        .select_related("structure", "offer", "editor")
        .order_by("created_at", "pk")
    )


def edit_reviews(user):
    return EditReview.objects.in_regions(curated_regions(user)).select_related("structure", "offer", "editor")


def stale_structures(user):
    """Published structures of the user's régions not verified for a year, the oldest first."""
    return (
        curated_structures(user)
        .published()
        .stale()
        .select_related("commune__departement")
        .order_by("last_verified_at", "name", "pk")
    )


def update_requests(user):
    """Update requests (campaigns and one-off) of the user's régions, the latest first, with their outcome."""
    return (
        UpdateRequest.objects.filter(structure__in=curated_structures(user))
        .select_related("structure", "campaign")
        .order_by("-created_at", "-pk")
    )


def link_checks(user):
    """Link checks of the structures and offers the user curates: every link action looks its object up here."""
    return LinkCheck.objects.of_entries(curated_structures(user), curated_offers(user))


def broken_links(user, *, ignored: bool = False):
    """Broken links of the user's published entries (ignored ones, or the others), the longest broken first."""
    checks = link_checks(user).broken().of_published_entries()
    checks = checks.ignored() if ignored else checks.not_ignored()
    return checks.select_related("structure", "offer__structure", "ignored_by").order_by("failing_since", "pk")


# --- Quality scores ------------------------------------------------------------------------------------------


def with_quality_facts(queryset):
    """Annotate what the score needs beyond the entry's own columns, for a Structure or an Offer queryset."""
    return queryset.annotate(**{fact.name: fact.exists() for fact in RULES[queryset.model].facts})


@dataclass
class Scored:
    entry: Structure | Offer
    quality: Quality

    @property
    def kind(self) -> str:
        """The entry kind as the curation URLs spell it."""
        return "structure" if isinstance(self.entry, Structure) else "offre"


def scored(entries: Iterable, *, now=None) -> list[Scored]:
    """Score entries annotated by `with_quality_facts`, in list order; their link checks come in one query."""
    entries = list(entries)
    structure_ids = [e.pk for e in entries if isinstance(e, Structure)]
    offer_ids = [e.pk for e in entries if isinstance(e, Offer)]
    checks = (
        LinkCheck.objects.filter(Q(structure_id__in=structure_ids) | Q(offer_id__in=offer_ids))
        if entries
        else LinkCheck.objects.none()
    )
    links = {(Offer, c.offer_id) if c.offer_id else (Structure, c.structure_id): c for c in checks}
    rows = []
    for entry in entries:
        link = links.get((type(entry), entry.pk))
        facts = {fact.name: getattr(entry, fact.name) for fact in RULES[type(entry)].facts}
        rows.append(Scored(entry, entry_quality(entry, facts=facts, link=link, now=now)))
    return rows


# On (pk, score, label) rows, as the page used to sort its entries: ties by the label's str.lower(), then by pk.
QUALITY_SORTS = {
    "score": lambda row: (row[1], row[2].lower(), row[0]),
    "-score": lambda row: (-row[1], row[2].lower(), row[0]),
    "nom": lambda row: (row[2].lower(), row[0]),
}


def quality_ranking(
    user, *, kind: str = "structure", departement=None, below: int | None = None, sort: str = "score", now=None
) -> list[tuple[int, int, str]]:
    """(pk, quality_score, label) of the published entries the user curates, lowest score first by default.

    The database scores the whole scope in one query (curation.quality_sql) and returns three columns a row;
    the filter and the sort run on those rows, so the score is computed once per entry whatever the options.
    """
    if kind == "structure":
        entries = curated_structures(user).published()
        if departement is not None:
            entries = entries.filter(commune__departement=departement)
        label = F("name")
    else:
        entries = curated_offers(user).published()
        if departement is not None:
            entries = entries.filter(structure__commune__departement=departement)
        label = F("title")
    rows = entries.annotate(quality_score=quality_score(entries.model, now), label=label)
    rows = rows.values_list("pk", "quality_score", "label")
    if below is not None:
        rows = [row for row in rows if row[1] < below]
    return sorted(rows, key=QUALITY_SORTS.get(sort, QUALITY_SORTS["score"]))


def quality_page(user, page_number, *, kind: str = "structure", now=None, **filters) -> tuple[Page, list[Scored]]:
    """One page of `quality_ranking`, its entries scored by curation.quality with what to fix.

    Three queries whatever the scope's size: the scores, the page's entries, their link checks.
    """
    now = now or timezone.now()  # one clock for the database's scores and the page's
    page = Paginator(quality_ranking(user, kind=kind, now=now, **filters), QUALITY_PAGE_SIZE).get_page(page_number)
    ids = [pk for pk, _score, _label in page.object_list]
    if kind == "structure":
        entries = Structure.objects.select_related("commune__departement")
    else:
        entries = Offer.objects.select_related("structure")
    by_id = with_quality_facts(entries.filter(pk__in=ids)).in_bulk()
    return page, scored([by_id[pk] for pk in ids if pk in by_id], now=now)  # unless deleted in between


def visible_imports(user):
    """Imports made by the curators of the user's régions (all for a superuser), without the files they hold."""
    batches = ImportBatch.objects.select_related("uploaded_by").defer("source", "content")
    if user.is_superuser:
        return batches
    ids = ImportBatch.objects.filter(uploaded_by__curator__regions__in=curated_regions(user)).values("pk")
    return batches.filter(pk__in=ids)


def imports_to_confirm(user):
    return visible_imports(user).filter(status=ImportStatus.PREVIEW)


@dataclass
class HistoryRow:
    record: object
    changes: list[dict]

    @property
    def is_creation(self):
        return self.record.history_type == "+"


def history_page(entry, page_number):
    """One page of the entry's versions, newest first, each with what changed since the previous one."""
    queryset = entry.history.select_related("history_user").order_by("-history_id")
    page = Paginator(queryset, HISTORY_PAGE_SIZE).get_page(page_number)
    records = list(page.object_list)
    if records:
        # The version just before this page's oldest one, to diff it too (one query, whatever the page size).
        older = queryset.filter(history_id__lt=records[-1].history_id).first()
        pairs = list(zip(records, records[1:] + [older], strict=True))
    else:
        pairs = []
    # The fields the history keeps (derived columns such as Offer.search_vector are excluded from it).
    kept = {field.name for field in entry.history.model._meta.concrete_fields}
    fields = [f for f in type(entry)._meta.concrete_fields if f.name not in SKIPPED_HISTORY_FIELDS and f.name in kept]
    labels = _related_labels(fields, [r for pair in pairs for r in pair if r is not None])
    rows = []
    for record, previous in pairs:
        changes = []
        for field in fields:
            new = getattr(record, field.attname)
            old = getattr(previous, field.attname) if previous is not None else None
            if old == new or (previous is None and new in (None, "", False)):
                continue
            if field.is_relation:
                old, new = labels.get((field.name, old), old), labels.get((field.name, new), new)
            changes.append(
                {
                    "field": field.name,
                    "label": str(field.verbose_name),
                    "old": display_value(field, old) if previous is not None else "—",
                    "new": display_value(field, new),
                }
            )
        rows.append(HistoryRow(record, changes))
    return page, rows


def _related_labels(fields, records) -> dict:
    """{(field name, id): label} for every foreign key value on the page: one query per related model."""
    labels = {}
    for field in fields:
        if not field.is_relation:
            continue
        ids = {getattr(record, field.attname) for record in records} - {None}
        if ids:
            related = field.related_model._default_manager.filter(pk__in=ids)
            if field.related_model is Territory:
                related = related.select_related("departement")
            for obj in related:
                labels[(field.name, obj.pk)] = str(obj)
    return labels
