"""Issue 14 §2–3 in the normal suite (both databases): a cache that does not answer and a broker that refuses.
The full outages against gunicorn are in tests/faults (`make faults`)."""

import logging
import time

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from accounts.models import Email, EmailStatus
from accounts.outbox import publish
from accounts.throttle import LOGIN_FAILURES
from tests.broker import reset_broker_pool
from tests.prod.stack import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_cache():
    dead = {
        "BACKEND": "portal.cache.ResilientRedisCache",
        "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    with override_settings(CACHES={"default": dead}):  # Django's setting_changed handler resets the caches
        yield caches["default"]


def test_a_dead_cache_reads_as_misses_and_says_so_once(dead_cache, caplog):
    caplog.set_level(logging.WARNING, logger="portal.cache")
    started = time.monotonic()
    assert dead_cache.get("throttle:login:abc", 0) == 0
    assert dead_cache.add("throttle:login:abc", 0, 60) is False
    with pytest.raises(ValueError):
        dead_cache.incr("throttle:login:abc")
    dead_cache.set("x", 1)
    assert time.monotonic() - started < 3
    [record] = caplog.records
    assert "cache unavailable" in record.getMessage() and "throttle:login" in record.getMessage()
    assert "abc" not in record.getMessage()
    with pytest.raises(Exception):  # noqa: B017 - readiness sees the outage
        dead_cache.ping()


def test_with_the_cache_down_forms_serve_and_throttles_fail_open(dead_cache, client):
    for _attempt in range(LOGIN_FAILURES.limit + 2):
        response = client.post(reverse("login"), {"username": "camille@exemple.org", "password": "faux"})
        assert response.status_code == 200
        assert "incorrect" in response.content.decode()  # never « trop de tentatives »: the counter is down
    assert client.get(reverse("curation:submit")).status_code == 200
    assert client.get(reverse("signup")).status_code == 200


def test_a_refusing_broker_answers_within_seconds_and_the_email_stays_pending(settings):
    from portal.celery import app

    broker = f"redis://127.0.0.1:{free_port()}/0"
    previous = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = broker, False
    reset_broker_pool(app)
    try:
        started = time.monotonic()
        assert publish("accounts.tasks.send_emails", args=([1],)) is False
        assert time.monotonic() - started < 5
    finally:
        app.conf.broker_url, app.conf.task_always_eager = previous
        reset_broker_pool(app)


def test_signup_with_a_refusing_broker_keeps_the_activation_in_the_outbox(
    client, django_capture_on_commit_callbacks, empty_cache
):
    from portal.celery import app

    previous = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = f"redis://127.0.0.1:{free_port()}/0", False
    reset_broker_pool(app)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("signup"), {"email": "camille@exemple.org", "terms": "on"})
    finally:
        app.conf.broker_url, app.conf.task_always_eager = previous
        reset_broker_pool(app)
    assert response.status_code == 302
    email = Email.objects.get()
    assert (email.kind, email.status, email.to) == ("activation", EmailStatus.PENDING, ["camille@exemple.org"])
