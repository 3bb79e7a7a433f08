"""The agent's dashboard (/orientations/tableau-de-bord/): the referrals they may see, their territory's needs
watch, white zones (the stored ones, support_chain/white_zones.py) and its stale offers. Every list is scoped by
the requester (selectors.referrals_visible_to and the agent's own territories)."""

import statistics

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import render

from directory import needs_watch
from directory.models import Offer, Territory, TerritoryKind
from support_chain.models import Need, Stage
from support_chain.observatory.selectors import white_zones

from .models import LineStatus, Outcome, ReferralLine
from .selectors import referrals_visible_to

STALE_LIMIT = 30
WATCHED_KINDS = (TerritoryKind.EPCI, TerritoryKind.DEPARTEMENT, TerritoryKind.REGION)


def agent_roots(user) -> list[Territory]:
    """The territories the agent works on, as declared (not their descendants)."""
    return list(Territory.objects.filter(agents__user=user).order_by("kind_rank", "name"))


def referral_figures(user) -> dict:
    lines = ReferralLine.objects.filter(referral__in=referrals_visible_to(user).values("pk")).exclude(
        status=LineStatus.DRAFT
    )
    counts = lines.aggregate(
        sent=Count("pk"),
        pending=Count("pk", filter=Q(status=LineStatus.SENT)),
        accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        declined=Count("pk", filter=Q(status=LineStatus.DECLINED)),
        expired=Count("pk", filter=Q(status=LineStatus.EXPIRED)),
    )
    by_outcome = dict(lines.filter(status=LineStatus.CLOSED).values_list("outcome").annotate(n=Count("pk")).order_by())
    delays = [
        (answered - sent).total_seconds() / 86400
        for sent, answered in lines.filter(answered_at__isnull=False, sent_at__isnull=False).values_list(
            "sent_at", "answered_at"
        )
    ]
    pending = (
        lines.filter(status=LineStatus.SENT)
        .select_related("offer__structure", "referral__commune")
        .order_by("sent_at")[:50]
    )
    return {
        **counts,
        "outcomes": [(label, by_outcome.get(value, 0)) for value, label in Outcome.choices],
        "median_days_to_answer": round(statistics.median(delays), 1) if delays else None,
        "pending_lines": list(pending),
    }


def _watch_territory(root: Territory) -> Territory | None:
    if root.kind in WATCHED_KINDS:
        return root
    if root.kind == TerritoryKind.COMMUNE and root.epci_id:
        return Territory.objects.filter(pk=root.epci_id).first()
    return None


@login_required
def agent_dashboard(request):
    roots = agent_roots(request.user)
    if not roots and not request.user.is_superuser:
        raise PermissionDenied
    needs = dict(Need.objects.values_list("slug", "name"))
    stages = dict(Stage.objects.values_list("slug", "name"))
    territories = []
    for root in roots:
        watched = _watch_territory(root)
        rows = needs_watch.totals(territory=watched, by=("stage", "need")) if watched else []
        for row in rows:
            row["stage_name"] = stages.get(row["stage"], row["stage"]) or "—"
            row["need_name"] = needs.get(row["need"], row["need"]) or "—"
        stale = Offer.objects.published().stale().within(root).select_related("structure").order_by("last_verified_at")
        zones = white_zones(watched) if watched else None
        territories.append(
            {
                "territory": root,
                "watched": watched,
                "needs": rows,
                "white_zones": zones,
                "stale": list(stale[:STALE_LIMIT]),
            }
        )
    context = {"figures": referral_figures(request.user), "territories": territories}
    return render(request, "referrals/agent_dashboard.html", context)
