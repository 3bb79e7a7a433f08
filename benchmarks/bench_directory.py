"""The directory's core read: every published offer covering a commune."""

import random

from benchmarks.common import measure
from directory.models import Offer, Territory


def run(report):
    rng = random.Random(7)
    communes = list(Territory.objects.communes().order_by("pk").values_list("pk", flat=True))
    sample = [Territory(pk=pk) for pk in rng.sample(communes, 200)]
    measure(
        report,
        "directory",
        "published().covering(commune) → ids",
        lambda i: list(Offer.objects.published().covering(sample[i % len(sample)]).values_list("pk", flat=True)),
        runs=200,
    )
