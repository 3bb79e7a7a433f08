"""An uploaded spreadsheet (CSV or XLSX) read into the importer's CSV text, refusing what could hurt the server.

Every check happens before the file is parsed, or stops the parsing as soon as it fails, and each refusal is a
French message naming what is wrong (a ValidationError): the file's size (IMPORT_MAX_UPLOAD_BYTES); for an XLSX,
the size it would take unpacked, read from the zip's directory (IMPORT_MAX_UNPACKED_BYTES), and the sheet's row
count, read from its declared dimension and counted again while reading (IMPORT_MAX_ROWS); XML that declares
entities (refused by defusedxml, which openpyxl uses once installed) or is malformed; NUL bytes; a field longer
than the csv module's limit. A CSV in UTF-16 is read when it starts with its byte-order mark.
"""

import codecs
import csv
import datetime
import io
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The csv module's own limit on one field (csv.field_size_limit()); the importer keeps it. (openpyxl cuts a
# cell at Excel's 32,767 characters.)
MAX_FIELD_CHARS = 131_072


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def check_upload(name: str, data: bytes) -> None:
    """The checks that need no parsing (size, format, an XLSX's unpacked size): quick enough for the request."""
    if len(data) > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("Fichier trop volumineux (%(max)s Mo au plus).") % {"max": _megabytes(settings.IMPORT_MAX_UPLOAD_BYTES)}
        )
    lower = name.lower()
    if lower.endswith(".xlsx"):
        _check_zip(data)
    elif not lower.endswith(".csv"):
        raise ValidationError(_("Format non pris en charge : déposez un fichier .csv ou .xlsx."))


def read_upload(name: str, data: bytes) -> str:
    """The uploaded CSV or XLSX file as CSV text; ValidationError (in French) when it cannot or must not be read."""
    check_upload(name, data)
    if name.lower().endswith(".xlsx"):
        text = _xlsx_to_csv(data)
    else:
        text = _decode_csv(data)
        _check_csv_rows(text)
    _check_nul(text)
    return text


def _decode_csv(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ValidationError(_("Ce fichier CSV en UTF-16 est illisible : enregistrez-le en CSV UTF-8.")) from error
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("Encodage du fichier illisible : enregistrez-le en CSV UTF-8."))


def _check_nul(text: str) -> None:
    position = text.find("\x00")
    if position >= 0:
        line = text.count("\n", 0, position) + 1
        raise ValidationError(
            _(
                "Le fichier contient un caractère nul (octet 0x00) à la ligne %(line)s : il n'est pas au format "
                "texte attendu (un CSV enregistré en UTF-16 sans marque d'ordre, peut-être). "
                "Enregistrez-le en CSV UTF-8."
            )
            % {"line": line}
        )


def _check_csv_rows(text: str) -> None:
    """Count the records (and meet an over-long field) before the importer parses them."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    count = 0
    try:
        for _record in reader:
            count += 1
            if count > settings.IMPORT_MAX_ROWS + 1:
                raise ValidationError(_too_many_rows())
    except csv.Error as error:
        raise ValidationError(csv_error_message(error, reader.line_num + 1)) from error


def csv_error_message(error: csv.Error, line: int) -> str:
    """The csv module's error, in French."""
    if "field larger than field limit" in str(error):
        return _("Ligne %(line)s : un champ dépasse %(max)s caractères.") % {
            "line": line,
            "max": f"{MAX_FIELD_CHARS:,}".replace(",", "\u202f"),
        }
    return _("Ligne %(line)s : CSV mal formé (%(detail)s).") % {"line": line, "detail": error}


def _too_many_rows() -> str:
    return _("Trop de lignes : %(max)s lignes de données au plus par import ; découpez le fichier.") % {
        "max": settings.IMPORT_MAX_ROWS
    }


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


def _check_zip(data: bytes) -> None:
    """Refuse a file that is not a zip, or that would unpack to more than IMPORT_MAX_UNPACKED_BYTES."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ValidationError(_("Ce fichier XLSX est illisible : ce n'est pas un classeur Excel.")) from error
    if unpacked > settings.IMPORT_MAX_UNPACKED_BYTES:
        raise ValidationError(
            _(
                "Ce fichier XLSX occuperait %(size)s Mo une fois décompressé (%(max)s Mo au plus) : "
                "il est refusé sans être lu."
            )
            % {"size": _megabytes(unpacked), "max": _megabytes(settings.IMPORT_MAX_UNPACKED_BYTES)}
        )


def _xml_error_message(error: Exception) -> str:
    # openpyxl wraps the parser's error in a ValueError: name the first cause.
    while error.__cause__ is not None:
        error = error.__cause__
    kind = type(error).__name__
    if kind in {"EntitiesForbidden", "DTDForbidden", "ExternalReferenceForbidden"}:
        return _("Ce fichier XLSX est refusé : son XML déclare des entités ou une DTD, ce qu'un classeur n'a pas.")
    if kind in {"ParseError", "ExpatError", "XMLSyntaxError"}:
        return _("Ce fichier XLSX est illisible : le XML d'une de ses feuilles est mal formé (%(detail)s).") % {
            "detail": error
        }
    return _("Ce fichier XLSX est illisible (%(detail)s).") % {"detail": kind}


def _xlsx_to_csv(data: bytes) -> str:
    from openpyxl import load_workbook

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            # The declared dimension, read from the sheet's first bytes, before any row is parsed.
            declared = sheet.max_row
            if declared is not None and declared > settings.IMPORT_MAX_ROWS + 1:
                raise ValidationError(_too_many_rows())
            # Then read every row and column the sheet holds, whatever it declared (a dimension can lie).
            sheet.reset_dimensions()
            count = 0
            for row in sheet.iter_rows(values_only=True):
                cells = [_cell(value) for value in row]
                while cells and cells[-1] == "":
                    cells.pop()
                if not cells:
                    continue
                count += 1
                if count > settings.IMPORT_MAX_ROWS + 1:
                    raise ValidationError(_too_many_rows())
                writer.writerow(cells)
        finally:
            workbook.close()
    except ValidationError:
        raise
    except Exception as error:  # openpyxl and the XML parsers raise many kinds of errors on a broken file
        raise ValidationError(_xml_error_message(error)) from error
    return buffer.getvalue()
