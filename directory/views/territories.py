from django.http import JsonResponse
from django.views.decorators.http import require_GET

from directory.forms import territory_label
from directory.models import Territory, TerritoryKind


@require_GET
def territory_autocomplete(request):
    """Territories matching the start of a name or a postal code: [{key, label, kind}] (public, no personal data)."""
    kinds = [kind for kind in request.GET.getlist("kind") if kind in TerritoryKind.values] or [TerritoryKind.COMMUNE]
    results = (
        Territory.objects.filter(kind__in=kinds, is_active=True)
        .select_related("departement")
        .prefetch_related("postal_codes")
        .search(request.GET.get("q", "")[:80], limit=12)
    )
    payload = [
        {"key": t.key, "code": t.code, "label": territory_label(t), "kind": t.kind, "postal_codes": postal}
        for t, postal in ((t, _postal_codes(t)) for t in results)
    ]
    response = JsonResponse({"results": payload})
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _postal_codes(territory):
    return [pc.code for pc in territory.postal_codes.all()] if territory.kind == TerritoryKind.COMMUNE else []
