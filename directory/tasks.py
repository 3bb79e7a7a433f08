"""Directory tasks: what a worker sees of the directory."""

from celery import shared_task

from directory.models import Offer, Structure, Territory
from directory.opendata import write_public_files


@shared_task
def directory_health() -> dict:
    """Report what the worker sees of the database: proves the broker, the worker and the database agree."""
    return {
        "communes": Territory.objects.communes().count(),
        "structures": Structure.objects.published().count(),
        "offers": Offer.objects.published().count(),
    }


@shared_task
def export_opendata_files() -> dict:
    """Weekly: rewrite the open-data files served at their stable address (/directory/donnees-ouvertes/…)."""
    return write_public_files()
