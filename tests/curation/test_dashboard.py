import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from curation.models import EditReview, ImportBatch, LinkCheck, Submission, UpdateRequest
from tests.factories import OfferFactory, StructureFactory, commune, make_curator

pytestmark = pytest.mark.django_db


def _fill(count, curator):
    old = timezone.now() - datetime.timedelta(days=400)
    for index in range(count):
        structure = StructureFactory(
            name=f"Fiche {index}",
            commune=commune("23077"),
            last_verified_at=old,
            website=f"https://fiche-{index}.example/",
        )
        StructureFactory(name=f"L'Atelier solidaire {index}", commune=commune("23077"))
        StructureFactory(name=f"Atelier Solidaire {index}", commune=commune("23090"))
        Submission.objects.create(
            kind="update",
            structure=structure,
            region=structure.region,
            data={"name": f"Proposition {index}"},
            submitter_name="A",
            submitter_email="a@exemple.org",
        )
        EditReview.objects.create(structure=structure, changes=[{"label": "nom", "old": "a", "new": f"b{index}"}])
        UpdateRequest.objects.create(structure=structure)
        ImportBatch.objects.create(uploaded_by=curator, file_name=f"import-{index}.csv", content="")
        offer = OfferFactory(structure=structure, url=f"https://offre-{index}.example/")
        for owner, url in (({"structure": structure}, structure.website), ({"offer": offer}, offer.url)):
            LinkCheck.objects.create(
                **owner, url=url, outcome="timeout", checked_at=old, consecutive_failures=2, failing_since=old
            )


def test_dashboard_lists_everything_pending_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    curator = make_curator("REG-75")
    client.force_login(curator)
    _fill(3, curator)
    with django_assert_max_num_queries(30) as small:
        response = client.get(reverse("curation:dashboard"))
    content = response.content.decode()
    assert "Proposition 2" in content and "b2" in content and "import-2.csv" in content
    assert "Atelier Solidaire 2" in content  # suspected duplicates
    assert "https://offre-2.example/" in content  # broken links
    assert "(3)" in content.split("Doublons probables")[1][:80]  # not « Atelier 1 » with « Atelier 2 »
    _fill(25, curator)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("curation:dashboard"))
    assert "page_propositions=2" in response.content.decode()


def test_every_section_is_in_the_page_body_not_in_its_title(client):
    """The duplicates and update-request sections once sat inside <title>, where a browser shows nothing."""
    client.force_login(make_curator("REG-75"))
    content = client.get(reverse("curation:dashboard")).content.decode()
    title = content.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<section" not in title and "Doublons probables" not in title
    body = content.split("<main", 1)[1]
    for heading in ("Doublons probables", "Demandes de mise à jour envoyées", "Fiches à vérifier"):
        assert heading in body, heading
