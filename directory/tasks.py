"""Curation e-mails: tasks take ids, claim their work before sending (run twice, one e-mail) and retry."""

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.models import Submission


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_submission_acknowledgement(self, submission_id: int) -> bool:
    """Tell the submitter their proposal arrived; returns False when it was already sent."""
    claimed = Submission.objects.filter(pk=submission_id, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now()
    )
    if not claimed:
        return False
    submission = Submission.objects.get(pk=submission_id)
    try:
        send_mail(
            _("Guichet ESS : nous avons bien reçu votre proposition"),
            render_to_string("curation/emails/submission_acknowledgement.txt", {"submission": submission}),
            None,
            [submission.submitter_email],
        )
    except Exception:
        # Release the claim so the retry sends it.
        Submission.objects.filter(pk=submission_id).update(acknowledged_at=None)
        raise
    return True
