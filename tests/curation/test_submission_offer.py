"""« Référencer ma structure » with its offer: approved, it is found by the search and on the map; the person
who proposed it hears of the decision."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from curation.models import Submission
from curation.tasks import send_submission_decision
from directory.models import Offer, Structure
from tests.factories import make_curator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def _form(**overrides):
    data = {
        "name": "La Fabrique solidaire",
        "roles": ["support"],
        "commune": "Faux-la-Montagne (23)",
        "submitter_name": "Dominique Martin",
        "submitter_email": "dominique@exemple.org",
        "offer_title": "Accompagnement des cafés associatifs",
        "offer_type": "accompagnement",
        "offer_description": "Des rendez-vous pour monter un café associatif.",
        "offer_stages": ["emergence", "creation"],
        "offer_needs": ["modele-economique"],
        "offer_modes": ["presentiel"],
    }
    data.update(overrides)
    return data


def test_a_new_structure_needs_an_offer_and_says_why(client):
    response = client.post(reverse("curation:submit"), _form(offer_title="", offer_type="", offer_stages=[]))
    content = response.content.decode()
    assert response.status_code == 200 and not Submission.objects.exists()
    assert "sans offre, la structure n" in content and "ni sur la carte" in content
    assert "La Fabrique solidaire" in content  # nothing typed is lost


def test_a_very_long_description_is_refused_with_its_limit(client):
    response = client.post(reverse("curation:submit"), _form(description="x" * 51_000))
    assert not Submission.objects.exists()
    content = response.content.decode().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    assert "auplus4000caractères(actuellement51000)" in content


def test_approved_offer_is_searchable_and_on_the_map_and_the_submitter_is_told(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("curation:submit"), _form())
    submission = Submission.objects.get()
    assert submission.data["offer"]["coverage"] == "DEP-23"  # empty coverage: the structure's département
    assert any(change["field"] == "offer" for change in submission.changes)
    mail.outbox.clear()
    client.force_login(make_curator("REG-75"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("curation:submission_decide", args=[submission.pk]), {"action": "approve"})
    offer = Offer.objects.get(title="Accompagnement des cafés associatifs")
    assert offer.structure.name == "La Fabrique solidaire" and offer.mode_presentiel
    assert sorted(offer.stages.values_list("slug", flat=True)) == ["creation", "emergence"]
    assert list(offer.coverage.values_list("key", flat=True)) == ["DEP-23"]
    client.logout()
    search = client.get(reverse("directory:search"), {"q": "cafés associatifs"}).content.decode()
    assert "Accompagnement des cafés associatifs" in search
    structure = Structure.objects.get(name="La Fabrique solidaire")
    map_page = client.get(reverse("directory:map"), {"territory": "Faux-la-Montagne (23)"}).content.decode()
    assert "La Fabrique solidaire" in map_page  # the map's list (what it shows without JavaScript)
    assert [message.to for message in mail.outbox] == [["dominique@exemple.org"]]
    assert "est validée et publiée" in mail.outbox[0].body and structure.get_absolute_url() in mail.outbox[0].body
    assert send_submission_decision(submission.pk) is False  # run twice, one e-mail
    assert len(mail.outbox) == 1


def test_a_refusal_tells_the_submitter_why(client, django_capture_on_commit_callbacks):
    client.post(reverse("curation:submit"), _form())
    submission = Submission.objects.get()
    mail.outbox.clear()
    client.force_login(make_curator("REG-75"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("curation:submission_decide", args=[submission.pk]),
            {"action": "reject", "reason": "Structure déjà référencée sous un autre nom"},
        )
    assert [message.to for message in mail.outbox] == [["dominique@exemple.org"]]
    assert "Structure déjà référencée sous un autre nom" in mail.outbox[0].body
    assert not Offer.objects.exists()
