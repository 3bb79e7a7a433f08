"""Bulk writes: a writer that changes many offers at once asks the triggers deriving data from them to wait."""

from django.db import models


class BulkWrite(models.Model):
    """The marker of a bulk write in progress, and the offers it touched. Rows live inside one transaction only.

    `directory.services.bulk.bulk_write()` inserts a row without offer: while the writer's transaction sees it,
    the triggers deriving data from offers row by row (the matching's read model, funding/triggers.py) skip their
    work. At the end the writer lists the offers it touched (one row each) and deletes every row of its bulk
    write: a trigger on that delete refreshes the derived data of those offers, once. Other transactions never
    see the rows (inserted and deleted before commit), so their own writes keep refreshing as usual; a rollback
    removes them with the rest.
    """

    token = models.CharField(max_length=36, db_index=True)
    offer_id = models.BigIntegerField(null=True)

    def __str__(self):
        return f"{self.token}: {self.offer_id}"
