"""Public pages of the directory: a structure, an offer (published entries only, a fixed number of queries)."""

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import condition

from directory.cache import cache_public_page, cached, public_etag
from directory.models import Offer, Permanence, Structure, Territory

SIMILAR_OFFERS = 6


def _coverage():
    return Prefetch("coverage", queryset=Territory.objects.select_related("departement").order_by("kind_rank", "name"))


def _offer_list(queryset):
    """Offers as the pages list them: their stages and coverage in two queries."""
    return (
        queryset.defer("search_vector", "search_text")
        .select_related("structure__commune__departement")
        .prefetch_related("stages", _coverage())
    )


def _permanences(**where):
    return Permanence.objects.filter(place__status="published", host__status="published", **where).select_related(
        "place__commune__departement", "host__commune__departement", "offer"
    )


def similar_offers(offer: Offer, limit: int = SIMILAR_OFFERS):
    """Published offers of other structures sharing a stage or a need with the offer and covering its structure's
    commune: narrowest territory first, then the freshest. Their ids are kept with the directory version."""

    def ids():
        stage_ids = [stage.pk for stage in offer.stages.all()]
        need_ids = [need.pk for need in offer.needs.all()]
        shared = Exists(Offer.stages.through.objects.filter(offer_id=OuterRef("pk"), stage_id__in=stage_ids)) | Exists(
            Offer.needs.through.objects.filter(offer_id=OuterRef("pk"), need_id__in=need_ids)
        )
        candidates = (
            Offer.objects.published()
            .covering(offer.structure.commune)
            .exclude(structure_id=offer.structure_id)
            .filter(shared)
            .by_narrowness(few=True)
        )
        return list(candidates.values_list("pk", flat=True)[:limit])

    chosen = cached("similar", (offer.pk, limit), ids)
    found = {similar.pk: similar for similar in _offer_list(Offer.objects.filter(pk__in=chosen))}
    return [found[pk] for pk in chosen if pk in found]


@condition(etag_func=public_etag)
@cache_public_page
def structure_detail(request, pk):
    structure = get_object_or_404(
        Structure.objects.published().select_related("commune__departement", "legal_form", "network", "region"), pk=pk
    )
    offers = _offer_list(structure.offers.published().order_by("title"))
    context = {
        "structure": structure,
        "offers": offers,
        "hosted_permanences": _permanences(place=structure).order_by("host__name"),
        "held_permanences": _permanences(host=structure).order_by("place__name"),
        "today": timezone.localdate(),
    }
    return render(request, "directory/structure_detail.html", context)


@condition(etag_func=public_etag)
@cache_public_page
def offer_detail(request, pk):
    offer = get_object_or_404(
        Offer.objects.published()
        .defer("search_vector", "search_text")
        .select_related("structure__commune__departement", "structure__network", "structure__legal_form", "instrument")
        .prefetch_related("stages", "needs", "eligible_legal_forms", _coverage()),
        pk=pk,
    )
    structure = offer.structure
    context = {
        "offer": offer,
        "structure": structure,
        "other_offers": _offer_list(structure.offers.published().exclude(pk=offer.pk).order_by("title")),
        "similar_offers": similar_offers(offer),
        "permanences": _permanences(host=structure)
        .filter(Q(offer=offer) | Q(offer__isnull=True))
        .order_by("place__name"),
        "today": timezone.localdate(),
    }
    return render(request, "directory/offer_detail.html", context)
