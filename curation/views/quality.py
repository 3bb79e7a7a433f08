"""The curators' « Qualité des fiches »: the published entries of their scope, lowest score first, with what to fix."""

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.scopes import curated_regions
from curation.selectors import quality_page
from curation.views.staff import curator_required
from directory.models import Territory, TerritoryKind


class QualityFilterForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Fiches"), choices=[("structure", _("Structures")), ("offre", _("Offres"))], required=False
    )
    departement = forms.ModelChoiceField(
        label=_("Département"),
        queryset=Territory.objects.none(),
        to_field_name="key",
        required=False,
        empty_label=_("Tous"),
    )
    sous = forms.TypedChoiceField(
        label=_("Score"),
        choices=[("", _("Tous")), ("50", _("Faible (moins de 50)")), ("80", _("Moins de 80"))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    tri = forms.ChoiceField(
        label=_("Trier par"),
        choices=[("score", _("Score croissant")), ("-score", _("Score décroissant")), ("nom", _("Nom"))],
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].queryset = Territory.objects.filter(
            kind=TerritoryKind.DEPARTEMENT, region__in=curated_regions(user)
        ).order_by("code")


@curator_required
def quality(request):
    form = QualityFilterForm(request.GET or None, user=request.user)
    values = form.cleaned_data if form.is_valid() else {}
    kind = values.get("type") or "structure"
    page, rows = quality_page(
        request.user,
        request.GET.get("page"),
        kind="structure" if kind == "structure" else "offer",
        departement=values.get("departement"),
        below=values.get("sous"),
        sort=values.get("tri") or "score",
    )
    return render(request, "curation/quality.html", {"form": form, "page": page, "rows": rows, "kind": kind})
