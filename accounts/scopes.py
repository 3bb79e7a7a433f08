"""What each person may see and edit: every list, export and admin page filters through these querysets.

A user may hold several roles at once; a scope is the union of what each role grants. Anonymous users and
users without a role get empty querysets, never everything.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Agent, Curator, StructureMembership, User
from directory.models import Offer, Structure, Territory, TerritoryLink


def is_signed_in(user) -> bool:
    """An active, authenticated account: anyone else gets empty scopes and no role."""
    return bool(user and user.is_authenticated and user.is_active)


def curated_regions(user) -> QuerySet[Territory]:
    """Régions the user curates (every région for a superuser)."""
    if not is_signed_in(user):
        return Territory.objects.none()
    if user.is_superuser:
        return Territory.objects.filter(kind="REG")
    return Territory.objects.filter(curators__user=user)


def agent_territories(user) -> QuerySet[Territory]:
    """Territories an agent works on, with every territory inside them."""
    if not is_signed_in(user):
        return Territory.objects.none()
    roots = Territory.objects.filter(agents__user=user).values("pk")
    return Territory.objects.filter(pk__in=TerritoryLink.objects.filter(ancestor__in=roots).values("descendant"))


def editable_structures(user) -> QuerySet[Structure]:
    """Structures the user may edit: those of their régions (curator), their own (editor), all (superuser)."""
    if not is_signed_in(user):
        return Structure.objects.none()
    if user.is_superuser:
        return Structure.objects.all()
    return Structure.objects.filter(
        Q(region__in=curated_regions(user)) | Q(pk__in=member_structures(user).values("pk"))
    ).distinct()


def editable_offers(user) -> QuerySet[Offer]:
    if not is_signed_in(user):
        return Offer.objects.none()
    if user.is_superuser:
        return Offer.objects.all()
    return Offer.objects.filter(structure__in=editable_structures(user).values("pk"))


def curates_region(user, region_id) -> bool:
    """True when the user curates this région (a superuser curates them all)."""
    return curated_regions(user).filter(pk=region_id).exists()


def is_curator_of(user, structure: Structure) -> bool:
    """True when the user curates the structure's région."""
    return curates_region(user, structure.region_id)


def is_curator(user) -> bool:
    """True for a superuser or anyone curating at least one région."""
    return navigation_roles(user)["curator"]


def curated_structures(user) -> QuerySet[Structure]:
    """Structures of the régions the user curates (all for a superuser): what the admin and curation pages show."""
    if not is_signed_in(user):
        return Structure.objects.none()
    if user.is_superuser:
        return Structure.objects.all()
    return Structure.objects.filter(region__in=curated_regions(user))


def curated_offers(user) -> QuerySet[Offer]:
    if not is_signed_in(user):
        return Offer.objects.none()
    if user.is_superuser:
        return Offer.objects.all()
    return Offer.objects.filter(structure__region__in=curated_regions(user))


def member_structures(user) -> QuerySet[Structure]:
    """Structures the user belongs to as an active member (the structure-editor role only)."""
    if not is_signed_in(user):
        return Structure.objects.none()
    return Structure.objects.filter(pk__in=StructureMembership.objects.active().filter(user=user).values("structure"))


# The facts a role rests on, each the rows that establish it for a user.
ROLE_FACTS = {
    "curates": lambda user: Territory.objects.filter(curators__user=user),
    "is_curator_row": lambda user: Curator.objects.filter(user=user),
    "is_agent": lambda user: Agent.objects.filter(user=user),
    "is_editor": lambda user: StructureMembership.objects.active().filter(user=user),
}
# Which facts grant each role, declared once: `navigation_roles` reads them all in one query, and every role
# question (`is_curator`, `can_prescribe`) answers from it. A superuser curates and refers, but edits no
# structure through a membership.
ROLE_GRANTS = {
    "curator": ("curates",),
    "referrer": ("is_agent", "is_curator_row", "is_editor"),
    "editor": ("is_editor",),
}
SUPERUSER_ROLES = {"curator", "referrer"}


def navigation_roles(user) -> dict[str, bool]:
    """The roles the navigation shows links for, in one query: curator, referrer, structure editor."""
    if not is_signed_in(user):
        return dict.fromkeys(ROLE_GRANTS, False)
    facts = (
        User.objects.filter(pk=user.pk)
        .annotate(**{fact: Exists(rows(OuterRef("pk"))) for fact, rows in ROLE_FACTS.items()})
        .values(*ROLE_FACTS)
        .first()
    ) or {}
    return {
        role: (user.is_superuser and role in SUPERUSER_ROLES) or any(facts.get(fact) for fact in grants)
        for role, grants in ROLE_GRANTS.items()
    }


def can_prescribe(user) -> bool:
    """Agents, curators and structure editors may send referrals (« Orienter »)."""
    return navigation_roles(user)["referrer"]


def sees_territory_referrals(user) -> bool:
    """An agent allowed to see every referral of their territory, not only those they sent."""
    return is_signed_in(user) and Agent.objects.filter(user=user, sees_territory_referrals=True).exists()


def holds_role(user) -> bool:
    """True when the account carries a role (staff, curator, agent, structure member): its holder cannot delete it."""
    if user.is_staff or user.is_superuser:
        return True
    return (
        Curator.objects.filter(user=user).exists()
        or Agent.objects.filter(user=user).exists()
        or StructureMembership.objects.filter(user=user).exists()
    )
