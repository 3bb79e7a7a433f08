"""The triggers that keep the matching's read model (`MatchEntry`, funding/match_entries.py) current.

`refresh(where)` rewrites the entries of the offers the condition selects, from the offer, its structure and
its relations. Triggers call it on every write that changes what an entry holds:
- an offer inserted, updated (on the columns entries copy) or deleted;
- a row inserted into or deleted from its coverage, stages, needs or legal-form restrictions;
- its structure renamed, or its structure's status changed.
PostgreSQL refreshes once per statement where it can (transition tables), so bulk inserts (COPY) stay set-based;
SQLite has row triggers only. They sit on directory's tables but belong to funding: the directory knows nothing
of the matching.

During a bulk write (directory.models.BulkWrite: a marker row the writer's transaction sees) they skip their
work, and the end of the bulk write (the delete of its rows, which list the offers it touched) refreshes those
offers in one go: an import of 20,000 rows refreshes once, not once per row and relation.

This module is the current SQL. Migrations never import it: each one that installs the triggers carries the
statements frozen as they were when it was written (`FROZEN`), and tests/test_migrations.py checks that the latest
of them equals `statements()` here, so a change to this SQL comes with a migration that installs it again.
"""

from funding.match_entries import OFFER_COLUMNS, RELATIONS, refresh

# True while the transaction is inside a bulk write (directory.services.bulk.bulk_write).
BULK_WRITE = "EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL)"
PG_SKIP_IN_BULK_WRITE = f"IF {BULK_WRITE} THEN RETURN NULL; END IF;"


def changed(columns):
    return " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)


def postgresql_statements():
    # The offers are locked first: two transactions refreshing the same offer from different rows (one
    # unpublishing the offer, one publishing its structure) would otherwise each rebuild it from their own
    # snapshot and leave entries of a state that never existed. Each later statement sees what the lock waited for.
    lock = "SELECT 1 FROM directory_offer WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE"
    body = ";\n".join([lock, *refresh("o.id = ANY(ids)", "postgresql")])
    statements = [
        f"""CREATE OR REPLACE FUNCTION funding_match_refresh(ids bigint[]) RETURNS void AS $$
        {body};
        $$ LANGUAGE sql VOLATILE""",
        f"""CREATE OR REPLACE FUNCTION funding_match_inserted_offers() RETURNS trigger AS $$
        BEGIN
            {PG_SKIP_IN_BULK_WRITE}
            PERFORM funding_match_refresh(ARRAY(SELECT id FROM changed_rows));
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER funding_match_offer_insert AFTER INSERT ON directory_offer
        REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION funding_match_inserted_offers()""",
        f"""CREATE OR REPLACE FUNCTION funding_match_updated_offer() RETURNS trigger AS $$
        BEGIN {PG_SKIP_IN_BULK_WRITE} PERFORM funding_match_refresh(ARRAY[NEW.id]); RETURN NULL; END
        $$ LANGUAGE plpgsql""",
        f"""CREATE TRIGGER funding_match_offer_update AFTER UPDATE ON directory_offer
        FOR EACH ROW WHEN ({changed(OFFER_COLUMNS)}) EXECUTE FUNCTION funding_match_updated_offer()""",
        """CREATE OR REPLACE FUNCTION funding_match_deleted_offers() RETURNS trigger AS $$
        BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT id FROM changed_rows); RETURN NULL; END
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER funding_match_offer_delete AFTER DELETE ON directory_offer
        REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION funding_match_deleted_offers()""",
        f"""CREATE OR REPLACE FUNCTION funding_match_relation_changed() RETURNS trigger AS $$
        BEGIN
            {PG_SKIP_IN_BULK_WRITE}
            PERFORM funding_match_refresh(ARRAY(SELECT DISTINCT offer_id FROM changed_rows));
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION funding_match_structure_changed() RETURNS trigger AS $$
        BEGIN
            {PG_SKIP_IN_BULK_WRITE}
            PERFORM funding_match_refresh(ARRAY(SELECT id FROM directory_offer WHERE structure_id = NEW.id));
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql""",
        f"""CREATE TRIGGER funding_match_structure_update AFTER UPDATE ON directory_structure
        FOR EACH ROW WHEN ({changed(["name", "status"])}) EXECUTE FUNCTION funding_match_structure_changed()""",
        """CREATE OR REPLACE FUNCTION funding_match_bulk_write_done() RETURNS trigger AS $$
        BEGIN
            PERFORM funding_match_refresh(ARRAY(SELECT offer_id FROM changed_rows WHERE offer_id IS NOT NULL));
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER funding_match_bulk_write_done AFTER DELETE ON directory_bulkwrite
        REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION funding_match_bulk_write_done()""",
    ]
    for table in RELATIONS:
        for event, alias in (("INSERT", "NEW"), ("DELETE", "OLD")):
            statements.append(
                f"""CREATE TRIGGER {table}_match_{event.lower()} AFTER {event} ON {table}
                REFERENCING {alias} TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()"""
            )
    return statements


def sqlite_statements():
    def trigger(name, event, where, when=f"NOT {BULK_WRITE}"):
        body = ";\n".join(refresh(where, "sqlite"))
        return f"CREATE TRIGGER {name} {event} WHEN {when} BEGIN {body}; END"

    columns = ", ".join(OFFER_COLUMNS)
    statements = [
        trigger("funding_match_offer_insert", "AFTER INSERT ON directory_offer", "o.id = NEW.id"),
        trigger("funding_match_offer_update", f"AFTER UPDATE OF {columns} ON directory_offer", "o.id = NEW.id"),
        """CREATE TRIGGER funding_match_offer_delete AFTER DELETE ON directory_offer BEGIN
        DELETE FROM funding_matchentry WHERE offer_id = OLD.id; END""",
        trigger(
            "funding_match_structure_update",
            "AFTER UPDATE OF name, status ON directory_structure",
            "o.structure_id = NEW.id",
        ),
        trigger(
            "funding_match_bulk_write_done",
            "AFTER DELETE ON directory_bulkwrite",
            "o.id = OLD.offer_id",
            when="OLD.offer_id IS NOT NULL",
        ),
    ]
    for table in RELATIONS:
        for event, alias in (("INSERT", "NEW"), ("DELETE", "OLD")):
            statements.append(
                trigger(f"{table}_match_{event.lower()}", f"AFTER {event} ON {table}", f"o.id = {alias}.offer_id")
            )
    return statements


TRIGGERS = {
    "funding_match_offer_insert": "directory_offer",
    "funding_match_offer_update": "directory_offer",
    "funding_match_offer_delete": "directory_offer",
    "funding_match_structure_update": "directory_structure",
    "funding_match_bulk_write_done": "directory_bulkwrite",
    **{f"{table}_match_{event}": table for table in RELATIONS for event in ("insert", "delete")},
}


def statements(vendor: str) -> list[str]:
    """Every statement that installs the triggers and fills the read model (none for another vendor)."""
    if vendor == "postgresql":
        return [*postgresql_statements(), *refresh("1 = 1", vendor)]
    if vendor == "sqlite":
        return [*sqlite_statements(), *refresh("1 = 1", vendor)]
    return []


def drop_statements(vendor: str) -> list[str]:
    """Every statement that removes the triggers again."""
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in TRIGGERS.items()]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS]
    return []
