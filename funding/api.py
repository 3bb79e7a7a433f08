"""The matching as JSON, for the pages' JavaScript and for partners: same input and output as `manage.py match`,
read page by page (`limit`, `offset`; `count`, `next` and `previous` say where the rest is)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts.throttle import client_ip
from directory.cache import cached
from funding import selectors
from funding.forms import ProfileForm
from funding.payloads import results_payload
from funding.sectors import SECTOR_CHOICES


class MatchThrottle(AnonRateThrottle):
    """Per client, the client as every throttle of the project sees it (accounts.throttle.client_ip: REMOTE_ADDR,
    or the address NUM_PROXIES trusted proxies put in X-Forwarded-For); the rate is
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["match"] (MATCH_API_RATE, 120/min)."""

    scope = "match"

    def get_ident(self, request):
        return client_ip(request)


class MatchPagination(LimitOffsetPagination):
    """The first 50 matches by default; `limit` (500 at most) and `offset` read another page: a profile may match a
    couple of thousand offers (800 KB, seconds to explain them all), and a page reads and explains only its own
    rows. `count` and `next` say how many there are and where the rest is."""

    default_limit = 50
    max_limit = 500


MATCH_PARAMETERS = [
    OpenApiParameter("commune", OpenApiTypes.STR, required=True, description="Code INSEE, code postal ou nom"),
    OpenApiParameter("stage", OpenApiTypes.STR, required=True, description="Étape (emergence, amorcage…)"),
    OpenApiParameter("need", OpenApiTypes.STR, many=True, description="Besoins (répétable)"),
    OpenApiParameter("legal_form", OpenApiTypes.STR, description="Forme juridique (association, scop…)"),
    OpenApiParameter("collective", OpenApiTypes.STR, enum=["collectif", "individuel"]),
    OpenApiParameter("sector", OpenApiTypes.STR, description="Secteur, texte libre"),
    OpenApiParameter(
        "keyword",
        OpenApiTypes.STR,
        many=True,
        enum=[slug for slug, _label in SECTOR_CHOICES],
        description="Secteur dans la liste (répétable)",
    ),
    OpenApiParameter("amount", OpenApiTypes.INT, description="Montant recherché (€)"),
    OpenApiParameter("age", OpenApiTypes.INT, description="Âge de la structure (années)"),
    OpenApiParameter("esus", OpenApiTypes.STR, enum=["oui", "non"], description="Agrément ESUS"),
    OpenApiParameter(
        "limit", OpenApiTypes.INT, description="Nombre de résultats par page (50 par défaut, 500 au plus)"
    ),
    OpenApiParameter("offset", OpenApiTypes.INT, description="Rang du premier résultat moins un (0 par défaut)"),
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
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
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

        def answer():
            profile = selectors.build_profile(**form.profile_values())
            paginator = MatchPagination()
            ranked = selectors.RankedMatches(profile, today=today)
            matches = paginator.paginate_queryset(ranked, request, view=self)
            payload = results_payload(profile, matches, today=today)
            return {
                "profile": payload["profile"],
                "count": ranked.count(),
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "results": payload["results"],
            }

        # The same question gets the same answer until the directory changes (or the day: calls open and close).
        return Response(cached("match-api", (request.build_absolute_uri(), today.isoformat()), answer))
