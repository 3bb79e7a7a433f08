import pytest


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/portal/user/", "/admin/accounts/user/"),
        (
            "/admin/portal/curator/3/change/?_changelist_filters=q",
            "/admin/accounts/curator/3/change/?_changelist_filters=q",
        ),
        ("/admin/portal/", "/admin/accounts/"),
        ("/admin/directory/updatecampaign/1/change/", "/admin/curation/updatecampaign/1/change/"),
    ],
)
def test_admin_pages_of_moved_models_redirect_to_their_new_address(client, old, new):
    response = client.get(old)
    assert response.status_code == 301 and response["Location"] == new


@pytest.mark.django_db
def test_the_directorys_own_admin_pages_stay_where_they_were(client):
    # Structures and offers stayed in directory: no redirect, the admin answers (the login page for a visitor).
    response = client.get("/admin/directory/structure/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
