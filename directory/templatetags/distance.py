"""Distances in French on any page: {% load distance %} then `offer.distance_km|km` → « à 12 km »."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def km(value) -> str:
    """« à 12 km », « à moins d'1 km »; "" when the distance is unknown (« lieu inconnu »)."""
    if value is None or value == "":
        return ""
    distance = float(value)
    if distance < 1:
        return _("à moins d'1 km")
    return _("à %(km)s km") % {"km": f"{round(distance):,}".replace(",", "\u202f")}
