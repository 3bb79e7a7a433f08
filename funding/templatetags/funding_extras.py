from django import template
from django.utils.translation import gettext as _

from funding.matching import euros

register = template.Library()


@register.filter
def amount_range(offer) -> str:
    """« de 1 000 € à 50 000 € », « jusqu'à 5 000 € », « à partir de 1 000 € », or ""."""
    low, high = offer.amount_min, offer.amount_max
    if low is not None and high is not None:
        return _("de %(low)s à %(high)s") % {"low": euros(low), "high": euros(high)}
    if high is not None:
        return _("jusqu'à %(high)s") % {"high": euros(high)}
    if low is not None:
        return _("à partir de %(low)s") % {"low": euros(low)}
    return ""
