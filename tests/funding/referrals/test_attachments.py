"""Attachments: checked by content for every allowed type, counted as they arrive, withdrawn from recipients who
declined or let their line expire, and deleted once nobody took the dossier up."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.urls import reverse

from accounts.magic_links import make_token
from funding.referrals import emails, services
from funding.referrals.models import DeclineReason, LineStatus, Referral, ReferralAttachment
from tests.factories import make_agent, make_reachable_offer, make_referral
from tests.funding.referrals.test_create import URL, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.REFERRAL_ATTACHMENTS_ROOT = tmp_path / "private"
    return settings.REFERRAL_ATTACHMENTS_ROOT


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"


@pytest.mark.parametrize(
    ("name", "content"),
    [("photo.png", PNG), ("photo.jpg", JPEG), ("photo.jpeg", JPEG), ("statuts.odt", ODT), ("budget.docx", DOCX)],
)
def test_each_allowed_type_is_accepted_when_its_content_matches(client, name, content):
    client.force_login(make_agent("DEP-79"))
    client.post(URL, {**form_data([make_reachable_offer()]), "attachments": [SimpleUploadedFile(name, content)]})
    attachment = Referral.objects.get().attachments.get()
    assert attachment.original_name == name and attachment.file.read() == content


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("photo.png", HTML, "PNG"),
        ("photo.jpg", PNG, "JPEG"),
        ("photo.jpeg", HTML, "JPEG"),
        ("statuts.odt", DOCX, "ODT"),
        ("statuts.odt", zipped({"mimetype": b"application/zip"}), "ODT"),
        ("budget.docx", ODT, "DOCX"),
        ("budget.docx", HTML, "DOCX"),
        ("budget.pdf", HTML, "PDF"),
    ],
)
def test_a_file_whose_content_is_not_its_extension_is_refused(client, name, content, kind):
    client.force_login(make_agent("DEP-79"))
    response = client.post(
        URL, {**form_data([make_reachable_offer()]), "attachments": [SimpleUploadedFile(name, content)]}
    )
    assert f"n&#x27;est pas un {kind} valide" in response.content.decode()
    assert not Referral.objects.exists() and not ReferralAttachment.objects.exists()


def test_an_upload_is_counted_as_it_arrives_and_not_kept_past_5_mb(client, monkeypatch):
    stored = []
    original = TemporaryFileUploadHandler.receive_data_chunk

    def counting(self, raw_data, start):
        stored.append(len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    client.force_login(make_agent("DEP-79"))
    big = SimpleUploadedFile("budget.pdf", b"%PDF-" + b"0" * (12 * 1024 * 1024))
    response = client.post(URL, {**form_data([make_reachable_offer()]), "attachments": [big]})
    assert "dépasse 5 Mo" in response.content.decode() and not Referral.objects.exists()
    # What reached the file storage stopped at the limit (one chunk more at most), not the 12 MB sent.
    assert sum(stored) <= 5 * 1024 * 1024 + 64 * 1024


def test_the_self_send_form_counts_uploads_as_they_arrive_too(client):
    big = SimpleUploadedFile("budget.pdf", b"%PDF-" + b"0" * (6 * 1024 * 1024))
    response = client.post(
        reverse("referrals:self_send"), {**form_data([make_reachable_offer()]), "attachments": [big]}
    )
    assert "dépasse 5 Mo" in response.content.decode() and not Referral.objects.exists()


def answer(client, line):
    return client.get(reverse("referrals:answer", args=[make_token(emails.ANSWER_PURPOSE, line.pk)]))


def attachment_url(line, attachment):
    return reverse("referrals:answer_attachment", args=[make_token(emails.ANSWER_PURPOSE, line.pk), attachment.pk])


@pytest.mark.parametrize("end", ["decline", "expire"])
def test_a_recipient_that_declined_or_let_the_line_expire_no_longer_sees_the_holder(client, end):
    pdf = SimpleUploadedFile("budget.pdf", b"%PDF-1.4 budget")
    referral = make_referral(make_reachable_offer(), make_reachable_offer(), attachments=[pdf])
    first, second = referral.lines.order_by("pk")
    attachment = referral.attachments.get()
    page = answer(client, first).content.decode()
    assert "Dominique Porteur" in page and "budget.pdf" in page
    assert client.get(attachment_url(first, attachment)).status_code == 200
    if end == "decline":
        services.line_decline(line=first, reason=DeclineReason.OUT_OF_SCOPE)
    else:
        services.line_expire(line=first)
    page = answer(client, first).content.decode()
    assert "ne vous sont plus accessibles" in page
    assert "Dominique Porteur" not in page and "porteur@exemple.org" not in page and "budget.pdf" not in page
    assert "épicerie coopérative" not in page
    assert client.get(attachment_url(first, attachment)).status_code == 404
    # The other recipient has not answered: it still sees the dossier and the file, which is kept.
    assert "Dominique Porteur" in answer(client, second).content.decode()
    assert client.get(attachment_url(second, attachment)).status_code == 200


def test_attachments_are_deleted_once_every_line_is_declined_or_expired(client, private_files):
    pdf = SimpleUploadedFile("budget.pdf", b"%PDF-1.4 budget")
    referral = make_referral(make_reachable_offer(), make_reachable_offer(), attachments=[pdf])
    first, second = referral.lines.order_by("pk")
    path = referral.attachments.get().file.path
    services.line_decline(line=first, reason=DeclineReason.OUT_OF_SCOPE)
    assert ReferralAttachment.objects.exists()
    services.line_expire(line=second)
    assert not ReferralAttachment.objects.exists()
    import os

    assert not os.path.exists(path)
    # The prescriber keeps the dossier itself, to orient the holder elsewhere.
    client.force_login(referral.prescriber)
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Dominique Porteur" in page and "budget.pdf" not in page


def test_attachments_stay_while_a_structure_took_the_dossier_up(client):
    pdf = SimpleUploadedFile("budget.pdf", b"%PDF-1.4 budget")
    referral = make_referral(make_reachable_offer(), make_reachable_offer(), attachments=[pdf])
    first, second = referral.lines.order_by("pk")
    services.line_accept(line=first)
    services.line_decline(line=second, reason=DeclineReason.OUT_OF_SCOPE)
    assert ReferralAttachment.objects.count() == 1
    first.refresh_from_db()
    assert first.status == LineStatus.ACCEPTED and "budget.pdf" in answer(client, first).content.decode()
