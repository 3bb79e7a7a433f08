from django import forms
from django.utils.translation import gettext_lazy as _

from funding.alerts.models import AlertKind


class SubscribeForm(forms.Form):
    kind = forms.ChoiceField(choices=AlertKind.choices, widget=forms.HiddenInput)
    query = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)
    email = forms.EmailField(label=_("Votre adresse électronique"), required=False)
    website = forms.CharField(required=False, widget=forms.HiddenInput)  # honeypot

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        signed_in = self.user is not None and self.user.is_authenticated
        if not signed_in and not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Indiquez l'adresse où recevoir les nouveautés."))
        return data
