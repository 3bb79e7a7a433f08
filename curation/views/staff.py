"""Curator pages: the dashboard, decisions on submissions and edits, history and revert.

Every object is looked up in the requester's scope: an object of another région is a 404, never a 403 that
would confirm it exists.
"""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from accounts.scopes import curated_offers, curated_structures, is_curator
from curation import selectors
from curation.forms import DecisionForm, RevertForm
from curation.services import moderation as services
from curation.services.duplicates import duplicate_dismiss as duplicate_dismiss_service
from curation.services.duplicates import structure_merge, suspected_duplicates
from curation.services.freshness import update_request_create
from directory.models import Offer, Structure

PAGE_SIZE = 20
ENTRY_KINDS = {"structure": Structure, "offre": Offer}


def curator_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_curator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _entry_or_404(user, kind, pk):
    model = ENTRY_KINDS.get(kind)
    if model is None:
        raise Http404
    scope = curated_structures(user) if model is Structure else curated_offers(user)
    return get_object_or_404(scope, pk=pk)


def _show_errors(request, error: ValidationError):
    for message in error.messages:
        messages.error(request, message)


@curator_required
def dashboard(request):
    def page(queryset, name):
        return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get(name))

    context = {
        "submissions": page(selectors.pending_submissions(request.user), "page_propositions"),
        "edit_reviews": page(selectors.pending_edit_reviews(request.user), "page_modifications"),
        "stale": page(selectors.stale_structures(request.user), "page_a_verifier"),
        "update_requests": page(selectors.update_requests(request.user), "page_demandes"),
        "imports": page(selectors.imports_to_confirm(request.user), "page_imports"),
        "duplicates": page(suspected_duplicates(curated_structures(request.user)), "page_doublons"),
        "broken_links": page(selectors.broken_links(request.user), "page_liens"),
        "ignored_links": page(selectors.broken_links(request.user, ignored=True), "page_liens_ignores"),
        "decision_form": DecisionForm(),
    }
    return render(request, "curation/dashboard.html", context)


@curator_required
def submission_detail(request, pk):
    submission = get_object_or_404(selectors.submissions(request.user), pk=pk)
    return render(
        request, "curation/submission_detail.html", {"submission": submission, "decision_form": DecisionForm()}
    )


@require_POST
@curator_required
def submission_decide(request, pk):
    submission = get_object_or_404(selectors.submissions(request.user), pk=pk)
    form = DecisionForm(request.POST)
    action = request.POST.get("action")
    if not form.is_valid() or action not in {"approve", "reject"}:
        messages.error(request, _("Décision incomplète : réessayez."))
        return redirect("curation:submission_detail", pk=pk)
    reason = form.cleaned_data["reason"]
    try:
        if action == "approve":
            structure = services.submission_approve(submission=submission, user=request.user, reason=reason)
            messages.success(request, _("Proposition validée : « %(name)s » est publiée.") % {"name": structure})
        else:
            services.submission_reject(submission=submission, user=request.user, reason=reason)
            messages.success(request, _("Proposition refusée."))
    except ValidationError as error:
        _show_errors(request, error)
        return redirect("curation:submission_detail", pk=pk)
    return redirect("curation:dashboard")


@require_POST
@curator_required
def edit_review_decide(request, pk):
    review = get_object_or_404(selectors.edit_reviews(request.user), pk=pk)
    form = DecisionForm(request.POST)
    action = request.POST.get("action")
    if not form.is_valid() or action not in {"approve", "revert"}:
        messages.error(request, _("Décision incomplète : réessayez."))
        return redirect("curation:dashboard")
    reason = form.cleaned_data["reason"]
    try:
        if action == "approve":
            services.edit_review_approve(review=review, user=request.user, reason=reason)
            messages.success(request, _("Modification de « %(name)s » acceptée.") % {"name": review.entry})
        else:
            services.edit_review_revert(review=review, user=request.user, reason=reason)
            messages.success(request, _("Modification de « %(name)s » annulée.") % {"name": review.entry})
    except ValidationError as error:
        _show_errors(request, error)
    return redirect("curation:dashboard")


@require_POST
@curator_required
def entry_action(request, kind, pk):
    """One-click actions on an entry: mark verified, archive."""
    entry = _entry_or_404(request.user, kind, pk)
    form = DecisionForm(request.POST)
    action = request.POST.get("action")
    if not form.is_valid() or action not in {"verify", "archive", "request_update"}:
        messages.error(request, _("Action incomplète : réessayez."))
        return redirect("curation:dashboard")
    reason = form.cleaned_data["reason"]
    try:
        if action == "verify":
            services.entry_mark_verified(entry=entry, user=request.user, reason=reason)
            messages.success(request, _("« %(name)s » est marquée comme vérifiée.") % {"name": entry})
        elif action == "request_update":
            structure = entry if isinstance(entry, Structure) else entry.structure
            update_request_create(structure=structure, user=request.user, reason=reason)
            messages.success(request, _("Demande de mise à jour envoyée à « %(name)s ».") % {"name": structure})
        else:
            services.entry_archive(entry=entry, user=request.user, reason=reason)
            messages.success(request, _("« %(name)s » est archivée.") % {"name": entry})
    except ValidationError as error:
        _show_errors(request, error)
    if request.POST.get("next_page") == "history":
        return redirect("curation:history", kind=kind, pk=pk)
    return redirect("curation:dashboard")


@curator_required
def history(request, kind, pk):
    entry = _entry_or_404(request.user, kind, pk)
    page, rows = selectors.history_page(entry, request.GET.get("page"))
    return render(
        request,
        "curation/history.html",
        {"entry": entry, "kind": kind, "page": page, "rows": rows, "revert_form": RevertForm()},
    )


@require_POST
@curator_required
def revert(request, kind, pk):
    entry = _entry_or_404(request.user, kind, pk)
    form = RevertForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez le motif du retour à cette version."))
        return redirect("curation:history", kind=kind, pk=pk)
    if not entry.history.filter(history_id=form.cleaned_data["history_id"]).exists():
        raise Http404
    try:
        services.entry_revert(
            entry=entry,
            history_id=form.cleaned_data["history_id"],
            user=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("« %(name)s » est revenue à la version choisie.") % {"name": entry})
    except ValidationError as error:
        _show_errors(request, error)
    return redirect("curation:history", kind=kind, pk=pk)


class MergeForm(forms.Form):
    keep = forms.TypedChoiceField(label=_lazy("Fiche à conserver"), coerce=int, widget=forms.RadioSelect)
    reason = forms.CharField(label=_lazy("Motif (gardé dans l'historique)"), max_length=500)

    def __init__(self, *args, pair, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(s.pk, f"{s.name} (n° {s.pk})") for s in pair]


def _pair_or_404(user, first_pk, second_pk):
    pair = list(curated_structures(user).filter(pk__in=[first_pk, second_pk]).select_related("commune__departement"))
    if len(pair) != 2:
        raise Http404
    return sorted(pair, key=lambda s: s.pk)


@curator_required
def merge(request, first, second):
    pair = _pair_or_404(request.user, first, second)
    form = MergeForm(request.POST or None, pair=pair, initial={"keep": pair[0].pk})
    if request.method == "POST" and form.is_valid():
        keep = next(s for s in pair if s.pk == form.cleaned_data["keep"])
        drop = next(s for s in pair if s.pk != keep.pk)
        try:
            structure_merge(keep=keep, drop=drop, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("« %(drop)s » est fusionnée dans « %(keep)s ».") % {"drop": drop, "keep": keep})
            return redirect("curation:dashboard")
    offers = {s.pk: s.offers.count() for s in pair}
    rows = [(s, offers[s.pk]) for s in pair]
    return render(request, "curation/merge.html", {"pair": pair, "rows": rows, "form": form})


@require_POST
@curator_required
def duplicate_dismiss(request, first, second):
    pair = _pair_or_404(request.user, first, second)
    form = DecisionForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    duplicate_dismiss_service(first=pair[0], second=pair[1], user=request.user, reason=reason)
    messages.success(request, _("Ces deux fiches ne seront plus signalées comme doublons."))
    return redirect("curation:dashboard")
