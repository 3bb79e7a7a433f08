"""Open data at a stable address: the files the weekly task writes (directory/opendata.py), and their index page."""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from directory.opendata import FORMATS, public_files_root


def _available():
    root = public_files_root()
    files = []
    for export_format, names in FORMATS.items():
        for name in names:
            path = root / export_format / name
            if path.is_file():
                files.append({"format": export_format, "name": name, "size": path.stat().st_size, "path": path})
    return files


@require_safe
def opendata_index(request):
    return render(request, "directory/opendata.html", {"files": _available()})


@require_safe
def opendata_file(request, export_format, name):
    """The last file written by the weekly export (404 in French until the first run)."""
    if name not in FORMATS.get(export_format, ()):
        raise Http404("Fichier inconnu.")
    path = public_files_root() / export_format / name
    if not path.is_file():
        raise Http404("Ce fichier n'a pas encore été produit : il l'est chaque semaine.")
    response = FileResponse(path.open("rb"), content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    response["Cache-Control"] = "public, max-age=3600"
    return response
