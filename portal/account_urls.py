"""Sign-in, sign-out and password reset (Django's auth views with our templates and a throttled sign-in)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal.forms import ThrottledAuthenticationForm

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm), name="login"),
    path("", include("django.contrib.auth.urls")),
]
