"""Bad files at the import: each one gets a French error naming what is wrong, never a 500, and nothing is written."""

import codecs
import html
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from directory.models import Offer, Structure
from directory.services.importer import COLUMNS
from tests.curation.test_imports import row, to_csv
from tests.factories import make_curator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _queued_imports_run_at_once(monkeypatch):
    """Import tasks are queued after commit, which a test's transaction never reaches: queue them at once."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def curator(client):
    user = make_curator("REG-75")
    client.force_login(user)
    return user


def shown(client, name, data) -> str:
    """What the curator reads after uploading the file (the form's error, or the import's page)."""
    response = client.post(reverse("curation:imports"), {"file": SimpleUploadedFile(name, data)}, follow=True)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def xlsx(*rows) -> bytes:
    workbook = Workbook()
    for values in rows:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_sheet(data: bytes, sheet_xml: bytes) -> bytes:
    """The workbook with its first sheet's XML replaced."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for member in source.infolist():
            out.writestr(member, sheet_xml if member.filename == "xl/worksheets/sheet1.xml" else source.read(member))
    return target.getvalue()


def valid_xlsx() -> bytes:
    values = row(support_level=2)
    return xlsx(COLUMNS, [values.get(column) for column in COLUMNS])


def assert_nothing_written():
    assert not Structure.objects.exists() and not Offer.objects.exists()


def test_an_xlsx_that_would_unpack_beyond_the_limit_is_refused_before_it_is_read(client, curator, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 2 * 1024 * 1024
    sheet = zipfile.ZipFile(io.BytesIO(valid_xlsx())).read("xl/worksheets/sheet1.xml")
    # Three megabytes of blanks inside the sheet's XML: a few kilobytes once compressed.
    padded = sheet.replace(b"<sheetData>", b"<sheetData>" + b" " * (3 * 1024 * 1024))
    data = with_sheet(valid_xlsx(), padded)
    assert len(data) < 100_000
    page = shown(client, "bombe.xlsx", data)
    assert "une fois décompressé" in page and "2 Mo au plus" in page
    assert_nothing_written()


def test_an_xlsx_declaring_more_rows_than_the_limit_is_refused(client, curator, settings):
    settings.IMPORT_MAX_ROWS = 5
    values = row(support_level=2)
    rows = [COLUMNS] + [
        [*[values.get(c) for c in COLUMNS[:12]], f"ref-{n}", *[values.get(c) for c in COLUMNS[13:]]] for n in range(8)
    ]
    page = shown(client, "long.xlsx", xlsx(*rows))
    assert "Trop de lignes : 5 lignes de données au plus" in page
    assert_nothing_written()


def test_an_xlsx_whose_dimension_lies_is_stopped_while_counting(client, curator, settings):
    settings.IMPORT_MAX_ROWS = 2
    data = xlsx(COLUMNS, *([["x"]] * 6))
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    sheet = re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:A1"/>', sheet)
    assert b'ref="A1:A1"' in sheet
    page = shown(client, "menteur.xlsx", with_sheet(data, sheet))
    assert "Trop de lignes" in page
    assert_nothing_written()


def test_malformed_sheet_xml_is_named(client, curator):
    data = with_sheet(valid_xlsx(), b'<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1"')
    page = shown(client, "casse.xlsx", data)
    assert "le XML d'une de ses feuilles est mal formé" in page
    assert_nothing_written()


def test_an_entity_bomb_is_refused(client, curator):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
    )
    page = shown(client, "bombe.xlsx", with_sheet(valid_xlsx(), bomb))
    assert "déclare des entités ou une DTD" in page
    assert_nothing_written()


def test_a_nul_byte_in_a_csv_is_refused_with_its_line(client, curator):
    text = to_csv(row(), row(offer_ref="b", offer_title="Avec\x00nul"))
    page = shown(client, "nul.csv", text.encode())
    assert "caractère nul (octet 0x00) à la ligne 3" in page
    assert_nothing_written()


def test_a_utf16_csv_with_its_byte_order_mark_is_read(client, curator):
    data = codecs.BOM_UTF16_LE + to_csv(row()).encode("utf-16-le")
    page = shown(client, "excel.csv", data)
    assert "Confirmer l'import" in page and "Coopérative d'essai" in page


def test_a_utf16_csv_without_byte_order_mark_is_refused_clearly(client, curator):
    page = shown(client, "excel.csv", to_csv(row()).encode("utf-16-le"))
    assert "caractère nul" in page and "UTF-16" in page and "CSV UTF-8" in page
    assert_nothing_written()


def test_a_field_over_the_csv_limit_is_named(client, curator):
    page = shown(client, "long.csv", to_csv(row(offer_description="x" * 131_073)).encode())
    assert "un champ dépasse 131\u202f072 caractères" in page
    assert_nothing_written()


def test_a_file_over_the_upload_limit_is_refused(client, curator, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    page = shown(client, "gros.csv", to_csv(row()).encode() + b"#" * (1024 * 1024))
    assert "Fichier trop volumineux (1 Mo au plus)" in page
    assert_nothing_written()
