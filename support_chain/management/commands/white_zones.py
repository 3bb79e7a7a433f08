import json

from django.core.management.base import BaseCommand, CommandError

from directory.models import ReachStatus, Territory
from support_chain.models import Stage
from support_chain.white_zones import territory_report


class Command(BaseCommand):
    help = (
        "Affiche les zones blanches enregistrées pour les communes d'un territoire et une étape "
        "(recalculées par compute_white_zones)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--territory", required=True, help="Code de couverture : DEP-23, EPCI-200044014, REG-75…")
        parser.add_argument("--stage", required=True, help="Étape : emergence, amorcage, creation…")
        parser.add_argument("--json", action="store_true", help="Sortie JSON, pour les scripts et les partenaires.")

    def handle(self, *args, territory, stage, **options):
        place = Territory.objects.filter(key=territory.strip()).first()
        if place is None:
            raise CommandError(f"Territoire inconnu : « {territory} » (attendu : COM-23077, DEP-23, REG-75…).")
        step = Stage.objects.filter(slug=stage.strip()).first()
        if step is None:
            slugs = ", ".join(Stage.objects.order_by("position").values_list("slug", flat=True))
            raise CommandError(f"Étape inconnue : « {stage} » (étapes : {slugs}).")
        report = territory_report(place, step)
        if options["json"]:
            self.stdout.write(_dumps(report))
            return
        if not report["communes"]:
            self.stdout.write(f"Rien d'enregistré pour {place.name} : lancez d'abord `manage.py compute_white_zones`.")
            return
        labels = dict(ReachStatus.choices)
        self.stdout.write(f"{place.name} — {step.name} (rayon {report['radius_km']} km)")
        for status, population in report["population"].items():
            self.stdout.write(f"  {labels[status]} : {population} habitants")
        for commune in report["communes"]:
            nearest = "—" if commune["nearest_km"] is None else f"{commune['nearest_km']} km"
            self.stdout.write(
                f"  {commune['code']} {commune['name']} ({commune['population']} hab.) : "
                f"{labels[commune['status']]}, présentiel le plus proche : {nearest}"
            )


def _dumps(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)
