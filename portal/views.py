from django.shortcuts import render

from directory.models import Offer, Structure, Territory, TerritoryKind
from support_chain.forms import ChainSearchForm


def home(request):
    """The front door: « Vers qui me tourner ? » (a commune and a stage), the other entries, the directory's size."""
    context = {
        "form": ChainSearchForm(kinds=(TerritoryKind.COMMUNE,)),
        "structure_count": Structure.objects.published().count(),
        "offer_count": Offer.objects.published().count(),
        "commune_count": Territory.objects.communes().filter(is_active=True).count(),
    }
    return render(request, "portal/home.html", context)
