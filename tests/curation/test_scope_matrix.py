"""Every role tries every page and object of another scope: refused, and nothing leaks into lists."""

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from curation.models import EditReview, ImportBatch, LinkCheck, ReviewStatus, Submission
from curation.services.moderation import submission_create
from directory.models import Permanence, PublicationStatus
from tests.factories import OfferFactory, StructureFactory, UserFactory, commune, make_agent, make_curator, make_editor

pytestmark = pytest.mark.django_db

SECRETS = ["Cible secrète", "Offre secrète", "Proposition secrète"]


@pytest.fixture
def target(django_capture_on_commit_callbacks):
    """Objects of the Nouvelle-Aquitaine région (REG-75), seen by nobody below."""
    structure = StructureFactory(
        name="Cible secrète", commune=commune("23077"), siret="73282932000074", website="https://cible.example/"
    )
    offer = OfferFactory(structure=structure, title="Offre secrète")
    place = StructureFactory(name="Tiers-lieu de la cible", commune=commune("23077"), role_third_place=True)
    permanence = Permanence.objects.create(place=place, host=structure, schedule="le mardi")
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_create(
            structure=None,
            values={"name": "Proposition secrète", "commune": commune("23077"), "role_support": True},
            submitter_name="Dominique",
            submitter_email="dominique@exemple.org",
        )
    batch = ImportBatch.objects.create(
        uploaded_by=make_curator("REG-75"), file_name="Cible secrète.csv", content="", status="preview"
    )
    review = EditReview.objects.create(structure=structure, changes=[{"label": "nom", "old": "a", "new": "b"}])
    link = LinkCheck.objects.create(
        structure=structure,
        url=structure.website,
        outcome="http_status",
        status_code=404,
        checked_at=timezone.now(),
        consecutive_failures=2,
    )
    # Something each outsider legitimately owns, so their pages are not empty by construction.
    own = StructureFactory(name="Structure normande", commune=commune("14118"))
    return {
        "structure": structure,
        "offer": offer,
        "permanence": permanence,
        "submission": submission,
        "review": review,
        "batch": batch,
        "link": link,
        "own": own,
    }


def _roles(own):
    return {
        "anonymous": lambda: AnonymousUser(),
        "plain user": lambda: UserFactory(),
        "curator of another région": lambda: make_curator("REG-28", is_staff=True),
        "editor of another structure": lambda: make_editor(own),
        "agent on the same territory": lambda: make_agent("DEP-23"),
    }


ROLE_NAMES = [
    "anonymous",
    "plain user",
    "curator of another région",
    "editor of another structure",
    "agent on the same territory",
]


def _detail_requests(t):
    s, o, p = t["structure"], t["offer"], t["permanence"]
    return [
        ("get", reverse("admin:directory_structure_change", args=[s.pk]), None),
        ("get", reverse("admin:directory_structure_history", args=[s.pk]), None),
        ("get", reverse("admin:directory_structure_delete", args=[s.pk]), None),
        ("post", reverse("admin:directory_structure_delete", args=[s.pk]), {"post": "yes"}),
        ("post", reverse("admin:directory_structure_change", args=[s.pk]), {"name": "Piratée"}),
        ("get", reverse("admin:directory_offer_change", args=[o.pk]), None),
        ("post", reverse("admin:directory_offer_delete", args=[o.pk]), {"post": "yes"}),
        ("get", reverse("admin:directory_permanence_change", args=[p.pk]), None),
        ("get", reverse("curation:submission_detail", args=[t["submission"].pk]), None),
        ("post", reverse("curation:submission_decide", args=[t["submission"].pk]), {"action": "approve"}),
        ("post", reverse("curation:edit_review_decide", args=[t["review"].pk]), {"action": "revert", "reason": "x"}),
        ("post", reverse("curation:entry_action", args=["structure", s.pk]), {"action": "archive", "reason": "x"}),
        ("post", reverse("curation:entry_action", args=["offre", o.pk]), {"action": "archive", "reason": "x"}),
        ("get", reverse("curation:history", args=["structure", s.pk]), None),
        ("get", reverse("curation:history", args=["offre", o.pk]), None),
        ("post", reverse("curation:revert", args=["structure", s.pk]), {"history_id": "1", "reason": "x"}),
        ("get", reverse("curation:import_detail", args=[t["batch"].pk]), None),
        ("get", reverse("curation:white_zones") + "?region=REG-75", None),
        ("get", reverse("curation:white_zones") + "?departement=DEP-23&format=csv", None),
        ("get", reverse("curation:merge", args=[s.pk, t["own"].pk]), None),
        ("post", reverse("curation:merge", args=[s.pk, p.place.pk]), {"keep": p.place.pk, "reason": "x"}),
        ("post", reverse("curation:import_decide", args=[t["batch"].pk]), {"action": "cancel"}),
        ("post", reverse("curation:link_check_action", args=[t["link"].pk]), {"action": "ignore", "reason": "x"}),
        ("post", reverse("curation:link_check_action", args=[t["link"].pk]), {"action": "recheck"}),
        ("post", reverse("curation:entry_confirm", args=["structure", s.pk]), None),
        ("post", reverse("curation:entry_confirm", args=["offre", o.pk]), None),
        ("get", reverse("curation:structure_edit", args=[s.pk]), None),
        ("post", reverse("curation:structure_edit", args=[s.pk]), {"name": "Piratée"}),
        ("get", reverse("curation:offer_edit", args=[o.pk]), None),
        ("post", reverse("curation:offer_edit", args=[o.pk]), {"title": "Piratée"}),
    ]


def _list_requests(t):
    autocomplete = reverse("admin:autocomplete")
    return [
        reverse("admin:index"),
        reverse("admin:directory_structure_changelist"),
        reverse("admin:directory_structure_changelist") + "?q=secr",
        reverse("admin:directory_offer_changelist"),
        reverse("admin:directory_permanence_changelist"),
        f"{autocomplete}?app_label=directory&model_name=offer&field_name=structure&term=Cible",
        f"{autocomplete}?app_label=directory&model_name=permanence&field_name=offer&term=Offre",
        reverse("admin:directory_structure_add"),
        reverse("curation:dashboard"),
        reverse("curation:my_structures"),
        reverse("curation:imports"),
        reverse("curation:white_zones"),
        reverse("curation:quality"),
        reverse("curation:quality") + "?type=offre",
        reverse("curation:quality") + "?departement=DEP-23",
        reverse("curation:export") + "?format=csv",
        reverse("curation:export") + "?format=xlsx",
    ]


def _readable(response) -> str:
    """The response as text, spreadsheets included."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxml"):
        rows = load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
        return "\n".join(",".join(str(cell) for cell in row) for row in rows)
    return content.decode()


def _login(client, user):
    if user.is_authenticated:
        client.force_login(user)


def _is_refusal(response, url):
    if response.status_code in (403, 404):
        return True
    if response.status_code == 302:
        location = response["Location"]
        # Anonymous or non-staff: to a sign-in page; admin, object of another scope: back to the admin index.
        return "login" in location or location.rstrip("/").endswith("/admin") and url != location
    return False


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_detail_and_action_of_another_scope_is_refused(client, target, role):
    user = _roles(target["own"])[role]()
    _login(client, user)
    for method, url, data in _detail_requests(target):
        response = getattr(client, method)(url, data or {})
        assert _is_refusal(response, url), (role, method, url, response.status_code)
        for secret in SECRETS:
            assert secret not in response.content.decode(), (role, url, secret)
    structure, offer = target["structure"], target["offer"]
    structure.refresh_from_db()
    offer.refresh_from_db()
    assert structure.name == "Cible secrète" and structure.status == PublicationStatus.PUBLISHED
    assert structure.last_verified_at == target["structure"].last_verified_at
    assert offer.last_verified_at == target["offer"].last_verified_at
    assert offer.title == "Offre secrète" and offer.status == PublicationStatus.PUBLISHED
    assert Submission.objects.get(pk=target["submission"].pk).status == ReviewStatus.PENDING
    assert EditReview.objects.get(pk=target["review"].pk).status == ReviewStatus.PENDING
    assert ImportBatch.objects.get(pk=target["batch"].pk).status == "preview"
    link = LinkCheck.objects.get(pk=target["link"].pk)
    assert link.ignored_at is None and link.checked_at == target["link"].checked_at


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_nothing_of_another_scope_leaks_into_lists_counts_or_autocomplete(client, target, role):
    user = _roles(target["own"])[role]()
    _login(client, user)
    for url in _list_requests(target):
        response = client.get(url)
        content = _readable(response)
        for secret in SECRETS:
            assert secret not in content, (role, url, secret)
        if response.status_code == 200 and "autocomplete" in url:
            assert response.json()["results"] == []
    if role == "curator of another région":
        # The lists do work for them: their own région's structure is there, counted alone.
        content = client.get(reverse("admin:directory_structure_changelist")).content.decode()
        assert "Structure normande" in content and "1 structure" in content
        export = _readable(client.get(reverse("curation:export"), {"format": "csv"}))
        assert export.startswith("structure_siret") and "Structure normande" not in export  # no offer, no row
        add = client.get(reverse("admin:directory_structure_add")).content.decode()
        assert "Normandie" in add and "Nouvelle-Aquitaine" not in add


def test_the_curator_of_the_region_does_see_and_act(client, target):
    """The same requests succeed for the right curator: the matrix above can fail."""
    client.force_login(make_curator("REG-75", is_staff=True))
    assert "Cible secrète" in client.get(reverse("admin:directory_structure_changelist")).content.decode()
    assert client.get(reverse("admin:directory_structure_change", args=[target["structure"].pk])).status_code == 200
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "directory", "model_name": "offer", "field_name": "structure", "term": "secr"},
    ).json()
    assert [r["text"] for r in autocomplete["results"]] == ["Cible secrète"]
    dashboard = client.get(reverse("curation:dashboard")).content.decode()
    assert "Proposition secrète" in dashboard and "Cible secrète" in dashboard
    assert "https://cible.example/" in dashboard  # its broken link
    assert "Cible secrète" in client.get(reverse("curation:quality")).content.decode()
    assert "Offre secrète" in client.get(reverse("curation:quality"), {"type": "offre"}).content.decode()
    assert client.get(reverse("curation:history", args=["structure", target["structure"].pk])).status_code == 200
    assert "Offre secrète" in _readable(client.get(reverse("curation:export"), {"format": "csv"}))
    assert "Offre secrète" in _readable(client.get(reverse("curation:export"), {"format": "xlsx"}))
    assert "Cible secrète.csv" in client.get(reverse("curation:imports")).content.decode()


def test_the_editor_edits_their_own_structure_only(client, target):
    editor = make_editor(target["structure"])
    client.force_login(editor)
    assert client.get(reverse("curation:structure_edit", args=[target["structure"].pk])).status_code == 200
    assert client.get(reverse("curation:structure_edit", args=[target["own"].pk])).status_code == 404
    assert "Cible secrète" in client.get(reverse("curation:my_structures")).content.decode()
    assert client.get(reverse("curation:dashboard")).status_code == 403
