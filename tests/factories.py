import factory
from django.utils import timezone

from directory.models import LegalForm, Offer, PublicationStatus, Structure, Territory
from support_chain.models import Need, Stage


def commune(code: str) -> Territory:
    return Territory.objects.get(key=f"COM-{code}")


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Structure d'essai {n}")
    commune = factory.LazyFunction(lambda: commune("23077"))
    role_support = True
    status = PublicationStatus.PUBLISHED
    last_verified_at = factory.LazyFunction(timezone.now)


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer
        skip_postgeneration_save = True

    structure = factory.SubFactory(StructureFactory)
    ref = factory.Sequence(lambda n: f"offre-{n}")
    title = factory.Sequence(lambda n: f"Offre d'essai {n}")
    offer_type = "accompagnement"
    status = PublicationStatus.PUBLISHED
    last_verified_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def stages(self, create, slugs, **kwargs):
        self.stages.set(Stage.objects.filter(slug__in=slugs or ["emergence"]))

    @factory.post_generation
    def needs(self, create, slugs, **kwargs):
        if slugs:
            self.needs.set(Need.objects.filter(slug__in=slugs))

    @factory.post_generation
    def coverage(self, create, keys, **kwargs):
        self.coverage.set(Territory.objects.filter(key__in=keys or ["FR"]))

    @factory.post_generation
    def eligible_legal_forms(self, create, slugs, **kwargs):
        if slugs:
            self.eligible_legal_forms.set(LegalForm.objects.filter(slug__in=slugs))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.User"
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.org")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Essai{n}")
    password = factory.PostGenerationMethodCall("set_password", "mot-de-passe-solide-42")

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


def make_curator(*region_keys, **user_fields):
    from accounts.models import Curator

    user = UserFactory(**user_fields)
    curator = Curator.objects.create(user=user)
    curator.regions.set(Territory.objects.filter(key__in=region_keys))
    return user


def make_agent(*territory_keys, sees_territory_referrals=False, **user_fields):
    from accounts.models import Agent

    user = UserFactory(**user_fields)
    agent = Agent.objects.create(
        user=user,
        organisation="Communauté de communes (essai)",
        sees_territory_referrals=sees_territory_referrals,
    )
    agent.territories.set(Territory.objects.filter(key__in=territory_keys))
    return user


def make_editor(structure, role="admin", **user_fields):
    from accounts.models import MembershipStatus, StructureMembership

    user = UserFactory(**user_fields)
    StructureMembership.objects.create(user=user, structure=structure, role=role, status=MembershipStatus.ACTIVE)
    return user


# --- referrals (funding/referrals) ---------------------------------------------------------------------


def make_referral(*offers, prescriber=None, commune_code="79191", **fields):
    """A referral sent by `prescriber` (an agent of Niort by default) to the offers given (one new by default)."""
    from funding.referrals.services import referral_create
    from support_chain.models import Stage

    values = {
        "holder_name": "Dominique Porteur",
        "holder_email": "porteur@exemple.org",
        "holder_phone": "",
        "description": "Une épicerie coopérative dans le quartier.",
        "commune": commune(commune_code),
        "stage": Stage.objects.get(slug="emergence"),
        "consent_given": True,
    }
    values.update(fields)
    if prescriber is None and values.get("source", "prescriber") == "prescriber":
        prescriber = make_agent("EPCI-200041317")
    offers = list(offers) or [OfferFactory(email="accueil@structure-essai.fr")]
    return referral_create(prescriber=prescriber, offers=offers, **values)


_OFFER_CONTACTS = [0]


def make_reachable_offer(**fields):
    """A published offer with a contact address, so a referral can reach it."""
    _OFFER_CONTACTS[0] += 1
    fields.setdefault("email", f"contact-{_OFFER_CONTACTS[0]}@structure-essai.fr")
    return OfferFactory(**fields)


def deliver_outbox():
    """Send every pending outbox e-mail now (what the Celery worker does after commit)."""
    from accounts.models import Email
    from accounts.outbox import send_emails

    return send_emails(ids=list(Email.objects.pending().values_list("pk", flat=True)))


# --- accounts and saved parcours ---------------------------------------------------------------------------


def make_holder(**user_fields):
    """A project holder's account, as the sign-up leaves it once activated (no role)."""
    user_fields.setdefault("terms_version", "2026-11-v1")
    user_fields.setdefault("terms_accepted_at", timezone.now())
    return UserFactory(**user_fields)


class SavedProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "funding.SavedProfile"

    user = factory.LazyFunction(make_holder)
    query = factory.Sequence(lambda n: f"commune=23077&stage=emergence&amount={n + 1000}")
    query_digest = factory.LazyAttribute(lambda saved: _digest(saved.query))
    label = "Faux-la-Montagne · Émergence"
    consent_version = "2026-11-v1"
    consent_given_at = factory.LazyFunction(timezone.now)


def _digest(query: str) -> str:
    from funding.saved_profiles.models import query_digest

    return query_digest(query)


def session_queries() -> int:
    """Queries a signed-in request spends reading its session once it is warm: one with database sessions, none with
    cached_db (the setting with REDIS_URL and in production), which reads it from the cache."""
    from django.conf import settings

    return 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
