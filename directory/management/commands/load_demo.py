import hashlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from directory.models import ReferentialVersion
from directory.services.demo import DemoPermanencesRejected, load_demo_permanences
from directory.services.importer import ImportRejected, import_offers
from directory.services.territories import file_checksum


class Command(BaseCommand):
    help = "Charge l'annuaire de démonstration (données fictives, clairement signalées comme telles)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, force, **options):
        path = settings.DEMO_DIRECTORY_CSV
        permanences_path = settings.DEMO_PERMANENCES_CSV
        checksum = hashlib.sha256(f"{file_checksum(path)}+{file_checksum(permanences_path)}".encode()).hexdigest()
        if not force and ReferentialVersion.objects.filter(name="demo", checksum=checksum).exists():
            self.stdout.write("Annuaire de démonstration déjà chargé : rien à faire.")
            return
        try:
            with transaction.atomic():
                report = import_offers(path.read_text(encoding="utf-8-sig"))
                permanences = load_demo_permanences(permanences_path.read_text(encoding="utf-8-sig"))
        except (ImportRejected, DemoPermanencesRejected) as rejected:
            for error in rejected.errors:
                self.stderr.write(str(error))
            raise CommandError("Le fichier de démonstration est invalide : rien n'a été chargé.") from None
        ReferentialVersion.objects.update_or_create(
            name="demo", defaults={"checksum": checksum, "source": str(path.name)}
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Annuaire de démonstration : {report.structures_created} structures et "
                f"{report.offers_created} offres créées, {report.offers_updated} mises à jour, "
                f"{permanences} permanences créées."
            )
        )
