"""The directory's search page: the shared filter set, facet counts, 20 results a page."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from directory import needs_watch
from directory.filters import OfferFilter
from directory.models import NeedSignal, Offer, Territory, TerritoryKind

PAGE_SIZE = 20


def with_card_relations(offers):
    """What a result card shows, fetched in a fixed number of queries whatever the page size."""
    return (
        offers.defer("search_vector", "search_text")
        .select_related("structure__commune__departement")
        .prefetch_related(
            "stages",
            Prefetch(
                "coverage", queryset=Territory.objects.select_related("departement").order_by("kind_rank", "name")
            ),
        )
    )


@require_GET
def search(request):
    filterset = OfferFilter(request.GET)
    valid = filterset.is_valid()
    offers = with_card_relations(filterset.qs) if valid else Offer.objects.none()
    page = Paginator(offers, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "facets": filterset.facets(),
        "page": page,
        "territory": filterset.form.cleaned_data.get("territory") if valid else None,
        "current_sort": filterset.current_sort if valid else None,
        "point": filterset.point if valid else None,
        "is_filtered": valid and filterset.is_active,
        "today": timezone.localdate(),
    }
    if valid and context["territory"] is not None and request.GET.get("page", "1") == "1":
        _watch_needs(filterset, context["territory"])
    return render(request, "directory/search.html", context)


def _watch_needs(filterset, territory):
    """A search by territory finding nothing in person counts in the needs watch (codes and slugs only)."""
    if territory.kind != TerritoryKind.COMMUNE or not needs_watch.nothing_in_person(filterset.qs, territory):
        return
    data = filterset.form.cleaned_data
    stages = list(data.get("stage") or ())
    needs_watch.record(
        commune=territory,
        signal=NeedSignal.SEARCH_NOTHING,
        unmet=True,
        stage=stages[0].slug if len(stages) == 1 else "",
        needs=[need.slug for need in data.get("need") or ()],
    )
