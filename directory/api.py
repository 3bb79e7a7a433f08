"""Read-only public API of the directory: published offers and structures, filtered by the search page's filters.

Only what the public pages show: no curator notes, no membership, no personal data beyond the public contact
details of a structure or an offer.
"""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, viewsets
from rest_framework.permissions import AllowAny

from directory import opendata
from directory.filters import OfferFilter, StructureFilter
from directory.models import Offer, OfferType, Structure, Territory


class TerritorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Territory
        fields = ["key", "kind", "code", "name"]


class StructureBriefSerializer(serializers.ModelSerializer):
    page = serializers.SerializerMethodField(help_text="Adresse de la page publique de la structure.")

    class Meta:
        model = Structure
        fields = ["id", "name", "page"]

    def get_page(self, structure) -> str:
        return self.context["request"].build_absolute_uri(structure.get_absolute_url())


class OfferSerializer(serializers.ModelSerializer):
    structure = StructureBriefSerializer(read_only=True)
    stages = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    needs = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    coverage = TerritorySerializer(many=True, read_only=True)
    eligible_legal_forms = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    instrument = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    modes = serializers.ListField(child=serializers.CharField(), read_only=True)
    page = serializers.SerializerMethodField(help_text="Adresse de la page publique de l'offre.")

    class Meta:
        model = Offer
        fields = [
            "id",
            "page",
            "title",
            "offer_type",
            "description",
            "how_to_access",
            "structure",
            "stages",
            "needs",
            "support_level",
            "coverage",
            "eligible_legal_forms",
            "esus_required",
            "min_structure_age",
            "max_structure_age",
            "instrument",
            "amount_min",
            "amount_max",
            "opens_on",
            "closes_on",
            "fee",
            "modes",
            "url",
            "email",
            "last_verified_at",
        ]

    def get_page(self, offer) -> str:
        return self.context["request"].build_absolute_uri(offer.get_absolute_url())


class StructureSerializer(StructureBriefSerializer):
    legal_form = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    network = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    commune = TerritorySerializer(read_only=True)

    class Meta:
        model = Structure
        fields = [
            "id",
            "page",
            "name",
            "siret",
            "legal_form",
            "roles",
            "network",
            "description",
            "address",
            "commune",
            "latitude",
            "longitude",
            "website",
            "email",
            "phone",
            "opening_hours",
            "accessibility",
            "last_verified_at",
        ]


@extend_schema_view(
    list=extend_schema(summary="Offres publiées, filtrées comme la recherche de l'annuaire"),
    retrieve=extend_schema(summary="Une offre publiée"),
)
class OfferViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OfferSerializer
    filterset_class = OfferFilter
    permission_classes = [AllowAny]

    def get_queryset(self):
        return (
            # A closed call for projects is never listed as current (directory.models.closed_call_q).
            Offer.objects.published()
            .current()
            .defer("search_vector", "search_text")
            .select_related("structure", "instrument")
            .prefetch_related(
                "stages",
                "needs",
                "eligible_legal_forms",
                Prefetch("coverage", queryset=Territory.objects.order_by("kind_rank", "name")),
            )
            .order_by("title", "pk")
        )


@extend_schema_view(
    list=extend_schema(summary="Structures publiées ayant une offre qui correspond aux filtres"),
    retrieve=extend_schema(summary="Une structure publiée"),
)
class StructureViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StructureSerializer
    filterset_class = StructureFilter
    permission_classes = [AllowAny]

    def get_queryset(self):
        return Structure.objects.published().select_related("legal_form", "network", "commune").order_by("name", "pk")


class _OpenDataList(generics.GenericAPIView):
    """A page of open-data records: the same objects as the files of directory/opendata.py."""

    permission_classes = [AllowAny]
    filter_backends: list = []

    def records(self, objects) -> list[dict]:
        raise NotImplementedError

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.records(page))


class DataInclusionStructures(_OpenDataList):
    """Structures publiées au format data·inclusion v1 (schéma `Structure`)."""

    def get_queryset(self):
        return opendata.published_structures()

    def records(self, objects):
        territories = opendata.territories_for({s.commune_id for s in objects})
        return [opendata.data_inclusion_structure(s, territories) for s in objects]


class DataInclusionServices(_OpenDataList):
    """Offres publiées au format data·inclusion v1 (schéma `Service`)."""

    def get_queryset(self):
        return opendata.published_offers()

    def records(self, objects):
        territories = opendata.territories_for({o.structure.commune_id for o in objects})
        return [opendata.data_inclusion_service(o, r, territories) for o, r in opendata.with_relations(objects)]


class Dispositifs(_OpenDataList):
    """Offres de financement publiées au format dispositif-aide."""

    def get_queryset(self):
        return opendata.published_offers(offer_type=OfferType.FUNDING)

    def records(self, objects):
        pages = opendata.pages()
        return [opendata.dispositif(o, r, pages) for o, r in opendata.with_relations(objects)]
