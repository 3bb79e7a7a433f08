from django.urls import path

from directory.views import maps, pages, territories

app_name = "directory"

urlpatterns = [
    path("structures/<int:pk>/", pages.structure_detail, name="structure_detail"),
    path("offres/<int:pk>/", pages.offer_detail, name="offer_detail"),
    path("carte/", maps.structure_map, name="map"),
    path("carte/structures.geojson", maps.map_geojson, name="map_geojson"),
    path("territoires/autocompletion/", territories.territory_autocomplete, name="territory_autocomplete"),
]
