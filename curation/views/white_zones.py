"""White zones of a curator's région: inhabitants and communes without in-person support, by territory and stage.

Figures come from the table `manage.py compute_white_zones` (and the nightly task) rebuilds; the map and the
table show the same cells (support_chain/white_zones.py `reach_summary`).
"""

import csv
import io
import json

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.scopes import curated_regions
from curation.views.staff import curator_required
from directory.models import ReachStatus, Territory, TerritoryBoundary, TerritoryKind
from support_chain.white_zones import reach_summary


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
    summary = reach_summary(region, departement)
    if request.GET.get("format") == "csv":
        return _csv(summary)
    stage = next((s for s in summary.stages if s.slug == request.GET.get("stage")), summary.stages[0])
    return render(
        request,
        "curation/white_zones.html",
        {
            "summary": summary,
            "regions": regions,
            "region": region,
            "departement": departement,
            "departements": departements,
            "map_stage": stage,
            "map_data": _map_data(summary),
            "statuses": ReachStatus,
        },
    )


def _sentence(cell, radius_km) -> str:
    text = _("%(people)s habitants à plus de %(km)s km d'un accompagnement en présentiel pour l'étape « %(stage)s »")
    return text % {
        "people": number_format(cell.population_without, force_grouping=True),
        "km": number_format(radius_km, decimal_pos=0),
        "stage": cell.stage.name,
    }


def _map_data(summary) -> dict:
    """The boundaries of the rows' territories (GeoJSON), each with its level and sentence per stage."""
    territories = [territory for territory, _cells in summary.rows]
    geometries = dict(
        TerritoryBoundary.objects.filter(territory__in=territories).values_list("territory_id", "geometry")
    )
    features = []
    for territory, cells in summary.rows:
        if territory.pk not in geometries:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(geometries[territory.pk]),
                "properties": {
                    "key": territory.key,
                    "name": territory.name,
                    "levels": {cell.stage.slug: cell.level for cell in cells},
                    "figures": {cell.stage.slug: _sentence(cell, summary.radius_km) for cell in cells},
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _csv(summary) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    statuses = list(ReachStatus.values)
    writer.writerow(
        [
            "territoire",
            "code",
            "etape",
            "rayon_km",
            "population",
            *[f"population_{status}" for status in statuses],
            "communes",
            *[f"communes_{status}" for status in statuses],
        ]
    )
    for territory, cells in [*summary.rows, (summary.scope, summary.total)]:
        for cell in cells:
            writer.writerow(
                [
                    territory.name,
                    territory.key,
                    cell.stage.slug,
                    f"{summary.radius_km:g}",
                    cell.total_population,
                    *[cell.population.get(status, 0) for status in statuses],
                    sum(cell.communes.values()),
                    *[cell.communes.get(status, 0) for status in statuses],
                ]
            )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_("zones-blanches")}-{summary.scope.key}.csv"'
    return response
