"""Forms of the referral pages: input checking only, the writes are in services.py."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from directory.forms import TerritoryField
from directory.models import LegalForm, Offer
from support_chain.models import Need, Stage

from .models import (
    ATTACHMENT_MAX_COUNT,
    CONSENT_TEXT,
    SHARE_ANSWERS_TEXT,
    DeclineReason,
    Outcome,
    Satisfaction,
)
from .services import validate_attachment


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.odt,.docx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > ATTACHMENT_MAX_COUNT:
            raise ValidationError(_("Cinq pièces jointes au plus."))
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in files]
        for upload in cleaned:
            validate_attachment(upload)
        return cleaned


class ProfileFieldsMixin(forms.Form):
    commune = TerritoryField(
        label=_("Commune du projet"),
        help_text=_("Nom de la commune, code postal ou code Insee."),
        widget=forms.TextInput(attrs={"data-territory-autocomplete": "COM"}),
    )
    stage = forms.ModelChoiceField(
        Stage.objects.all(), label=_("Étape du projet"), required=False, to_field_name="slug", empty_label="—"
    )
    needs = forms.ModelMultipleChoiceField(
        Need.objects.all(),
        label=_("Besoins"),
        required=False,
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
    )
    legal_form = forms.ModelChoiceField(
        LegalForm.objects.all(), label=_("Forme juridique"), required=False, to_field_name="slug", empty_label="—"
    )


class ReferralForm(ProfileFieldsMixin):
    """What a prescriber fills in for the holder, with the offers chosen beforehand."""

    offers = forms.ModelMultipleChoiceField(
        Offer.objects.published().select_related("structure"),
        label=_("Offres destinataires"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins une offre destinataire.")},
    )
    holder_name = forms.CharField(label=_("Nom et prénom du porteur de projet"), max_length=200)
    holder_email = forms.EmailField(label=_("Courriel du porteur"), required=False)
    holder_phone = forms.CharField(label=_("Téléphone du porteur"), max_length=30, required=False)
    description = forms.CharField(
        label=_("Le projet en quelques lignes"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Ce que le porteur veut faire et ce qu'il attend de la structure (4 000 caractères au plus)."),
    )
    attachments = MultipleFileField(
        label=_("Pièces jointes (facultatif)"),
        required=False,
        help_text=_("Cinq fichiers au plus, 5 Mo chacun : PDF, PNG, JPEG, ODT ou DOCX."),
    )
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        error_messages={"required": _("Le porteur de projet doit avoir donné son accord pour l'envoi.")},
    )
    share_answers = forms.BooleanField(label=SHARE_ANSWERS_TEXT, required=False)

    field_order = ["offers", "holder_name", "holder_email", "holder_phone", "description", "commune", "stage"]

    def clean_holder_phone(self):
        phone = self.cleaned_data["holder_phone"].strip()
        if phone and sum(ch.isdigit() for ch in phone) < 8:
            raise ValidationError(_("Ce numéro de téléphone semble incomplet."))
        return phone

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("holder_email") and not cleaned.get("holder_phone") and "holder_phone" not in self.errors:
            self.add_error(
                "holder_email", _("Indiquez au moins un moyen de contact du porteur : courriel ou téléphone.")
            )
        return cleaned


class SelfReferralForm(ReferralForm):
    """The holder sends the dossier themselves: an e-mail address is required (it is confirmed first)."""

    holder_name = forms.CharField(label=_("Votre nom et prénom"), max_length=200)
    holder_email = forms.EmailField(
        label=_("Votre adresse électronique"),
        help_text=_("Nous vous enverrons un lien pour la confirmer : rien n'est transmis avant."),
    )
    holder_phone = forms.CharField(label=_("Votre téléphone (facultatif)"), max_length=30, required=False)
    consent = forms.BooleanField(
        label=CONSENT_TEXT, error_messages={"required": _("Votre accord est nécessaire pour transmettre le dossier.")}
    )
    description = forms.CharField(
        label=_("Votre projet en quelques lignes"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Ce que vous voulez faire et ce que vous attendez des structures (4 000 caractères au plus)."),
    )
    commune = TerritoryField(
        label=_("Commune de votre projet"),
        help_text=_("Nom de la commune, code postal ou code Insee."),
        widget=forms.TextInput(attrs={"data-territory-autocomplete": "COM"}),
    )
    # Honeypot: a field people never see nor fill; robots do.
    website = forms.CharField(label=_("Ne pas remplir"), required=False)

    def clean(self):
        # The address is required here: its own error says so, no « at least one way to reach you » on top.
        return forms.Form.clean(self)

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise ValidationError(_("Envoi refusé."))
        return ""


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("Motif"), choices=[("", "—"), *DeclineReason.choices])
    note = forms.CharField(
        label=_("Précisions"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == DeclineReason.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", _("Précisez la raison du refus."))
        return cleaned


OFFER_ADDRESS = re.compile(r"/directory/offres/(\d{1,10})/?")


class OfferByTextField(forms.CharField):
    """A published offer named as a person knows it: its title, its structure's name, or its page's address.

    Several offers answer: an error naming them (up to five), so the person can copy one."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 300)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value).strip()
        if not text:
            return None
        offers = Offer.objects.published().select_related("structure")
        address = OFFER_ADDRESS.search(text)
        if address or text.isdigit():
            found = offers.filter(pk=int(address.group(1) if address else text)).first()
            if found:
                return found
            raise ValidationError(_("Aucune offre publiée à cette adresse."))
        matches = list(offers.filter(title__iexact=text)[:6]) or list(
            offers.filter(Q(title__icontains=text) | Q(structure__name__icontains=text)).order_by("title")[:6]
        )
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ValidationError(
                _("Nous ne trouvons pas d'offre « %(value)s ». Copiez l'adresse de sa page sur le Guichet ESS."),
                params={"value": text},
            )
        raise ValidationError(
            _("Plusieurs offres répondent : %(offers)s. Précisez l'intitulé, ou copiez l'adresse de sa page."),
            params={"offers": " ; ".join(f"« {o.title} » ({o.structure.name})" for o in matches[:5])},
        )

    def prepare_value(self, value):
        return value.title if isinstance(value, Offer) else value


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Issue"), choices=[("", "—"), *Outcome.choices])
    funded_amount = forms.IntegerField(label=_("Montant financé en euros (facultatif)"), required=False, min_value=0)
    reoriented_to = OfferByTextField(
        label=_("Réorienté vers quelle offre ?"),
        required=False,
        help_text=_("L'intitulé de l'offre, le nom de la structure, ou l'adresse de sa page sur le Guichet ESS."),
    )
    note = forms.CharField(
        label=_("Précisions"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == Outcome.REORIENTED and not cleaned.get("reoriented_to"):
            self.add_error("reoriented_to", _("Indiquez l'offre vers laquelle le porteur est réorienté."))
        return cleaned


class SatisfactionForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Cette orientation vous a-t-elle aidé ?"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Un commentaire ? (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
