"""Imports with review (preview, then confirm, all or nothing) and exports of a curator's scope.

The importer itself is directory/services/importer.py (the `import_offers` command's); this module reads
XLSX files into the same CSV format, keeps a record of each import and labels the preview's diffs.
"""

import csv
import datetime
import io
import itertools
import tempfile
from collections import defaultdict
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import curated_regions
from curation.models import ImportBatch, ImportStatus
from directory.models import Instrument, LegalForm, Mode, Network, Offer, StructureRole, Territory
from directory.services.importer import COLUMNS, ImportRejected, import_offers, spreadsheet_safe
from support_chain.models import Need, Stage

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Offers read (and their relations prefetched) per query while exporting.
EXPORT_CHUNK = 2000


def read_upload(name: str, data: bytes) -> str:
    """The uploaded CSV or XLSX file as CSV text; ValidationError (in French) when it cannot be read."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("Fichier trop volumineux (5 Mo au plus)."))
    lower = name.lower()
    if lower.endswith(".xlsx"):
        return _xlsx_to_csv(data)
    if lower.endswith(".csv"):
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise ValidationError(_("Encodage du fichier illisible : enregistrez-le en CSV UTF-8."))
    raise ValidationError(_("Format non pris en charge : déposez un fichier .csv ou .xlsx."))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_to_csv(data: bytes) -> str:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of errors on a broken file
        raise ValidationError(_("Ce fichier XLSX est illisible.")) from error
    sheet = workbook.worksheets[0]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in sheet.iter_rows(values_only=True):
        cells = [_cell(value) for value in row]
        while cells and cells[-1] == "":
            cells.pop()
        if cells:
            writer.writerow(cells)
    workbook.close()
    return buffer.getvalue()


def _scope_check(user):
    if user.is_superuser:
        return None
    region_ids = set(curated_regions(user).values_list("pk", flat=True))
    commune_regions: dict[int, int] = {}

    def check(row, structure):
        if structure is not None:
            if structure.region_id not in region_ids:
                return _("la structure « %(name)s » n'est pas dans vos régions") % {"name": structure.name}
            return None
        commune_id = row.structure["commune_id"]
        if commune_id not in commune_regions:
            commune_regions[commune_id] = Territory.objects.values_list("region_id", flat=True).get(pk=commune_id)
        if commune_regions[commune_id] not in region_ids:
            return _("la commune de la structure n'est pas dans vos régions")
        return None

    return check


class _Labels:
    """Turns the importer's raw values (ids, sets of ids) into what a curator reads."""

    MODELS = {
        "commune_id": Territory,
        "legal_form_id": LegalForm,
        "network_id": Network,
        "instrument_id": Instrument,
        "coverage": Territory,
        "stages": Stage,
        "needs": Need,
        "eligible_legal_forms": LegalForm,
    }

    def __init__(self):
        self.cache: dict = {}

    def label(self, field: str, value) -> str:
        if value in (None, "", set()):
            return "—"
        model = self.MODELS.get(field)
        if model is None:
            if isinstance(value, bool):
                return _("oui") if value else _("non")
            return str(value)
        ids = sorted(value) if isinstance(value, set | list) else [value]
        missing = [pk for pk in ids if (model, pk) not in self.cache]
        if missing:
            for obj in model.objects.filter(pk__in=missing):
                self.cache[(model, obj.pk)] = getattr(obj, "key", None) if model is Territory else obj.slug
        return ", ".join(sorted(str(self.cache.get((model, pk), pk)) for pk in ids))


def _labelled(changes: list[dict]) -> list[dict]:
    labels = _Labels()
    rows = []
    for change in changes:
        row = {key: value for key, value in change.items() if key != "diff"}
        if "diff" in change:
            row["diff"] = [
                {
                    "field": d["field"],
                    "old": labels.label(d["field"], d["old"]),
                    "new": labels.label(d["field"], d["new"]),
                }
                for d in change["diff"]
            ]
        rows.append(row)
    return rows


def import_preview(*, user, file_name: str, content: str) -> ImportBatch:
    """Simulate the import (nothing is written to the directory) and record what it would do."""
    batch = ImportBatch(uploaded_by=user, file_name=file_name[:255], content=content)
    try:
        report = import_offers(content, dry_run=True, scope_check=_scope_check(user))
    except ImportRejected as rejected:
        batch.status = ImportStatus.REJECTED
        batch.errors = [{"line": error.line, "messages": error.messages} for error in rejected.errors]
    else:
        batch.counts = report.counts()
        batch.changes = _labelled(report.changes)
    batch.save()
    return batch


@transaction.atomic
def import_confirm(*, batch: ImportBatch, user) -> ImportBatch:
    """Apply a previewed import for real: all of it, or nothing when a row has become invalid meanwhile."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.PREVIEW:
        raise ValidationError(_("Cet import a déjà été traité."))
    try:
        with transaction.atomic():
            report = import_offers(batch.content, scope_check=_scope_check(user))
    except ImportRejected as rejected:
        batch.status = ImportStatus.REJECTED
        batch.errors = [{"line": error.line, "messages": error.messages} for error in rejected.errors]
        batch.save(update_fields=["status", "errors"])
        return batch
    batch.status = ImportStatus.APPLIED
    batch.counts = report.counts()
    batch.applied_at = timezone.now()
    batch.save(update_fields=["status", "counts", "applied_at"])
    return batch


@transaction.atomic
def import_cancel(*, batch: ImportBatch) -> ImportBatch:
    if batch.status != ImportStatus.PREVIEW:
        raise ValidationError(_("Cet import a déjà été traité."))
    batch.status = ImportStatus.CANCELLED
    batch.save(update_fields=["status"])
    return batch


# Exports ------------------------------------------------------------------------------------------


def _join(values) -> str:
    return "|".join(sorted(values))


# Export columns read as plain values (no model instance per row: a France-wide export is 60,000 offers).
EXPORT_VALUES = {
    "structure_siret": "structure__siret",
    "structure_name": "structure__name",
    "structure_legal_form": "structure__legal_form__slug",
    "structure_commune": "structure__commune__code",
    "structure_network": "structure__network__slug",
    "structure_website": "structure__website",
    "structure_email": "structure__email",
    "structure_phone": "structure__phone",
    "structure_address": "structure__address",
    "structure_latitude": "structure__latitude",
    "structure_longitude": "structure__longitude",
    "offer_ref": "ref",
    "offer_title": "title",
    "offer_type": "offer_type",
    "offer_description": "description",
    "support_level": "support_level",
    "instrument": "instrument__slug",
    "amount_min": "amount_min",
    "amount_max": "amount_max",
    "opens_on": "opens_on",
    "closes_on": "closes_on",
    "fee": "fee",
    "offer_url": "url",
    "offer_email": "email",
}
# The offer's relations: (export column, through model's related slug).
EXPORT_RELATIONS = {
    "stages": (Offer.stages.through, "stage__slug"),
    "needs": (Offer.needs.through, "need__slug"),
    "coverage": (Offer.coverage.through, "territory__key"),
    "eligible_legal_forms": (Offer.eligible_legal_forms.through, "legalform__slug"),
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def export_rows(offers) -> Iterator[dict]:
    """One row per offer, in the import format (so an export re-imports unchanged), read by chunks of plain values:
    the memory used does not grow with the number of offers, and no model instance is built per row."""
    roles = {f"structure__{role.field_name}": role.value for role in StructureRole}
    modes = {mode.field_name: mode.value for mode in Mode}
    rows = (
        offers.order_by("structure__name", "structure_id", "ref")
        .values("pk", *EXPORT_VALUES.values(), *roles, *modes)
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    while chunk := list(itertools.islice(rows, EXPORT_CHUNK)):
        ids = [row["pk"] for row in chunk]
        related = {column: defaultdict(list) for column in EXPORT_RELATIONS}
        for column, (through, slug) in EXPORT_RELATIONS.items():
            for offer_id, value in through.objects.filter(offer_id__in=ids).values_list("offer_id", slug):
                related[column][offer_id].append(value)
        for row in chunk:
            line = {column: _text(row[path]) for column, path in EXPORT_VALUES.items()}
            line["structure_roles"] = _join(role for field, role in roles.items() if row[field])
            line["modes"] = _join(mode for field, mode in modes.items() if row[field])
            for column in EXPORT_RELATIONS:
                line[column] = _join(related[column][row["pk"]])
            yield {column: line[column] for column in COLUMNS}


def export_csv_lines(offers) -> Iterator[str]:
    """The CSV export, a few hundred rows at a time (a streamed response sends each piece as it comes).

    Every cell goes through `spreadsheet_safe`: a name « =HYPERLINK(…) » is text in a spreadsheet, never a formula.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for index, row in enumerate(export_rows(offers), start=1):
        writer.writerow({column: spreadsheet_safe(value) for column, value in row.items()})
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_csv(offers) -> str:
    return "".join(export_csv_lines(offers))


def export_xlsx_file(offers):
    """The XLSX export in a temporary file (openpyxl's write-only mode keeps no row in memory), rewound.

    Every cell is a text cell (INSEE codes and SIRET keep their leading zeros, and a « =… » is never a formula),
    and goes through `spreadsheet_safe` as in the CSV export."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("offres"))

    def text(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=spreadsheet_safe(value))
        cell.data_type = "s"  # openpyxl would otherwise take a leading « = » for a formula
        return cell

    sheet.append([text(column) for column in COLUMNS])
    for row in export_rows(offers):
        sheet.append([text(row[column]) for column in COLUMNS])
    file = tempfile.TemporaryFile()
    workbook.save(file)
    file.seek(0)
    return file


def export_xlsx(offers) -> bytes:
    with export_xlsx_file(offers) as file:
        return file.read()
