"""La chaîne d'accompagnement: pick a territory, then read its stages from émergence to reprise-transmission."""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import condition, require_GET

from directory.cache import cache_public_page, cached, public_etag
from directory.forms import territory_label
from directory.models import Territory, TerritoryKind
from support_chain.forms import CHAIN_KINDS, ChainSearchForm
from support_chain.models import Stage
from support_chain.selectors import chain


@require_GET
def chain_index(request):
    """The territory form; a valid submission (also the home page's) goes to that territory's chain."""
    form = ChainSearchForm(request.GET or None)
    if form.is_valid():
        return redirect(chain_url(form.cleaned_data["territory"], form.cleaned_data["stage"]))
    return render(request, "support_chain/chain_index.html", {"form": form})


@require_GET
@condition(etag_func=public_etag)
@cache_public_page
def chain_detail(request, key):
    territory = get_object_or_404(
        Territory.objects.select_related("departement", "region", "epci"), key=key, is_active=True
    )
    if territory.kind not in CHAIN_KINDS:
        raise Http404
    stage_slug = request.GET.get("stage", "")
    # What the page lists depends on the directory (its version keys the cache) and the day (calls close).
    territory_chain = cached("chain", (territory.pk, timezone.localdate().isoformat()), lambda: chain(territory))
    steps = territory_chain.steps
    current = next((step.stage for step in steps if step.stage.slug == stage_slug), None)
    form = ChainSearchForm(initial={"territory": territory, "key": territory.key, "stage": current})
    context = {
        "territory": territory,
        "territory_label": territory_label(territory),
        "is_commune": territory.kind == TerritoryKind.COMMUNE,
        "steps": steps,
        "region_status": territory_chain.region,
        "radius_km": territory_chain.radius_km,
        "current_stage": current,
        "gap_count": territory_chain.gap_count,
        "form": form,
        "search_path": reverse("directory:search"),
    }
    return render(request, "support_chain/chain_detail.html", context)


def chain_url(territory: Territory, stage: Stage | None = None) -> str:
    url = reverse("support_chain:chain_detail", args=[territory.key])
    if stage is not None:
        url += "?" + urlencode({"stage": stage.slug}) + f"#etape-{stage.slug}"
    return url
