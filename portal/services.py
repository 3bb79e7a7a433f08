"""Account writes."""

from django.db import transaction

from portal.models import Curator, User


@transaction.atomic
def curator_appoint(*, user: User, regions) -> Curator:
    """Make the user a curator of the régions; curators work in the admin, so they get the staff flag."""
    curator, _created = Curator.objects.get_or_create(user=user)
    curator.regions.set(regions)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return curator
