import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from directory.tasks import directory_health
from portal.celery import app


@pytest.mark.django_db
def test_without_redis_tasks_run_eagerly(monkeypatch):
    if settings.REDIS_URL:
        pytest.skip("eager mode is the embedded default without REDIS_URL")
    assert app.conf.task_always_eager
    assert directory_health.delay().get()["communes"] == 34969


@pytest.mark.redis
@pytest.mark.django_db
def test_a_task_travels_through_the_real_redis_broker_to_a_worker():
    assert not app.conf.task_always_eager and app.conf.broker_url.startswith("redis://")
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        result = directory_health.delay()
        assert result.get(timeout=20)["communes"] == 34969
