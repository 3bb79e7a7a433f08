"""Imports run as Celery tasks: the page shows their progress (and refreshes itself, without JavaScript)."""

import html
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from curation.models import ImportBatch, ImportStatus
from curation.services import imports as services
from curation.tasks import apply_import, check_import
from directory.models import Offer, Structure
from tests.curation.test_imports import row, to_csv
from tests.factories import make_curator

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator(client):
    user = make_curator("REG-75")
    client.force_login(user)
    return user


def page(client, batch) -> str:
    return html.unescape(client.get(reverse("curation:import_detail", args=[batch.pk])).content.decode())


def test_an_upload_is_checked_by_a_task_and_the_page_follows_it(client, curator, django_capture_on_commit_callbacks):
    rows = [row(offer_ref=f"ref-{n}", offer_title=f"Offre {n}") for n in range(1200)]
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            reverse("curation:imports"), {"file": SimpleUploadedFile("a.csv", to_csv(*rows).encode())}
        )
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("curation:import_detail", args=[batch.pk])
    assert batch.status == ImportStatus.CHECKING and len(queued) == 1
    waiting = page(client, batch)
    # The page updates its progress by itself (static/js/refresh-while-busy.js; without JavaScript, its link) and
    # says nothing is written yet.
    assert 'data-refresh-seconds="2"' in waiting and "refresh-while-busy.js" in waiting
    assert "Vérification du fichier en cours" in waiting and "Confirmer l'import" not in waiting
    # Midway, the row holds the task's progress, which the page shows.
    ImportBatch.objects.filter(pk=batch.pk).update(progress_done=600, progress_total=2400)
    assert 'value="25"' in page(client, batch)
    check_import(batch.pk)  # what the worker runs
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEW and batch.source == b""
    assert (batch.progress_done, batch.progress_total) == (2400, 2400)
    assert batch.counts["offers_created"] == 1200
    done = page(client, batch)
    assert "http-equiv" not in done and "Confirmer l'import" in done
    # A long preview lists its first changes only.
    assert "… et 901 autres changements" in done
    with django_capture_on_commit_callbacks() as queued:
        client.post(reverse("curation:import_decide", args=[batch.pk]), {"action": "confirm"})
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLYING and not Offer.objects.exists()
    assert "Enregistrement de l'import en cours" in page(client, batch)
    apply_import(batch.pk, curator.pk)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED and Offer.objects.count() == 1200
    # Delivered twice, the task does nothing more.
    assert apply_import(batch.pk, curator.pk) is None
    assert Structure.objects.get().history.filter(history_user=curator).count() == 1


def test_an_unreadable_file_is_refused_on_the_imports_page(client, curator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("curation:imports"), {"file": SimpleUploadedFile("a.csv", b"structure_name\x00\n")})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.REJECTED
    text = page(client, batch)
    assert "Le fichier est refusé" in text and "caractère nul" in text and "Ligne None" not in text


def test_a_broker_out_of_reach_refuses_the_import_clearly(
    client, curator, django_capture_on_commit_callbacks, monkeypatch
):
    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr("celery.canvas.Signature.delay", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("curation:imports"), {"file": SimpleUploadedFile("a.csv", to_csv(row()).encode())})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.REJECTED
    assert "momentanément indisponible" in page(client, batch)


def test_a_task_that_crashes_leaves_a_french_message_and_nothing_written(client, curator, monkeypatch):
    batch = services.import_preview(user=curator, file_name="a.csv", content=to_csv(row()))
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.APPLYING)

    def crash(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("curation.services.imports.import_offers", crash)
    with pytest.raises(RuntimeError):
        apply_import(batch.pk, curator.pk)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.REJECTED and "Erreur inattendue" in str(batch.errors)
    assert not Structure.objects.exists()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_import_travels_through_the_real_broker_and_a_worker(client):
    from django.conf import settings

    from directory.services.territories import load_territories
    from portal.celery import app
    from tests.reference_data import restore_reference_data

    restore_reference_data()
    load_territories(settings.TERRITORIES_FIXTURE)
    curator = make_curator("REG-75")
    client.force_login(curator)
    assert not app.conf.task_always_eager
    app.control.purge()

    def wait_for(status):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            batch = ImportBatch.objects.get()
            if batch.status == status:
                return batch
            time.sleep(0.2)
        raise AssertionError(f"still {ImportBatch.objects.get().status}")

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        client.post(reverse("curation:imports"), {"file": SimpleUploadedFile("a.csv", to_csv(row()).encode())})
        batch = wait_for(ImportStatus.PREVIEW)
        assert batch.counts["offers_created"] == 1 and not Offer.objects.exists()
        client.post(reverse("curation:import_decide", args=[batch.pk]), {"action": "confirm"})
        wait_for(ImportStatus.APPLIED)
    assert Offer.objects.get().structure.name == "Coopérative d'essai"
