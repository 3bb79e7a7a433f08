"""Opening hours in French on any page: {% load opening_hours %} then `value|opening_today`, `value|opening_week`."""

from django import template

from directory import opening_hours

register = template.Library()


@register.filter
def opening_today(value: str) -> str:
    """« Ouvert aujourd'hui de 9 h à 12 h », « Fermé aujourd'hui »; "" for a text that is not OSM syntax."""
    return opening_hours.today_text(value) if value else ""


@register.filter
def opening_week(value: str) -> list[tuple[str, str]]:
    """The next seven days as (day, hours); [] for a text that is not OSM syntax."""
    return opening_hours.week_lines(value) if value else []
