"""« Le guichet de ma commune »: a page made to live in an iframe on a commune's or an EPCI's website.

No cookie (GET only, no session, no CSRF token), no script, no tracker; the sites allowed to frame it are the
territory's EmbedOrigin rows, sent as CSP `frame-ancestors` (and X-Frame-Options is lifted for this page only).
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from directory.forms import territory_label
from directory.models import EmbedOrigin, Territory, TerritoryKind
from support_chain.selectors import support_chain

WIDGET_KINDS = (TerritoryKind.COMMUNE, TerritoryKind.EPCI)


def _frame_headers(response, territory=None):
    origins = []
    if territory is not None:
        origins = sorted(EmbedOrigin.objects.filter(territory=territory).values_list("origin", flat=True))
    response["Content-Security-Policy"] = "frame-ancestors " + " ".join(["'self'", *origins]) + "; script-src 'none'"
    response["Cache-Control"] = "public, max-age=600"
    response["Referrer-Policy"] = "no-referrer"
    return response


@xframe_options_exempt
@require_safe
def widget(request, key):
    territory = Territory.objects.filter(key=key, is_active=True, kind__in=WIDGET_KINDS).first()
    if territory is None:
        response = render(request, "widget/not_found.html", {"key": key}, status=404)
        return _frame_headers(response)
    context = {
        "territory": territory,
        "territory_label": territory_label(territory),
        "steps": support_chain(territory, limit=3),
        "search_url": request.build_absolute_uri(reverse("directory:search")),
        "chain_url": request.build_absolute_uri(reverse("support_chain:chain_detail", args=[territory.key])),
    }
    return _frame_headers(render(request, "widget/widget.html", context), territory)


@require_safe
def widget_snippet(request, key):
    """The code an agent pastes into the territory's website, and the sites allowed to show it."""
    territory = get_object_or_404(Territory, key=key, is_active=True)
    if territory.kind not in WIDGET_KINDS:
        raise Http404(_("Le guichet s'intègre pour une commune ou une intercommunalité."))
    url = request.build_absolute_uri(reverse("widget:widget", args=[territory.key]))
    snippet = (
        f'<iframe src="{url}" title="{_("Vers qui me tourner ? Le guichet ESS")} — {territory.name}" '
        'width="100%" height="640" style="border:0" loading="lazy"></iframe>'
    )
    origins = EmbedOrigin.objects.filter(territory=territory).order_by("origin")
    context = {"territory": territory, "snippet": snippet, "origins": origins, "url": url}
    return render(request, "widget/snippet.html", context)
