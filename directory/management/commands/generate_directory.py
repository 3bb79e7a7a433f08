import random
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from directory.management.progress import ProgressPrinter
from directory.models import (
    Instrument,
    LegalForm,
    Network,
    Offer,
    OfferType,
    Permanence,
    PublicationStatus,
    Structure,
    StructureRole,
    Territory,
    TerritoryKind,
)
from directory.services.bulk import insert_many
from support_chain.models import Need, Stage

# Where a generated offer's coverage sits, narrowest first (weights sum to 100).
COVERAGE_LEVELS = [("commune", 25), ("epci", 25), ("departement", 25), ("region", 18), ("country", 7)]
# The roles of a generated structure, drawn from these (support bodies most often).
ROLE_MIXES = [
    {StructureRole.SUPPORT},
    {StructureRole.SUPPORT},
    {StructureRole.FINANCER},
    {StructureRole.SUPPORT, StructureRole.FINANCER},
    {StructureRole.THIRD_PLACE},
    {StructureRole.SUPPORT, StructureRole.THIRD_PLACE},
]
# Structures without coordinates (« lieu inconnu »: never near anyone), and permanences per structure.
WITHOUT_COORDINATES = 0.03
PERMANENCES_PER_STRUCTURE = 0.1
JITTER_DEGREES = 0.03  # a structure sits within ~3 km of its commune's point


class Command(BaseCommand):
    help = (
        "Génère un grand annuaire synthétique pour les mesures de performance (noms « Structure générée n° … »). "
        "Ne pas utiliser sur une base de production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--structures", type=int, default=20_000)
        parser.add_argument("--offers", type=int, default=60_000)
        parser.add_argument("--seed", type=int, default=1)

    @transaction.atomic
    def handle(self, *args, structures, offers, seed, **options):
        started = time.monotonic()
        progress = ProgressPrinter(self.stdout)
        rng = random.Random(seed)
        communes = list(
            Territory.objects.communes()
            .filter(is_active=True)
            .values_list("pk", "epci_id", "departement_id", "region_id", "latitude", "longitude")
        )
        communes.sort()
        country = Territory.objects.get(kind=TerritoryKind.COUNTRY).pk
        legal_forms = list(LegalForm.objects.values_list("pk", flat=True))
        networks = list(Network.objects.values_list("pk", flat=True))
        instruments = list(Instrument.objects.values_list("pk", flat=True))
        stages = list(Stage.objects.values_list("pk", flat=True))
        needs = list(Need.objects.values_list("pk", flat=True))
        now = timezone.now()
        first_id = (Structure.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

        structure_rows = []
        for index in range(structures):
            commune, _epci, _dep, region, lat, lon = rng.choice(communes)
            roles = rng.choice(ROLE_MIXES)
            if lat is None or rng.random() < WITHOUT_COORDINATES:
                lat = lon = None
            else:
                lat = round(lat + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES), 5)
                lon = round(lon + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES), 5)
            structure_rows.append(
                Structure(
                    name=f"Structure générée n° {first_id + index}",
                    legal_form_id=rng.choice(legal_forms),
                    network_id=rng.choice(networks) if rng.random() < 0.6 else None,
                    **{role.field_name: role in roles for role in StructureRole},
                    commune_id=commune,
                    region_id=region,
                    # Near the commune's point (its mairie), as a geocoded address would be.
                    latitude=lat,
                    longitude=lon,
                    description="Structure fictive générée pour les mesures de performance.",
                    status=PublicationStatus.PUBLISHED,
                    last_verified_at=now - timezone.timedelta(days=rng.randint(0, 700)),
                )
            )
        for start in range(0, len(structure_rows), 2000):
            Structure.objects.bulk_create(structure_rows[start : start + 2000])
            progress("Structures", min(start + 2000, structures), structures)
        created = list(
            Structure.objects.filter(pk__gte=first_id).values_list(
                "pk", "commune_id", "commune__epci_id", "commune__departement_id", "region_id"
            )
        )

        self._permanences(rng, structures, first_id, progress)

        offer_rows, relations = [], []
        types = OfferType.values
        for index in range(offers):
            structure, commune, epci, dep, region = created[index % len(created)]
            offer_type = rng.choice(types)
            funding = offer_type == OfferType.FUNDING
            amount_min = rng.choice([1000, 5000, 10000]) if funding else None
            offer_rows.append(
                Offer(
                    structure_id=structure,
                    ref=f"gen-{index}",
                    title=f"Offre générée n° {index} ({offer_type})",
                    offer_type=offer_type,
                    description="Offre fictive générée pour les mesures de performance.",
                    support_level=rng.choice([1, 2, 3]),
                    instrument_id=rng.choice(instruments) if funding else None,
                    amount_min=amount_min,
                    amount_max=amount_min * rng.choice([2, 5, 10]) if funding else None,
                    fee=rng.choice(["gratuit", "payant", "adhesion"]),
                    mode_presentiel=True,
                    mode_distance=rng.random() < 0.4,
                    status=PublicationStatus.PUBLISHED,
                    last_verified_at=now - timezone.timedelta(days=rng.randint(0, 700)),
                )
            )
            level = rng.choices([name for name, _w in COVERAGE_LEVELS], [w for _n, w in COVERAGE_LEVELS])[0]
            territory = {"commune": commune, "epci": epci or dep, "departement": dep, "region": region}.get(
                level, country
            )
            relations.append((territory, rng.sample(stages, rng.randint(1, 3)), rng.sample(needs, rng.randint(1, 4))))
        first_offer = (Offer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        for start in range(0, len(offer_rows), 2000):
            Offer.objects.bulk_create(offer_rows[start : start + 2000])
            progress("Offres", min(start + 2000, offers), offers)
        offer_ids = list(Offer.objects.filter(pk__gte=first_offer).order_by("pk").values_list("pk", flat=True))
        coverage, offer_stages, offer_needs = [], [], []
        for pk, (territory, stage_ids, need_ids) in zip(offer_ids, relations, strict=True):
            coverage.append((pk, territory))
            offer_stages.extend((pk, stage) for stage in stage_ids)
            offer_needs.extend((pk, need) for need in need_ids)
        insert_many(
            Offer.coverage.through._meta.db_table,
            ["offer_id", "territory_id"],
            coverage,
            progress,
            "Couverture",
        )
        insert_many(Offer.stages.through._meta.db_table, ["offer_id", "stage_id"], offer_stages, progress, "Étapes")
        insert_many(Offer.needs.through._meta.db_table, ["offer_id", "need_id"], offer_needs, progress, "Besoins")
        if connection.vendor == "postgresql":
            # Tens of thousands of rows arrived at once: give the planner their statistics now rather than when
            # autovacuum comes by (without them it nests loops over every offer and a search takes seconds).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"{structures} structures et {offers} offres générées en {time.monotonic() - started:.1f} s."
            )
        )

    def _permanences(self, rng, structures, first_id, progress):
        """Support bodies holding permanences in third places of their région (host and place drawn at random)."""
        rows = Structure.objects.filter(pk__gte=first_id).values_list(
            "pk", "region_id", StructureRole.SUPPORT.field_name, StructureRole.THIRD_PLACE.field_name
        )
        supports, places = {}, []
        for pk, region, is_support, is_third_place in rows.order_by("pk"):
            if is_support:
                supports.setdefault(region, []).append(pk)
            if is_third_place:
                places.append((pk, region))
        permanences = set()
        for _index in range(int(structures * PERMANENCES_PER_STRUCTURE)):
            place, region = rng.choice(places) if places else (None, None)
            if place is None or not supports.get(region):
                break
            permanences.add((place, rng.choice(supports[region])))
        insert_many(
            Permanence._meta.db_table,
            ["place_id", "host_id", "schedule", "opening_hours", "note"],
            [
                (place, host, "le 1er mardi du mois, de 9 h à 12 h", "Tu[1] 09:00-12:00", "")
                for place, host in sorted(permanences)
            ],
            progress,
            "Permanences",
        )
