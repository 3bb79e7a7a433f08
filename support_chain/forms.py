"""The territory (and stage) a holder asks the chain of support for."""

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.forms import TerritoryField
from directory.models import Territory, TerritoryKind
from support_chain.models import Stage

CHAIN_KINDS = (TerritoryKind.COMMUNE, TerritoryKind.EPCI, TerritoryKind.DEPARTEMENT)


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.holder_label or obj.name


class ChainSearchForm(forms.Form):
    """A commune (or an EPCI, a département) and, optionally, the stage the holder is at.

    `key` is the hidden coverage key the autocomplete fills in; when it names a territory of an accepted kind it
    wins over the typed text (a postal code shared by several communes is then no longer ambiguous).
    """

    territory = TerritoryField(
        kinds=CHAIN_KINDS,
        label=_("Commune, intercommunalité ou département"),
        help_text=_("Le nom ou le code postal, par exemple « Faux-la-Montagne » ou « 23340 »."),
    )
    key = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)
    stage = StageChoiceField(
        queryset=Stage.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes les étapes"),
        label=_("Où en est votre projet ?"),
    )

    def __init__(self, data=None, *, kinds=CHAIN_KINDS, **kwargs):
        kinds = tuple(kinds)
        if data is not None:
            key = (data.get("key") or "").strip()[:40]
            if key and Territory.objects.filter(key=key, kind__in=kinds, is_active=True).exists():
                data = data.copy()
                data["territory"] = key
        super().__init__(data, **kwargs)
        self.fields["territory"].kinds = list(kinds)
        self.fields["territory"].widget.attrs["data-territory-autocomplete"] = ",".join(kinds)
        self.fields["territory"].widget.attrs["data-key-target"] = self["key"].auto_id
        if kinds == (TerritoryKind.COMMUNE,):
            self.fields["territory"].label = _("Votre commune")
            self.fields["territory"].help_text = _("Le nom ou le code postal, par exemple « 23340 ».")
