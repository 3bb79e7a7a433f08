"""Open-data exports: data·inclusion v1 (validated by the schema package itself) and dispositif-aide."""

import datetime
import json
import re

import pytest
from data_inclusion.schema import v1
from django.core.management import call_command
from django.urls import reverse

from directory.models import Instrument, Network, PublicationStatus
from directory.opendata import write_export
from tests.factories import OfferFactory, StructureFactory, commune

pytestmark = pytest.mark.django_db


def _validate(model, record):
    """Validate like data·inclusion does, warnings included (`ignore_warnings=False`)."""
    return model.model_validate(record, context={"ignore_warnings": False})


@pytest.fixture
def directory():
    structure = StructureFactory(
        name="Coopérative d'appui",
        siret="73282932000074",
        commune=commune("23077"),
        network=Network.objects.get(slug="france-active"),
        description="Accompagne les projets de l'ESS en Creuse.",
        website="https://appui.example.org/",
        email="contact@appui.example.org",
        phone="05 55 00 00 00",
        latitude=45.75,
        longitude=1.93,
    )
    support = OfferFactory(
        structure=structure,
        title="Accompagnement à la création",
        coverage=["COM-23077", "EPCI-200044014", "DEP-87"],
        stages=["emergence", "amorcage"],
        needs=["definition-projet", "numerique"],
        fee="adhesion",
        mode_presentiel=True,
        mode_distance=True,
        email="creation@appui.example.org",
    )
    regional = OfferFactory(
        structure=structure, title="Formation régionale", coverage=["REG-75"], offer_type="formation"
    )
    loan = OfferFactory(
        structure=structure,
        title="Prêt d'honneur solidaire",
        offer_type="financement",
        instrument=Instrument.objects.get(slug="pret-honneur"),
        amount_min=1000,
        amount_max=8000,
        coverage=["FR"],
        stages=["creation"],
        eligible_legal_forms=["association", "scop"],
    )
    call = OfferFactory(
        structure=structure,
        title="Appel à projets tiers-lieux",
        offer_type="financement",
        instrument=Instrument.objects.get(slug="subvention"),
        opens_on=datetime.date(2026, 1, 5),
        closes_on=datetime.date(2026, 3, 31),
        coverage=["DEP-23"],
        url="https://appui.example.org/aap",
    )
    OfferFactory(structure=structure, title="Brouillon", status=PublicationStatus.DRAFT)
    StructureFactory(name="Jamais publiée", status=PublicationStatus.DRAFT)
    return {"structure": structure, "support": support, "regional": regional, "loan": loan, "call": call}


def test_data_inclusion_files_validate_against_the_schema_package(directory, tmp_path):
    call_command("export_opendata", "--format", "data-inclusion", "--output", str(tmp_path / "out"))
    structures = json.loads((tmp_path / "out" / "structures.json").read_text())
    services = json.loads((tmp_path / "out" / "services.json").read_text())
    assert [s["nom"] for s in structures] == ["Coopérative d'appui"]
    assert len(services) == 4  # the draft offer is not exported
    for record in structures:
        _validate(v1.Structure, record)
    validated = {record["nom"]: _validate(v1.Service, record) for record in services}
    # Every service points at an exported structure.
    assert {s["structure_id"] for s in services} == {s["id"] for s in structures}

    structure = _validate(v1.Structure, structures[0])
    assert structure.code_insee == "23077" and structure.siret == "73282932000074"
    assert structure.reseaux_porteurs == {v1.ReseauPorteur("france-active")}
    assert structure.code_postal and re.fullmatch(r"\d{5}", structure.code_postal)

    support = validated["Accompagnement à la création"]
    assert support.type == v1.TypeService.ACCOMPAGNEMENT
    assert support.zone_eligibilite == ["23077", "200044014", "87"]
    assert support.modes_accueil == {v1.ModeAccueil.EN_PRESENTIEL, v1.ModeAccueil.A_DISTANCE}
    assert support.frais == v1.Frais.PAYANT and support.frais_precisions == "Sur adhésion"
    assert v1.Thematique("creer-une-entreprise--developper-son-entreprise") in support.thematiques
    assert v1.Thematique("creer-une-entreprise--definir-son-projet-de-creation-dentreprise") in support.thematiques
    # A région is listed as its départements (data·inclusion has no région code in zone_eligibilite).
    assert set(validated["Formation régionale"].zone_eligibilite) >= {"23", "87", "33", "64"}
    assert "23" in validated["Formation régionale"].zone_eligibilite
    assert validated["Prêt d'honneur solidaire"].zone_eligibilite == ["france"]
    assert validated["Prêt d'honneur solidaire"].type == v1.TypeService.AIDE_FINANCIERE
    assert "Formes juridiques éligibles" in validated["Prêt d'honneur solidaire"].conditions_acces


# dispositif-aide 0.0.2: the required fields and the patterns of its documentation.
DISPOSITIF_REQUIRED = [
    "id_aide",
    "nom_aide_normalise",
    "porteur_aide",
    "porteur_siren",
    "beneficiaires_aide",
    "types_aides",
    "description",
    "thematique_aide",
    "recurrence_aide",
    "zone_geographique",
    "contact",
]
DISPOSITIF_PATTERNS = {
    "porteur_siren": r"^(?:[^,]{9},)*[^,]{9}$",
    "beneficiaires_aide": r"(?:(?:^|,)(Communes|EPCI à fiscalité propre|Départements|Régions|Associations|"
    r"Particuliers|Agriculteurs|Entreprises privées|Entreprises publiques locales \(Sem, Spl, SemOp\)|"
    r"Établissements publics - Services de l'État|Recherche))+$",
    "types_aides": r"(?:(?:^|,)(Subvention|Prêt|Avance récupérable|Autre|Technique|Financière|Administrative))+$",
    "etat_avancement_projet": (
        r"(?:(?:^|,)(Réflexion - conception|Mise en oeuvre - réalisation|Usage - valorisation))+$"
    ),
}


def test_dispositif_aide_file_holds_the_funding_offers(directory, tmp_path):
    call_command("export_opendata", "--format", "dispositif-aide", "--output", str(tmp_path))
    records = {r["nom_aide"]: r for r in json.loads((tmp_path / "dispositifs.json").read_text())}
    assert set(records) == {"Prêt d'honneur solidaire", "Appel à projets tiers-lieux"}
    for record in records.values():
        for field in DISPOSITIF_REQUIRED:
            assert record[field], field
        for field, pattern in DISPOSITIF_PATTERNS.items():
            if record.get(field) is not None:
                assert re.search(pattern, record[field]), (field, record[field])
        assert record["recurrence_aide"] in {"Permanente", "Ponctuelle", "Récurrente"}
    call = records["Appel à projets tiers-lieux"]
    assert call["zone_geographique"] == "DEP-23"
    assert call["recurrence_aide"] == "Ponctuelle" and call["aap_ami"] is True
    assert (call["date_ouverture"], call["date_cloture"]) == ("2026-01-05", "2026-03-31")
    assert call["types_aides"] == "Subvention" and call["url_demarche"] == "https://appui.example.org/aap"
    loan = records["Prêt d'honneur solidaire"]
    assert loan["zone_geographique"] == "FR" and loan["recurrence_aide"] == "Permanente"
    assert loan["types_aides"] == "Prêt" and loan["beneficiaires_aide"] == "Associations,Entreprises privées"
    assert loan["porteur_siren"] == "732829320"
    assert loan["url_descriptif"].endswith(f"/directory/offres/{directory['loan'].pk}/")


def test_api_serves_the_same_records_page_by_page(directory, client, tmp_path):
    call_command("export_opendata", "--format", "data-inclusion", "--output", str(tmp_path))
    services = json.loads((tmp_path / "services.json").read_text())
    body = client.get(reverse("directory:api-opendata-services")).json()
    assert body["count"] == 4 and body["results"] == services
    structures = client.get(reverse("directory:api-opendata-structures")).json()
    assert structures["results"] == json.loads((tmp_path / "structures.json").read_text())
    dispositifs = client.get(reverse("directory:api-opendata-dispositifs")).json()
    assert sorted(d["nom_aide"] for d in dispositifs["results"]) == [
        "Appel à projets tiers-lieux",
        "Prêt d'honneur solidaire",
    ]


def test_weekly_task_writes_the_files_at_their_stable_address(directory, client, settings, tmp_path, eager_celery):
    settings.OPENDATA_ROOT = tmp_path / "public"
    missing = client.get(reverse("directory:opendata_file", args=["data-inclusion", "services.json"]))
    assert missing.status_code == 404
    assert reverse("directory:opendata_file", args=["data-inclusion", "services.json"]) == (
        "/directory/donnees-ouvertes/data-inclusion/services.json"
    )
    from directory.tasks import export_opendata_files

    written = export_opendata_files.delay().get(timeout=60)
    assert written["dispositif-aide"] == {"dispositifs.json": 2}
    response = client.get(reverse("directory:opendata_file", args=["data-inclusion", "services.json"]))
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    served = json.loads(b"".join(response.streaming_content))
    assert len(served) == 4
    index = client.get(reverse("directory:opendata")).content.decode()
    assert "dispositifs.json" in index and "structures.json" in index
    assert client.get("/directory/donnees-ouvertes/data-inclusion/secret.py").status_code == 404


def test_an_empty_directory_exports_empty_arrays(tmp_path):
    call_command("export_opendata", "--format", "data-inclusion", "--output", str(tmp_path))
    assert json.loads((tmp_path / "structures.json").read_text()) == []
    assert json.loads((tmp_path / "services.json").read_text()) == []


@pytest.mark.parametrize("export_format, queries", [("data-inclusion", 12), ("dispositif-aide", 5)])
def test_the_export_reads_a_fixed_number_of_queries(
    directory, tmp_path, export_format, queries, django_assert_num_queries
):
    """Grouped reads only: no query per record (a column the records read but the export leaves out would cost one
    per offer)."""
    with django_assert_num_queries(queries):
        write_export(export_format, tmp_path)
