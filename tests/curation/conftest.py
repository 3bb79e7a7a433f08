import pytest

from portal.celery import app


@pytest.fixture(autouse=True)
def eager_celery(request):
    """Tasks run in-process here even when REDIS_URL is set; the tests marked `redis` use the real broker."""
    if "redis" in request.keywords:
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
