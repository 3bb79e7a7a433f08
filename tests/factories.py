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
