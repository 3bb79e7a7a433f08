"""Import of data·inclusion files into the imports with review: validated by the schema package, previewed,
confirmed all or nothing; a file that does not validate is refused with its file, line and field."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from curation.models import ImportBatch, ImportStatus
from curation.services.data_inclusion import data_inclusion_preview
from curation.services.imports import import_confirm
from directory.models import Offer, Structure
from tests.factories import OfferFactory, StructureFactory, commune, make_curator

pytestmark = pytest.mark.django_db

STRUCTURE = {
    "source": "dora",
    "id": "dora--s1",
    "nom": "Boutique de gestion de la Creuse",
    "date_maj": "2025-02-14",
    "siret": "73282932000074",
    "code_insee": "23077",
    "commune": "Faux-la-Montagne",
    "adresse": "1 place de la Mairie",
    "courriel": "contact@bge.example.org",
    "reseaux_porteurs": ["reseau-bge"],
}
SERVICE = {
    "source": "dora",
    "structure_id": "dora--s1",
    "id": "dora--svc1",
    "nom": "Définir son projet de création",
    "description": "Un accompagnement individuel pour passer de l'idée au projet.",
    "date_maj": "2025-02-14",
    "type": "accompagnement",
    "thematiques": ["creer-une-entreprise--definir-son-projet-de-creation-dentreprise"],
    "frais": "gratuit",
    "modes_accueil": ["en-presentiel"],
    "zone_eligibilite": ["200044014", "87"],
}
LOAN = {
    **SERVICE,
    "id": "dora--svc2",
    "nom": "Prêt d'honneur",
    "type": "aide-financiere",
    "thematiques": None,
    "zone_eligibilite": None,
}


def _files(structures, services, indent=2):
    return {
        "structures": ("structures.json", json.dumps(structures, indent=indent).encode()),
        "services": ("services.json", json.dumps(services, indent=indent).encode()),
    }


@pytest.fixture
def curator():
    return make_curator("REG-75")


def test_preview_then_confirm_creates_the_structure_and_its_services(curator, django_capture_on_commit_callbacks):
    batch = data_inclusion_preview(user=curator, **_files([STRUCTURE], [SERVICE, LOAN]))
    assert batch.status == ImportStatus.PREVIEW, batch.errors
    assert batch.counts["structures_created"] == 1 and batch.counts["offers_created"] == 2
    assert not Structure.objects.exists()  # a preview writes nothing

    with django_capture_on_commit_callbacks(execute=True):  # applied by its task, once the confirmation commits
        batch = import_confirm(batch=batch, user=curator)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    structure = Structure.objects.get()
    assert structure.network.slug == "bge" and structure.commune.key == "COM-23077"
    assert structure.role_support and structure.role_financer  # it offers an « aide financière »
    support = Offer.objects.get(ref="dora--svc1")
    assert sorted(support.stages.values_list("slug", flat=True)) == ["amorcage", "emergence"]
    assert list(support.needs.values_list("slug", flat=True)) == ["definition-projet"]
    assert sorted(support.coverage.values_list("key", flat=True)) == ["DEP-87", "EPCI-200044014"]
    assert support.fee == "gratuit" and support.mode_presentiel and not support.mode_distance
    loan = Offer.objects.get(ref="dora--svc2")
    assert loan.offer_type == "financement"
    assert loan.stages.count() == 7  # the source does not say: every stage
    assert list(loan.coverage.values_list("key", flat=True)) == ["COM-23077"]  # the structure's commune

    # Importing the same files again changes nothing.
    again = data_inclusion_preview(user=curator, **_files([STRUCTURE], [SERVICE, LOAN]))
    assert again.counts["offers_unchanged"] == 2 and again.counts["offers_created"] == 0


def test_a_record_that_does_not_validate_refuses_the_file_naming_line_and_field(curator):
    bad = {**SERVICE, "id": "dora--svc3", "zone_eligibilite": ["not a code!"], "frais": "cher"}
    batch = data_inclusion_preview(user=curator, **_files([STRUCTURE], [SERVICE, bad]))
    assert batch.status == ImportStatus.REJECTED
    [error] = batch.errors
    # With indent=2, the array's second object starts on line 2 + the first object's lines.
    first_object_lines = len(json.dumps(SERVICE, indent=2).splitlines())
    assert error["file"] == "services.json" and error["line"] == 2 + first_object_lines
    messages = " ".join(error["messages"])
    assert "champ « frais »" in messages and "champ « zone_eligibilite.0" in messages
    assert not Structure.objects.exists()


def test_a_service_whose_structure_is_missing_is_named(curator):
    orphan = {**SERVICE, "structure_id": "dora--inconnue"}
    batch = data_inclusion_preview(user=curator, **_files([STRUCTURE], [orphan], indent=None))
    assert batch.status == ImportStatus.REJECTED
    assert batch.errors == [
        {
            "file": "services.json",
            "line": 1,
            "messages": ["champ « structure_id » : structure « dora--inconnue » absente du fichier des structures"],
        }
    ]


def test_an_unknown_territory_is_named_on_its_data_inclusion_line(curator):
    services = [SERVICE, {**SERVICE, "id": "dora--svc4", "zone_eligibilite": ["99999"]}]
    batch = data_inclusion_preview(user=curator, **_files([STRUCTURE], services, indent=None))
    assert batch.status == ImportStatus.REJECTED
    assert batch.errors[0]["file"] == "services.json" and batch.errors[0]["line"] == 1  # one line: the whole array
    assert "COM-99999" in batch.errors[0]["messages"][0]


def test_broken_json_is_refused_with_its_line(curator):
    files = _files([STRUCTURE], [SERVICE])
    files["services"] = ("services.json", b'[\n{"id": "a"},\n{"id": \n]')
    batch = data_inclusion_preview(user=curator, **files)
    assert batch.status == ImportStatus.REJECTED
    assert batch.errors[0]["line"] == 4 and "JSON invalide" in batch.errors[0]["messages"][0]


def test_our_own_export_is_accepted(curator, tmp_path):
    structure = StructureFactory(commune=commune("23077"), siret="73282932000074")
    OfferFactory(structure=structure, coverage=["EPCI-200044014", "REG-75"], needs=["financement"])
    call_command("export_opendata", "--format", "data-inclusion", "--output", str(tmp_path))
    batch = data_inclusion_preview(
        user=curator,
        structures=("structures.json", (tmp_path / "structures.json").read_bytes()),
        services=("services.json", (tmp_path / "services.json").read_bytes()),
    )
    assert batch.status == ImportStatus.PREVIEW, batch.errors
    assert batch.counts["structures_updated"] + batch.counts["structures_unchanged"] == 1


def test_curators_upload_both_files_through_the_imports_page(client, curator):
    client.force_login(curator)
    files = _files([STRUCTURE], [SERVICE])
    response = client.post(
        reverse("curation:imports"),
        {
            "source": "data-inclusion",
            "di-structures": SimpleUploadedFile(*files["structures"]),
            "di-services": SimpleUploadedFile(*files["services"]),
        },
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("curation:import_detail", args=[batch.pk])
    assert batch.status == ImportStatus.PREVIEW and batch.file_name.startswith("data·inclusion")
    page = client.get(reverse("curation:import_detail", args=[batch.pk])).content.decode()
    assert "Définir son projet de création" in page or "dora--svc1" in page

    bad = _files([STRUCTURE], [{**SERVICE, "nom": "x"}])
    client.post(
        reverse("curation:imports"),
        {
            "source": "data-inclusion",
            "di-structures": SimpleUploadedFile(*bad["structures"]),
            "di-services": SimpleUploadedFile(*bad["services"]),
        },
    )
    refused = ImportBatch.objects.latest("pk")
    page = client.get(reverse("curation:import_detail", args=[refused.pk])).content.decode()
    assert "services.json, ligne 2" in page and "champ « nom »" in page
