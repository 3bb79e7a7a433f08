"""French full-text search on offers, kept current by database triggers (the search columns of `Offer`).

PostgreSQL: the `unaccent` extension, a `french_unaccent` text search configuration, a weighted
`search_vector` (title and structure name A; type, stages, needs, instrument, network B; description C; commune D)
computed by a BEFORE trigger on the offer, GIN-indexed. SQLite: `search_text` computed by an AFTER trigger through
the `guichet_search_text` function the app registers on every connection (directory/apps.py).
Writes to the offer's stages and needs, to its structure (name, network, commune) or to a vocabulary name touch
the offers concerned, so the offer's own trigger recomputes them: no writer has to remember anything.

The same offer trigger keeps `Offer.narrowness`, the kind rank of the narrowest territory the offer covers (0 commune
… 5 France), which the directory sorts by (an index read, not an aggregate over every coverage row); writes to the
coverage touch the offers concerned like writes to the stages and needs do.

This module is the current SQL. Migrations never import it: each one that installs the triggers carries the
statements frozen as they were when it was written (`FROZEN`), and tests/test_migrations.py checks that the latest
of them equals `statements()` here, so a change to this SQL comes with a migration that installs it again.
"""

# Vocabulary tables whose names are part of an offer's document, and how to find the offers concerned.
RENAMES = {
    "support_chain_stage": "id IN (SELECT offer_id FROM directory_offer_stages WHERE stage_id = NEW.id)",
    "support_chain_need": "id IN (SELECT offer_id FROM directory_offer_needs WHERE need_id = NEW.id)",
    "directory_instrument": "instrument_id = NEW.id",
    "directory_network": "structure_id IN (SELECT id FROM directory_structure WHERE network_id = NEW.id)",
}
RELATIONS = ["directory_offer_stages", "directory_offer_needs", "directory_offer_coverage"]

PG_SETUP = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION french_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION directory_offer_document(o directory_offer) RETURNS tsvector AS $$
    SELECT
        setweight(to_tsvector('french_unaccent', coalesce(o.title, '') || ' ' || coalesce(s.name, '')), 'A')
        || setweight(to_tsvector('french_unaccent', concat_ws(' ',
            replace(o.offer_type, '-', ' '), i.name, n.name,
            (SELECT string_agg(st.name, ' ') FROM directory_offer_stages os
                JOIN support_chain_stage st ON st.id = os.stage_id WHERE os.offer_id = o.id),
            (SELECT string_agg(ne.name, ' ') FROM directory_offer_needs onn
                JOIN support_chain_need ne ON ne.id = onn.need_id WHERE onn.offer_id = o.id)
        )), 'B')
        || setweight(to_tsvector('french_unaccent', concat_ws(' ', o.description, o.how_to_access)), 'C')
        || setweight(to_tsvector('french_unaccent', coalesce(c.name, '')), 'D')
    FROM (SELECT 1) AS one
    LEFT JOIN directory_structure s ON s.id = o.structure_id
    LEFT JOIN directory_network n ON n.id = s.network_id
    LEFT JOIN directory_territory c ON c.id = s.commune_id
    LEFT JOIN directory_instrument i ON i.id = o.instrument_id
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION directory_offer_search_trigger() RETURNS trigger AS $$
BEGIN
    NEW.search_vector := directory_offer_document(NEW);
    NEW.narrowness := (SELECT min(t.kind_rank) FROM directory_offer_coverage oc
        JOIN directory_territory t ON t.id = oc.territory_id WHERE oc.offer_id = NEW.id);
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER directory_offer_search BEFORE INSERT OR UPDATE ON directory_offer
    FOR EACH ROW EXECUTE FUNCTION directory_offer_search_trigger();

-- Relations: one UPDATE per statement (Django's .set()/.add() insert every row in one statement).
CREATE OR REPLACE FUNCTION directory_offer_relation_changed() RETURNS trigger AS $$
BEGIN
    UPDATE directory_offer SET search_vector = NULL WHERE id IN (SELECT offer_id FROM changed_rows);
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION directory_structure_search_trigger() RETURNS trigger AS $$
BEGIN
    UPDATE directory_offer SET search_vector = NULL WHERE structure_id = NEW.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER directory_structure_search AFTER UPDATE ON directory_structure
    FOR EACH ROW WHEN (
        OLD.name IS DISTINCT FROM NEW.name
        OR OLD.network_id IS DISTINCT FROM NEW.network_id
        OR OLD.commune_id IS DISTINCT FROM NEW.commune_id
    ) EXECUTE FUNCTION directory_structure_search_trigger();

CREATE INDEX directory_offer_search_vector_gin ON directory_offer USING gin (search_vector);

-- The directory's default order (OfferQuerySet.by_narrowness): a page of it is an index read with a LIMIT.
CREATE INDEX directory_offer_public_order
    ON directory_offer (status, narrowness, last_verified_at DESC NULLS LAST, title, id);
"""


def pg_relation_triggers():
    statements = []
    for table in RELATIONS:
        for event, alias in (("INSERT", "NEW"), ("DELETE", "OLD")):
            statements.append(
                f"CREATE TRIGGER {table}_search_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {alias} TABLE AS changed_rows FOR EACH STATEMENT "
                "EXECUTE FUNCTION directory_offer_relation_changed();"
            )
    for table, offers in RENAMES.items():
        statements.append(
            f"""CREATE OR REPLACE FUNCTION {table}_search_trigger() RETURNS trigger AS $$
            BEGIN
                UPDATE directory_offer SET search_vector = NULL WHERE {offers};
                RETURN NULL;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER {table}_search AFTER UPDATE ON {table}
                FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION {table}_search_trigger();"""
        )
    return "\n".join(statements)


SQLITE_DOCUMENT = """guichet_search_text(
    title,
    (SELECT name FROM directory_structure WHERE id = directory_offer.structure_id),
    replace(offer_type, '-', ' '),
    (SELECT name FROM directory_instrument WHERE id = directory_offer.instrument_id),
    (SELECT n.name FROM directory_structure s JOIN directory_network n ON n.id = s.network_id
        WHERE s.id = directory_offer.structure_id),
    (SELECT group_concat(st.name, ' ') FROM directory_offer_stages os
        JOIN support_chain_stage st ON st.id = os.stage_id WHERE os.offer_id = directory_offer.id),
    (SELECT group_concat(ne.name, ' ') FROM directory_offer_needs onn
        JOIN support_chain_need ne ON ne.id = onn.need_id WHERE onn.offer_id = directory_offer.id),
    description,
    how_to_access,
    (SELECT c.name FROM directory_structure s JOIN directory_territory c ON c.id = s.commune_id
        WHERE s.id = directory_offer.structure_id)
)"""

SQLITE_NARROWNESS = """(SELECT min(t.kind_rank) FROM directory_offer_coverage oc
        JOIN directory_territory t ON t.id = oc.territory_id WHERE oc.offer_id = directory_offer.id)"""


def sqlite_statements():
    # SQLite cannot assign NEW in a BEFORE trigger: the AFTER triggers rewrite the row (recursive_triggers is
    # off, so the offer's own UPDATE does not fire it again). Touching an offer (search_text = '') recomputes it.
    statements = [
        f"""CREATE TRIGGER directory_offer_search_insert AFTER INSERT ON directory_offer BEGIN
            UPDATE directory_offer SET search_text = {SQLITE_DOCUMENT}, narrowness = {SQLITE_NARROWNESS}
            WHERE id = NEW.id; END;""",
        f"""CREATE TRIGGER directory_offer_search_update AFTER UPDATE ON directory_offer BEGIN
            UPDATE directory_offer SET search_text = {SQLITE_DOCUMENT}, narrowness = {SQLITE_NARROWNESS}
            WHERE id = NEW.id; END;""",
        """CREATE TRIGGER directory_structure_search AFTER UPDATE OF name, network_id, commune_id
            ON directory_structure BEGIN
            UPDATE directory_offer SET search_text = '' WHERE structure_id = NEW.id; END;""",
    ]
    for table in RELATIONS:
        for event, alias in (("INSERT", "NEW"), ("DELETE", "OLD")):
            statements.append(
                f"""CREATE TRIGGER {table}_search_{event.lower()} AFTER {event} ON {table} BEGIN
                UPDATE directory_offer SET search_text = '' WHERE id = {alias}.offer_id; END;"""
            )
    for table, offers in RENAMES.items():
        statements.append(
            f"""CREATE TRIGGER {table}_search AFTER UPDATE OF name ON {table} BEGIN
            UPDATE directory_offer SET search_text = '' WHERE {offers}; END;"""
        )
    return statements


def statements(vendor: str) -> list[str]:
    """Every statement that installs the search triggers on this database vendor (none for another vendor)."""
    if vendor == "postgresql":
        return [PG_SETUP, pg_relation_triggers(), "UPDATE directory_offer SET search_vector = NULL"]
    if vendor == "sqlite":
        return [*sqlite_statements(), "UPDATE directory_offer SET search_text = ''"]
    return []


def drop_statements(vendor: str) -> list[str]:
    """Every statement that removes them again."""
    names = ["directory_offer_search", "directory_structure_search"]
    names += [f"{table}_search_{event}" for table in RELATIONS for event in ("insert", "delete")]
    names += [f"{table}_search" for table in RENAMES]
    if vendor == "postgresql":
        tables = {"directory_offer_search": "directory_offer", "directory_structure_search": "directory_structure"}
        drops = []
        for name in names:
            table = tables.get(name) or next(t for t in [*RELATIONS, *RENAMES] if name.startswith(t))
            drops.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        return [
            *drops,
            "DROP INDEX IF EXISTS directory_offer_search_vector_gin",
            "DROP INDEX IF EXISTS directory_offer_public_order",
        ]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {name}"
            for name in ["directory_offer_search_insert", "directory_offer_search_update", *names[1:]]
        ]
    return []
