from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from directory import api
from directory.views import maps, opendata, pages, search, territories

router = SimpleRouter()
router.register("api/offres", api.OfferViewSet, basename="api-offer")
router.register("api/structures", api.StructureViewSet, basename="api-structure")

app_name = "directory"

urlpatterns = [
    path("", search.search, name="search"),
    path("structures/<int:pk>/", pages.structure_detail, name="structure_detail"),
    path("offres/<int:pk>/", pages.offer_detail, name="offer_detail"),
    path("carte/", maps.structure_map, name="map"),
    path("carte/structures.geojson", maps.map_geojson, name="map_geojson"),
    path("territoires/autocompletion/", territories.territory_autocomplete, name="territory_autocomplete"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("donnees-ouvertes/", opendata.opendata_index, name="opendata"),
    path("donnees-ouvertes/<str:export_format>/<str:name>", opendata.opendata_file, name="opendata_file"),
    path(
        "api/donnees-ouvertes/data-inclusion/structures/",
        api.DataInclusionStructures.as_view(),
        name="api-opendata-structures",
    ),
    path(
        "api/donnees-ouvertes/data-inclusion/services/",
        api.DataInclusionServices.as_view(),
        name="api-opendata-services",
    ),
    path("api/donnees-ouvertes/dispositifs/", api.Dispositifs.as_view(), name="api-opendata-dispositifs"),
    *router.urls,
]
