import pytest
from django.core.management import call_command

from directory.models import Offer, Permanence, Structure
from directory.opening_hours import error as opening_hours_error

pytestmark = pytest.mark.django_db


def test_the_benchmark_directory_is_generated_with_places_and_permanences():
    """The benchmarks' national directory (make bench) at a small size: every table it writes takes its rows."""
    call_command("generate_directory", structures=300, offers=900, stdout=None)
    assert Structure.objects.count() >= 300 and Offer.objects.count() >= 900
    assert Structure.objects.filter(latitude__isnull=False).exists()
    permanences = list(Permanence.objects.values_list("opening_hours", flat=True))
    assert permanences and not any(opening_hours_error(hours) for hours in permanences)
