import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import MembershipStatus, StructureMembership
from accounts.scopes import (
    agent_territories,
    can_prescribe,
    curated_regions,
    editable_offers,
    editable_structures,
    is_curator,
    navigation_roles,
)
from tests.factories import (
    OfferFactory,
    StructureFactory,
    UserFactory,
    commune,
    make_agent,
    make_curator,
    make_editor,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_regions():
    creuse = StructureFactory(name="En Creuse", commune=commune("23077"))  # Nouvelle-Aquitaine
    caen = StructureFactory(name="À Caen", commune=commune("14118"))  # Normandie
    return {
        "creuse": creuse,
        "caen": caen,
        "offers": [OfferFactory(structure=creuse), OfferFactory(structure=caen)],
    }


def test_curator_sees_only_structures_and_offers_of_their_regions(two_regions):
    curator = make_curator("REG-75")
    assert set(editable_structures(curator)) == {two_regions["creuse"]}
    assert set(editable_offers(curator)) == {two_regions["offers"][0]}
    assert [r.key for r in curated_regions(curator)] == ["REG-75"]


def test_editor_sees_only_their_own_structure_once_active(two_regions):
    editor = make_editor(two_regions["caen"])
    assert set(editable_structures(editor)) == {two_regions["caen"]}
    pending = UserFactory()
    StructureMembership.objects.create(user=pending, structure=two_regions["creuse"], status=MembershipStatus.REQUESTED)
    assert not editable_structures(pending).exists()


def test_anonymous_and_roleless_users_see_nothing(two_regions):
    for user in (AnonymousUser(), UserFactory(), None):
        assert not editable_structures(user).exists()
        assert not editable_offers(user).exists()
        assert not curated_regions(user).exists()


def test_superuser_sees_everything(two_regions):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert editable_structures(admin).count() == 2


def test_agent_territories_include_everything_inside_them():
    agent = make_agent("EPCI-200044014")
    keys = set(agent_territories(agent).values_list("key", flat=True))
    assert {"EPCI-200044014", "COM-23077", "COM-23090"} <= keys
    assert "COM-23001" not in keys and "DEP-23" not in keys


def _person(kind: str):
    """One person per row of the role matrix below."""
    if kind == "anonymous":
        return AnonymousUser()
    if kind == "roleless":
        return UserFactory()
    if kind == "curator":
        return make_curator("REG-75")
    if kind == "curator without région":
        return make_curator()
    if kind == "agent":
        return make_agent("DEP-79")
    if kind == "editor":
        return make_editor(StructureFactory())
    if kind == "requested member":
        user = UserFactory()
        StructureMembership.objects.create(user=user, structure=StructureFactory(), status=MembershipStatus.REQUESTED)
        return user
    if kind == "superuser":
        return UserFactory(is_superuser=True, is_staff=True)
    if kind == "deactivated curator":
        return make_curator("REG-75", is_active=False)
    raise ValueError(kind)


@pytest.mark.parametrize(
    ("kind", "curator", "referrer", "editor"),
    [
        ("anonymous", False, False, False),
        ("roleless", False, False, False),
        ("curator", True, True, False),
        # A curator row with no région yet refers people but curates nothing.
        ("curator without région", False, True, False),
        ("agent", False, True, False),
        ("editor", False, True, True),
        ("requested member", False, False, False),
        ("superuser", True, True, False),
        ("deactivated curator", False, False, False),
    ],
)
def test_each_role_question_answers_from_one_declaration(kind, curator, referrer, editor, django_assert_num_queries):
    person = _person(kind)
    with django_assert_num_queries(0 if kind in ("anonymous", "deactivated curator") else 1):
        roles = navigation_roles(person)
    assert roles == {"curator": curator, "referrer": referrer, "editor": editor}
    assert is_curator(person) is curator
    assert can_prescribe(person) is referrer
