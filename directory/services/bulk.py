"""Plain multi-row INSERTs for large tables whose rows carry no logic (closure, postal codes, generated data)."""

from collections.abc import Callable, Sequence
from itertools import chain

from django.db import connection

BATCH = 5000
POSTGRES_MAX_PARAMS = 65535


def insert_many(
    table: str,
    columns: Sequence[str],
    values: Sequence[tuple],
    progress: Callable[[str, int, int], None] | None = None,
    label: str = "",
) -> None:
    quoted = connection.ops.quote_name(table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # On PostgreSQL one statement per batch: statement-level triggers (the offers' search documents) then run
    # once per batch instead of once per row.
    postgres = connection.vendor == "postgresql"
    batch = min(BATCH, POSTGRES_MAX_PARAMS // max(1, len(columns))) if postgres else BATCH
    with connection.cursor() as cursor:
        for start in range(0, len(values), batch):
            rows = values[start : start + batch]
            if postgres:
                cursor.execute(
                    f"INSERT INTO {quoted} ({names}) VALUES {', '.join([row] * len(rows))}", list(chain(*rows))
                )
            else:
                cursor.executemany(f"INSERT INTO {quoted} ({names}) VALUES {row}", rows)
            if progress:
                progress(label, min(start + batch, len(values)), len(values))
