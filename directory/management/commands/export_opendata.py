"""Write the published directory as open data: `--format data-inclusion|dispositif-aide --output DIR`."""

from django.core.management.base import BaseCommand

from directory.opendata import FORMATS, write_export


class Command(BaseCommand):
    help = (
        "Exporte l'annuaire publié en données ouvertes : data-inclusion (structures.json, services.json) "
        "ou dispositif-aide (dispositifs.json)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=sorted(FORMATS), dest="export_format")
        parser.add_argument("--output", required=True, help="Dossier où écrire les fichiers (créé au besoin).")

    def handle(self, *args, export_format, output, **options):
        written = write_export(export_format, output)
        for file_name, count in written.items():
            self.stdout.write(f"{file_name} : {count} enregistrement(s)")
