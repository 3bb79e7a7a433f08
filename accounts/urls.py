"""Sign-in, sign-out and password reset (Django's auth views with our templates and a throttled sign-in), and the
holders' sign-up, activation and account deletion."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as account_views
from accounts.forms import ThrottledAuthenticationForm

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm), name="login"),
    path("inscription/", account_views.signup, name="signup"),
    path("inscription/envoyee/", account_views.signup_sent, name="signup_sent"),
    path("activer/<str:token>/", account_views.activate, name="account_activate"),
    path("supprimer/", account_views.account_delete, name="account_delete"),
    path("", include("django.contrib.auth.urls")),
]
