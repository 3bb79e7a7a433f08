import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import timezone

from curation.models import UpdateCampaign, UpdateRequest
from curation.tasks import run_update_campaigns
from portal.celery import app
from tests.factories import StructureFactory, commune


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_campaign_email_travels_through_the_real_redis_broker():
    """The beat task runs on a worker, queues the e-mail task on commit, and the worker sends it once."""
    from directory.services.territories import load_territories
    from tests.reference_data import restore_reference_data

    # The worker reads committed rows, so this test is transactional: restore what earlier flushes removed.
    restore_reference_data()
    load_territories(settings.TERRITORIES_FIXTURE)
    structure = StructureFactory(
        commune=commune("23077"),
        email="contact@ancienne.example",
        last_verified_at=timezone.now() - datetime.timedelta(days=400),
    )
    UpdateCampaign.objects.create(region=structure.region, period_days=180)
    assert not app.conf.task_always_eager
    app.control.purge()  # messages left by earlier runs would be taken first
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        assert run_update_campaigns.delay().get(timeout=30) == {"requests": 1, "reminders": 0}
        deadline = time.monotonic() + 30
        while not UpdateRequest.objects.filter(sent_at__isnull=False).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert run_update_campaigns.delay().get(timeout=30) == {"requests": 0, "reminders": 0}
    assert [m.to for m in mail.outbox] == [["contact@ancienne.example"]]
    assert "/curation/verifier/" in mail.outbox[0].body
