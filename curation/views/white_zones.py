"""White zones of a curator's région: territories × stages, with the published offers covering each."""

import csv
import io

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.scopes import curated_regions
from curation.views.staff import curator_required
from directory.models import OfferType, Territory, TerritoryKind
from support_chain.white_zones import white_zone_matrix


@curator_required
def white_zones(request):
    regions = list(curated_regions(request.user).order_by("name"))
    region = next((r for r in regions if r.key == request.GET.get("region")), regions[0] if regions else None)
    if region is None or (request.GET.get("region") and region.key != request.GET["region"]):
        raise Http404
    departements = list(Territory.objects.filter(kind=TerritoryKind.DEPARTEMENT, region=region).order_by("code"))
    departement = None
    if request.GET.get("departement"):
        departement = next((d for d in departements if d.key == request.GET["departement"]), None)
        if departement is None:
            raise Http404
    matrix = white_zone_matrix(region, departement)
    if request.GET.get("format") == "csv":
        return _csv(matrix, departement)
    return render(
        request,
        "curation/white_zones.html",
        {
            "matrix": matrix,
            "regions": regions,
            "region": region,
            "departements": departements,
            "departement": departement,
        },
    )


def _csv(matrix, departement) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["territoire", "code", "etape", "total", *OfferType.values, "recherche"])
    for territory, cells in matrix.rows:
        for cell in cells:
            writer.writerow(
                [
                    territory.name,
                    territory.key,
                    cell.stage.slug,
                    cell.total,
                    *[cell.by_type.get(value, 0) for value in OfferType.values],
                    cell.search_url,
                ]
            )
    scope = departement.key if departement else matrix.region.key
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_("zones-blanches")}-{scope}.csv"'
    return response
