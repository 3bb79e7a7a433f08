"""Curators' imports with review (upload, preview, confirm) and exports of their scope."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.scopes import curated_offers
from curation.selectors import visible_imports
from curation.services import imports as services
from curation.views.staff import curator_required


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier CSV ou XLSX"),
        help_text=gettext_lazy("Mêmes colonnes que l'import en ligne de commande ; 5 Mo au plus."),
        widget=forms.ClearableFileInput({"accept": ".csv,.xlsx"}),
    )


@curator_required
def imports(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = services.read_upload(upload.name, upload.read())
        except ValidationError as error:
            form.add_error("file", error)
        else:
            batch = services.import_preview(user=request.user, file_name=upload.name, content=content)
            return redirect("curation:import_detail", pk=batch.pk)
    page = Paginator(visible_imports(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "curation/imports.html", {"form": form, "page": page})


@curator_required
def import_detail(request, pk):
    batch = get_object_or_404(visible_imports(request.user), pk=pk)
    return render(request, "curation/import_detail.html", {"batch": batch})


@require_POST
@curator_required
def import_decide(request, pk):
    batch = get_object_or_404(visible_imports(request.user), pk=pk)
    try:
        if request.POST.get("action") == "confirm":
            batch = services.import_confirm(batch=batch, user=request.user)
            if batch.status == "applied":
                messages.success(request, _("Import enregistré."))
            else:
                messages.error(request, _("L'import est refusé : rien n'a été enregistré."))
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
