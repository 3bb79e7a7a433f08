"""What each person may see and edit: every list, export and admin page filters through these querysets.

A user may hold several roles at once; a scope is the union of what each role grants. Anonymous users and
users without a role get empty querysets, never everything.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from directory.models import Offer, Structure, Territory, TerritoryLink
from portal.models import MembershipStatus


def _is_authenticated(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def curated_regions(user) -> QuerySet[Territory]:
    """Régions the user curates (every région for a superuser)."""
    if not _is_authenticated(user):
        return Territory.objects.none()
    if user.is_superuser:
        return Territory.objects.filter(kind="REG")
    return Territory.objects.filter(curators__user=user)


def agent_territories(user) -> QuerySet[Territory]:
    """Territories an agent works on, with every territory inside them."""
    if not _is_authenticated(user):
        return Territory.objects.none()
    roots = Territory.objects.filter(agents__user=user).values("pk")
    return Territory.objects.filter(pk__in=TerritoryLink.objects.filter(ancestor__in=roots).values("descendant"))


def editable_structures(user) -> QuerySet[Structure]:
    """Structures the user may edit: those of their régions (curator), their own (editor), all (superuser)."""
    if not _is_authenticated(user):
        return Structure.objects.none()
    if user.is_superuser:
        return Structure.objects.all()
    return Structure.objects.filter(
        Q(region__in=curated_regions(user)) | Q(memberships__user=user, memberships__status=MembershipStatus.ACTIVE)
    ).distinct()


def editable_offers(user) -> QuerySet[Offer]:
    if not _is_authenticated(user):
        return Offer.objects.none()
    if user.is_superuser:
        return Offer.objects.all()
    return Offer.objects.filter(structure__in=editable_structures(user).values("pk"))


def is_curator_of(user, structure: Structure) -> bool:
    return curated_regions(user).filter(pk=structure.region_id).exists()


def is_curator(user) -> bool:
    """True for a superuser or anyone curating at least one région."""
    return curated_regions(user).exists()


def curated_structures(user) -> QuerySet[Structure]:
    """Structures of the régions the user curates (all for a superuser): what the admin and curation pages show."""
    if not _is_authenticated(user):
        return Structure.objects.none()
    if user.is_superuser:
        return Structure.objects.all()
    return Structure.objects.filter(region__in=curated_regions(user))


def curated_offers(user) -> QuerySet[Offer]:
    if not _is_authenticated(user):
        return Offer.objects.none()
    if user.is_superuser:
        return Offer.objects.all()
    return Offer.objects.filter(structure__region__in=curated_regions(user))


def member_structures(user) -> QuerySet[Structure]:
    """Structures the user belongs to as an active member (the structure-editor role only)."""
    if not _is_authenticated(user):
        return Structure.objects.none()
    return Structure.objects.filter(memberships__user=user, memberships__status=MembershipStatus.ACTIVE).distinct()


def navigation_roles(user) -> dict[str, bool]:
    """The roles the navigation shows links for, in one query: curator, referrer, structure editor."""
    from portal.models import Agent, Curator, StructureMembership, User

    if not _is_authenticated(user):
        return {"curator": False, "referrer": False, "editor": False}
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            curates=Exists(Territory.objects.filter(curators__user=OuterRef("pk"))),
            is_curator_row=Exists(Curator.objects.filter(user=OuterRef("pk"))),
            is_agent=Exists(Agent.objects.filter(user=OuterRef("pk"))),
            is_editor=Exists(StructureMembership.objects.active().filter(user=OuterRef("pk"))),
        )
        .values("curates", "is_curator_row", "is_agent", "is_editor")
        .first()
    ) or {}
    curator = user.is_superuser or bool(row.get("curates"))
    editor = bool(row.get("is_editor"))
    # The same people as funding.referrals.selectors.can_prescribe: agents, curators and structure editors.
    referrer = user.is_superuser or bool(row.get("is_agent") or row.get("is_curator_row") or editor)
    return {"curator": curator, "referrer": referrer, "editor": editor}


def holds_role(user) -> bool:
    """True when the account carries a role (staff, curator, agent, structure member): its holder cannot delete it."""
    from portal.models import Agent, Curator, StructureMembership

    if user.is_staff or user.is_superuser:
        return True
    return (
        Curator.objects.filter(user=user).exists()
        or Agent.objects.filter(user=user).exists()
        or StructureMembership.objects.filter(user=user).exists()
    )
