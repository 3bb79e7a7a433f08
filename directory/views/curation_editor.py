"""Structure editors keep their own entry and offers up to date; published edits go live at once."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from directory.curation_forms import OfferEditForm, StructureEditForm
from directory.services.curation import entry_update
from portal.scopes import editable_offers, editable_structures


@login_required
def my_structures(request):
    structures = editable_structures(request.user).select_related("commune__departement").order_by("name", "pk")
    page = Paginator(structures, 20).get_page(request.GET.get("page"))
    return render(request, "curation/my_structures.html", {"page": page})


def _edit(request, entry, form_class, template, extra=None):
    form = form_class(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            entry_update(entry=form.instance, values=values, user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Modifications enregistrées et publiées."))
            return redirect("curation:my_structures")
    return render(request, template, {"form": form, "entry": entry, **(extra or {})})


@login_required
def structure_edit(request, pk):
    structure = get_object_or_404(editable_structures(request.user), pk=pk)
    offers = editable_offers(request.user).filter(structure=structure).order_by("title")
    return _edit(request, structure, StructureEditForm, "curation/structure_edit.html", {"offers": offers})


@login_required
def offer_edit(request, pk):
    offer = get_object_or_404(editable_offers(request.user).select_related("structure"), pk=pk)
    return _edit(request, offer, OfferEditForm, "curation/offer_edit.html")
