"""Sign-in, sign-out and password reset (Django's auth views with our templates and a throttled sign-in), and the
holders' sign-up, activation and account deletion."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as account_views
from accounts.forms import OutboxPasswordResetForm, ThrottledAuthenticationForm


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        throttled = any(error.code == "throttled" for error in form.errors.as_data().get("email", []))
        return self.render_to_response(self.get_context_data(form=form), status=429 if throttled else 200)


urlpatterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm), name="login"),
    path("inscription/", account_views.signup, name="signup"),
    path("inscription/envoyee/", account_views.signup_sent, name="signup_sent"),
    path("password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("activer/<str:token>/", account_views.activate, name="account_activate"),
    path("supprimer/", account_views.account_delete, name="account_delete"),
    path("", include("django.contrib.auth.urls")),
]
