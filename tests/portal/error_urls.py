"""The site's addresses plus views that fail on purpose, for the error-page tests."""

from django.http import HttpResponse, HttpResponseGone
from django.urls import path

from portal.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("essai/erreur/", boom),
    path("essai/parti/", lambda request: HttpResponseGone()),
    path("essai/trop/", lambda request: HttpResponse(status=429)),
    path("essai/trop-avec-contenu/", lambda request: HttpResponse("limite", status=429)),
    *site_urlpatterns,
]
