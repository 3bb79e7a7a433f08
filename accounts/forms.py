"""Account forms: sign-in with a throttle on failed attempts, the holders' sign-up, the password reset."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.outbox import queue_email
from accounts.throttle import LOGIN_FAILURES, PASSWORD_RESET_ADDRESSES, PASSWORD_RESET_CLIENTS, client_ip

# The terms a holder accepts when creating an account; the version is stored on the account.
TERMS_VERSION = "2026-11-v1"
TERMS_TEXT = _(
    "J'accepte les conditions du compte : mon adresse électronique sert uniquement à me connecter et à recevoir "
    "les messages liés à mon compte ; elle n'est ni transmise ni utilisée à d'autres fins. Je peux supprimer mon "
    "compte et les parcours enregistrés à tout moment."
)


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


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, throttled per address and per client, its e-mail written to the outbox (never sent
    inside the request: an SMTP or broker outage delays it, never loses it nor hangs the page)."""

    error_messages = {
        "throttled": _(
            "Trop de demandes de réinitialisation pour cette adresse ou depuis cette connexion. "
            "Réessayez dans une heure ; le dernier lien reçu reste valable."
        ),
    }

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        ip = client_ip(self.request) if self.request else ""
        # The client is counted first: a client past its limit does not use up the address's allowance.
        if not (PASSWORD_RESET_CLIENTS.allow(ip) and PASSWORD_RESET_ADDRESSES.allow(email)):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        return email

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        queue_email(kind="password-reset", to=[to_email], subject=subject, body=body)


class SignUpForm(forms.Form):
    """A project holder's account: an address and the terms. Never says whether the address is known.

    The password is chosen on the activation page (ActivationForm), by whoever received the link: someone who
    signs up with another person's address never knows the password of the account that person activates.
    """

    email = forms.EmailField(
        label=_("Adresse électronique"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Indiquez votre adresse électronique."),
            "invalid": _("Cette adresse électronique n'est pas valide."),
        },
    )
    terms = forms.BooleanField(
        label=TERMS_TEXT,
        error_messages={"required": _("Cochez la case pour accepter les conditions du compte.")},
    )
    # Honeypot: hidden from people, filled by robots.
    website = forms.CharField(required=False, label=_("Ne pas remplir ce champ"))

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def is_spam(self) -> bool:
        return bool(self.data.get("website"))


class ActivationForm(forms.Form):
    """The password of an account being activated, typed twice, checked by Django's password validators."""

    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
        error_messages={"required": _("Choisissez un mot de passe.")},
    )
    password2 = forms.CharField(
        label=_("Mot de passe (confirmation)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Saisissez à nouveau le mot de passe.")},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        elif password1:
            try:
                password_validation.validate_password(password1, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
