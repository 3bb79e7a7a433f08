"""Template helpers of the referral pages and of the « Orienter » button other pages include."""

from django import template

from accounts.scopes import can_prescribe

register = template.Library()


@register.simple_tag
def user_can_prescribe(user) -> bool:
    """True for agents, curators and structure editors (those who may send a referral)."""
    return can_prescribe(user)
