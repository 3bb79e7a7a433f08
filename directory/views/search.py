"""The directory's search page: the shared filter set, facet counts, 20 results a page."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import condition, require_GET

from directory import needs_watch
from directory.cache import cache_public_page, cached, dont_keep, public_etag
from directory.filters import OfferFilter, Sort
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


class ResultPaginator(Paginator):
    """Pages of a filter set's offers, knowing their number beforehand (from the facet counts).

    A page is read in two steps: the ids of its offers, narrow rows sorted in the database and cached under the
    directory version with the filter set, the sort and the page; then the cards of those twenty offers by id.
    """

    def __init__(self, filterset, total: int):
        super().__init__(Offer.objects.none(), PAGE_SIZE)
        self.filterset = filterset
        self.count = total  # a cached_property of Paginator: set, it is never counted

    def page(self, number):
        number = self.validate_number(number)
        if not self.count:  # nothing found, or invalid filters
            return self._get_page([], number, self)
        bottom = (number - 1) * self.per_page
        key = (self.filterset.filter_key(), self.filterset.current_sort, self.filterset.point, bottom)
        ids = cached(
            "results",
            key,
            lambda: list(self.filterset.qs.values_list("pk", flat=True)[bottom : bottom + self.per_page]),
        )
        offers = Offer.objects.filter(pk__in=ids)
        if self.filterset.current_sort == Sort.DISTANCE and self.filterset.sort_point is not None:
            offers = offers.with_nearest_place(*self.filterset.sort_point)  # the cards say « à N km — place »
        cards = {offer.pk: offer for offer in with_card_relations(offers)}
        return self._get_page([cards[pk] for pk in ids if pk in cards], number, self)


@require_GET
@condition(etag_func=public_etag)
@cache_public_page
def search(request):
    filterset = OfferFilter(request.GET)
    valid = filterset.is_valid()
    counts = filterset.facet_counts()
    # The facet counts (cached) already give the number of results: no COUNT over the whole result set.
    paginator = ResultPaginator(filterset, total=filterset.total(counts) if valid else 0)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "facets": filterset.facets(counts),
        "page": page,
        "territory": filterset.form.cleaned_data.get("territory") if valid else None,
        "current_sort": filterset.current_sort if valid else None,
        "point": filterset.point if valid else None,
        "sort_point": filterset.sort_point if valid else None,
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
    if valid and context["territory"] is not None and request.GET.get("page", "1") == "1":
        _watch_needs(request, filterset, context["territory"])
    return render(request, "directory/search.html", context)


WATCHED_KINDS = (TerritoryKind.COMMUNE, TerritoryKind.EPCI, TerritoryKind.DEPARTEMENT, TerritoryKind.REGION)


def _watch_needs(request, filterset, territory):
    """A search by territory finding nothing in person counts in the needs watch (codes and slugs only): by commune,
    in its EPCI's cell; by EPCI, département or région, once in that territory's own cell."""
    if territory.kind not in WATCHED_KINDS or not needs_watch.nothing_in_person(filterset.qs, territory):
        return
    dont_keep(request)  # each such search counts: its page is rendered every time
    data = filterset.form.cleaned_data
    stages = list(data.get("stage") or ())
    needs_watch.record(
        commune=territory,
        signal=NeedSignal.SEARCH_NOTHING,
        unmet=True,
        stage=stages[0].slug if len(stages) == 1 else "",
        needs=[need.slug for need in data.get("need") or ()],
    )
