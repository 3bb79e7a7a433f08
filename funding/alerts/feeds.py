"""Atom feed of the open calls for projects, per territory and stage: /parcours/appels.atom?territoire=DEP-23&etape=…"""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from directory.models import Offer, Territory, call_for_projects_q
from support_chain.models import Stage

FEED_SIZE = 100


class OpenCallsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request):
        territory = stage = None
        if key := request.GET.get("territoire", "").strip():
            territory = Territory.objects.filter(key=key, is_active=True).first()
            if territory is None:
                raise Http404(_("Territoire inconnu : « %(code)s »") % {"code": key})
        if slug := request.GET.get("etape", "").strip():
            stage = Stage.objects.filter(slug=slug).first()
            if stage is None:
                raise Http404(_("Étape inconnue : « %(slug)s »") % {"slug": slug})
        return {"territory": territory, "stage": stage, "query": request.GET.urlencode()}

    def title(self, obj):
        parts = [str(obj["territory"]) if obj["territory"] else _("France"), obj["stage"].name if obj["stage"] else ""]
        return _("Appels à projets ouverts — %(where)s") % {"where": " · ".join(p for p in parts if p)}

    def link(self, obj):
        return "/parcours/appels.atom" + (f"?{obj['query']}" if obj["query"] else "")

    def subtitle(self, obj):
        return _("Les appels à projets de l'ESS qui ne sont pas encore clos, par date de clôture.")

    def items(self, obj):
        offers = Offer.objects.published().filter(call_for_projects_q()).current(timezone.localdate())
        if obj["territory"] is not None:
            offers = offers.within(obj["territory"])
        if obj["stage"] is not None:
            offers = offers.for_stage(obj["stage"])
        return (
            offers.defer("search_vector", "search_text")
            .select_related("structure")
            .order_by("closes_on", "title", "pk")[:FEED_SIZE]
        )

    def item_title(self, offer):
        return offer.title

    def item_description(self, offer):
        closes = offer.closes_on.strftime("%d/%m/%Y") if offer.closes_on else _("sans date")
        return _("%(structure)s — clôture : %(closes)s. %(description)s") % {
            "structure": offer.structure.name,
            "closes": closes,
            "description": offer.description[:500],
        }

    def item_updateddate(self, offer):
        return offer.updated_at

    def item_pubdate(self, offer):
        return offer.created_at
