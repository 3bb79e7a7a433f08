"""« Supprimer mon compte »: the holder's own account, with a confirmation; refused for role holders."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import MembershipStatus, StructureMembership
from funding.saved_profiles.models import SavedProfile
from tests.factories import (
    SavedProfileFactory,
    StructureFactory,
    UserFactory,
    make_agent,
    make_curator,
    make_editor,
    make_holder,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
DELETE = reverse("account_delete")


def test_a_holder_deletes_their_account_and_saved_parcours_after_confirming(client):
    holder = make_holder()
    SavedProfileFactory(user=holder)
    SavedProfileFactory(user=holder)
    kept = SavedProfileFactory()
    client.force_login(holder)
    page = client.get(DELETE)
    assert page.status_code == 200
    assert "vos 2 parcours enregistrés seront définitivement supprimés" in page.content.decode()
    assert User.objects.filter(pk=holder.pk).exists()
    response = client.post(DELETE)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not User.objects.filter(pk=holder.pk).exists()
    assert list(SavedProfile.objects.all()) == [kept]
    assert "_auth_user_id" not in client.session


def test_deleting_requires_signing_in(client):
    response = client.get(DELETE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def _requested_member():
    user = UserFactory()
    StructureMembership.objects.create(user=user, structure=StructureFactory(), status=MembershipStatus.REQUESTED)
    return user


@pytest.mark.parametrize(
    "make_role_holder",
    [
        lambda: UserFactory(is_staff=True),
        lambda: UserFactory(is_superuser=True),
        lambda: make_curator("REG-75"),
        lambda: make_agent("EPCI-200044014"),
        lambda: make_editor(StructureFactory()),
        _requested_member,
    ],
    ids=["staff", "superuser", "curator", "agent", "structure-editor", "membership-request"],
)
def test_an_account_holding_a_role_cannot_be_deleted_by_its_holder(client, make_role_holder):
    user = make_role_holder()
    client.force_login(user)
    page = client.get(DELETE).content.decode()
    assert "Ce compte ne peut pas être supprimé d'ici" in page
    # No form in <main> (the « Ma sélection » forms come after it, on every page).
    assert 'method="post"' not in page.split('id="contenu"')[1].split("</main>")[0]
    response = client.post(DELETE)
    assert response.status_code == 403
    assert "Ce compte ne peut pas être supprimé d'ici" in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()


def test_my_parcours_page_links_to_the_account_deletion(client):
    client.force_login(make_holder())
    assert f'href="{DELETE}"' in client.get(reverse("saved_profiles:list")).content.decode()
