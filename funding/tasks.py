from celery import shared_task

from funding.alerts import services as alert_services


@shared_task
def alerts_daily() -> dict:
    """Beat, daily: the alert digests (idempotent: run twice, one e-mail), then purge unconfirmed subscriptions."""
    result = alert_services.send_daily_digests()
    result["purged"] = alert_services.purge_unconfirmed()
    return result
