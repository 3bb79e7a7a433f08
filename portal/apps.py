from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

from django.apps import AppConfig, apps
from django.conf import settings

# django-leaflet's admin module imports GeoDjango, which needs the GDAL C library; the portal does not use
# GeoDjango (coordinates are plain floats), so its admin module is the one we do not autodiscover.
ADMIN_AUTODISCOVER_SKIP = {"leaflet"}


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portail"

    def ready(self):
        # Register every task in this process too (each app's tasks.py and CELERY_IMPORTS), not only in the worker:
        # services queue tasks by name (they never import them), and a name unknown here would not run eagerly.
        for config in apps.get_app_configs():
            ours = Path(config.path).parent == settings.BASE_DIR  # an app of this project, not a library
            if ours and find_spec(f"{config.name}.tasks") is not None:
                import_module(f"{config.name}.tasks")
        for module in settings.CELERY_IMPORTS:
            import_module(module)
        for config in apps.get_app_configs():
            if config.label in ADMIN_AUTODISCOVER_SKIP:
                continue
            if find_spec(f"{config.name}.admin") is not None:
                import_module(f"{config.name}.admin")
