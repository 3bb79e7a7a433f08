from django.shortcuts import render

from directory.models import Offer, Structure, Territory


def home(request):
    """The front door: what the directory holds today."""
    context = {
        "structure_count": Structure.objects.published().count(),
        "offer_count": Offer.objects.published().count(),
        "commune_count": Territory.objects.communes().filter(is_active=True).count(),
    }
    return render(request, "portal/home.html", context)
