"""Project-wide request guards."""

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _


class RejectNulBytesMiddleware:
    """Answer 400 to a NUL byte in the path or the query string, before any view reads it.

    PostgreSQL refuses NUL in text, so a `%00` reaching a filter, a lookup or a form would end in a 500; no
    legitimate link holds one. Request bodies are left alone: form fields already refuse NUL (Django's
    ProhibitNullCharactersValidator), and reading the body here would defeat streamed uploads.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _query_has_nul(request):
            return HttpResponseBadRequest(
                _("Adresse invalide : elle contient un caractère nul. Vérifiez le lien ou le formulaire."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def _query_has_nul(request) -> bool:
    if "%00" not in request.META.get("QUERY_STRING", "") and "\x00" not in request.META.get("QUERY_STRING", ""):
        return False
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists())
