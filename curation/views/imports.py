"""Curators' imports with review (upload, preview, confirm) and exports of their scope."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.scopes import curated_offers
from curation.models import ImportStatus
from curation.selectors import visible_imports
from curation.services import data_inclusion
from curation.services import imports as services
from curation.services.uploads import check_upload
from curation.views.staff import curator_required
from directory.services.importer import COLUMN_HELP, REQUIRED

SHOWN_CHANGES = 300


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier CSV ou XLSX"),
        help_text=format_lazy(
            gettext_lazy("Les colonnes du modèle à télécharger ci-dessous ; {size} Mo au plus."),
            size=settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024),
        ),
        widget=forms.ClearableFileInput({"accept": ".csv,.xlsx"}),
    )


class DataInclusionForm(forms.Form):
    structures = forms.FileField(
        label=gettext_lazy("Structures (structures.json)"),
        widget=forms.ClearableFileInput({"accept": ".json,.jsonl"}),
    )
    services = forms.FileField(
        label=gettext_lazy("Services (services.json)"),
        help_text=gettext_lazy("Fichiers au schéma data·inclusion v1 (tableaux JSON) ; 20 Mo au plus chacun."),
        widget=forms.ClearableFileInput({"accept": ".json,.jsonl"}),
    )


@curator_required
def imports(request):
    is_data_inclusion = request.method == "POST" and request.POST.get("source") == "data-inclusion"
    form = UploadForm(
        None if is_data_inclusion else request.POST or None, None if is_data_inclusion else request.FILES or None
    )
    di_form = DataInclusionForm(
        request.POST if is_data_inclusion else None, request.FILES if is_data_inclusion else None, prefix="di"
    )
    if is_data_inclusion and di_form.is_valid():
        files = {name: (f.name, f.read()) for name, f in di_form.cleaned_data.items()}
        batch = data_inclusion.data_inclusion_preview(user=request.user, **files)
        return redirect("curation:import_detail", pk=batch.pk)
    if request.method == "POST" and not is_data_inclusion and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            check_upload(upload.name, data)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            # Read and previewed by a task: the page that follows shows its progress.
            batch = services.import_submit(user=request.user, file_name=upload.name, data=data)
            return redirect("curation:import_detail", pk=batch.pk)
    page = Paginator(visible_imports(request.user).defer("changes"), 20).get_page(request.GET.get("page"))
    columns = [
        {"name": name, "label": label, "format": help_text, "required": name in REQUIRED}
        for name, (label, help_text) in COLUMN_HELP.items()
    ]
    return render(
        request, "curation/imports.html", {"form": form, "di_form": di_form, "page": page, "columns": columns}
    )


@curator_required
def import_template(request):
    """The file to fill in: every column, and two example rows (fixtures/examples/offres-exemple.csv)."""
    example = (settings.BASE_DIR / "fixtures" / "examples" / "offres-exemple.csv").read_text(encoding="utf-8")
    response = HttpResponse("\ufeff" + example, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="modele-import-guichet-ess.csv"'
    return response


@curator_required
def import_detail(request, pk):
    batch = get_object_or_404(visible_imports(request.user), pk=pk)
    context = {
        "batch": batch,
        # A large import lists its first changes; the counts above them give the whole.
        "changes": batch.changes[:SHOWN_CHANGES],
        "hidden_changes": max(0, len(batch.changes) - SHOWN_CHANGES),
        "refresh_seconds": 2 if batch.in_progress else None,
    }
    return render(request, "curation/import_detail.html", context)


@require_POST
@curator_required
def import_decide(request, pk):
    batch = get_object_or_404(visible_imports(request.user), pk=pk)
    try:
        if request.POST.get("action") == "confirm":
            batch = services.import_confirm(batch=batch, user=request.user)
            batch.refresh_from_db(fields=["status"])
            if batch.status == ImportStatus.APPLIED:
                messages.success(request, _("Import enregistré."))
            elif batch.status == ImportStatus.REJECTED:
                messages.error(request, _("L'import est refusé : rien n'a été enregistré."))
            else:
                messages.info(request, _("Import confirmé : il est en cours d'enregistrement."))
        else:
            services.import_cancel(batch=batch)
            messages.info(request, _("Import abandonné : rien n'a été enregistré."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("curation:import_detail", pk=pk)


@curator_required
def export(request):
    offers = curated_offers(request.user)
    stamp = timezone.localdate().isoformat()
    if request.GET.get("format") == "xlsx":
        # Built in a temporary file (constant memory), then streamed from it.
        return FileResponse(
            services.export_xlsx_file(offers),
            as_attachment=True,
            filename=f"annuaire-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    # Streamed as the rows are read: the first bytes leave at once and memory does not grow with the scope.
    response = StreamingHttpResponse(services.export_csv_lines(offers), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="annuaire-{stamp}.csv"'
    return response
