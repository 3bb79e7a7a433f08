from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from funding.alerts import services as alert_services


@shared_task
def send_results_link(*, email: str, results_url: str) -> None:
    """E-mail a holder the link to their results. The address is used here only, never stored nor logged."""
    body = render_to_string("funding/email_results.txt", {"results_url": results_url})
    send_mail(_("Votre parcours sur le Guichet ESS"), body, None, [email])


@shared_task
def alerts_daily() -> dict:
    """Beat, daily: the alert digests (idempotent: run twice, one e-mail), then purge unconfirmed subscriptions."""
    result = alert_services.send_daily_digests()
    result["purged"] = alert_services.purge_unconfirmed()
    return result
