"""Error pages in the site's layout, in French, with DEBUG off (404, 403, 500 use Django's handlers and the
templates of the same name; these add the CSRF failure page, bare 410/429 answers, and quiet 403 logging)."""

import logging

from django.shortcuts import render
from django.template.loader import render_to_string

# Bare answers a view or a library may give (HttpResponseGone(), a 429 without a body): dressed as a page.
DRESSED_STATUSES = {410: "410.html", 429: "429.html"}


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the form expired, in French, without the technical reason (logged by Django)."""
    return render(request, "403_csrf.html", status=403)


class BareErrorPageMiddleware:
    """Give an empty HTML-less 410 or 429 answer the site's French page; answers with content are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        template = DRESSED_STATUSES.get(response.status_code)
        if template and not getattr(response, "streaming", False) and not response.content:
            response.content = render_to_string(template, request=request)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response


class QuietForbidden(logging.Filter):
    """A 403 is an expected answer (a role missing, a form expired): log one line, not a traceback."""

    def filter(self, record):
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
