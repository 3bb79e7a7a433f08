"""A curator's import of 20,000 rows, as the import's Celery tasks run it: the preview, then the confirmation.

The file mixes what a real re-import holds: 10,000 rows exported from the generated directory (half of them
with a new title, so half unchanged and half updated) and 10,000 new offers of 2,500 new structures. Timed:
the preview (read the CSV, check every row, plan the changes; writes nothing to the directory), the same file as
an XLSX, and the confirmation (bulk writes, the matching's read model refreshed once). The target: a 20,000-row
import previews in under 60 s. Afterwards the read model must equal a full rebuild.
"""

import csv
import io
import os
import time

from django.db.models import Count

from accounts.models import User
from curation.models import ImportBatch, ImportStatus
from curation.services.imports import export_rows, import_apply, import_check
from directory.models import Offer, Structure, Territory
from directory.services.importer import COLUMNS
from funding.match_entries import MatchEntry, rebuild

ROWS = 20_000
TARGET_SECONDS = 60


def _file_rows() -> list[dict]:
    exported = Offer.objects.filter(pk__in=Offer.objects.order_by("pk").values("pk")[: ROWS // 2])
    rows = export_rows(exported)
    for index, values in enumerate(rows):
        if index % 2:
            values["offer_title"] = f"{values['offer_title']} (mis à jour)"[:200]
    communes = list(
        Territory.objects.communes().filter(is_active=True).annotate(n=Count("structures")).order_by("pk")[:500]
    )
    template = dict(rows[0])
    for index in range(ROWS - len(rows)):
        structure = index // 4
        values = dict(template)
        values.update(
            structure_siret="",
            structure_name=f"Nouvelle structure d'essai {structure}",
            structure_commune=communes[structure % len(communes)].code,
            structure_latitude="",
            structure_longitude="",
            offer_ref=f"nouvelle-{index}",
            offer_title=f"Nouvelle offre {index}",
        )
        rows.append(values)
    return rows


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("offres")
    sheet.append(COLUMNS)
    for values in rows:
        sheet.append([values[column] for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _check(user, name, data) -> tuple[ImportBatch, float, float]:
    batch = ImportBatch.objects.create(uploaded_by=user, file_name=name, source=data, status=ImportStatus.CHECKING)
    started, cpu = time.perf_counter(), time.process_time()
    batch = import_check(batch_id=batch.pk)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert batch.status == ImportStatus.PREVIEW, batch.errors[:3]
    return batch, elapsed, cpu


def _load() -> str:
    """The machine's load while measuring: on a shared machine the wall-clock figures stretch with it."""
    return f"load average {os.getloadavg()[0]:.1f}"


def run(report):
    user = User.objects.create_superuser("bench-import-admin@exemple.org", "x")
    rows = _file_rows()
    data = _csv(rows)
    report.add("imports", f"file: rows ({len(data) / 1e6:.1f} MB of CSV)", len(rows), "")
    batch, elapsed, cpu = _check(user, "bench.csv", data)
    counts = batch.counts
    report.add("imports", f"preview of {len(rows)} CSV rows (target < {TARGET_SECONDS} s)", elapsed, "s")
    report.add("imports", f"  CPU time of the worker process ({_load()})", cpu, "s")
    report.add("imports", "  offers created", counts["offers_created"], "")
    report.add("imports", "  offers updated", counts["offers_updated"], "")
    report.add("imports", "  offers unchanged", counts["offers_unchanged"], "")
    xlsx = _xlsx(rows)
    _xlsx_batch, elapsed, cpu = _check(user, "bench.xlsx", xlsx)
    report.add("imports", f"preview of the same rows as XLSX ({len(xlsx) / 1e6:.1f} MB)", elapsed, "s")
    report.add("imports", f"  CPU time of the worker process ({_load()})", cpu, "s")
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.APPLYING)
    offers_before, structures_before = Offer.objects.count(), Structure.objects.count()
    started, cpu = time.perf_counter(), time.process_time()
    batch = import_apply(batch_id=batch.pk, user_id=user.pk)
    report.add(
        "imports", f"confirmation of {len(rows)} rows (bulk writes, one refresh)", time.perf_counter() - started, "s"
    )
    report.add("imports", f"  CPU time of the worker process ({_load()})", time.process_time() - cpu, "s")
    assert batch.status == ImportStatus.APPLIED, batch.errors[:3]
    assert Offer.objects.count() - offers_before == counts["offers_created"]
    assert Structure.objects.count() - structures_before == counts["structures_created"]
    stored = set(MatchEntry.objects.values_list("offer_id", "territory_id", "stage_id", "title_key", "structure_key"))
    rebuild()
    rebuilt = set(MatchEntry.objects.values_list("offer_id", "territory_id", "stage_id", "title_key", "structure_key"))
    report.add("imports", "match entries after the import equal a full rebuild (1 = yes)", float(stored == rebuilt), "")
