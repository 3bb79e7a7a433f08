"""The public form « Référencer ma structure / signaler une mise à jour » (no account needed)."""

from django.shortcuts import get_object_or_404, redirect, render

from accounts.magic_links import InvalidLink
from accounts.throttle import PUBLIC_SUBMISSIONS, client_ip
from curation.forms import SubmissionForm
from curation.models import UpdateRequest
from curation.services.freshness import update_request_from_token, update_request_mark_edited
from curation.services.moderation import submission_create
from directory.models import Structure


def submit(request):
    ip = client_ip(request)
    throttled = PUBLIC_SUBMISSIONS.is_blocked(ip)
    structure = None
    if request.method == "POST":
        form = SubmissionForm(request.POST)
        if not throttled:
            PUBLIC_SUBMISSIONS.hit(ip)
            if form.is_spam():
                # Pretend it worked: a robot learns nothing, and a person never fills this hidden field.
                return redirect("curation:submit_thanks")
            if form.is_valid():
                submission = submission_create(
                    structure=form.cleaned_data["structure"],
                    values=form.structure_values(),
                    submitter_name=form.cleaned_data["submitter_name"],
                    submitter_email=form.cleaned_data["submitter_email"],
                    message=form.cleaned_data["message"],
                    offer=form.offer_values(),
                )
                _record_campaign_answer(form.cleaned_data["update_token"], submission.structure)
                return redirect("curation:submit_thanks")
            structure = form.cleaned_data.get("structure")
    else:
        if request.GET.get("structure", "").isdigit():
            structure = get_object_or_404(Structure.objects.published(), pk=request.GET["structure"])
        form = SubmissionForm(structure=structure, initial={"update_token": request.GET.get("demande", "")})
    return render(
        request,
        "curation/submission_form.html",
        {"form": form, "structure": structure, "throttled": throttled},
        status=429 if throttled else 200,
    )


def submit_thanks(request):
    return render(request, "curation/submission_thanks.html")


def _record_campaign_answer(token: str, structure) -> None:
    """Came from an update-campaign e-mail: the request's outcome becomes « mise à jour proposée »."""
    if not token or structure is None:
        return
    try:
        update_request = update_request_from_token(token)
    except (InvalidLink, UpdateRequest.DoesNotExist):
        return
    if update_request.structure_id == structure.pk:
        update_request_mark_edited(update_request=update_request)
