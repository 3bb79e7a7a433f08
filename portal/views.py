from django.shortcuts import render
from django.views.decorators.http import condition

from directory.cache import cache_public_page, cached, public_etag
from directory.models import Offer, Structure, Territory, TerritoryKind
from support_chain.forms import ChainSearchForm


def directory_size() -> dict[str, int]:
    return {
        "structure_count": Structure.objects.published().count(),
        "offer_count": Offer.objects.published().count(),
        "commune_count": Territory.objects.communes().filter(is_active=True).count(),
    }


@condition(etag_func=public_etag)
@cache_public_page
def home(request):
    """The front door: « Vers qui me tourner ? » (a commune and a stage), the other entries, the directory's size."""
    context = {
        "form": ChainSearchForm(kinds=(TerritoryKind.COMMUNE,)),
        # The counts change only with the directory: cached until its next write (directory/cache.py).
        **cached("home:size", (), directory_size),
    }
    return render(request, "portal/home.html", context)
