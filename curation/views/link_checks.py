"""Curators' one-click actions on a broken link of the dashboard: re-check now (queued), ignore, stop ignoring."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from curation import selectors
from curation.forms import DecisionForm
from curation.services.link_check import link_check_ignore, link_check_restore, link_recheck_request
from curation.views.staff import curator_required

ACTIONS = {"recheck", "ignore", "restore"}


@require_POST
@curator_required
def link_check_action(request, pk):
    # Looked up in the requester's scope: a link of another région is a 404.
    link_check = get_object_or_404(selectors.link_checks(request.user).select_related("structure", "offer"), pk=pk)
    form = DecisionForm(request.POST)
    action = request.POST.get("action")
    back = reverse("curation:dashboard") + "#liens-casses"
    if not form.is_valid() or action not in ACTIONS:
        messages.error(request, _("Action incomplète : réessayez."))
        return redirect(back)
    reason = form.cleaned_data["reason"]
    try:
        if action == "recheck":
            # Queued: the page never waits for a remote server.
            link_recheck_request(link_check=link_check)
            messages.success(
                request, _("Nouvelle vérification demandée : le résultat s'affichera ici dans quelques minutes.")
            )
        elif action == "ignore":
            link_check_ignore(link_check=link_check, user=request.user, reason=reason)
            messages.success(
                request,
                _("Lien ignoré : il sera signalé de nouveau si son adresse change, ou s'il remarche puis casse."),
            )
        else:
            link_check_restore(link_check=link_check, user=request.user, reason=reason)
            messages.success(request, _("Ce lien est de nouveau signalé."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(back)
