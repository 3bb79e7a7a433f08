import time

from django.core.management.base import BaseCommand

from funding.match_entries import rebuild


class Command(BaseCommand):
    help = (
        "Réécrit les entrées de correspondance (funding_matchentry) à partir de l'annuaire. Les déclencheurs de "
        "la base les tiennent à jour : à n'utiliser qu'après une restauration sans déclencheurs."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        self.stdout.write("Réécriture des entrées de correspondance…")
        count = rebuild()
        self.stdout.write(
            self.style.SUCCESS(f"{count} entrées de correspondance réécrites en {time.monotonic() - started:.1f} s.")
        )
