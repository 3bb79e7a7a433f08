"""Imports with review (preview, then confirm, all or nothing) and exports of a curator's scope.

The importer itself is directory/services/importer.py (the `import_offers` command's); this module reads
XLSX files into the same CSV format, keeps a record of each import and labels the preview's diffs.
"""

import csv
import datetime
import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scopes import curated_regions
from curation.models import ImportBatch, ImportStatus
from directory.models import Instrument, LegalForm, Network, Structure, Territory
from directory.services.importer import COLUMNS, ImportRejected, import_offers
from support_chain.models import Need, Stage
from support_chain.white_zones import request_white_zones_refresh

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


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
    request_white_zones_refresh()  # after commit, debounced
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
