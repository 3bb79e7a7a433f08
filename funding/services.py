from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts.outbox import queue_email


def results_link_send(*, email: str, results_url: str) -> None:
    """Write the e-mail with the results link to the outbox (sent after commit, or by the flush when the broker
    is down). The address is kept only in that outbox row, which is deleted 30 days after sending; never logged."""
    body = render_to_string("funding/email_results.txt", {"results_url": results_url})
    queue_email(kind="results-link", to=[email], subject=_("Votre parcours sur le Guichet ESS"), body=body)
