"""A URLconf whose page fails the way a view does when PostgreSQL refuses connections."""

from django.db import OperationalError
from django.urls import include, path


def database_down(request):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


urlpatterns = [path("panne/", database_down), path("", include("portal.urls"))]
