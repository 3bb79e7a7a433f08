"""Sign-in, sign-out and password reset (Django's auth views with our templates)."""

from django.urls import include, path

urlpatterns = [
    path("", include("django.contrib.auth.urls")),
]
