"""« Ma sélection »: plain POST forms (they work without JavaScript), then back to the page the person was on."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.scopes import can_prescribe
from directory.models import Offer
from funding.referrals import emails
from funding.referrals.services import MAX_OFFERS

from .session import Selection


def _back(request, default: str):
    """The page the button was on (same site only), else `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


def _profile_of(target: str):
    """The « mon parcours » answers, when the offer was added from the results page (its query string)."""
    parts = urlsplit(target)
    if parts.path != reverse("funding:results"):
        return None
    return [(name, value) for name, values in QueryDict(parts.query).lists() for value in values]


@require_POST
def selection_add(request):
    offer = Offer.objects.published().filter(pk=_int(request.POST.get("offer"))).first()
    if offer is None:
        messages.error(request, _("Cette offre n'est plus publiée : elle ne peut pas être ajoutée."))
    else:
        selection = Selection(request.session)
        if selection.add(offer.pk, profile=_profile_of(request.POST.get("next", ""))):
            messages.success(
                request,
                _("« %(title)s » est dans votre sélection (%(count)d sur %(max)d).")
                % {"title": offer.title, "count": selection.count, "max": MAX_OFFERS},
            )
        else:
            messages.error(
                request,
                _("Votre sélection compte déjà %(max)d offres, le maximum d'un dossier. Retirez-en une d'abord.")
                % {"max": MAX_OFFERS},
            )
    return _back(request, reverse("selection:detail"))


@require_POST
def selection_remove(request):
    offer_id = _int(request.POST.get("offer"))
    if offer_id is not None:
        Selection(request.session).remove(offer_id)
        messages.success(request, _("L'offre est retirée de votre sélection."))
    return _back(request, reverse("selection:detail"))


@require_POST
def selection_clear(request):
    Selection(request.session).clear()
    messages.success(request, _("Votre sélection est vide."))
    return redirect("selection:detail")


@require_GET
def selection_detail(request):
    selection = Selection(request.session)
    offers = selection.offers()
    rows = [(offer, emails.REACH_LABELS[reach], reach) for offer in offers for reach in [emails.recipient_reach(offer)]]
    return render(
        request,
        "funding/selection.html",
        {
            "rows": rows,
            "max_offers": MAX_OFFERS,
            "can_prescribe": can_prescribe(request.user),
        },
    )


@require_GET
def selection_from_parcours(request):
    """An agent pastes the address of a holder's « Mon parcours » page: open it, to pick offers from it."""
    parts = urlsplit(request.GET.get("adresse", "").strip())
    if parts.path != reverse("funding:results") or not parts.query:
        messages.error(
            request,
            _("Cette adresse n'est pas celle d'une page « Mon parcours » : elle commence par %(path)s?commune=")
            % {"path": request.build_absolute_uri(reverse("funding:results"))},
        )
        return redirect("selection:detail")
    return redirect(f"{reverse('funding:results')}?{parts.query}")


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() and len(str(value)) < 12 else None
