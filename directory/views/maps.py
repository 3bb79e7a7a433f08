"""The map of structures: the page (with its accessible list) and the GeoJSON it loads for the current view."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from directory.filters import ORDERING_PARAMETERS, StructureFilter
from directory.models import StructureRole

# At most this many structures in one GeoJSON answer (about 100 bytes each); the rest is counted, not sent.
MAP_MAX_FEATURES = getattr(settings, "MAP_MAX_FEATURES", 500)
LIST_PAGE_SIZE = 20
COORDINATE_DECIMALS = 5  # about one metre
MAIN_FILTERS = ("q", "territory", "role", "stage", "offer_type")
MORE_FILTERS = ("need", "support_level", "instrument", "fee", "mode", "network", "open_now")


class BadBoundingBox(ValueError):
    pass


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """`west,south,east,north` in degrees (WGS84), as Leaflet's `getBounds().toBBoxString()` writes it."""
    if not text:
        return None
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError as error:
        raise BadBoundingBox(_("bbox attend quatre nombres : ouest,sud,est,nord.")) from error
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise BadBoundingBox(_("bbox hors limites ou inversée (ouest ≤ est, sud ≤ nord)."))
    return west, south, east, north


def located(queryset):
    return queryset.filter(latitude__isnull=False, longitude__isnull=False)


@require_GET
def structure_map(request):
    """The map page; without JavaScript, its list (same filters, paginated) is the whole content."""
    structure_filter = StructureFilter(request.GET or None)
    structure_filter.form.fields["territory"].widget.attrs["data-territory-autocomplete"] = "COM,EPCI,DEP,REG"
    structures = structure_filter.qs.select_related("commune__departement")
    page = Paginator(structures, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    filters_only = query.copy()
    for name in ORDERING_PARAMETERS:
        filters_only.pop(name, None)
    context = {
        "filter": structure_filter,
        "page_obj": page,
        "structures": page.object_list,
        "query_string": query.urlencode(),
        "search_url": reverse("directory:search") + (f"?{filters_only.urlencode()}" if filters_only else ""),
        "point": structure_filter.point if structure_filter.is_bound else None,
        "geojson_url": reverse("directory:map_geojson"),
        # django-leaflet's reset-view button has no text alternative; the zoom buttons and the list suffice.
        "map_settings": {"RESET_VIEW": False},
        # For the markers' popups (static/js/map.js), whose GeoJSON carries the roles' values only.
        "role_labels": {role.value: role.short_label for role in StructureRole},
        "main_fields": [structure_filter.form[name] for name in MAIN_FILTERS],
        "more_fields": [structure_filter.form[name] for name in MORE_FILTERS],
    }
    return render(request, "directory/map.html", context)


@require_GET
def map_geojson(request):
    """Published structures with coordinates inside `bbox` that pass the directory's filters, as GeoJSON.

    Minimal properties (id, name, url, roles); at most MAP_MAX_FEATURES features, `total` and `left_out` saying
    how many matched and how many were not sent (zoom in to see them).
    """
    try:
        bbox = parse_bbox(request.GET.get("bbox"))
    except BadBoundingBox as error:
        return JsonResponse({"error": str(error)}, status=400)
    structure_filter = StructureFilter(request.GET)
    if not structure_filter.is_valid():
        return JsonResponse({"error": _("Filtres invalides."), "fields": structure_filter.errors}, status=400)
    structures = located(structure_filter.qs)
    if bbox is not None:
        west, south, east, north = bbox
        structures = structures.filter(
            longitude__gte=west, longitude__lte=east, latitude__gte=south, latitude__lte=north
        )
    if structure_filter.point is None:
        # A stable, index-backed order, so a capped answer does not favour any part of the alphabet.
        structures = structures.order_by("pk")
    role_fields = [role.field_name for role in StructureRole]
    rows = list(structures.values_list("pk", "name", "latitude", "longitude", *role_fields)[: MAP_MAX_FEATURES + 1])
    total = len(rows) if len(rows) <= MAP_MAX_FEATURES else structures.count()
    rows = rows[:MAP_MAX_FEATURES]
    url_template = reverse("directory:structure_detail", args=[0]).replace("/0/", "/{}/")
    features = [
        {
            "type": "Feature",
            "id": pk,
            "geometry": {
                "type": "Point",
                "coordinates": [round(longitude, COORDINATE_DECIMALS), round(latitude, COORDINATE_DECIMALS)],
            },
            "properties": {
                "id": pk,
                "name": name,
                "url": url_template.format(pk),
                "roles": [role.value for role, flag in zip(StructureRole, flags, strict=True) if flag],
            },
        }
        for pk, name, latitude, longitude, *flags in rows
    ]
    payload = {
        "type": "FeatureCollection",
        "features": features,
        "total": total,
        "left_out": total - len(features),
    }
    response = JsonResponse(payload, content_type="application/geo+json", json_dumps_params={"separators": (",", ":")})
    response["Cache-Control"] = "public, max-age=60"
    return response
