import pytest


@pytest.fixture(autouse=True)
def _tasks_in_process(eager_celery):
    """Every curation test runs its tasks in-process (tests/conftest.py), but those marked `redis`."""
