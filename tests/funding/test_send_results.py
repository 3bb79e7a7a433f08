import logging

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Email, EmailStatus
from portal.celery import app

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache", "eager_celery")]

SEND = reverse("funding:send_results")
PROFILE = {"commune": "23077", "stage": "emergence", "need": "financement"}
ADDRESS = "camille.porteuse@exemple.org"


def send(client, **fields):
    return client.post(SEND, {**PROFILE, "email": ADDRESS, "consent": "on", **fields})


def test_with_consent_the_results_link_is_emailed_after_commit(client, django_capture_on_commit_callbacks, caplog):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = send(client)
    assert len(callbacks) == 1
    assert response.status_code == 302
    assert response["Location"] == "/parcours/resultats/?commune=23077&stage=emergence&need=financement"
    [message] = mail.outbox
    assert message.to == [ADDRESS]
    assert "http://testserver/parcours/resultats/?commune=23077&stage=emergence&need=financement" in message.body
    # The address is in no URL and no log line.
    assert ADDRESS not in response["Location"]
    assert ADDRESS not in caplog.text


def test_the_results_page_offers_the_opt_in_form(client):
    html = client.get(reverse("funding:results"), PROFILE).content.decode()
    assert f'action="{SEND}"' in html and 'method="post"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'name="consent"' in html


def test_without_consent_nothing_is_sent_and_the_address_is_kept(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, consent="")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Cochez la case pour accepter l&#x27;envoi du lien." in html
    assert f'value="{ADDRESS}"' in html
    assert mail.outbox == []


def test_an_invalid_address_is_explained(client):
    response = send(client, email="pas-une-adresse")
    assert "Cette adresse électronique n&#x27;est pas valide." in response.content.decode()
    assert mail.outbox == []


def test_the_honeypot_sends_nothing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, website="http://spam.example")
    assert response.status_code == 302
    assert mail.outbox == []


def test_sending_is_rate_limited_per_recipient(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [send(client).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert len(mail.outbox) == 3


def test_sending_is_rate_limited_per_client(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [send(client, email=f"personne{n}@exemple.org").status_code for n in range(6)]
    assert statuses == [302] * 5 + [429]
    assert len(mail.outbox) == 5


def test_csrf_is_enforced():
    response = Client(enforce_csrf_checks=True).post(SEND, {**PROFILE, "email": ADDRESS, "consent": "on"})
    assert response.status_code == 403
    assert mail.outbox == []


def test_get_is_refused(client):
    assert client.get(SEND, {**PROFILE, "email": ADDRESS}).status_code == 405


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # the worker thread reads the committed outbox row
def test_the_email_travels_through_the_real_broker(
    client, django_capture_on_commit_callbacks, empty_cache, reference_data_restored
):
    """Earlier tests may have flushed the territories (transactional) and sent to the same address (the throttle
    is kept in Redis): both are restored first."""
    import time

    from celery.contrib.testing.worker import start_worker

    assert not app.conf.task_always_eager
    app.control.purge()  # what earlier tests left queued (a white-zone computation…) would come first in this worker
    # Queue first: the in-thread worker's Django fixup closes the test's database connection when it starts.
    with django_capture_on_commit_callbacks(execute=True):
        send(client)
    assert Email.objects.count() == 1 and mail.outbox == []
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        deadline = time.monotonic() + 20
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [message.to for message in mail.outbox] == [[ADDRESS]]
    assert Email.objects.get().status == EmailStatus.SENT
