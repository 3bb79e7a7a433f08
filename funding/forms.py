"""The holder's profile as a form: one validation shared by the questionnaire, the results, the API and the command."""

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.forms import TerritoryField
from directory.models import LegalForm
from funding.sectors import SECTOR_CHOICES
from support_chain.models import Need, Stage

COLLECTIVE_CHOICES = [
    ("", _("Non précisé")),
    ("collectif", _("Un projet collectif")),
    ("individuel", _("Un projet individuel")),
]
ESUS_CHOICES = [("", _("Je ne sais pas")), ("oui", _("Oui")), ("non", _("Non"))]

# The questionnaire's steps: (slug, title, fields). The profile travels from one step to the next in the URL.
STEPS = [
    ("lieu", _("Où se situe votre projet ?"), ["commune"]),
    ("etape", _("Où en est votre projet ?"), ["stage"]),
    ("besoins", _("De quoi avez-vous besoin ?"), ["need"]),
    ("structure", _("Votre structure"), ["legal_form", "collective", "age", "esus"]),
    ("projet", _("Votre projet"), ["sector", "keyword", "amount"]),
]
FIELD_NAMES = [name for _slug, _title, names in STEPS for name in names]
MULTIPLE_FIELDS = {"need", "keyword"}


class SlugChoiceField(forms.ModelChoiceField):
    def __init__(self, queryset, *, unknown, **kwargs):
        error_messages = {"invalid_choice": unknown, **kwargs.pop("error_messages", {})}
        super().__init__(queryset, to_field_name="slug", error_messages=error_messages, **kwargs)


class SlugMultipleChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, queryset, *, unknown, **kwargs):
        error_messages = {"invalid_choice": unknown, **kwargs.pop("error_messages", {})}
        super().__init__(queryset, to_field_name="slug", error_messages=error_messages, **kwargs)


class ProfileForm(forms.Form):
    """A project holder's situation, read from GET parameters (no personal data)."""

    commune = TerritoryField(
        label=_("Commune du projet"),
        help_text=_("Le nom de la commune ou son code postal, par exemple « Faux-la-Montagne » ou « 23340 »."),
        error_messages={"required": _("Indiquez la commune où se situe votre projet.")},
    )
    stage = SlugChoiceField(
        Stage.objects.order_by("position"),
        label=_("Étape du projet"),
        unknown=_("Étape inconnue : « %(value)s »."),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez l'étape où en est votre projet.")},
    )
    need = SlugMultipleChoiceField(
        Need.objects.order_by("name"),
        label=_("Vos besoins"),
        help_text=_("Cochez tout ce qui vous concerne ; vous pouvez n'en cocher aucun."),
        unknown=_("Besoin inconnu : « %(value)s »."),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    legal_form = SlugChoiceField(
        LegalForm.objects.order_by("name"),
        label=_("Forme juridique"),
        help_text=_("Choisissez « Collectif pas encore constitué » si la structure n'existe pas encore."),
        unknown=_("Forme juridique inconnue : « %(value)s »."),
        required=False,
        empty_label=_("Je ne sais pas encore"),
    )
    collective = forms.ChoiceField(
        label=_("Projet collectif ou individuel"), choices=COLLECTIVE_CHOICES, required=False, widget=forms.RadioSelect
    )
    age = forms.IntegerField(
        label=_("Âge de la structure (en années)"),
        help_text=_("Facultatif. 0 si elle a moins d'un an."),
        min_value=0,
        max_value=300,
        required=False,
        error_messages={"invalid": _("Indiquez un nombre entier d'années.")},
    )
    esus = forms.ChoiceField(
        label=_("Agrément ESUS (entreprise solidaire d'utilité sociale)"),
        choices=ESUS_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    sector = forms.CharField(
        label=_("Secteur d'activité"),
        help_text=_("Facultatif, en quelques mots : maraîchage, crèche parentale, ressourcerie…"),
        max_length=120,
        required=False,
    )
    keyword = forms.MultipleChoiceField(
        label=_("Votre secteur dans la liste"),
        help_text=_(
            "Facultatif. Cochez ce qui décrit votre activité : les offres qui en parlent seront signalées, "
            "aucune n'est écartée."
        ),
        choices=SECTOR_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Secteur inconnu : « %(value)s ».")},
    )
    amount = forms.IntegerField(
        label=_("Montant recherché (en euros)"),
        help_text=_("Facultatif. Sert à écarter les financements qui ne couvrent pas ce montant."),
        min_value=1,
        max_value=100_000_000,
        required=False,
        error_messages={"invalid": _("Indiquez un montant en euros, en chiffres, sans espace.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].widget.attrs["data-territory-autocomplete"] = "COM"
        self.fields["amount"].widget.attrs["inputmode"] = "numeric"
        self.fields["age"].widget.attrs["inputmode"] = "numeric"

    def profile_values(self) -> dict:
        """Keyword arguments of selectors.build_profile, from the cleaned data."""
        data = self.cleaned_data
        return {
            "commune": data["commune"],
            "stage": data["stage"],
            "needs": list(data.get("need") or []),
            "legal_form": data.get("legal_form"),
            "collective": {"collectif": True, "individuel": False}.get(data.get("collective") or ""),
            "sector": data.get("sector") or "",
            "keywords": tuple(data.get("keyword") or ()),
            "amount": data.get("amount"),
            "structure_age": data.get("age"),
            "esus": {"oui": True, "non": False}.get(data.get("esus") or ""),
        }

    def first_invalid_step(self) -> int:
        """The number (from 1) of the first step holding an error, or 0."""
        for number, (_slug, _title, names) in enumerate(STEPS, start=1):
            if any(name in self.errors for name in names):
                return number
        return 0


class SendResultsForm(forms.Form):
    """Opt-in: receive the results link by e-mail. The address is not kept."""

    email = forms.EmailField(
        label=_("Votre adresse électronique"),
        max_length=254,
        error_messages={
            "required": _("Indiquez l'adresse où recevoir le lien."),
            "invalid": _("Cette adresse électronique n'est pas valide."),
        },
    )
    consent = forms.BooleanField(
        label=_("J'accepte que cette adresse serve une seule fois à m'envoyer le lien de mes résultats."),
        help_text=_("Elle n'est ni conservée ni transmise."),
        error_messages={"required": _("Cochez la case pour accepter l'envoi du lien.")},
    )
    # Honeypot: hidden from people, filled by robots.
    website = forms.CharField(required=False, label=_("Ne pas remplir ce champ"))
