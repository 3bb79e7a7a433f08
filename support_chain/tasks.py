"""White zones, recomputed nightly (beat) and after imports and approvals (queued by name, debounced)."""

from celery import shared_task

from directory.models import Territory, TerritoryKind
from support_chain.white_zones import compute_white_zones, release_refresh_lock


@shared_task(bind=True, acks_late=True)
def compute_white_zones_task(self, region_key: str | None = None) -> dict:
    """Rewrite the stored white zones of one région (its coverage key), or of all France without one."""
    release_refresh_lock(region_key)
    region = None
    if region_key:
        region = Territory.objects.filter(kind=TerritoryKind.REGION, key=region_key).first()
        if region is None:
            return {"region": region_key, "error": "unknown région"}
    report = compute_white_zones(region=region)
    return {"region": region_key, "communes": report.communes, "seconds": round(report.seconds, 1)}
