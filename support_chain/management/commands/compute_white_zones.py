from django.core.management.base import BaseCommand, CommandError

from directory.management.progress import ProgressPrinter
from directory.models import ReachStatus, Territory, TerritoryKind
from support_chain.white_zones import compute_white_zones


class Command(BaseCommand):
    help = (
        "Recalcule les zones blanches : pour chaque commune et chaque étape, un accompagnement en présentiel "
        "à proximité, à distance seulement, ou rien."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", help="Code de couverture d'une région (REG-75) ; par défaut toute la France.")

    def handle(self, *args, region, **options):
        territory = None
        if region:
            territory = Territory.objects.filter(kind=TerritoryKind.REGION, key=region.strip().upper()).first()
            if territory is None:
                raise CommandError(f"Région inconnue : « {region} » (attendu : REG-75, REG-28…).")
        report = compute_white_zones(region=territory, progress=ProgressPrinter(self.stdout))
        counts = ", ".join(f"{report.by_status.get(status, 0)} {status.label}" for status in ReachStatus)
        self.stdout.write(
            self.style.SUCCESS(
                f"Zones blanches de {territory.name if territory else 'France'} calculées en {report.seconds:.1f} s "
                f"(rayon {report.radius_km:g} km) : {report.communes} communes × étapes = {report.rows} cases "
                f"({counts})."
            )
        )
