"""The observatory's offer figures, stored (directory's OfferSummary): rewritten with the white zones, nightly and
after imports and approvals (support_chain/white_zones.py), so that the pages read a few rows, never the offers.

An offer is within a territory when it covers the territory, one of its ancestors, or a territory inside it: the
rule of `Offer.objects.within()` (directory/models/structure.py), grouped here for every observed territory at once
through the same closure table (TerritoryLink, whose rows include each territory's link to itself): the pairs
(offer, territory) where the territory contains one of the offer's coverage territories, or lies inside one. Which
offers are published is the directory's `Offer.objects.published()`, used as a subquery.
"""

import datetime

from django.db import connection, transaction
from django.utils import timezone

from directory.models import STALE_AFTER, Offer, OfferSummary, Territory, TerritoryLink
from support_chain.observatory.selectors import OBSERVED_KINDS


def _pairs_sql() -> tuple[str, list]:
    """(offer_id, territory_id) of every offer and every observed territory it is within, each pair once."""
    coverage = connection.ops.quote_name(Offer.coverage.through._meta.db_table)
    link = connection.ops.quote_name(TerritoryLink._meta.db_table)
    territory = connection.ops.quote_name(Territory._meta.db_table)
    kinds = ", ".join(["%s"] * len(OBSERVED_KINDS))
    sql = (
        # The territory contains (or is) one of the offer's coverage territories…
        f"SELECT c.offer_id, l.ancestor_id AS territory_id FROM {coverage} c "
        f"JOIN {link} l ON l.descendant_id = c.territory_id JOIN {territory} t ON t.id = l.ancestor_id "
        f"WHERE t.kind IN ({kinds}) "
        "UNION "
        # … or lies inside one of them.
        f"SELECT c.offer_id, l.descendant_id AS territory_id FROM {coverage} c "
        f"JOIN {link} l ON l.ancestor_id = c.territory_id JOIN {territory} t ON t.id = l.descendant_id "
        f"WHERE t.kind IN ({kinds})"
    )
    return sql, [*OBSERVED_KINDS, *OBSERVED_KINDS]


def summarise_offers(*, now: datetime.datetime | None = None) -> int:
    """Rewrite OfferSummary for every observed territory: two INSERT … SELECT, grouped in the database (the offers
    by stage and support level; all of them by support level, with those verified within STALE_AFTER of `now`).
    Return the number of rows written."""
    now = now or timezone.now()
    summary = connection.ops.quote_name(OfferSummary._meta.db_table)
    offer = connection.ops.quote_name(Offer._meta.db_table)
    stages = connection.ops.quote_name(Offer.stages.through._meta.db_table)
    pairs, pairs_params = _pairs_sql()
    published, published_params = Offer.objects.published().values("pk").query.sql_with_params()
    columns = "(territory_id, stage_id, support_level, offers, fresh)"
    by_stage = (
        f"INSERT INTO {summary} {columns} "
        f"SELECT p.territory_id, s.stage_id, o.support_level, COUNT(*), 0 FROM ({pairs}) p "
        f"JOIN {offer} o ON o.id = p.offer_id JOIN {stages} s ON s.offer_id = o.id "
        f"WHERE o.id IN ({published}) GROUP BY p.territory_id, s.stage_id, o.support_level"
    )
    every_offer = (
        f"INSERT INTO {summary} {columns} "
        "SELECT p.territory_id, NULL, o.support_level, COUNT(*), "
        f"SUM(CASE WHEN o.last_verified_at >= %s THEN 1 ELSE 0 END) FROM ({pairs}) p "
        f"JOIN {offer} o ON o.id = p.offer_id "
        f"WHERE o.id IN ({published}) GROUP BY p.territory_id, o.support_level"
    )
    fresh_since = connection.ops.adapt_datetimefield_value(now - STALE_AFTER)
    with transaction.atomic(), connection.cursor() as cursor:
        stale = OfferSummary.objects.all()
        stale._raw_delete(stale.db)  # no signal nor cascade to honour: a plain DELETE
        cursor.execute(by_stage, [*pairs_params, *published_params])
        cursor.execute(every_offer, [fresh_since, *pairs_params, *published_params])
    return OfferSummary.objects.count()
