"""Bulk inserts for large tables whose rows carry no logic (closure, postal codes, generated data).

On PostgreSQL one COPY per batch: fast, and statement-level triggers (the offers' search documents) run once per
batch, as they do for a multi-row INSERT.
"""

import uuid
from collections.abc import Callable, Sequence

from django.db import connection

from directory.cache import directory_changed
from directory.models import BulkWrite

BATCH = 5000


def insert_many(
    table: str,
    columns: Sequence[str],
    values: Sequence[tuple],
    progress: Callable[[str, int, int], None] | None = None,
    label: str = "",
) -> None:
    quoted = connection.ops.quote_name(table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(values), BATCH):
            batch = values[start : start + BATCH]
            if connection.vendor == "postgresql":
                # COPY streams the rows in one round trip: several times faster than INSERTs on PostgreSQL.
                with cursor.cursor.copy(f"COPY {quoted} ({names}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO {quoted} ({names}) VALUES ({placeholders})", batch)
            if progress:
                progress(label, min(start + BATCH, len(values)), len(values))
    directory_changed()  # no signals for these rows: the cached pages learn of them here


class bulk_write:  # noqa: N801 - a context manager, named like transaction.atomic
    """`with bulk_write() as touched: ... touched.update(offer_ids)`, inside a transaction (see models.BulkWrite).

    Triggers that derive data from offers row by row wait until the block ends, then refresh the offers added to
    `touched` once.
    """

    def __enter__(self) -> set[int]:
        if not connection.in_atomic_block:
            raise RuntimeError("bulk_write() needs a transaction: its marker must never be committed")
        self.token = str(uuid.uuid4())
        self.touched: set[int] = set()
        BulkWrite.objects.create(token=self.token, offer_id=None)
        return self.touched

    def __exit__(self, kind, value, traceback):
        if kind is None:
            rows = [(self.token, offer_id) for offer_id in sorted(self.touched)]
            insert_many(BulkWrite._meta.db_table, ["token", "offer_id"], rows)
            BulkWrite.objects.filter(token=self.token).delete()
        return False
