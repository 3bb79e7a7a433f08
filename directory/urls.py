from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("territoires/autocompletion/", views.territory_autocomplete, name="territory_autocomplete"),
]
