"""The directory's search page: the shared filter set, facet counts, 20 results a page."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from directory.filters import OfferFilter
from directory.models import Offer, Territory

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
        # The sort form carries the search as it stands (the sort and the page excepted).
        "sort_carried": [
            (name, value)
            for name, values in request.GET.lists()
            if name not in ("sort", "page") and name in filterset.filters
            for value in values[:50]
        ],
    }
    return render(request, "directory/search.html", context)
