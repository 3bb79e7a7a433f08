"""Template helpers of the referral pages and of the « Orienter » button other pages include."""

from urllib.parse import urlsplit

from django import template
from django.urls import reverse

from accounts.scopes import can_prescribe
from funding.selection.session import Selection

register = template.Library()


@register.simple_tag
def user_can_prescribe(user) -> bool:
    """True for agents, curators and structure editors (those who may send a referral)."""
    return can_prescribe(user)


@register.simple_tag(takes_context=True)
def parcours_back_url(context) -> str:
    """The « Mon parcours » page the person came from (this site only), else the one their selection was made on."""
    request = context.get("request")
    if request is None:
        return ""
    referer = urlsplit(request.headers.get("Referer", ""))
    results = reverse("funding:results")
    if referer.path == results and referer.query and referer.netloc == request.get_host():
        return f"{results}?{referer.query}"
    return Selection(request.session).parcours_url
