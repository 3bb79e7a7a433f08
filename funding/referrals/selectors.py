"""Reads on referrals, always scoped by the person asking: nobody sees a referral their role does not cover."""

import statistics

from django.db.models import Count, Q, QuerySet

from accounts.scopes import (
    agent_territories,
    curated_regions,
    is_signed_in,
    member_structures,
    sees_territory_referrals,
)
from directory.models import Offer

from .models import LineStatus, Outcome, Referral, ReferralLine


def referrals_visible_to(user) -> QuerySet[Referral]:
    """The referrals the user may see: sent by them, on their agent territory (if their role allows it),
    received by one of their structures, or in a région they curate. Anonymous users see none."""
    if not is_signed_in(user):
        return Referral.objects.none()
    if user.is_superuser:
        return Referral.objects.all()
    scope = Q(prescriber=user)
    if sees_territory_referrals(user):
        scope |= Q(commune__in=agent_territories(user).values("pk"))
    scope |= Q(
        pk__in=ReferralLine.objects.filter(offer__structure__in=member_structures(user).values("pk")).values("referral")
    )
    scope |= Q(commune__region__in=curated_regions(user).values("pk"))
    # Unconfirmed self-sends are nobody's business until the holder confirms their address.
    return Referral.objects.filter(scope).exclude(source="holder", holder_email_confirmed_at__isnull=True)


class LineVisibility:
    """Which lines of a dossier the user reads, decided once per request for a whole list page."""

    def __init__(self, user):
        self.user = user
        self.all = user.is_superuser
        self.region_ids = set(curated_regions(user).values_list("pk", flat=True))
        self.agent_commune_ids = (
            set(agent_territories(user).values_list("pk", flat=True)) if sees_territory_referrals(user) else set()
        )
        self.structure_ids = set(member_structures(user).values_list("pk", flat=True))

    def sees_every_line(self, referral: Referral) -> bool:
        return (
            self.all
            or referral.prescriber_id == self.user.pk
            or referral.commune.region_id in self.region_ids
            or referral.commune_id in self.agent_commune_ids
        )

    def lines(self, referral: Referral, lines) -> list[ReferralLine]:
        """Filter already-fetched lines (with their offers) without a query."""
        if self.sees_every_line(referral) or referral.share_answers:
            return list(lines)
        return [line for line in lines if line.offer.structure_id in self.structure_ids]


def lines_visible_to(user, referral: Referral) -> list[ReferralLine]:
    """The lines of a dossier the user may read: all of them (prescriber, agent of the territory, curator),
    or only their structure's own line, plus the others' if the holder agreed to share the answers."""
    lines = referral.lines.select_related("offer__structure", "reoriented_to").order_by("pk")
    return LineVisibility(user).lines(referral, lines)


def next_chain_offers(referral: Referral, limit: int = 5) -> list[Offer]:
    """The next link of the chain: published offers of the next stage covering the holder's commune (no closed
    call for projects: directory.models.closed_call_q)."""
    if referral.stage is None:
        return []
    next_stage = referral.stage.next_stages().first()
    if next_stage is None:
        return []
    return list(
        Offer.objects.published()
        .current()
        .covering(referral.commune)
        .for_stage(next_stage)
        .select_related("structure")
        .order_by("title")[:limit]
    )


def referral_stats(user) -> dict:
    """Figures for the curator's régions: per status, per outcome, per territory, per offer, time to answer."""
    regions = curated_regions(user)
    lines = ReferralLine.objects.filter(referral__commune__region__in=regions.values("pk")).exclude(
        status=LineStatus.DRAFT
    )
    counts = lines.aggregate(
        sent=Count("pk"),
        accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        declined=Count("pk", filter=Q(status=LineStatus.DECLINED)),
        expired=Count("pk", filter=Q(status=LineStatus.EXPIRED)),
        closed=Count("pk", filter=Q(status=LineStatus.CLOSED)),
    )
    by_outcome = dict(lines.filter(status=LineStatus.CLOSED).values_list("outcome").annotate(n=Count("pk")).order_by())
    outcomes = [(label, by_outcome.get(value, 0)) for value, label in Outcome.choices]
    delays = [
        (answered - sent).total_seconds() / 86400
        for sent, answered in lines.filter(answered_at__isnull=False).values_list("sent_at", "answered_at")
    ]
    per_counts = {
        "sent": Count("pk"),
        "accepted": Count("pk", filter=Q(accepted_at__isnull=False)),
        "declined": Count("pk", filter=Q(status=LineStatus.DECLINED)),
        "closed": Count("pk", filter=Q(status=LineStatus.CLOSED)),
    }
    per_territory = list(
        lines.values("referral__commune__departement__name", "referral__commune__departement__code")
        .annotate(**per_counts)
        .order_by("referral__commune__departement__code")
    )
    per_offer = list(
        lines.values("offer_id", "offer__title", "offer__structure__name")
        .annotate(**per_counts)
        .order_by("-sent", "offer__title")[:100]
    )
    satisfaction = dict(
        lines.filter(satisfaction__isnull=False).values_list("satisfaction__answer").annotate(n=Count("pk")).order_by()
    )
    return {
        **counts,
        "outcomes": outcomes,
        "median_days_to_answer": round(statistics.median(delays), 1) if delays else None,
        "per_territory": per_territory,
        "per_offer": per_offer,
        "satisfaction": satisfaction,
        "regions": list(regions),
    }
