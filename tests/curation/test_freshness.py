import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from curation.models import UpdateCampaign, UpdateOutcome, UpdateRequest
from curation.services.freshness import campaign_run, reminders_queue, update_request_token
from curation.tasks import run_update_campaigns, send_update_request
from tests.factories import StructureFactory, commune, make_curator

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 2, 7, 0, tzinfo=datetime.UTC)


def at(days):
    return time_machine.travel(T0 + datetime.timedelta(days=days), tick=False)


def _link(message):
    return re.search(r"https?://[^/\s]+(/curation/verifier/\S+/)", message.body).group(1)


@pytest.fixture
def creuse(django_capture_on_commit_callbacks):
    with at(-400):
        old = StructureFactory(name="Ancienne fiche", commune=commune("23077"), email="contact@ancienne.example")
        no_email = StructureFactory(name="Sans courriel", commune=commune("23077"), email="")
    with at(-10):
        fresh = StructureFactory(name="Fiche récente", commune=commune("23077"), email="contact@recente.example")
    with at(-400):
        elsewhere = StructureFactory(name="À Caen", commune=commune("14118"), email="contact@caen.example")
    campaign = UpdateCampaign.objects.create(region=old.region, period_days=180)
    return {"old": old, "no_email": no_email, "fresh": fresh, "elsewhere": elsewhere, "campaign": campaign}


def test_campaign_asks_the_regions_structures_not_verified_within_the_period(
    creuse, django_capture_on_commit_callbacks
):
    with at(0), django_capture_on_commit_callbacks(execute=True):
        result = run_update_campaigns.delay().get()
    assert result["requests"] == 1
    assert [m.to for m in mail.outbox] == [["contact@ancienne.example"]]
    assert "Ancienne fiche" in mail.outbox[0].body and "/curation/verifier/" in mail.outbox[0].body
    update_request = UpdateRequest.objects.get()
    assert update_request.sent_at == T0 and update_request.campaign == creuse["campaign"]


def test_the_daily_tick_is_idempotent_and_the_campaign_waits_for_its_period(creuse, django_capture_on_commit_callbacks):
    with at(0), django_capture_on_commit_callbacks(execute=True):
        run_update_campaigns.delay()
        run_update_campaigns.delay()
    with at(1), django_capture_on_commit_callbacks(execute=True):
        assert run_update_campaigns.delay().get()["requests"] == 0
    assert len(mail.outbox) == 1 and UpdateRequest.objects.count() == 1
    # Period over: the campaign runs again.
    with at(181), django_capture_on_commit_callbacks(execute=True):
        run_update_campaigns.delay()
    creuse["campaign"].refresh_from_db()
    assert creuse["campaign"].last_run_at == T0 + datetime.timedelta(days=181)
    # The open request of the old entry is not duplicated; the entry verified 191 days ago is now asked.
    assert sorted(UpdateRequest.objects.values_list("structure__name", flat=True)) == [
        "Ancienne fiche",
        "Fiche récente",
    ]


def test_a_task_run_twice_sends_one_email(creuse, django_capture_on_commit_callbacks):
    with at(0), django_capture_on_commit_callbacks(execute=False):
        campaign_run(campaign=creuse["campaign"])
    update_request = UpdateRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_update_request.delay(update_request.pk, "initial").get() is True
        assert send_update_request.delay(update_request.pk, "initial").get() is False
    assert len(mail.outbox) == 1


def test_reminders_after_14_and_30_days_once_each_then_no_answer(creuse, django_capture_on_commit_callbacks):
    with at(0), django_capture_on_commit_callbacks(execute=True):
        campaign_run(campaign=creuse["campaign"])
    for day in (13, 14, 15, 29, 30, 31):
        with at(day), django_capture_on_commit_callbacks(execute=True):
            reminders_queue()
    subjects = [m.subject for m in mail.outbox]
    assert subjects == [
        "Guichet ESS : votre fiche est-elle à jour ?",
        "Rappel — Guichet ESS : votre fiche est-elle à jour ?",
        "Dernier rappel — Guichet ESS : votre fiche est-elle à jour ?",
    ]
    update_request = UpdateRequest.objects.get()
    assert update_request.first_reminder_at == T0 + datetime.timedelta(days=14)
    assert update_request.second_reminder_at == T0 + datetime.timedelta(days=30)
    with at(46), django_capture_on_commit_callbacks(execute=True):
        reminders_queue()
    update_request.refresh_from_db()
    assert update_request.outcome == UpdateOutcome.NO_ANSWER and len(mail.outbox) == 3


def test_rien_na_change_in_one_click_stops_the_reminders(client, creuse, django_capture_on_commit_callbacks):
    with at(0), django_capture_on_commit_callbacks(execute=True):
        campaign_run(campaign=creuse["campaign"])
    link = _link(mail.outbox[0])
    with at(3):
        page = client.get(link)
        assert "Rien n&#x27;a changé" in page.content.decode() or "Rien n'a changé" in page.content.decode()
        creuse["old"].refresh_from_db()
        assert creuse["old"].is_stale  # a GET changes nothing (mail scanners open links)
        response = client.post(link, {"action": "confirm"})
        assert "votre fiche est marquée comme vérifiée" in response.content.decode()
    creuse["old"].refresh_from_db()
    assert creuse["old"].last_verified_at == T0 + datetime.timedelta(days=3) and not creuse["old"].is_stale
    record = creuse["old"].history.latest()
    assert "rien n'a changé" in record.history_change_reason
    update_request = UpdateRequest.objects.get()
    assert update_request.outcome == UpdateOutcome.CONFIRMED
    with at(14), django_capture_on_commit_callbacks(execute=True):
        reminders_queue()
    assert len(mail.outbox) == 1


def test_the_edit_link_records_an_edited_outcome(client, creuse, django_capture_on_commit_callbacks):
    with at(0), django_capture_on_commit_callbacks(execute=True):
        campaign_run(campaign=creuse["campaign"])
    token = update_request_token(UpdateRequest.objects.get())
    with at(2):
        form = client.get(reverse("curation:submit"), {"structure": creuse["old"].pk, "demande": token})
        assert f'value="{token}"' in form.content.decode()
        client.post(
            reverse("curation:submit"),
            {
                "structure": creuse["old"].pk,
                "update_token": token,
                "name": "Ancienne fiche renommée",
                "roles": ["support"],
                "commune": "23077",
                "submitter_name": "Claude",
                "submitter_email": "claude@exemple.org",
            },
        )
    assert UpdateRequest.objects.get().outcome == UpdateOutcome.EDITED


def test_expired_and_tampered_links_are_refused(client, creuse, django_capture_on_commit_callbacks):
    with at(0), django_capture_on_commit_callbacks(execute=True):
        campaign_run(campaign=creuse["campaign"])
    link = _link(mail.outbox[0])
    with at(1):
        tampered = client.post(link.replace("/verifier/", "/verifier/x"), {"action": "confirm"})
        assert tampered.status_code == 410 and "modifié" in tampered.content.decode()
    with at(46):
        expired = client.post(link, {"action": "confirm"})
        assert expired.status_code == 410 and "Ce lien a expiré" in expired.content.decode()
    assert UpdateRequest.objects.get().outcome == UpdateOutcome.PENDING
    creuse["old"].refresh_from_db()
    assert creuse["old"].is_stale


def test_curator_asks_for_an_update_from_the_dashboard(client, creuse, django_capture_on_commit_callbacks):
    client.force_login(make_curator("REG-75"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("curation:entry_action", args=["structure", creuse["old"].pk]),
            {"action": "request_update", "reason": "Adresse douteuse"},
        )
        client.post(
            reverse("curation:entry_action", args=["structure", creuse["old"].pk]), {"action": "request_update"}
        )
    update_request = UpdateRequest.objects.get()
    assert update_request.campaign is None and update_request.reason == "Adresse douteuse"
    assert [m.to for m in mail.outbox] == [["contact@ancienne.example"]]
    dashboard = client.get(reverse("curation:dashboard")).content.decode()
    assert "En attente de réponse" in dashboard
    # No e-mail address: a clear message, nothing created.
    response = client.post(
        reverse("curation:entry_action", args=["structure", creuse["no_email"].pk]),
        {"action": "request_update"},
        follow=True,
    )
    assert "n&#x27;a pas de courriel" in response.content.decode() or "n'a pas de courriel" in response.content.decode()
    assert UpdateRequest.objects.count() == 1
