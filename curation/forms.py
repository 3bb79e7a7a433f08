"""Forms of the curation pages: the public submission form, editors' edit forms, curators' decisions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from curation.services.moderation import OFFER_EDITABLE_FIELDS, STRUCTURE_EDITABLE_FIELDS
from directory.forms import TerritoryField
from directory.models import LegalForm, Network, Offer, Structure, StructureRole
from directory.validators import validate_opening_hours, validate_siret

TERRITORY_ATTRS = {"data-territory-autocomplete": "COM"}


class SubmissionForm(forms.Form):
    """« Référencer ma structure / signaler une mise à jour », open to anyone."""

    structure = forms.ModelChoiceField(queryset=Structure.objects.published(), required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Nom de la structure"), max_length=200)
    siret = forms.CharField(
        label=_("SIRET"),
        max_length=17,
        required=False,
        help_text=_("14 chiffres ; laissez vide pour un collectif non immatriculé."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Ce que fait la structure"), choices=StructureRole.choices, widget=forms.CheckboxSelectMultiple
    )
    legal_form = forms.ModelChoiceField(label=_("Forme juridique"), queryset=LegalForm.objects.all(), required=False)
    network = forms.ModelChoiceField(label=_("Réseau"), queryset=Network.objects.all(), required=False)
    commune = TerritoryField(
        label=_("Commune"), help_text=_("Nom de la commune ou code postal."), widget=forms.TextInput(TERRITORY_ATTRS)
    )
    address = forms.CharField(label=_("Adresse"), max_length=300, required=False)
    website = forms.URLField(label=_("Site web"), required=False)
    email = forms.EmailField(label=_("Courriel de la structure"), required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)
    opening_hours = forms.CharField(
        label=_("Horaires d'ouverture"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
        validators=[validate_opening_hours],
        help_text=_("Syntaxe OpenStreetMap, par exemple « Mo-Fr 09:00-12:00,14:00-17:00 »."),
    )
    description = forms.CharField(label=_("Présentation"), required=False, widget=forms.Textarea({"rows": 5}))
    submitter_name = forms.CharField(label=_("Votre nom"), max_length=200)
    submitter_email = forms.EmailField(
        label=_("Votre adresse électronique"), help_text=_("Pour vous confirmer la réception et vous répondre.")
    )
    message = forms.CharField(
        label=_("Un mot pour l'équipe de la CRESS"), required=False, widget=forms.Textarea({"rows": 3})
    )
    # The magic link of an update campaign, when the person came from one.
    update_token = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)
    # Honeypot: hidden from people (and screen readers), filled in by robots.
    contact_fax = forms.CharField(
        label=_("Laissez ce champ vide"),
        required=False,
        widget=forms.TextInput({"tabindex": "-1", "autocomplete": "off"}),
    )

    STRUCTURE_FIELDS = [
        "name",
        "siret",
        "legal_form",
        "network",
        "commune",
        "address",
        "website",
        "email",
        "phone",
        "opening_hours",
        "description",
    ]

    def __init__(self, *args, structure: Structure | None = None, **kwargs):
        if structure is not None and not kwargs.get("data") and not args:
            initial = {name: getattr(structure, name) for name in self.STRUCTURE_FIELDS}
            initial.update(structure=structure, roles=structure.roles, siret=structure.siret or "")
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)

    def is_spam(self) -> bool:
        return bool(self.data.get("contact_fax"))

    def clean_siret(self):
        siret = self.cleaned_data["siret"].replace(" ", "")
        if siret:
            validate_siret(siret)
        return siret or None

    def structure_values(self) -> dict:
        """The proposed values, as Structure field names."""
        values = {name: self.cleaned_data[name] for name in self.STRUCTURE_FIELDS}
        for role in StructureRole:
            values[role.field_name] = role in self.cleaned_data["roles"]
        return values


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (gardé dans l'historique)"), max_length=500, required=False, widget=forms.Textarea({"rows": 2})
    )


class RevertForm(forms.Form):
    history_id = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Motif du retour à cette version"), max_length=500)


class StructureEditForm(forms.ModelForm):
    commune = TerritoryField(
        label=_("Commune"), help_text=_("Nom de la commune ou code postal."), widget=forms.TextInput(TERRITORY_ATTRS)
    )

    class Meta:
        model = Structure
        fields = STRUCTURE_EDITABLE_FIELDS
        widgets = {
            "description": forms.Textarea({"rows": 6}),
            "opening_hours": forms.Textarea({"rows": 2}),
            "accessibility": forms.Textarea({"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.commune_id and not self.is_bound:
            self.initial["commune"] = self.instance.commune


class OfferEditForm(forms.ModelForm):
    class Meta:
        model = Offer
        fields = OFFER_EDITABLE_FIELDS
        widgets = {
            "stages": forms.CheckboxSelectMultiple,
            "needs": forms.CheckboxSelectMultiple,
            "description": forms.Textarea({"rows": 6}),
            "how_to_access": forms.Textarea({"rows": 3}),
            "opens_on": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
        }
