"""Alert pages: subscribe (from the search page or a parcours), confirm, unsubscribe in one click."""

from django.http import Http404, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.throttle import Throttle, client_ip
from directory.filters import OfferFilter
from directory.models import OfferType
from funding.alerts import services
from funding.alerts.forms import SubscribeForm
from funding.alerts.models import AlertKind
from funding.forms import FIELD_NAMES, ProfileForm

SUBSCRIBE_CLIENTS = Throttle("alert-subscribe-client", limit=10, window=3600)
SUBSCRIBE_RECIPIENTS = Throttle("alert-subscribe-recipient", limit=3, window=3600)
SEARCH_PARAMETERS = (
    "q",
    "territory",
    "role",
    "offer_type",
    "stage",
    "need",
    "support_level",
    "instrument",
    "fee",
    "mode",
    "network",
)


def _search_label(data: QueryDict) -> str | None:
    found = OfferFilter(data=data)
    if not found.is_valid():
        return None
    cleaned = found.form.cleaned_data
    parts = []
    if cleaned.get("q"):
        parts.append(f"« {cleaned['q']} »")
    if cleaned.get("territory"):
        parts.append(str(cleaned["territory"]))
    for stage in cleaned.get("stage") or ():
        parts.append(stage.name)
    types = dict(OfferType.choices)
    parts += [str(types.get(value, value)) for value in cleaned.get("offer_type") or ()]
    return _("Recherche : %(criteria)s") % {"criteria": ", ".join(parts) or _("tout l'annuaire")}


def _parcours_label(data: QueryDict) -> str | None:
    form = ProfileForm(data)
    if not form.is_valid():
        return None
    return _("Parcours : %(stage)s à %(commune)s") % {
        "stage": form.cleaned_data["stage"].name,
        "commune": form.cleaned_data["commune"],
    }


@require_POST
def alert_subscribe(request):
    form = SubscribeForm(request.POST, user=request.user)
    back = reverse("directory:search")
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        data = QueryDict(form.cleaned_data["query"])
        names = SEARCH_PARAMETERS if kind == AlertKind.SEARCH else FIELD_NAMES
        query = [(name, value) for name in names for value in data.getlist(name) if value.strip()]
        clean = QueryDict(mutable=True)
        for name, value in query:
            clean.appendlist(name, value)
        label = _search_label(clean) if kind == AlertKind.SEARCH else _parcours_label(clean)
        back = reverse("directory:search" if kind == AlertKind.SEARCH else "funding:results") + "?" + clean.urlencode()
        if label is None:
            form.add_error(None, _("Ces critères ne sont pas valides : revenez aux résultats et réessayez."))
        elif form.cleaned_data.get("website"):
            return render(request, "alerts/subscribe_done.html", {"subscription": None, "back_url": back})
        else:
            user = request.user if request.user.is_authenticated else None
            email = (user.email if user else form.cleaned_data["email"]).lower()
            if not (SUBSCRIBE_CLIENTS.allow(client_ip(request)) and SUBSCRIBE_RECIPIENTS.allow(email)):
                form.add_error(None, _("Trop de demandes d'alerte : réessayez dans une heure."))
            else:
                subscription = services.alert_subscribe(email=email, kind=kind, query=query, label=label, user=user)
                return render(request, "alerts/subscribe_done.html", {"subscription": subscription, "back_url": back})
    return render(request, "alerts/subscribe_form.html", {"form": form, "back_url": back}, status=400)


def alert_confirm(request, token):
    try:
        subscription = services.alert_confirm(token=token)
    except services.AlertLinkError as error:
        return render(
            request, "alerts/link_result.html", {"title": _("Confirmation"), "error": error.message}, status=400
        )
    message = _("Votre alerte « %(label)s » est active.") % {"label": subscription.label}
    return render(request, "alerts/link_result.html", {"title": _("Alerte confirmée"), "message": message})


@csrf_exempt  # RFC 8058: mail clients POST « List-Unsubscribe=One-Click » without a form; the token authenticates
def alert_unsubscribe(request, token):
    if request.method not in ("GET", "HEAD", "POST"):
        raise Http404
    if request.method != "POST":
        # A link scanner's GET must not unsubscribe anybody: the page asks for one click.
        message = _("Confirmez pour ne plus recevoir cette alerte.")
        context = {"title": _("Se désinscrire"), "message": message, "confirm_form": True}
        return render(request, "alerts/link_result.html", context)
    try:
        services.alert_unsubscribe(token=token)
    except services.AlertLinkError as error:
        return render(
            request, "alerts/link_result.html", {"title": _("Désinscription"), "error": error.message}, status=400
        )
    message = _("Vous ne recevrez plus cette alerte. Votre adresse a été effacée.")
    return render(request, "alerts/link_result.html", {"title": _("Désinscription faite"), "message": message})
