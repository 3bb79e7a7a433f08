import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Email, EmailStatus
from accounts.outbox import send_emails
from curation.models import EditReview, ReviewStatus, Submission
from curation.tasks import send_submission_acknowledgement
from directory.models import PublicationStatus, Structure
from support_chain.models import Stage
from tests.factories import OfferFactory, StructureFactory, commune, make_curator, make_editor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def _form(**overrides):
    data = {
        "name": "La Fabrique solidaire",
        "siret": "",
        "roles": ["support", "third_place"],
        "commune": "Faux-la-Montagne (23)",
        "address": "1 place de la Mairie",
        "website": "https://fabrique.example.org",
        "submitter_name": "Dominique Martin",
        "submitter_email": "dominique@exemple.org",
        "message": "Merci !",
        "offer_title": "Accompagnement des projets coopératifs",
        "offer_type": "accompagnement",
        "offer_stages": ["emergence", "creation"],
    }
    data.update(overrides)
    return data


def test_public_form_creates_a_pending_submission_and_acknowledges_it(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("curation:submit"), _form())
    assert response.status_code == 302 and response["Location"] == reverse("curation:submit_thanks")
    submission = Submission.objects.get()
    assert submission.status == ReviewStatus.PENDING and submission.kind == "new"
    assert submission.region.key == "REG-75"
    assert submission.data["name"] == "La Fabrique solidaire" and submission.data["role_third_place"] is True
    assert {c["label"] for c in submission.changes} >= {"nom", "commune", "tiers-lieu"}
    assert not Structure.objects.filter(name="La Fabrique solidaire").exists()  # nothing public yet
    assert [m.to for m in mail.outbox] == [["dominique@exemple.org"]]
    assert "La Fabrique solidaire" in mail.outbox[0].body


def test_public_form_keeps_what_was_typed_and_explains_errors_in_french(client):
    response = client.post(reverse("curation:submit"), _form(commune="Nullepart-sur-Rien", submitter_email="x"))
    content = response.content.decode()
    assert response.status_code == 200 and not Submission.objects.exists()
    assert "Nous ne trouvons pas « Nullepart-sur-Rien »" in content
    assert "La Fabrique solidaire" in content and "Saisissez une adresse e-mail valide" in content


def test_honeypot_drops_the_submission_silently(client):
    response = client.post(reverse("curation:submit"), _form(contact_fax="http://spam.example"))
    assert response.status_code == 302
    assert not Submission.objects.exists() and mail.outbox == []


def test_public_form_is_rate_limited_per_ip(client):
    for index in range(10):
        client.post(reverse("curation:submit"), _form(name=f"Structure {index}"))
    assert Submission.objects.count() == 10
    response = client.post(reverse("curation:submit"), _form(name="Une de trop"))
    assert response.status_code == 429
    assert "Réessayez dans une heure" in response.content.decode()
    assert "Une de trop" in response.content.decode()  # what was typed is kept
    assert Submission.objects.count() == 10
    # Another address is not limited.
    client.post(reverse("curation:submit"), _form(name="Autre poste"), REMOTE_ADDR="10.1.1.1")
    assert Submission.objects.count() == 11


def test_acknowledgement_is_written_to_the_outbox_once(django_capture_on_commit_callbacks, client):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("curation:submit"), _form())  # no broker in the request: the row is written
    submission = Submission.objects.get()
    email = Email.objects.get(kind="submission-acknowledgement")
    assert email.status == EmailStatus.PENDING and email.to == [submission.submitter_email]
    assert mail.outbox == []
    # The task (queued by older code, or run twice) writes nothing more.
    assert send_submission_acknowledgement.delay(submission.pk).get() is False
    assert Email.objects.count() == 1
    for callback in callbacks:
        callback()
    for callback in callbacks:  # a redelivered message
        callback()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Guichet ESS : nous avons bien reçu votre proposition"


def test_acknowledgement_smtp_failure_leaves_it_pending_for_the_retry(client, monkeypatch):
    client.post(reverse("curation:submit"), _form())
    email = Email.objects.get(kind="submission-acknowledgement")

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr("accounts.outbox.EmailMessage.send", broken)
    assert send_emails(ids=[email.pk]) == [email.pk]
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.PENDING, 1, "ConnectionRefusedError")
    monkeypatch.undo()
    assert send_emails(ids=[email.pk]) == []
    assert send_emails(ids=[email.pk]) == []
    assert len(mail.outbox) == 1


def test_curator_approves_a_new_structure_and_it_is_published(client):
    client.post(reverse("curation:submit"), _form())
    submission = Submission.objects.get()
    curator = make_curator("REG-75")
    client.force_login(curator)
    response = client.post(
        reverse("curation:submission_decide", args=[submission.pk]), {"action": "approve", "reason": "Connue"}
    )
    assert response.status_code == 302
    structure = Structure.objects.get(name="La Fabrique solidaire")
    assert structure.status == PublicationStatus.PUBLISHED and structure.roles == ["support", "third_place"]
    assert structure.commune.key == "COM-23077" and structure.region.key == "REG-75"
    record = structure.history.latest()
    assert record.history_user == curator and "Connue" in record.history_change_reason
    submission.refresh_from_db()
    assert submission.status == ReviewStatus.APPROVED and submission.review_reason == "Connue"
    assert submission.reviewed_by == curator and submission.structure == structure
    assert "La Fabrique solidaire" in client.get(structure.get_absolute_url()).content.decode()
    # A second click does nothing more.
    client.post(reverse("curation:submission_decide", args=[submission.pk]), {"action": "approve"})
    assert Structure.objects.filter(name="La Fabrique solidaire").count() == 1


def test_update_submission_stores_only_what_changed_and_applies_only_that(client):
    structure = StructureFactory(name="Ancien nom", commune=commune("23077"), phone="05 55 00 00 00")
    response = client.get(reverse("curation:submit"), {"structure": structure.pk})
    assert 'value="Ancien nom"' in response.content.decode()
    client.post(
        reverse("curation:submit"),
        _form(
            structure=structure.pk,
            name="Nouveau nom",
            roles=["support"],
            address="",
            website="",
            message="",
            offer_title="",
            offer_type="",
            offer_stages=[],
        ),
    )
    submission = Submission.objects.get()
    assert submission.kind == "update" and submission.data == {"name": "Nouveau nom", "phone": ""}
    assert [(c["old"], c["new"]) for c in submission.changes if c["field"] == "name"] == [("Ancien nom", "Nouveau nom")]
    # Meanwhile, the curator changes another field: approval must not overwrite it.
    Structure.objects.filter(pk=structure.pk).update(email="accueil@exemple.org")
    client.force_login(make_curator("REG-75"))
    client.post(reverse("curation:submission_decide", args=[submission.pk]), {"action": "approve"})
    structure.refresh_from_db()
    assert structure.name == "Nouveau nom" and structure.email == "accueil@exemple.org"


def test_reject_needs_a_reason(client):
    client.post(reverse("curation:submit"), _form())
    submission = Submission.objects.get()
    client.force_login(make_curator("REG-75"))
    response = client.post(
        reverse("curation:submission_decide", args=[submission.pk]), {"action": "reject"}, follow=True
    )
    assert "Indiquez le motif du refus" in response.content.decode()
    client.post(reverse("curation:submission_decide", args=[submission.pk]), {"action": "reject", "reason": "Doublon"})
    submission.refresh_from_db()
    assert submission.status == ReviewStatus.REJECTED and submission.review_reason == "Doublon"


def test_editor_edit_is_live_at_once_and_queued_with_a_diff_then_reverted_by_the_curator(client):
    structure = StructureFactory(name="Coop des Plateaux", commune=commune("23077"), phone="05 55 00 00 00")
    editor = make_editor(structure)
    client.force_login(editor)
    response = client.get(reverse("curation:structure_edit", args=[structure.pk]))
    assert 'value="Faux-la-Montagne (23)"' in response.content.decode()
    data = {
        "name": "Coop des Plateaux limousins",
        "commune": "Faux-la-Montagne (23)",
        "role_support": "on",
        "phone": "05 55 11 11 11",
    }
    response = client.post(reverse("curation:structure_edit", args=[structure.pk]), data)
    assert response.status_code == 302
    structure.refresh_from_db()
    assert structure.name == "Coop des Plateaux limousins"  # live at once
    review = EditReview.objects.get()
    assert review.status == ReviewStatus.PENDING and review.editor == editor
    assert {(c["label"], c["old"], c["new"]) for c in review.changes} == {
        ("nom", "Coop des Plateaux", "Coop des Plateaux limousins"),
        ("téléphone", "05 55 00 00 00", "05 55 11 11 11"),
    }
    curator = make_curator("REG-75")
    client.force_login(curator)
    dashboard = client.get(reverse("curation:dashboard")).content.decode()
    assert "Coop des Plateaux limousins" in dashboard and "05 55 11 11 11" in dashboard
    response = client.post(
        reverse("curation:edit_review_decide", args=[review.pk]), {"action": "revert", "reason": "Erreur"}, follow=True
    )
    assert "annulée" in response.content.decode(), response.content.decode()[-3000:]
    structure.refresh_from_db()
    review.refresh_from_db()
    assert structure.name == "Coop des Plateaux" and structure.phone == "05 55 00 00 00"
    assert review.status == ReviewStatus.REJECTED and review.reviewed_by == curator
    latest = structure.history.latest()
    assert latest.history_user == curator and "Erreur" in latest.history_change_reason


def test_editor_offer_edit_diffs_stages_and_curator_approves(client):
    offer = OfferFactory(structure=StructureFactory(commune=commune("23077")), stages=["emergence"])
    editor = make_editor(offer.structure)
    client.force_login(editor)
    stages = Stage.objects.filter(slug__in=["emergence", "creation"]).values_list("pk", flat=True)
    data = {"title": offer.title, "offer_type": "financement", "stages": list(stages), "support_level": 2}
    response = client.post(reverse("curation:offer_edit", args=[offer.pk]), data)
    assert response.status_code == 302, response.content.decode()
    review = EditReview.objects.get()
    labels = {c["label"]: c for c in review.changes}
    assert labels["type d'offre"]["new"] == "Financement"
    assert "Création" in labels["étapes"]["new"] and "Création" not in labels["étapes"]["old"]
    client.force_login(make_curator("REG-75"))
    client.post(reverse("curation:edit_review_decide", args=[review.pk]), {"action": "approve", "reason": "OK"})
    review.refresh_from_db()
    offer.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED and offer.offer_type == "financement"


def test_edits_of_drafts_or_by_the_regions_curator_are_not_queued(client):
    draft = StructureFactory(commune=commune("23077"), status=PublicationStatus.DRAFT)
    editor = make_editor(draft)
    client.force_login(editor)
    data = {"name": "Brouillon modifié", "commune": "23077", "role_support": "on"}
    client.post(reverse("curation:structure_edit", args=[draft.pk]), data)
    published = StructureFactory(commune=commune("23077"))
    curator = make_curator("REG-75")
    client.force_login(curator)
    client.post(reverse("curation:structure_edit", args=[published.pk]), {**data, "name": "Par la curatrice"})
    assert Structure.objects.filter(name__in=["Brouillon modifié", "Par la curatrice"]).count() == 2
    assert not EditReview.objects.exists()


def test_history_shows_who_when_what_and_reverts_with_a_reason(client):
    structure = StructureFactory(name="Première version", commune=commune("23077"))
    curator = make_curator("REG-75")
    client.force_login(curator)
    client.post(
        reverse("curation:structure_edit", args=[structure.pk]),
        {"name": "Deuxième version", "commune": "23077", "role_support": "on"},
    )
    response = client.get(reverse("curation:history", args=["structure", structure.pk]))
    content = response.content.decode()
    assert "Première version" in content and "Deuxième version" in content and str(curator) in content
    first = structure.history.earliest()
    response = client.post(
        reverse("curation:revert", args=["structure", structure.pk]), {"history_id": first.history_id, "reason": ""}
    )
    structure.refresh_from_db()
    assert structure.name == "Deuxième version"  # a reason is required
    client.post(
        reverse("curation:revert", args=["structure", structure.pk]),
        {"history_id": first.history_id, "reason": "Nom d'origine"},
    )
    structure.refresh_from_db()
    assert structure.name == "Première version"
    assert "Nom d'origine" in structure.history.latest().history_change_reason


def test_history_page_query_count_is_bounded(client, django_assert_max_num_queries):
    structure = StructureFactory(commune=commune("23077"))
    client.force_login(make_curator("REG-75"))
    for index in range(30):
        structure.name = f"Version {index}"
        structure.save()
    with django_assert_max_num_queries(14):
        response = client.get(reverse("curation:history", args=["structure", structure.pk]))
    assert "Version 29" in response.content.decode() and "Version 5" not in response.content.decode()
