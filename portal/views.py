from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import condition

from accounts.scopes import navigation_roles
from directory.cache import cache_public_page, cached, public_etag
from directory.models import Offer, Structure, Territory, TerritoryKind
from support_chain.forms import ChainSearchForm


def directory_size() -> dict[str, int]:
    return {
        "structure_count": Structure.objects.published().count(),
        "offer_count": Offer.objects.published().count(),
        "commune_count": Territory.objects.communes().filter(is_active=True).count(),
    }


@condition(etag_func=public_etag)
@cache_public_page
def home(request):
    """The front door: « Vers qui me tourner ? » (a commune and a stage), the other entries, the directory's size."""
    context = {
        "form": ChainSearchForm(kinds=(TerritoryKind.COMMUNE,)),
        # The counts change only with the directory: cached until its next write (directory/cache.py).
        **cached("home:size", (), directory_size),
    }
    return render(request, "portal/home.html", context)


# Where a signed-in person lands, by role, first match wins: the work each comes for.
LANDING_BY_ROLE = [
    ("curator", "curation:dashboard"),
    ("editor", "curation:my_structures"),  # an editor also refers, but comes to keep their entry
    ("referrer", "referrals:list"),
]


@login_required
def landing(request):
    """After signing in without `next`: a curator's dashboard, an agent's orientations, a holder's parcours."""
    roles = navigation_roles(request.user)
    for role, url_name in LANDING_BY_ROLE:
        if roles[role]:
            return redirect(url_name)
    return redirect("saved_profiles:list")


def favicon(request):
    return redirect(static("favicon.svg"), permanent=True)
