"""Structure editors keep their own entry and offers up to date; published edits go live at once.

Each page shows the entry's quality score and what to fix (curation/quality.py), computed from what is saved.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scopes import editable_offers, editable_structures, is_curator_of
from curation.forms import OfferEditForm, StructureEditForm
from curation.selectors import scored, with_quality_facts
from curation.services.moderation import entry_mark_verified, entry_update
from directory.models import Structure


@login_required
def my_structures(request):
    structures = with_quality_facts(editable_structures(request.user)).select_related("commune__departement")
    page = Paginator(structures.order_by("name", "pk"), 20).get_page(request.GET.get("page"))
    return render(request, "curation/my_structures.html", {"page": page, "rows": scored(page.object_list)})


def _fixes(quality, form) -> list[dict]:
    """The fixes, each with the id of its form field when the form has it (a link straight to the field)."""
    rows = []
    for fix in quality.fixes:
        anchor = ""
        if fix.field in form.fields:
            bound = form[fix.field]
            anchor = bound.id_for_label or (bound.subwidgets[0].id_for_label if bound.subwidgets else "")
        rows.append({"message": fix.message, "points": fix.points, "anchor": anchor})
    return rows


def _edit(request, entry, form_class, template, extra=None):
    # Scored before the form is bound: a rejected POST must not score values that were not saved.
    quality = scored([entry])[0].quality
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
    structure = entry if isinstance(entry, Structure) else entry.structure
    context = {
        "form": form,
        "entry": entry,
        "quality": quality,
        "fixes": _fixes(quality, form),
        "by_curator": is_curator_of(request.user, structure),
        **(extra or {}),
    }
    return render(request, template, context)


@login_required
def structure_edit(request, pk):
    structure = get_object_or_404(with_quality_facts(editable_structures(request.user)), pk=pk)
    offers = with_quality_facts(editable_offers(request.user).filter(structure=structure)).order_by("title", "pk")
    return _edit(request, structure, StructureEditForm, "curation/structure_edit.html", {"offer_rows": scored(offers)})


@login_required
def offer_edit(request, pk):
    offer = get_object_or_404(with_quality_facts(editable_offers(request.user)).select_related("structure"), pk=pk)
    return _edit(request, offer, OfferEditForm, "curation/offer_edit.html")


@require_POST
@login_required
def entry_confirm(request, kind, pk):
    """« Les informations sont à jour »: the entry counts as verified today (the freshness of its score)."""
    if kind == "structure":
        entry = get_object_or_404(editable_structures(request.user), pk=pk)
    elif kind == "offre":
        entry = get_object_or_404(editable_offers(request.user).select_related("structure"), pk=pk)
    else:
        raise Http404
    structure = entry if isinstance(entry, Structure) else entry.structure
    reason = "" if is_curator_of(request.user, structure) else _("Confirmée à jour par la structure")
    entry_mark_verified(entry=entry, user=request.user, reason=reason)
    messages.success(request, _("Merci : « %(name)s » est confirmée à jour.") % {"name": entry})
    if kind == "structure":
        return redirect("curation:structure_edit", pk=pk)
    return redirect("curation:offer_edit", pk=pk)
