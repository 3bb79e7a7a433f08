"""The matching as JSON, for the pages' JavaScript and for partners: same input and output as `manage.py match`."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from funding import selectors
from funding.forms import ProfileForm
from funding.payloads import results_payload


class MatchThrottle(AnonRateThrottle):
    rate = "120/min"


MATCH_PARAMETERS = [
    OpenApiParameter("commune", OpenApiTypes.STR, required=True, description="Code INSEE, code postal ou nom"),
    OpenApiParameter("stage", OpenApiTypes.STR, required=True, description="Étape (emergence, amorcage…)"),
    OpenApiParameter("need", OpenApiTypes.STR, many=True, description="Besoins (répétable)"),
    OpenApiParameter("legal_form", OpenApiTypes.STR, description="Forme juridique (association, scop…)"),
    OpenApiParameter("collective", OpenApiTypes.STR, enum=["collectif", "individuel"]),
    OpenApiParameter("sector", OpenApiTypes.STR, description="Secteur, texte libre"),
    OpenApiParameter("amount", OpenApiTypes.INT, description="Montant recherché (€)"),
    OpenApiParameter("age", OpenApiTypes.INT, description="Âge de la structure (années)"),
    OpenApiParameter("esus", OpenApiTypes.STR, enum=["oui", "non"], description="Agrément ESUS"),
]


class MatchView(APIView):
    """Offers matching a holder's profile, ranked, each with its reasons in French."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [MatchThrottle]

    @extend_schema(
        operation_id="parcours_correspondances",
        parameters=MATCH_PARAMETERS,
        responses={
            200: inline_serializer(
                "MatchResults",
                {
                    "profile": serializers.DictField(),
                    "results": serializers.ListField(child=serializers.DictField()),
                },
            ),
            400: inline_serializer("MatchErrors", {"errors": serializers.DictField()}),
        },
    )
    def get(self, request):
        form = ProfileForm(request.query_params)
        if not form.is_valid():
            errors = {name: [str(message) for message in messages] for name, messages in form.errors.items()}
            return Response({"errors": errors}, status=400)
        today = timezone.localdate()
        profile = selectors.build_profile(**form.profile_values())
        return Response(results_payload(profile, selectors.match(profile, today=today), today=today))
