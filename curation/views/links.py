"""What a structure's contact reaches from an update-campaign e-mail, without an account."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.magic_links import InvalidLink
from curation.models import UpdateOutcome, UpdateRequest
from curation.services.freshness import update_request_confirm, update_request_from_token


@require_http_methods(["GET", "POST"])
def update_answer(request, token):
    try:
        update_request = update_request_from_token(token)
    except InvalidLink as error:
        return render(request, "curation/update_link_invalid.html", {"reason": error.reason}, status=410)
    except UpdateRequest.DoesNotExist:
        return render(request, "curation/update_link_invalid.html", {"reason": "invalid"}, status=410)
    # A GET never changes anything (mail scanners open links); confirming is one button.
    if request.method == "POST" and request.POST.get("action") == "confirm":
        update_request = update_request_confirm(update_request=update_request)
    return render(
        request,
        "curation/update_answer.html",
        {
            "update_request": update_request,
            "structure": update_request.structure,
            "token": token,
            "confirmed": update_request.outcome == UpdateOutcome.CONFIRMED,
            "is_open": update_request.outcome == UpdateOutcome.PENDING,
        },
    )
