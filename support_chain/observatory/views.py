"""The public observatory: France, a région, a département or an EPCI, each with charts, tables and CSV."""

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from directory.models import Territory, WhiteZoneRun
from support_chain.observatory import selectors
from support_chain.observatory.selectors import OBSERVED_KINDS, Quarter


@require_GET
def observatory_index(request):
    return _page(request, Territory.objects.get(key="FR"))


@require_GET
def observatory_detail(request, key):
    territory = get_object_or_404(Territory, key=key, is_active=True)
    if territory.kind not in OBSERVED_KINDS:
        raise Http404("L'observatoire couvre la France, les régions, les départements et les EPCI.")
    return _page(request, territory)


def _page(request, territory):
    current = Quarter.of(timezone.localdate())
    quarter = Quarter.parse(request.GET.get("trimestre", ""), current)
    tables = selectors.figures(territory, quarter)
    if request.GET.get("format") == "csv":
        table = next((t for t in tables if t.slug == request.GET.get("table")), None)
        if table is None:
            raise Http404("Tableau inconnu.")
        return _csv(territory, quarter, table)
    previous = Quarter(quarter.year - (quarter.number == 1), (quarter.number - 2) % 4 + 1)
    context = {
        "territory": territory,
        "quarter": quarter,
        "previous_quarter": previous,
        "tables": tables,
        "children": selectors.children(territory),
        "freshness_share": tables[-1].share,
        # The offers' figures and the white zones are stored by the white zones' run: the page says as of when.
        "figures_as_of": WhiteZoneRun.objects.order_by("-finished_at").values_list("finished_at", flat=True).first(),
    }
    return render(request, "observatory/territory.html", context)


def _csv(territory, quarter, table):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="observatoire-{territory.key}-{table.slug}-{quarter}.csv"'
    writer = csv.writer(response)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return response
