"""Reliability: the referral and its e-mails are written together; e-mails leave after commit, once."""

import datetime
import time

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.models import Email, EmailStatus
from accounts.outbox import MAX_ATTEMPTS, pending_ids, send_emails
from accounts.tasks import flush_emails, send_emails_task
from directory.cache import bump_directory_version
from funding.referrals.models import Referral
from portal.celery import app
from tests.factories import deliver_outbox, make_reachable_offer, make_referral


class BrokenBackend:
    """An SMTP server that refuses everything."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


@pytest.mark.django_db
def test_without_redis_the_e_mails_leave_right_after_commit(django_capture_on_commit_callbacks):
    if settings.REDIS_URL:
        pytest.skip("eager mode is the embedded default without REDIS_URL")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_referral(make_reachable_offer(), make_reachable_offer())
        assert mail.outbox == []  # nothing before the commit
    # The e-mails' callbacks (the offers written above also bump the directory version after the commit).
    assert len([callback for callback in callbacks if callback is not bump_directory_version]) == 3
    assert len(mail.outbox) == 3
    assert set(Email.objects.values_list("status", flat=True)) == {EmailStatus.SENT}


@pytest.mark.django_db
def test_a_rolled_back_referral_leaves_no_e_mail_behind(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            make_referral()
            raise RuntimeError("something failed later in the same request")
    assert callbacks == [] and mail.outbox == []
    assert Referral.objects.count() == 0 and Email.objects.count() == 0


@pytest.mark.django_db
def test_sending_twice_sends_once():
    make_referral(holder_email="", holder_phone="0549000000")
    (email,) = Email.objects.all()
    assert send_emails(ids=[email.pk]) == []
    assert send_emails(ids=[email.pk]) == []
    send_emails_task.apply(args=([email.pk],))
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and email.attempts == 1 and email.sent_at


@pytest.mark.django_db
def test_a_failing_mail_server_leaves_the_e_mail_pending_then_gives_up(settings):
    make_referral(holder_email="", holder_phone="0549000000")
    (email,) = Email.objects.all()
    settings.EMAIL_BACKEND = "tests.funding.referrals.test_outbox.BrokenBackend"
    assert send_emails(ids=[email.pk]) == [email.pk]
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.PENDING, 1, "ConnectionRefusedError")
    for _ in range(MAX_ATTEMPTS - 1):
        send_emails(ids=[email.pk])
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_emails(ids=[email.pk]) == [] and mail.outbox == []


@pytest.mark.django_db
def test_the_flush_only_picks_e_mails_pending_for_a_while():
    make_referral(holder_email="", holder_phone="0549000000")
    assert pending_ids() == []
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=3)):
        ids = pending_ids()
    assert ids == list(Email.objects.values_list("pk", flat=True))
    deliver_outbox()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=3)):
        assert pending_ids() == []


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_referral_is_saved_and_its_e_mail_sent_once_it_is_back(
    monkeypatch, reference_data_restored
):
    from celery.contrib.testing.worker import start_worker

    assert not app.conf.task_always_eager and app.conf.broker_url.startswith("redis://")
    app.control.purge()  # messages other tests published with no worker to read them
    # The broker "goes down": publishing now hits a closed port.
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", "redis://127.0.0.1:1/0")
    started = time.monotonic()
    referral = make_referral(make_reachable_offer(), holder_email="", holder_phone="05 49 00 00 00")
    assert time.monotonic() - started < 5  # the request does not hang on the dead broker
    assert Referral.objects.filter(pk=referral.pk).exists()
    assert list(Email.objects.values_list("status", flat=True)) == [EmailStatus.PENDING]
    assert mail.outbox == []

    monkeypatch.delenv("CELERY_BROKER_WRITE_URL")  # the broker is back
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        assert flush_emails.delay(older_than_seconds=0).get(timeout=20) == 1
        assert wait_for(lambda: not Email.objects.pending().exists())
        # A second flush (the next beat) finds nothing to send.
        assert flush_emails.delay(older_than_seconds=0).get(timeout=20) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [referral.lines.get().offer.email]
