"""Reads of the curation pages, scoped by the requester (through portal.scopes)."""

from dataclasses import dataclass

from django.core.paginator import Paginator

from directory.models import EditReview, ImportBatch, ImportStatus, LinkCheck, Submission, Territory, UpdateRequest
from directory.services.curation import display_value
from portal.scopes import curated_offers, curated_regions, curated_structures

HISTORY_PAGE_SIZE = 20
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


def visible_imports(user):
    """Imports made by the curators of the user's régions (all for a superuser)."""
    if user.is_superuser:
        return ImportBatch.objects.select_related("uploaded_by")
    ids = ImportBatch.objects.filter(uploaded_by__curator__regions__in=curated_regions(user)).values("pk")
    return ImportBatch.objects.filter(pk__in=ids).select_related("uploaded_by")


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
    fields = [f for f in type(entry)._meta.concrete_fields if f.name not in SKIPPED_HISTORY_FIELDS]
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
