"""Who sees what: every list and detail is scoped by the requester; nobody else, never anonymous users."""

import pytest
from django.urls import reverse

from funding.referrals.models import ReferralSource
from funding.referrals.selectors import lines_visible_to, referrals_visible_to
from tests.factories import (
    StructureFactory,
    UserFactory,
    make_agent,
    make_curator,
    make_editor,
    make_reachable_offer,
    make_referral,
    session_queries,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """One referral from Niort (79, Nouvelle-Aquitaine) to two structures, and people of every scope."""
    recipient_one, recipient_two, bystander = StructureFactory(), StructureFactory(), StructureFactory()
    sender = make_agent("EPCI-200041317")
    referral = make_referral(
        make_reachable_offer(structure=recipient_one),
        make_reachable_offer(structure=recipient_two),
        prescriber=sender,
    )
    people = {
        "sender": sender,
        "agent_same_territory_with_right": make_agent("DEP-79", sees_territory_referrals=True),
        "agent_same_territory_without_right": make_agent("DEP-79"),
        "agent_other_territory_with_right": make_agent("DEP-23", sees_territory_referrals=True),
        "recipient_one": make_editor(recipient_one),
        "recipient_two": make_editor(recipient_two),
        "editor_elsewhere": make_editor(bystander),
        "curator_of_region": make_curator("REG-75"),
        "curator_other_region": make_curator("REG-28"),
        "user_without_role": UserFactory(),
    }
    return referral, people


VISIBLE = {
    "sender",
    "agent_same_territory_with_right",
    "recipient_one",
    "recipient_two",
    "curator_of_region",
}


def test_the_selector_scopes_every_kind_of_person(world):
    referral, people = world
    for name, user in people.items():
        assert referrals_visible_to(user).filter(pk=referral.pk).exists() is (name in VISIBLE), name


def test_pages_follow_the_same_scope(client, world):
    referral, people = world
    detail = reverse("referrals:detail", args=[referral.pk])
    for name, user in people.items():
        client.force_login(user)
        listed = referral in client.get(reverse("referrals:list")).context["page"].object_list
        status = client.get(detail).status_code
        assert (listed, status) == ((True, 200) if name in VISIBLE else (False, 404)), name


def test_anonymous_people_are_sent_to_login_from_every_page(client, world):
    referral, _people = world
    attachment_url = reverse("referrals:attachment", args=[referral.pk, 1])
    for url in [
        reverse("referrals:list"),
        reverse("referrals:detail", args=[referral.pk]),
        reverse("referrals:stats"),
        reverse("referrals:export", args=[referral.pk]),
        reverse("referrals:delete", args=[referral.pk]),
        attachment_url,
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    assert referrals_visible_to(None).count() == 0


def test_a_recipient_sees_its_own_line_only_unless_the_holder_agreed(world):
    referral, people = world
    one, two = referral.lines.order_by("pk")
    assert lines_visible_to(people["recipient_one"], referral) == [one]
    assert lines_visible_to(people["recipient_two"], referral) == [two]
    for name in ["sender", "curator_of_region", "agent_same_territory_with_right"]:
        assert lines_visible_to(people[name], referral) == [one, two], name
    referral.share_answers = True
    referral.save()
    assert lines_visible_to(people["recipient_one"], referral) == [one, two]


def test_the_list_page_shows_recipients_their_own_line_only(client, world):
    referral, people = world
    client.force_login(people["recipient_one"])
    rows = client.get(reverse("referrals:list")).context["rows"]
    assert [[line.offer.structure_id for line in lines] for _r, lines in rows] == [
        [referral.lines.order_by("pk").first().offer.structure_id]
    ]


def test_unconfirmed_self_sends_are_visible_to_nobody(world):
    _referral, people = world
    offer = make_reachable_offer(structure=StructureFactory())
    editor = make_editor(offer.structure)
    pending = make_referral(offer, source=ReferralSource.HOLDER)
    for user in [*people.values(), editor]:
        assert not referrals_visible_to(user).filter(pk=pending.pk).exists()


def test_curator_actions_are_for_the_curators_of_the_region(client, world):
    referral, people = world
    export = reverse("referrals:export", args=[referral.pk])
    for name, user in people.items():
        client.force_login(user)
        assert client.get(export).status_code == (200 if name == "curator_of_region" else 404), name
    client.force_login(people["curator_of_region"])
    data = client.get(export).json()
    assert data["nom"] == "Dominique Porteur" and len(data["destinataires"]) == 2


def test_the_list_page_makes_a_bounded_number_of_queries(client, django_assert_num_queries):
    sender = make_agent("EPCI-200041317")
    for _ in range(25):
        make_referral(make_reachable_offer(), make_reachable_offer(), prescriber=sender)
    client.force_login(sender)
    client.get(reverse("referrals:list"))  # warm the session
    # 10 for the page, 1 for the roles the navigation shows, and the session's own.
    with django_assert_num_queries(11 + session_queries()):
        response = client.get(reverse("referrals:list"))
    assert len(response.context["rows"]) == 20
    with django_assert_num_queries(11 + session_queries()):
        response = client.get(reverse("referrals:list") + "?page=2")
    assert len(response.context["rows"]) == 5


def test_a_curator_deletes_the_holder_data_after_confirming(client, world):
    referral, people = world
    url = reverse("referrals:delete", args=[referral.pk])
    client.force_login(people["sender"])
    assert client.post(url).status_code == 404  # not a curator action for the prescriber
    client.force_login(people["curator_of_region"])
    assert "irréversible" in client.get(url).content.decode()
    assert referrals_visible_to(people["sender"]).filter(pk=referral.pk).exists()
    response = client.post(url)
    assert response.status_code == 302 and not referrals_visible_to(people["curator_of_region"]).exists()
    from accounts.models import Email
    from funding.referrals.models import Referral

    assert not Referral.objects.filter(pk=referral.pk).exists() and not Email.objects.exists()
