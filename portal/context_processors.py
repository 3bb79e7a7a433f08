from django.utils.functional import SimpleLazyObject

from accounts.scopes import navigation_roles
from directory.models import ReferentialVersion
from funding.selection.session import Selection


def demo(request):
    """Tell every page whether the demonstration directory is loaded (queried only if a template asks)."""
    return {"is_demo": SimpleLazyObject(lambda: ReferentialVersion.objects.filter(name="demo").exists())}


def roles(request):
    """What the navigation offers the signed-in person (one query, made only if a template asks)."""
    return {"nav_roles": SimpleLazyObject(lambda: navigation_roles(request.user))}


def selection(request):
    """« Ma sélection » for the header count and the add/remove buttons (the session is read only if asked)."""
    return {"selection": SimpleLazyObject(lambda: Selection(request.session))}
