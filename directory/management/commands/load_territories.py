import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from directory.management.progress import ProgressPrinter
from directory.services.territories import load_territories


class Command(BaseCommand):
    help = "Charge ou met à jour le référentiel territorial (COG) depuis le fichier fourni avec le code."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=settings.TERRITORIES_FIXTURE)
        parser.add_argument(
            "--geo-file", type=Path, default=None, help="Points et contours (par défaut geo.json.gz à côté de --file)."
        )
        parser.add_argument("--force", action="store_true", help="Recharger même si le fichier n'a pas changé.")

    def handle(self, *args, file, geo_file, force, **options):
        started = time.monotonic()
        report = load_territories(file, force=force, geo_path=geo_file, progress=ProgressPrinter(self.stdout))
        elapsed = time.monotonic() - started
        if report.skipped:
            self.stdout.write(f"Référentiel territorial déjà à jour ({file.name}) : rien à recharger.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Référentiel chargé en {elapsed:.1f} s : {report.created} territoires créés, "
                f"{report.updated} mis à jour, {report.deactivated} désactivés, {report.links} liens, "
                f"{report.postal_codes} codes postaux, {report.points} communes situées, "
                f"{report.boundaries} contours."
            )
        )
        if report.epci_points:
            self.stdout.write(
                f"{len(report.epci_points)} commune(s) absente(s) de la source géographique, placée(s) au centre "
                f"de leur EPCI : {', '.join(report.epci_points)}."
            )
        if report.without_point:
            self.stdout.write(
                f"{len(report.without_point)} commune(s) sans point (hors EPCI, absente(s) de la source ; "
                f"« lieu inconnu ») : {', '.join(report.without_point)}."
            )
