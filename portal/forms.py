"""Account forms: sign-in with a throttle on failed attempts."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from portal.throttle import LOGIN_FAILURES, client_ip


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Adresse électronique ou mot de passe incorrect. Les deux champs tiennent compte des majuscules."
        ),
        "throttled": _(
            "Trop de tentatives de connexion pour cette adresse. Patientez 15 minutes ou réinitialisez "
            "votre mot de passe."
        ),
    }

    def clean(self):
        email = (self.cleaned_data.get("username") or "").strip().lower()
        ip = client_ip(self.request) if self.request else ""
        if email and LOGIN_FAILURES.is_blocked(email, ip):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if email:
                LOGIN_FAILURES.hit(email, ip)
            raise
        LOGIN_FAILURES.reset(email, ip)
        return cleaned
