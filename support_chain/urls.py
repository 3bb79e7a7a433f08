from django.urls import path  # noqa: F401

app_name = "support_chain"

urlpatterns = []
