from django.utils.functional import SimpleLazyObject

from directory.models import ReferentialVersion


def demo(request):
    """Tell every page whether the demonstration directory is loaded (queried only if a template asks)."""
    return {"is_demo": SimpleLazyObject(lambda: ReferentialVersion.objects.filter(name="demo").exists())}


def roles(request):
    """What the navigation offers the signed-in person: each role answered lazily (no query unless shown)."""
    from funding.referrals.selectors import can_prescribe
    from portal.scopes import is_curator, member_structures

    user = request.user
    return {
        "nav_is_curator": SimpleLazyObject(lambda: is_curator(user)),
        "nav_can_refer": SimpleLazyObject(lambda: can_prescribe(user) or is_curator(user)),
        "nav_is_editor": SimpleLazyObject(lambda: member_structures(user).exists()),
    }
