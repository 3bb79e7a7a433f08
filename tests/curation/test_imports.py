import csv
import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from curation.models import ImportBatch, ImportStatus
from curation.services.imports import export_csv, import_confirm, import_preview
from directory.models import Offer, Structure
from directory.services.importer import COLUMNS
from tests.factories import OfferFactory, StructureFactory, commune, make_curator

pytestmark = pytest.mark.django_db


def row(**values):
    base = {
        "structure_siret": "73282932000074",
        "structure_name": "Coopérative d'essai",
        "structure_roles": "support|financer",
        "structure_legal_form": "scic",
        "structure_commune": "23077",
        "offer_ref": "acc-1",
        "offer_title": "Accompagnement à l'émergence",
        "offer_type": "accompagnement",
        "stages": "emergence|amorcage",
        "support_level": "2",
        "coverage": "EPCI-200044014|DEP-23",
    }
    base.update(values)
    return base


def to_csv(*rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def upload(client, name, data):
    return client.post(reverse("curation:imports"), {"file": SimpleUploadedFile(name, data)})


@pytest.fixture
def curator(client):
    user = make_curator("REG-75")
    client.force_login(user)
    return user


def test_preview_writes_nothing_then_confirm_writes_everything(client, curator):
    response = upload(client, "essai.csv", to_csv(row(), row(offer_ref="fin-1", offer_type="financement")).encode())
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("curation:import_detail", args=[batch.pk])
    assert batch.status == ImportStatus.PREVIEW and batch.uploaded_by == curator
    assert batch.counts["structures_created"] == 1 and batch.counts["offers_created"] == 2
    assert not Structure.objects.exists() and not Offer.objects.exists()
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "Coopérative d'essai" in page and "Confirmer l'import" in page
    client.post(reverse("curation:import_decide", args=[batch.pk]), {"action": "confirm"})
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED and batch.applied_at is not None
    assert Offer.objects.filter(structure__name="Coopérative d'essai").count() == 2
    # A second confirmation does nothing.
    response = client.post(reverse("curation:import_decide", args=[batch.pk]), {"action": "confirm"}, follow=True)
    assert "déjà été traité" in response.content.decode()
    listing = client.get(reverse("curation:imports")).content.decode()
    assert "essai.csv" in listing and "Importé" in listing


def test_update_preview_shows_a_field_by_field_diff(client, curator):
    import_confirm(batch=import_preview(user=curator, file_name="a.csv", content=to_csv(row())), user=curator)
    upload(client, "b.csv", to_csv(row(structure_name="Coopérative renommée", stages="emergence")).encode())
    batch = ImportBatch.objects.latest("pk")
    structure_change = next(c for c in batch.changes if c.get("structure"))
    assert {"field": "name", "old": "Coopérative d'essai", "new": "Coopérative renommée"} in structure_change["diff"]
    offer_change = next(c for c in batch.changes if c.get("offer"))
    assert {"field": "stages", "old": "amorcage, emergence", "new": "emergence"} in offer_change["diff"]
    page = client.get(reverse("curation:import_detail", args=[batch.pk])).content.decode()
    assert "Coopérative renommée" in page and "amorcage, emergence" in page


def test_rejected_rows_are_listed_in_french_and_nothing_can_be_confirmed(client, curator):
    upload(client, "faux.csv", to_csv(row(), row(offer_ref="x", stages="inconnue", structure_commune="99999")).encode())
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.REJECTED
    page = client.get(reverse("curation:import_detail", args=[batch.pk])).content.decode()
    assert "Ligne 3" in page and "commune inconnue" in page and "étape inconnu(e)" in page
    assert "Confirmer" not in page
    response = client.post(reverse("curation:import_decide", args=[batch.pk]), {"action": "confirm"}, follow=True)
    assert "déjà été traité" in response.content.decode()
    assert not Structure.objects.exists()


def test_rows_outside_the_curators_regions_are_rejected(client, curator):
    StructureFactory(name="À Caen", siret="35600000000048", commune=commune("14118"))
    upload(client, "x.csv", to_csv(row(structure_commune="14118", structure_siret=""), row(offer_ref="b")).encode())
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.REJECTED
    assert "pas dans vos régions" in str(batch.errors)
    upload(client, "y.csv", to_csv(row(structure_siret="35600000000048", structure_name="À Caen")).encode())
    assert "« À Caen » n'est pas dans vos régions" in str(ImportBatch.objects.latest("pk").errors)


def test_xlsx_upload_reads_the_same_columns(client, curator):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    values = row(support_level=2)
    sheet.append([values.get(column, None) for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload(client, "essai.xlsx", buffer.getvalue())
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.PREVIEW, batch.errors
    assert batch.counts["offers_created"] == 1


def test_unreadable_files_get_a_french_error(client, curator):
    response = upload(client, "essai.pdf", b"%PDF")
    assert "Format non pris en charge" in response.content.decode()
    response = upload(client, "essai.xlsx", b"pas un classeur")
    assert "Ce fichier XLSX est illisible" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_export_of_the_curators_scope_round_trips_through_the_import(client, curator):
    creuse = StructureFactory(
        name="Coop creusoise", siret="73282932000074", commune=commune("23077"), latitude=45.75, longitude=1.93
    )
    OfferFactory(structure=creuse, stages=["emergence", "creation"], coverage=["DEP-23", "COM-23077"], amount_min=500)
    OfferFactory(structure=StructureFactory(name="Sans SIRET", commune=commune("23001")), needs=["financement"])
    OfferFactory(structure=StructureFactory(name="Coop normande", commune=commune("14118")))
    response = client.get(reverse("curation:export"), {"format": "csv"})
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "Coop creusoise" in text and "Sans SIRET" in text and "Coop normande" not in text
    assert text == export_csv(Offer.objects.filter(structure__region__key="REG-75"))
    batch = import_preview(user=curator, file_name="export.csv", content=text)
    assert batch.status == ImportStatus.PREVIEW, batch.errors
    assert batch.counts["structures_unchanged"] == 2 and batch.counts["offers_unchanged"] == 2
    assert batch.counts["structures_updated"] == batch.counts["offers_updated"] == 0


def test_xlsx_export_has_the_same_rows(client, curator):
    OfferFactory(structure=StructureFactory(name="Coop creusoise", commune=commune("23077")))
    OfferFactory(structure=StructureFactory(name="Coop normande", commune=commune("14118")))
    response = client.get(reverse("curation:export"), {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    assert [r[1] for r in rows[1:]] == ["Coop creusoise"] and rows[1][COLUMNS.index("structure_commune")] == "23077"


FORMULAS = {
    "name": '=HYPERLINK("http://evil.example","clic")',
    "title": "-2+3+cmd|' /C calc'!A0",
    "description": "@SUM(1+1)",
    "how": "+33 1 23",
}


@pytest.mark.parametrize(
    "value, safe",
    [
        ("=1+1", "'=1+1"),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-4.5", "-4.5"),
        ("Coop", "Coop"),
        ("", ""),
    ],
)
def test_spreadsheet_safe_prefixes_formula_starts(value, safe):
    from directory.services.importer import from_spreadsheet_safe, spreadsheet_safe

    assert spreadsheet_safe(value) == safe
    assert from_spreadsheet_safe(safe) == value


def formula_offer():
    structure = StructureFactory(name=FORMULAS["name"], commune=commune("23077"), phone=FORMULAS["how"], longitude=-1.5)
    structure.latitude = 45.0
    structure.save()
    return OfferFactory(
        structure=structure, title=FORMULAS["title"], description=FORMULAS["description"], url="", email=""
    )


def test_csv_export_neutralises_formulas_and_round_trips(client, curator):
    formula_offer()
    text = b"".join(client.get(reverse("curation:export"), {"format": "csv"}).streaming_content).decode()
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["structure_name"] == "'" + FORMULAS["name"]
    assert row["offer_title"] == "'" + FORMULAS["title"]
    assert row["offer_description"] == "'" + FORMULAS["description"]
    assert row["structure_phone"] == "'" + FORMULAS["how"]
    assert row["structure_longitude"] == "-1.5"  # a plain negative number is no formula
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in row.values() if value != "-1.5")
    # The apostrophe comes off again on import: the export re-imports unchanged.
    batch = import_preview(user=curator, file_name="export.csv", content=text)
    assert batch.status == ImportStatus.PREVIEW, batch.errors
    assert batch.counts["structures_unchanged"] == 1 and batch.counts["offers_unchanged"] == 1


def test_xlsx_export_writes_text_cells_never_formulas(client, curator):
    import zipfile

    formula_offer()
    content = b"".join(client.get(reverse("curation:export"), {"format": "xlsx"}).streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = next(name for name in archive.namelist() if name.startswith("xl/worksheets/"))
        xml = archive.read(sheet).decode()
    assert "<f>" not in xml and "<f " not in xml
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["structure_name"] == "'" + FORMULAS["name"]
    assert row["offer_title"] == "'" + FORMULAS["title"]
    assert row["structure_phone"] == "'" + FORMULAS["how"]
    assert all(isinstance(value, str) or value is None for value in rows[1])
