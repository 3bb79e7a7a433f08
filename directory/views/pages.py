"""Public pages of the directory: a structure, an offer."""

from django.shortcuts import get_object_or_404, render

from directory.models import Offer, Structure


def structure_detail(request, pk):
    structure = get_object_or_404(
        Structure.objects.published().select_related("commune__departement", "legal_form", "network"), pk=pk
    )
    offers = structure.offers.published().order_by("title")
    return render(request, "directory/structure_detail.html", {"structure": structure, "offers": offers})


def offer_detail(request, pk):
    offer = get_object_or_404(
        Offer.objects.published().select_related("structure__commune__departement", "instrument"), pk=pk
    )
    return render(request, "directory/offer_detail.html", {"offer": offer, "structure": offer.structure})
