from django.urls import path

from directory.views import pages, search, territories

app_name = "directory"

urlpatterns = [
    path("", search.search, name="search"),
    path("structures/<int:pk>/", pages.structure_detail, name="structure_detail"),
    path("offres/<int:pk>/", pages.offer_detail, name="offer_detail"),
    path("territoires/autocompletion/", territories.territory_autocomplete, name="territory_autocomplete"),
]
