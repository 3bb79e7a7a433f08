"""Forms of the curation pages: the public submission form, editors' edit forms, curators' decisions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from curation.services.moderation import OFFER_EDITABLE_FIELDS, STRUCTURE_EDITABLE_FIELDS
from directory.forms import TerritoryField
from directory.models import (
    LegalForm,
    Mode,
    Network,
    Offer,
    OfferType,
    Structure,
    StructureRole,
    TerritoryKind,
)
from directory.validators import validate_opening_hours, validate_siret
from support_chain.models import Need, Stage

TERRITORY_ATTRS = {"data-territory-autocomplete": "COM"}
DESCRIPTION_MAX_LENGTH = 4000
OFFER_COVERAGE_KINDS = (
    TerritoryKind.COMMUNE,
    TerritoryKind.EPCI,
    TerritoryKind.DEPARTEMENT,
    TerritoryKind.REGION,
)


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
        max_length=1000,
        widget=forms.Textarea({"rows": 2}),
        validators=[validate_opening_hours],
        help_text=_("Syntaxe OpenStreetMap, par exemple « Mo-Fr 09:00-12:00,14:00-17:00 »."),
    )
    description = forms.CharField(
        label=_("Présentation"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea({"rows": 5}),
        help_text=_("4 000 caractères au plus."),
    )
    # The offer: without one, a structure shows neither in the search nor on the map.
    offer_title = forms.CharField(
        label=_("Intitulé de l'offre"),
        max_length=200,
        required=False,
        help_text=_("Par exemple : « Accompagnement à la création d'entreprise coopérative »."),
    )
    offer_type = forms.ChoiceField(label=_("Type d'offre"), choices=[("", "—"), *OfferType.choices], required=False)
    offer_description = forms.CharField(
        label=_("Ce que vous proposez"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea({"rows": 4}),
        help_text=_("4 000 caractères au plus."),
    )
    offer_stages = forms.ModelMultipleChoiceField(
        Stage.objects.order_by("position"),
        label=_("Pour quelles étapes du projet ?"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    offer_needs = forms.ModelMultipleChoiceField(
        Need.objects.order_by("name"),
        label=_("Pour quels besoins ? (facultatif)"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    offer_coverage = TerritoryField(
        kinds=OFFER_COVERAGE_KINDS,
        label=_("Territoire couvert"),
        required=False,
        help_text=_("Une commune, une intercommunalité, un département ou une région ; vide : le département."),
        widget=forms.TextInput({"data-territory-autocomplete": "COM,EPCI,DEP,REG"}),
    )
    offer_modes = forms.MultipleChoiceField(
        label=_("Comment ?"), choices=Mode.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    submitter_name = forms.CharField(label=_("Votre nom"), max_length=200)
    submitter_email = forms.EmailField(
        label=_("Votre adresse électronique"), help_text=_("Pour vous confirmer la réception et vous répondre.")
    )
    message = forms.CharField(
        label=_("Un mot pour l'équipe de la CRESS"), required=False, max_length=2000, widget=forms.Textarea({"rows": 3})
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

    OFFER_FIELDS = [
        "offer_title",
        "offer_type",
        "offer_description",
        "offer_stages",
        "offer_needs",
        "offer_coverage",
        "offer_modes",
    ]

    def clean(self):
        cleaned = super().clean()
        new_structure = not cleaned.get("structure")
        described = any(cleaned.get(name) for name in self.OFFER_FIELDS)
        if new_structure or described:
            required = {
                "offer_title": _(
                    "Donnez un intitulé à votre offre : sans offre, la structure n'apparaît ni dans "
                    "la recherche ni sur la carte."
                ),
                "offer_type": _("Choisissez le type de l'offre."),
                "offer_stages": _("Cochez au moins une étape du projet."),
            }
            for name, message in required.items():
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, message)
        return cleaned

    def offer_values(self) -> dict | None:
        """The proposed offer (slugs and a coverage key: what a submission stores), or None."""
        data = self.cleaned_data
        if not data.get("offer_title"):
            return None
        commune = data.get("commune")
        coverage = data.get("offer_coverage") or (commune.departement if commune else None)
        return {
            "title": data["offer_title"],
            "offer_type": data["offer_type"],
            "description": data.get("offer_description") or "",
            "stages": [stage.slug for stage in data["offer_stages"]],
            "needs": [need.slug for need in data.get("offer_needs") or []],
            "coverage": coverage.key if coverage else "",
            "modes": list(data.get("offer_modes") or [Mode.IN_PERSON]),
        }

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
