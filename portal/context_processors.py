from django.utils.functional import SimpleLazyObject

from accounts.scopes import navigation_roles
from directory.models import ReferentialVersion


def demo(request):
    """Tell every page whether the demonstration directory is loaded (queried only if a template asks)."""
    return {"is_demo": SimpleLazyObject(lambda: ReferentialVersion.objects.filter(name="demo").exists())}


def roles(request):
    """What the navigation offers the signed-in person (one query, made only if a template asks)."""
    return {"nav_roles": SimpleLazyObject(lambda: navigation_roles(request.user))}
