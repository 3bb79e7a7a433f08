"""Directory tasks: what a worker sees of the directory."""

from celery import shared_task

from directory.models import Offer, Structure, Territory


@shared_task
def directory_health() -> dict:
    """Report what the worker sees of the database: proves the broker, the worker and the database agree."""
    return {
        "communes": Territory.objects.communes().count(),
        "structures": Structure.objects.published().count(),
        "offers": Offer.objects.published().count(),
    }
