"""The CRESS curators of the demo directory's three régions, so the demo shows them as curated.

A région without a curator is « pas encore renseignée » (support_chain/selectors.py region_status); the demo
directory (fixtures/demo) fills three régions, and this gives each one curator account. The accounts have no
usable password: nobody signs in with them until an administrator sets one (`manage.py changepassword`).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Curator
from directory.models import Territory

# The régions of fixtures/demo/directory.csv: Nouvelle-Aquitaine, Normandie, Occitanie.
DEMO_REGIONS = {"REG-75": "nouvelle-aquitaine", "REG-28": "normandie", "REG-76": "occitanie"}


class Command(BaseCommand):
    help = "Crée un compte de curateur CRESS (sans mot de passe) pour chaque région de l'annuaire de démonstration."

    @transaction.atomic
    def handle(self, *args, **options):
        regions = {region.key: region for region in Territory.objects.filter(key__in=DEMO_REGIONS)}
        missing = sorted(set(DEMO_REGIONS) - set(regions))
        if missing:
            raise CommandError(
                f"Régions absentes du référentiel : {', '.join(missing)}. "
                "Lancez d'abord « manage.py load_territories »."
            )
        created = 0
        for key, slug in DEMO_REGIONS.items():
            user, made = get_user_model().objects.get_or_create(
                email=f"cress-{slug}@demo.invalid", defaults={"first_name": "CRESS", "last_name": regions[key].name}
            )
            if made:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                created += 1
            curator, _made = Curator.objects.get_or_create(user=user)
            curator.regions.add(regions[key])
        self.stdout.write(f"Curateurs de démonstration : {created} créé(s), {len(DEMO_REGIONS) - created} déjà là.")
