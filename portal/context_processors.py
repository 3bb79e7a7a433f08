from django.utils.functional import SimpleLazyObject

from directory.models import ReferentialVersion


def demo(request):
    """Tell every page whether the demonstration directory is loaded (queried only if a template asks)."""
    return {"is_demo": SimpleLazyObject(lambda: ReferentialVersion.objects.filter(name="demo").exists())}
