"""Imports with review (preview, then confirm, all or nothing) and exports of a curator's scope.

The importer itself is directory/services/importer.py (the `import_offers` command's); uploads.py reads the
uploaded file into its CSV format; this module keeps a record of each import and labels the preview's diffs.
"""

import csv
import datetime
import io
import itertools
import logging
import tempfile
from collections import defaultdict
from collections.abc import Iterator

from celery import signature
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import curated_regions
from curation.models import ImportBatch, ImportStatus
from curation.services.uploads import read_upload
from directory.models import Instrument, LegalForm, Mode, Network, Offer, StructureRole, Territory
from directory.services.importer import COLUMNS, ImportRejected, import_offers, spreadsheet_safe
from support_chain.models import Need, Stage
from support_chain.white_zones import request_white_zones_refresh

logger = logging.getLogger(__name__)

# Offers read (and their relations prefetched) per query while exporting.
EXPORT_CHUNK = 2000


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


# The tasks are named, not imported: services never import tasks (the tasks call these services).
CHECK_IMPORT = "curation.tasks.check_import"
APPLY_IMPORT = "curation.tasks.apply_import"


def _rejected(batch: ImportBatch, errors: list[dict]) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.REJECTED, errors=errors, source=b"", progress_done=0, progress_total=0
    )


def _progress(batch_id: int):
    def record(done: int, total: int) -> None:
        ImportBatch.objects.filter(pk=batch_id).update(progress_done=done, progress_total=total)

    return record


def _queue(batch: ImportBatch, task) -> None:
    """Hand the batch's task to a worker after commit; a broker out of reach refuses the import clearly."""

    def send():
        try:
            task.delay()
        except Exception as error:  # noqa: BLE001 - any broker failure: say so on the import's page
            logger.warning("import %s not queued: broker unavailable (%s)", batch.pk, type(error).__name__)
            _rejected(
                batch,
                [
                    {
                        "line": None,
                        "messages": [
                            _(
                                "Le service de traitement des imports est momentanément indisponible : rien n'a "
                                "été enregistré. Déposez le fichier de nouveau dans quelques minutes."
                            )
                        ],
                    }
                ],
            )

    transaction.on_commit(send)


def import_submit(*, user, file_name: str, data: bytes) -> ImportBatch:
    """Record an uploaded file (already through uploads.check_upload) and queue its check: read, then preview."""
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            uploaded_by=user, file_name=file_name[:255], source=data, status=ImportStatus.CHECKING
        )
        _queue(batch, signature(CHECK_IMPORT, args=(batch.pk,)))
    return batch


def import_check(*, batch_id: int) -> ImportBatch | None:
    """The task's work: read the uploaded file, then preview it. None when the batch is not waiting for it."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.CHECKING).first()
    if batch is None:
        return None
    try:
        batch.content = read_upload(batch.file_name, bytes(batch.source))
    except ValidationError as error:
        _rejected(batch, [{"line": None, "messages": error.messages}])
        batch.refresh_from_db()
        return batch
    ImportBatch.objects.filter(pk=batch.pk).update(content=batch.content, source=b"")
    return _preview_into(batch, batch.uploaded_by)


def import_preview(*, user, file_name: str, content: str) -> ImportBatch:
    """Simulate the import of CSV text at once (nothing is written to the directory) and record what it would do."""
    batch = ImportBatch.objects.create(
        uploaded_by=user, file_name=file_name[:255], content=content, status=ImportStatus.CHECKING
    )
    return _preview_into(batch, user)


def _preview_into(batch: ImportBatch, user) -> ImportBatch:
    try:
        report = import_offers(
            batch.content,
            dry_run=True,
            scope_check=_scope_check(user) if user else None,
            progress=_progress(batch.pk),
        )
    except ImportRejected as rejected:
        batch.status = ImportStatus.REJECTED
        batch.errors = [{"line": error.line, "messages": error.messages} for error in rejected.errors]
    else:
        batch.status = ImportStatus.PREVIEW
        batch.counts = report.counts()
        batch.changes = _labelled(report.changes)
    batch.save(update_fields=["status", "errors", "counts", "changes"])
    return batch


def import_confirm(*, batch: ImportBatch, user) -> ImportBatch:
    """Confirm a previewed import: it is applied by a task (see import_apply). ValidationError if already decided."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ImportStatus.PREVIEW:
            raise ValidationError(_("Cet import a déjà été traité."))
        batch.status = ImportStatus.APPLYING
        batch.progress_done = batch.progress_total = 0
        batch.save(update_fields=["status", "progress_done", "progress_total"])
        _queue(batch, signature(APPLY_IMPORT, args=(batch.pk, user.pk if user else None)))
    return batch


def import_apply(*, batch_id: int, user_id: int | None) -> ImportBatch | None:
    """The task's work: apply a confirmed import for real, all of it, or nothing when a row has become invalid
    meanwhile. The batch is marked applied in the import's own transaction, so a task run twice applies once."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.APPLYING).first()
    if batch is None:
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        _rejected(batch, [{"line": None, "messages": [_("Le compte qui a confirmé l'import n'existe plus.")]}])
        batch.refresh_from_db()
        return batch

    def applied(report):
        claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.APPLYING).update(
            status=ImportStatus.APPLIED, counts=report.counts(), applied_at=timezone.now()
        )
        if not claimed:  # decided meanwhile (another run of the task): undo this one
            raise ImportRejected([])
        request_white_zones_refresh()  # after commit, debounced

    try:
        import_offers(
            batch.content,
            scope_check=_scope_check(user),
            progress=_progress(batch_id),
            history_user=user,
            on_applied=applied,
        )
    except ImportRejected as rejected:
        if rejected.errors:
            ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.APPLYING).update(
                status=ImportStatus.REJECTED,
                errors=[{"line": error.line, "messages": error.messages} for error in rejected.errors],
            )
    batch.refresh_from_db()
    return batch


def import_failed(*, batch_id: int) -> None:
    """A task crashed on the batch: say so on its page (nothing was written: the import is one transaction)."""
    ImportBatch.objects.filter(pk=batch_id, status__in=[ImportStatus.CHECKING, ImportStatus.APPLYING]).update(
        status=ImportStatus.REJECTED,
        errors=[
            {
                "line": None,
                "messages": [
                    _(
                        "Erreur inattendue pendant le traitement : rien n'a été enregistré. L'équipe technique est "
                        "prévenue ; réessayez plus tard."
                    )
                ],
            }
        ],
    )


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
