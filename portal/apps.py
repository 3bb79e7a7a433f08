from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig, apps

# django-leaflet's admin module imports GeoDjango, which needs the GDAL C library; the portal does not use
# GeoDjango (coordinates are plain floats), so its admin module is the one we do not autodiscover.
ADMIN_AUTODISCOVER_SKIP = {"leaflet"}


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portail"

    def ready(self):
        for config in apps.get_app_configs():
            if config.label in ADMIN_AUTODISCOVER_SKIP:
                continue
            if find_spec(f"{config.name}.admin") is not None:
                import_module(f"{config.name}.admin")
