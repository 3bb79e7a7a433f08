from django.urls import path

from directory.views import territories

app_name = "directory"

urlpatterns = [
    path("territoires/autocompletion/", territories.territory_autocomplete, name="territory_autocomplete"),
]
