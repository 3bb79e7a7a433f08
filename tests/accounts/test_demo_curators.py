import pytest
from django.core.management import call_command

from accounts.models import Curator
from directory.models import Territory

pytestmark = pytest.mark.django_db


def test_the_demo_regions_get_one_curator_each_once():
    call_command("load_demo_curators")
    call_command("load_demo_curators")  # idempotent
    assert sorted(Curator.objects.values_list("regions__key", flat=True)) == ["REG-28", "REG-75", "REG-76"]
    # What the chain's « pas encore renseignée » banner reads (support_chain/selectors.py region_status).
    assert Territory.objects.filter(key="REG-75", curators__isnull=False).exists()
    assert not any(curator.user.has_usable_password() for curator in Curator.objects.select_related("user"))
