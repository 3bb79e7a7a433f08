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


def _queued_names() -> dict[str, str]:
    """Every task name the project's code queues by name (`signature("…")` or `publish("…")`, or a module constant
    it names). accounts/outbox.py's `publish` itself takes the name as an argument: its callers are read instead."""
    import ast

    names = {}
    for path in sorted(settings.BASE_DIR.glob("*/**/*.py")):
        if path.parts[len(settings.BASE_DIR.parts)] in {"tests", "benchmarks", "scripts", ".venv", "var"}:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            called = getattr(node.func, "id", getattr(node.func, "attr", "")) if isinstance(node, ast.Call) else ""
            if called == "signature" and path == settings.BASE_DIR / "accounts" / "outbox.py":
                continue
            if called in {"signature", "publish"}:
                first = node.args[0] if node.args else None
                name = first.value if isinstance(first, ast.Constant) else constants.get(getattr(first, "id", None))
                assert isinstance(name, str), f"{path}:{node.lineno}: a task queued by a name this test cannot read"
                names[name] = f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}"
    return names


def test_every_task_queued_by_name_or_scheduled_is_registered_in_the_web_process():
    """Services name the tasks they queue (they never import them): a misspelt name would be sent nowhere."""
    queued = _queued_names()
    assert (
        len(queued) >= 4
    )  # e-mails are queued through the outbox (accounts.tasks.send_emails)  # the walker found the services' queues
    scheduled = {entry["task"]: "CELERY_BEAT_SCHEDULE" for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    missing = [f"{where}: {name}" for name, where in {**queued, **scheduled}.items() if name not in app.tasks]
    assert missing == []
