"""queue_emails: a batch job's e-mails written in a few statements, each key once, queued after commit."""

import pytest

from accounts import outbox
from accounts.models import Email

pytestmark = pytest.mark.django_db


def _row(key, to=("a@exemple.org",)):
    return outbox.outbox_row(key=key, kind="test", to=list(to), subject="Objet\n  sur deux lignes", body="Corps")


def test_queue_emails_writes_each_key_once_and_queues_after_commit(
    monkeypatch, django_capture_on_commit_callbacks, django_assert_num_queries
):
    queued = []
    monkeypatch.setattr(outbox, "enqueue", queued.append)
    monkeypatch.setattr(outbox, "ENQUEUE_BATCH", 2)
    outbox.queue_email(key="deja", kind="test", to=["a@exemple.org"], subject="Avant", body="Corps")
    queued.clear()
    assert _row("sans-adresse", to=[""]) is None
    rows = [_row("deja"), _row("un"), _row("deux"), _row("trois")]
    with django_capture_on_commit_callbacks(execute=True):
        with django_assert_num_queries(6):  # per batch of 2: the keys there, the insert, the ids
            ids = outbox.queue_emails([*rows, None])
    assert sorted(Email.objects.values_list("key", flat=True)) == ["deja", "deux", "trois", "un"]
    assert Email.objects.get(key="deja").subject == "Avant"  # a key already written is left as it is
    assert Email.objects.get(key="un").subject == "Objet sur deux lignes"
    assert ids == list(Email.objects.exclude(key="deja").order_by("pk").values_list("pk", flat=True))
    assert queued == [ids[:1], ids[1:]]
