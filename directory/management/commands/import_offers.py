import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.management.progress import ProgressPrinter
from directory.models import PublicationStatus
from directory.services.importer import ImportRejected, import_offers


class Command(BaseCommand):
    help = "Importe des structures et leurs offres depuis un CSV (tout ou rien). Voir le README pour le format."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Valider et compter sans rien écrire.")
        parser.add_argument(
            "--status",
            choices=PublicationStatus.values,
            default=PublicationStatus.PUBLISHED,
            help="Statut de publication des lignes importées (par défaut : published).",
        )

    def handle(self, *args, file, dry_run, status, **options):
        try:
            text = file.read_text(encoding="utf-8-sig")
        except FileNotFoundError as error:
            raise CommandError(f"Fichier introuvable : {file}") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{file} n'est pas encodé en UTF-8 (octet {error.start}).") from error
        progress = ProgressPrinter(self.stdout)
        try:
            report = import_offers(
                text,
                status=status,
                dry_run=dry_run,
                progress=lambda done, total: progress("Import", done, total),
            )
        except ImportRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"Import refusé : {len(rejected.errors)} ligne(s) en erreur, rien n'a été enregistré."
            ) from None
        prefix = "Simulation (rien n'a été enregistré) — " if dry_run else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}{report.rows} lignes : structures {report.structures_created} créées, "
                f"{report.structures_updated} mises à jour, {report.structures_unchanged} inchangées ; "
                f"offres {report.offers_created} créées, {report.offers_updated} mises à jour, "
                f"{report.offers_unchanged} inchangées."
            )
        )
        sys.stdout.flush()
