"""Schedules with a frozen clock: reminders, expiry, satisfaction, purge. Each may run twice without effect."""

import datetime
import logging

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts.magic_links import make_token
from accounts.models import Email
from funding.referrals import emails, services
from funding.referrals.models import (
    LineStatus,
    Outcome,
    Referral,
    ReferralAttachment,
    SatisfactionAnswer,
)
from funding.referrals.tasks import referral_daily
from tests.factories import OfferFactory, deliver_outbox, make_agent, make_reachable_offer, make_referral

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def at(days, hours=0):
    return time_machine.travel(T0 + datetime.timedelta(days=days, hours=hours), tick=False)


def kinds():
    return sorted(Email.objects.exclude(kind__in=["sent", "sent-holder"]).values_list("kind", flat=True))


def test_reminders_after_7_and_21_days_each_sent_once():
    with at(0):
        line = make_referral().lines.get()
    with at(6, 23):
        assert services.send_reminders() == 0
    with at(7):
        assert services.send_reminders() == 1
        assert services.send_reminders() == 0  # the beat ran twice
    with at(20):
        assert services.send_reminders() == 0
    with at(21):
        assert services.send_reminders() == 1
        assert services.send_reminders() == 0
    assert kinds() == ["reminder-21", "reminder-7"]
    deliver_outbox()
    reminder = next(m for m in mail.outbox if "attend votre réponse depuis 21 jours" in m.subject)
    assert reminder.to == emails.recipient_addresses(line.offer) and reminder.reply_to == [
        line.referral.prescriber.email
    ]


def test_answered_lines_get_no_reminder():
    with at(0):
        line = make_referral().lines.get()
    with at(2):
        services.line_accept(line=line)
    with at(30):
        assert services.send_reminders() == 0 and services.expire_unanswered() == 0


def test_an_unanswered_line_expires_after_30_days_and_the_prescriber_is_told_once():
    agent = make_agent("DEP-79", email="alix@agglo-niort.fr")
    with at(0):
        line = make_referral(prescriber=agent).lines.get()
    with at(29, 23):
        assert services.expire_unanswered() == 0
    with at(30):
        assert services.expire_unanswered() == 1
        assert services.expire_unanswered() == 0
    line.refresh_from_db()
    assert line.status == LineStatus.EXPIRED and line.expired_at == T0 + datetime.timedelta(days=30)
    assert line.transitions.last().by_label == services.BY_SYSTEM
    deliver_outbox()
    (notice,) = [m for m in mail.outbox if m.to == ["alix@agglo-niort.fr"]]
    assert "sans réponse" in notice.subject


def test_satisfaction_e_mail_10_days_after_closure_and_the_answer_reaches_the_curators(client):
    with at(0):
        line = services.line_accept(line=make_referral(holder_email="dom@exemple.org").lines.get())
        services.line_close(line=line, outcome=Outcome.SUPPORTED)
    with at(9, 23):
        assert services.send_satisfaction_surveys() == 0
    with at(10):
        assert services.send_satisfaction_surveys() == 1
        assert services.send_satisfaction_surveys() == 0
    deliver_outbox()
    (survey,) = [m for m in mail.outbox if m.to == ["dom@exemple.org"] and "avis" in m.subject]
    path = survey.body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    with at(12):
        assert "Cette orientation vous a-t-elle aidé" in client.get(path).content.decode()
        client.post(path, {"answer": "partly", "comment": "Utile, mais lent."})
        client.post(path, {"answer": "no"})  # a second answer is ignored
    assert list(SatisfactionAnswer.objects.values_list("answer", "comment")) == [("partly", "Utile, mais lent.")]
    from tests.factories import make_curator

    client.force_login(make_curator("REG-75"))
    assert client.get(reverse("referrals:stats")).context["stats"]["satisfaction"] == {"partly": 1}


def test_the_satisfaction_link_only_opens_closed_lines(client):
    line = make_referral().lines.get()
    path = reverse("referrals:satisfaction", args=[make_token(emails.SATISFACTION_PURPOSE, line.pk)])
    assert client.get(path).status_code == 410


@pytest.fixture
def private_files(settings, tmp_path):
    settings.REFERRAL_ATTACHMENTS_ROOT = tmp_path
    return tmp_path


def test_attachments_go_6_months_and_holder_data_24_months_after_closure(private_files, caplog):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with at(0):
        pdf = SimpleUploadedFile("budget.pdf", b"%PDF-1.4 x", content_type="application/pdf")
        referral = make_referral(attachments=[pdf], holder_phone="0549000000")
        still_open = make_referral(holder_phone="0549000001")
        line = services.line_accept(line=referral.lines.get())
        services.line_close(line=line, outcome=Outcome.FUNDED, funded_amount=3000, note="Rencontré M. X")
    path = referral.attachments.get().file.path
    with at(182):
        assert services.purge_personal_data()["attachments_deleted"] == 0
    with at(184):
        assert services.purge_personal_data()["attachments_deleted"] == 1
        assert services.purge_personal_data()["attachments_deleted"] == 0
    assert not ReferralAttachment.objects.exists() and not (private_files / path).exists()
    with at(729):
        assert services.purge_personal_data()["anonymised"] == 0
    with caplog.at_level(logging.INFO), at(731):
        assert services.purge_personal_data()["anonymised"] == 1
        assert services.purge_personal_data()["anonymised"] == 0
    referral.refresh_from_db()
    assert referral.anonymised_at and (referral.holder_name, referral.holder_email, referral.description) == (
        "—",
        "",
        "",
    )
    assert referral.holder_phone == "" and referral.lines.get().closing_note == ""
    assert referral.lines.get().funded_amount == 3000  # figures stay for the statistics
    assert not Email.objects.filter(group=f"referral-{referral.pk}").exclude(body="").exists()
    still_open.refresh_from_db()
    assert still_open.holder_name == "Dominique Porteur"  # its line never ended
    assert "Dominique" not in caplog.text and "0549" not in caplog.text  # counts only


def test_unconfirmed_self_sends_are_deleted_after_a_week():
    with at(0):
        pending = make_referral(make_reachable_offer(), source="holder")
    with at(6):
        assert services.purge_personal_data()["unconfirmed_deleted"] == 0
    with at(8):
        assert services.purge_personal_data()["unconfirmed_deleted"] == 1
    assert not Referral.objects.filter(pk=pending.pk).exists()


def test_the_daily_task_runs_everything_and_twice_is_harmless():
    with at(0):
        make_referral()
    with at(21):
        first = referral_daily.apply().get()
        second = referral_daily.apply().get()
    assert (first["reminders"], first["expired"]) == (2, 0)  # the beat missed day 7: both reminders go
    assert second == {key: 0 for key in second}
    with at(31):
        third = referral_daily.apply().get()
    assert (third["reminders"], third["expired"]) == (0, 1)  # an expired line gets no more reminders


def test_closing_suggests_the_next_link_of_the_chain(client):
    near = OfferFactory(stages=["amorcage"], coverage=["DEP-79"], title="Étude de faisabilité en Deux-Sèvres")
    OfferFactory(stages=["amorcage"], coverage=["DEP-23"], title="Faisabilité en Creuse")
    OfferFactory(stages=["creation"], coverage=["DEP-79"], title="Lancement")
    agent = make_agent("DEP-79", email="alix@agglo-niort.fr")
    referral = make_referral(prescriber=agent)  # stage: emergence, commune: Niort
    line = services.line_accept(line=referral.lines.get())
    services.line_close(line=line, outcome=Outcome.SUPPORTED)
    from funding.referrals.selectors import next_chain_offers

    assert next_chain_offers(referral) == [near]
    client.force_login(agent)
    content = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Étude de faisabilité en Deux-Sèvres" in content and "Faisabilité en Creuse" not in content
    deliver_outbox()
    (closed,) = [m for m in mail.outbox if m.to == ["alix@agglo-niort.fr"] and "clôturée" in m.subject]
    assert "Étude de faisabilité en Deux-Sèvres" in closed.body
