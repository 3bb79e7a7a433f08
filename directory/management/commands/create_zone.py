from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from directory.services.territories import read_commune_codes, zone_create_or_update


class Command(BaseCommand):
    help = "Crée ou remplace une zone personnalisée à partir d'un CSV de codes INSEE de communes."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Nom de la zone, ex. « Communes FRR de la Creuse »")
        parser.add_argument("file", type=Path, help="CSV : une colonne de codes INSEE (en-tête facultatif)")
        parser.add_argument("--slug", default="", help="Identifiant stable (code ZONE-<slug>)")
        parser.add_argument("--description", default="")

    def handle(self, *args, name, file, slug, description, **options):
        try:
            codes = read_commune_codes(file.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Lecture impossible de {file} : {error}") from error
        try:
            zone = zone_create_or_update(name=name, commune_codes=codes, slug=slug, description=description)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"Zone {zone.key} « {zone.name} » : {len(set(codes))} communes."))
