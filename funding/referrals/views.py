"""Referral pages: thin views reading through selectors (scoped by the requester) and writing via services."""

import json
import logging
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from accounts.magic_links import InvalidLink, read_token
from accounts.scopes import can_prescribe, curated_regions, curates_region, is_curator
from accounts.throttle import Throttle, client_ip
from directory.models import Offer, Territory
from funding.selection.session import Selection

from . import emails, selectors, services
from .forms import CloseForm, DeclineForm, ReferralForm, SatisfactionForm, SelfReferralForm
from .models import (
    CONSENT_VERSION,
    DOSSIER_WITHDRAWN_STATUSES,
    LineStatus,
    Referral,
    ReferralLine,
    ReferralSource,
)
from .uploads import SizeLimitedUploads

logger = logging.getLogger(__name__)

ANSWER_LINK_AGE = services.datetime.timedelta(days=120)
CONFIRM_LINK_AGE = services.datetime.timedelta(days=2)
SATISFACTION_LINK_AGE = services.datetime.timedelta(days=60)
SELF_SEND_LIMIT = 5  # per client address and hour
SELF_SENDS = Throttle("referral-self-send", limit=SELF_SEND_LIMIT, window=3600)
PAGE_SIZE = 20


def _initial_from_query(request) -> dict:
    """Profile parameters of the matching results page, and the offers chosen there (ids only).

    « Ma sélection » comes first: its offers, and the profile they were chosen for when the link carries none."""
    selection = Selection(request.session)
    query = request.GET
    if not any(query.get(name) for name in ("commune", "stage", "legal_form", "need")) and selection.profile:
        query = QueryDict(mutable=True)
        for name, value in selection.profile:
            query.appendlist(name, value)
        for value in request.GET.getlist("offer"):
            query.appendlist("offer", value)
    initial = {}
    if query.get("commune"):
        code = query["commune"].removeprefix("COM-")[:10]
        commune = Territory.objects.communes().filter(code=code).select_related("departement").first()
        initial["commune"] = commune or code
    for name in ("stage", "legal_form"):
        if query.get(name):
            initial[name] = query[name][:60]
    if query.getlist("need"):
        initial["needs"] = [slug[:60] for slug in query.getlist("need")[:20]]
    initial["offers"] = list(dict.fromkeys([*selection.ids, *_offer_ids(query.getlist("offer"))]))[
        : services.MAX_OFFERS
    ]
    return initial


def _offer_ids(values) -> list[int]:
    return [int(value) for value in values[: services.MAX_OFFERS * 2] if str(value).isdigit()]


def _bind_offers(form, ids):
    """Only the offers the person picked are choices: never a list of every offer of the directory."""
    field = form.fields["offers"]
    field.queryset = Offer.objects.published().filter(pk__in=ids).select_related("structure")
    field.label_from_instance = lambda offer: (
        f"{offer.title} — {offer.structure.name} ({emails.REACH_LABELS[emails.recipient_reach(offer)]})"
    )


def _create_kwargs(data: dict) -> dict:
    return {
        "holder_name": data["holder_name"],
        "holder_email": data.get("holder_email") or "",
        "holder_phone": data.get("holder_phone") or "",
        "description": data["description"],
        "commune": data["commune"],
        "stage": data.get("stage"),
        "needs": list(data.get("needs") or []),
        "legal_form": data.get("legal_form"),
        "offers": list(data["offers"]),
        "consent_given": data["consent"],
        "share_answers": data.get("share_answers", False),
        "attachments": data.get("attachments") or [],
    }


def _streamed_uploads(view):
    """Count attachments' bytes as they arrive (uploads.SizeLimitedUploads), then check CSRF as usual.

    The upload handlers must be set before anything reads the body, and the CSRF middleware reads it: so the
    middleware is told to leave this view alone (csrf_exempt) and the view checks the token itself (csrf_protect),
    after the handlers are in place."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.upload_handlers.insert(0, SizeLimitedUploads(request))
        return csrf_protect(view)(request, *args, **kwargs)

    return wrapped


@_streamed_uploads
@login_required
@require_http_methods(["GET", "POST"])
def referral_create(request):
    if not can_prescribe(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = ReferralForm(request.POST, request.FILES)
        _bind_offers(form, _offer_ids(request.POST.getlist("offers")))
        if form.is_valid():
            try:
                referral = services.referral_create(prescriber=request.user, **_create_kwargs(form.cleaned_data))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                Selection(request.session).remove(*(offer.pk for offer in form.cleaned_data["offers"]))
                messages.success(request, _("Le dossier a été envoyé. Vous suivrez ici les réponses des structures."))
                return redirect("referrals:detail", pk=referral.pk)
    else:
        initial = _initial_from_query(request)
        form = ReferralForm(initial=initial)
        _bind_offers(form, initial["offers"])
    return render(
        request,
        "referrals/referral_form.html",
        {"form": form, "consent_version": CONSENT_VERSION, "self_send": False},
    )


@_streamed_uploads
@require_http_methods(["GET", "POST"])
def referral_self_send(request):
    """A holder sends their dossier themselves; nothing leaves before they confirm their address."""
    if request.method == "POST":
        form = SelfReferralForm(request.POST, request.FILES)
        _bind_offers(form, _offer_ids(request.POST.getlist("offers")))
        if not _within_rate_limit(request):
            form.add_error(None, _("Trop d'envois depuis votre connexion. Réessayez dans une heure."))
        elif form.is_valid():
            try:
                services.referral_create(
                    prescriber=None, source=ReferralSource.HOLDER, **_create_kwargs(form.cleaned_data)
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                Selection(request.session).remove(*(offer.pk for offer in form.cleaned_data["offers"]))
                return render(request, "referrals/self_send_pending.html")
    else:
        initial = _initial_from_query(request)
        form = SelfReferralForm(initial=initial)
        _bind_offers(form, initial["offers"])
    return render(
        request,
        "referrals/referral_form.html",
        {"form": form, "consent_version": CONSENT_VERSION, "self_send": True},
    )


def _within_rate_limit(request) -> bool:
    return SELF_SENDS.allow(client_ip(request))


@require_http_methods(["GET", "POST"])
def referral_confirm(request, token):
    referral = _from_token(emails.CONFIRM_PURPOSE, token, Referral.objects.all(), CONFIRM_LINK_AGE)
    if referral is None:
        return _invalid_link(request)
    if request.method == "POST":
        services.referral_confirm_holder_email(referral=referral)
        return render(request, "referrals/self_send_confirmed.html", {"referral": referral})
    return render(
        request, "referrals/self_send_confirm.html", {"referral": referral, "done": referral.holder_email_confirmed_at}
    )


def _from_token(purpose, token, queryset, max_age):
    try:
        payload = read_token(purpose, token, max_age=max_age)
    except InvalidLink:
        return None
    return queryset.filter(pk=payload.object_id).first()


def _invalid_link(request):
    return render(request, "referrals/invalid_link.html", status=410)


def _referral_list_queryset(user):
    lines = ReferralLine.objects.select_related("offer__structure").order_by("pk")
    return (
        selectors.referrals_visible_to(user)
        .select_related("commune", "stage")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-created_at", "-pk")
    )


@login_required
def referral_list(request):
    page = Paginator(_referral_list_queryset(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    visibility = selectors.LineVisibility(request.user)
    rows = [(referral, visibility.lines(referral, referral.lines.all())) for referral in page.object_list]
    return render(
        request,
        "referrals/referral_list.html",
        {"page": page, "rows": rows, "can_prescribe": can_prescribe(request.user)},
    )


@login_required
def referral_detail(request, pk):
    referral = get_object_or_404(
        selectors.referrals_visible_to(request.user).select_related(
            "commune__departement", "stage", "legal_form", "prescriber"
        ),
        pk=pk,
    )
    lines = selectors.lines_visible_to(request.user, referral)
    transitions = {
        line.pk: list(line.transitions.order_by("at", "pk")) for line in lines
    }  # a dossier has a handful of lines
    closed = any(line.status == LineStatus.CLOSED for line in lines)
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "lines": [(line, transitions[line.pk]) for line in lines],
            "attachments": referral.attachments.all(),
            "next_offers": selectors.next_chain_offers(referral) if closed else [],
            "is_curator": curates_region(request.user, referral.commune.region_id),
        },
    )


@login_required
def attachment_download(request, pk, attachment_pk):
    referral = get_object_or_404(selectors.referrals_visible_to(request.user), pk=pk)
    return _serve_attachment(referral, attachment_pk)


def _serve_attachment(referral, attachment_pk):
    attachment = get_object_or_404(referral.attachments.all(), pk=attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _line_from_answer_token(token):
    return _from_token(
        emails.ANSWER_PURPOSE,
        token,
        ReferralLine.objects.select_related("referral__commune", "referral__stage", "offer__structure"),
        ANSWER_LINK_AGE,
    )


@require_http_methods(["GET", "POST"])
def line_answer(request, token):
    """The recipient's page (magic link, no account): read the dossier, accept, decline, close."""
    line = _line_from_answer_token(token)
    if line is None:
        return _invalid_link(request)
    decline_form, close_form = DeclineForm(prefix="decline"), CloseForm(prefix="close")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept":
                services.line_accept(line=line)
                messages.success(request, _("Merci : vous prenez en charge ce porteur de projet."))
                return redirect("referrals:answer", token=token)
            if action == "decline":
                decline_form = DeclineForm(request.POST, prefix="decline")
                if decline_form.is_valid():
                    services.line_decline(
                        line=line, reason=decline_form.cleaned_data["reason"], note=decline_form.cleaned_data["note"]
                    )
                    messages.success(request, _("Votre refus a été transmis au prescripteur."))
                    return redirect("referrals:answer", token=token)
            elif action == "close":
                close_form = CloseForm(request.POST, prefix="close")
                if close_form.is_valid():
                    services.line_close(
                        line=line,
                        outcome=close_form.cleaned_data["outcome"],
                        funded_amount=close_form.cleaned_data["funded_amount"],
                        reoriented_to=close_form.cleaned_data["reoriented_to"],
                        note=close_form.cleaned_data["note"],
                    )
                    messages.success(request, _("L'orientation est clôturée. Merci pour votre suivi."))
                    return redirect("referrals:answer", token=token)
            else:
                raise Http404
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            line.refresh_from_db()
    referral = line.referral
    # A recipient that declined, or let the line expire, no longer sees the holder (models.ReferralAttachment).
    withdrawn = line.status in DOSSIER_WITHDRAWN_STATUSES
    others = (
        [other for other in referral.lines.select_related("offer__structure") if other.pk != line.pk]
        if referral.share_answers and not withdrawn
        else []
    )
    return render(
        request,
        "referrals/line_answer.html",
        {
            "line": line,
            "referral": referral,
            "others": others,
            "token": token,
            "decline_form": decline_form,
            "close_form": close_form,
            "attachments": [] if withdrawn else referral.attachments.all(),
            "withdrawn": withdrawn,
            "next_offers": selectors.next_chain_offers(referral) if line.status == LineStatus.CLOSED else [],
        },
    )


def line_answer_attachment(request, token, attachment_pk):
    line = _line_from_answer_token(token)
    if line is None:
        return _invalid_link(request)
    if line.status in DOSSIER_WITHDRAWN_STATUSES:
        raise Http404
    return _serve_attachment(line.referral, attachment_pk)


@require_http_methods(["GET", "POST"])
def satisfaction(request, token):
    line = _from_token(
        emails.SATISFACTION_PURPOSE,
        token,
        ReferralLine.objects.filter(status=LineStatus.CLOSED).select_related("offer__structure"),
        SATISFACTION_LINK_AGE,
    )
    if line is None:
        return _invalid_link(request)
    form = SatisfactionForm(request.POST or None)
    already = hasattr(line, "satisfaction")
    if request.method == "POST" and not already and form.is_valid():
        services.satisfaction_record(line=line, **form.cleaned_data)
        return render(request, "referrals/satisfaction.html", {"line": line, "thanks": True})
    return render(request, "referrals/satisfaction.html", {"line": line, "form": form, "already": already})


@login_required
def referral_stats(request):
    if not is_curator(request.user):
        raise PermissionDenied
    return render(request, "referrals/referral_stats.html", {"stats": selectors.referral_stats(request.user)})


def _curated_referral(request, pk):
    return get_object_or_404(
        Referral.objects.filter(commune__region__in=curated_regions(request.user).values("pk")), pk=pk
    )


@login_required
def referral_export(request, pk):
    """Curator action on the holder's request: everything we hold about them, as JSON."""
    referral = _curated_referral(request, pk)
    response = HttpResponse(
        json.dumps(services.referral_export(referral=referral), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="orientation-{referral.pk}.json"'
    response["Cache-Control"] = "private, no-store"
    logger.info("referral %s exported by user %s", referral.pk, request.user.pk)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def referral_delete(request, pk):
    """Curator action on the holder's request, after a confirmation page."""
    referral = _curated_referral(request, pk)
    if request.method == "POST":
        services.referral_delete(referral=referral)
        logger.info("referral %s deleted by user %s", pk, request.user.pk)
        messages.success(request, _("Les données du porteur de projet ont été supprimées."))
        return redirect(reverse("referrals:list"))
    return render(request, "referrals/referral_confirm_delete.html", {"referral": referral})
