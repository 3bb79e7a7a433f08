"""The holders' own account: sign-up, activation by a signed link, deletion."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import TERMS_VERSION, ActivationForm, SignUpForm
from accounts.magic_links import InvalidLink
from accounts.scopes import holds_role
from accounts.throttle import SIGNUP_ADDRESSES, SIGNUP_CLIENTS, client_ip


def safe_next(request, value) -> str:
    """`value` when it points back into this site (a path or this host), else ""."""
    value = (value or "").strip()
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


@require_http_methods(["GET", "POST"])
def signup(request):
    next_path = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(next_path or "saved_profiles:list")
    context = {"next": next_path}
    if request.method != "POST":
        return render(request, "registration/signup_form.html", {**context, "form": SignUpForm()})
    form = SignUpForm(request.POST)
    context["form"] = form
    if form.is_spam():
        # A robot filled the honeypot: the same answer as a real sign-up, nothing done.
        return redirect("signup_sent")
    if not form.is_valid():
        return render(request, "registration/signup_form.html", context, status=400)
    email = form.cleaned_data["email"]
    if not (SIGNUP_CLIENTS.allow(client_ip(request)) and SIGNUP_ADDRESSES.allow(email)):
        # What was typed stays on the page (password fields are never sent back).
        return render(request, "registration/signup_form.html", {**context, "throttled": True}, status=429)
    services.account_sign_up(email=email, terms_version=TERMS_VERSION, next_path=next_path)
    return redirect("signup_sent")


def signup_sent(request):
    return render(request, "registration/signup_sent.html", {"days": services.ACTIVATION_MAX_AGE.days})


@require_http_methods(["GET", "POST"])
def activate(request, token):
    """A GET only shows the password form (mail scanners open links); the POST sets it, activates and signs in."""
    try:
        user, next_path = services.account_from_activation_token(token)
    except InvalidLink as error:
        return render(request, "registration/activation_invalid.html", {"reason": error.reason}, status=410)
    if request.method != "POST":
        return render(request, "registration/activate.html", {"token": token, "form": ActivationForm(user=user)})
    form = ActivationForm(request.POST, user=user)
    if not form.is_valid():
        return render(request, "registration/activate.html", {"token": token, "form": form}, status=400)
    user = services.account_activate(user=user, password=form.cleaned_data["password1"])
    if user is None:
        return render(request, "registration/activation_invalid.html", {"reason": "used"}, status=410)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Votre compte est activé : vous êtes connecté."))
    return redirect(safe_next(request, next_path) or "saved_profiles:list")


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    """« Supprimer mon compte »: a confirmation page; refused, with the reason, for an account holding a role."""
    refused = holds_role(request.user)
    if request.method == "POST" and not refused:
        try:
            services.account_delete(user=request.user)
        except services.AccountHoldsRole:
            refused = True
        else:
            logout(request)
            messages.success(request, _("Votre compte et vos parcours enregistrés ont été supprimés."))
            return redirect("home")
    context = {
        "refused": refused,
        "saved_count": request.user.saved_profiles.count(),
        "cancel_url": reverse("saved_profiles:list"),
    }
    status = 403 if refused and request.method == "POST" else 200
    return render(request, "registration/account_delete.html", context, status=status)
