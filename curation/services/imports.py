"""Imports with review (preview, then confirm, all or nothing) and exports of a curator's scope.

The importer itself is directory/services/importer.py (the `import_offers` command's); uploads.py reads the
uploaded file into its CSV format; this module keeps a record of each import and labels the preview's diffs.
"""

import csv
import io
import logging

from celery import signature
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import curated_regions
from curation.models import ImportBatch, ImportStatus
from curation.services.uploads import read_upload
from directory.models import Instrument, LegalForm, Network, Structure, Territory
from directory.services.importer import COLUMNS, ImportRejected, import_offers
from support_chain.models import Need, Stage

logger = logging.getLogger(__name__)


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


def export_rows(offers) -> list[dict]:
    """One row per offer, in the import format (so an export re-imports unchanged)."""
    offers = (
        offers.select_related("structure__commune", "structure__legal_form", "structure__network", "instrument")
        .prefetch_related("stages", "needs", "coverage", "eligible_legal_forms")
        .order_by("structure__name", "structure_id", "ref")
    )
    rows = []
    for offer in offers:
        structure: Structure = offer.structure
        rows.append(
            {
                "structure_siret": structure.siret or "",
                "structure_name": structure.name,
                "structure_roles": _join(structure.roles),
                "structure_legal_form": structure.legal_form.slug if structure.legal_form else "",
                "structure_commune": structure.commune.code,
                "structure_network": structure.network.slug if structure.network else "",
                "structure_website": structure.website,
                "structure_email": structure.email,
                "structure_phone": structure.phone,
                "structure_address": structure.address,
                "structure_latitude": "" if structure.latitude is None else repr(structure.latitude),
                "structure_longitude": "" if structure.longitude is None else repr(structure.longitude),
                "offer_ref": offer.ref,
                "offer_title": offer.title,
                "offer_type": offer.offer_type,
                "offer_description": offer.description,
                "stages": _join(s.slug for s in offer.stages.all()),
                "needs": _join(n.slug for n in offer.needs.all()),
                "support_level": str(offer.support_level),
                "coverage": _join(t.key for t in offer.coverage.all()),
                "eligible_legal_forms": _join(f.slug for f in offer.eligible_legal_forms.all()),
                "instrument": offer.instrument.slug if offer.instrument else "",
                "amount_min": "" if offer.amount_min is None else str(offer.amount_min),
                "amount_max": "" if offer.amount_max is None else str(offer.amount_max),
                "opens_on": offer.opens_on.isoformat() if offer.opens_on else "",
                "closes_on": offer.closes_on.isoformat() if offer.closes_on else "",
                "fee": offer.fee,
                "modes": _join(offer.modes),
                "offer_url": offer.url,
                "offer_email": offer.email,
            }
        )
    return rows


def export_csv(offers) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(export_rows(offers))
    return buffer.getvalue()


def export_xlsx(offers) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("offres"))
    sheet.append(COLUMNS)
    for row in export_rows(offers):
        # Text cells only: INSEE codes and SIRET keep their leading zeros.
        sheet.append([row[column] for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
