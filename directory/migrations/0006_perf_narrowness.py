"""The offer's narrowness (the kind rank of the narrowest territory it covers) as a column kept by the search triggers,
and the index of the directory's default order (PostgreSQL), so the unfiltered directory is an index read with a LIMIT (issue 15).

The SQL is frozen here as directory/triggers.py wrote it when this migration was written (a migration never imports live
code); tests/test_migrations.py checks that the latest frozen copy equals what directory/triggers.py writes today.
Installing drops the previous triggers first (DROP), then runs FROZEN, whose last statement recomputes every offer's
search document and narrowness; reverting drops them and installs the previous statements again (PREVIOUS).
"""

from django.db import migrations, models

FROZEN = {
    "postgresql": [
        """
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
""",
        """CREATE TRIGGER directory_offer_stages_search_insert AFTER INSERT ON directory_offer_stages REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION directory_offer_relation_changed();
CREATE TRIGGER directory_offer_stages_search_delete AFTER DELETE ON directory_offer_stages REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION directory_offer_relation_changed();
CREATE TRIGGER directory_offer_needs_search_insert AFTER INSERT ON directory_offer_needs REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION directory_offer_relation_changed();
CREATE TRIGGER directory_offer_needs_search_delete AFTER DELETE ON directory_offer_needs REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION directory_offer_relation_changed();
CREATE TRIGGER directory_offer_coverage_search_insert AFTER INSERT ON directory_offer_coverage REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION directory_offer_relation_changed();
CREATE TRIGGER directory_offer_coverage_search_delete AFTER DELETE ON directory_offer_coverage REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION directory_offer_relation_changed();
CREATE OR REPLACE FUNCTION support_chain_stage_search_trigger() RETURNS trigger AS $$
            BEGIN
                UPDATE directory_offer SET search_vector = NULL WHERE id IN (SELECT offer_id FROM directory_offer_stages WHERE stage_id = NEW.id);
                RETURN NULL;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER support_chain_stage_search AFTER UPDATE ON support_chain_stage
                FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION support_chain_stage_search_trigger();
CREATE OR REPLACE FUNCTION support_chain_need_search_trigger() RETURNS trigger AS $$
            BEGIN
                UPDATE directory_offer SET search_vector = NULL WHERE id IN (SELECT offer_id FROM directory_offer_needs WHERE need_id = NEW.id);
                RETURN NULL;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER support_chain_need_search AFTER UPDATE ON support_chain_need
                FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION support_chain_need_search_trigger();
CREATE OR REPLACE FUNCTION directory_instrument_search_trigger() RETURNS trigger AS $$
            BEGIN
                UPDATE directory_offer SET search_vector = NULL WHERE instrument_id = NEW.id;
                RETURN NULL;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER directory_instrument_search AFTER UPDATE ON directory_instrument
                FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION directory_instrument_search_trigger();
CREATE OR REPLACE FUNCTION directory_network_search_trigger() RETURNS trigger AS $$
            BEGIN
                UPDATE directory_offer SET search_vector = NULL WHERE structure_id IN (SELECT id FROM directory_structure WHERE network_id = NEW.id);
                RETURN NULL;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER directory_network_search AFTER UPDATE ON directory_network
                FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION directory_network_search_trigger();""",
        """UPDATE directory_offer SET search_vector = NULL""",
    ],
    "sqlite": [
        """CREATE TRIGGER directory_offer_search_insert AFTER INSERT ON directory_offer BEGIN
            UPDATE directory_offer SET search_text = guichet_search_text(
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
), narrowness = (SELECT min(t.kind_rank) FROM directory_offer_coverage oc
        JOIN directory_territory t ON t.id = oc.territory_id WHERE oc.offer_id = directory_offer.id)
            WHERE id = NEW.id; END;""",
        """CREATE TRIGGER directory_offer_search_update AFTER UPDATE ON directory_offer BEGIN
            UPDATE directory_offer SET search_text = guichet_search_text(
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
), narrowness = (SELECT min(t.kind_rank) FROM directory_offer_coverage oc
        JOIN directory_territory t ON t.id = oc.territory_id WHERE oc.offer_id = directory_offer.id)
            WHERE id = NEW.id; END;""",
        """CREATE TRIGGER directory_structure_search AFTER UPDATE OF name, network_id, commune_id
            ON directory_structure BEGIN
            UPDATE directory_offer SET search_text = '' WHERE structure_id = NEW.id; END;""",
        """CREATE TRIGGER directory_offer_stages_search_insert AFTER INSERT ON directory_offer_stages BEGIN
                UPDATE directory_offer SET search_text = '' WHERE id = NEW.offer_id; END;""",
        """CREATE TRIGGER directory_offer_stages_search_delete AFTER DELETE ON directory_offer_stages BEGIN
                UPDATE directory_offer SET search_text = '' WHERE id = OLD.offer_id; END;""",
        """CREATE TRIGGER directory_offer_needs_search_insert AFTER INSERT ON directory_offer_needs BEGIN
                UPDATE directory_offer SET search_text = '' WHERE id = NEW.offer_id; END;""",
        """CREATE TRIGGER directory_offer_needs_search_delete AFTER DELETE ON directory_offer_needs BEGIN
                UPDATE directory_offer SET search_text = '' WHERE id = OLD.offer_id; END;""",
        """CREATE TRIGGER directory_offer_coverage_search_insert AFTER INSERT ON directory_offer_coverage BEGIN
                UPDATE directory_offer SET search_text = '' WHERE id = NEW.offer_id; END;""",
        """CREATE TRIGGER directory_offer_coverage_search_delete AFTER DELETE ON directory_offer_coverage BEGIN
                UPDATE directory_offer SET search_text = '' WHERE id = OLD.offer_id; END;""",
        """CREATE TRIGGER support_chain_stage_search AFTER UPDATE OF name ON support_chain_stage BEGIN
            UPDATE directory_offer SET search_text = '' WHERE id IN (SELECT offer_id FROM directory_offer_stages WHERE stage_id = NEW.id); END;""",
        """CREATE TRIGGER support_chain_need_search AFTER UPDATE OF name ON support_chain_need BEGIN
            UPDATE directory_offer SET search_text = '' WHERE id IN (SELECT offer_id FROM directory_offer_needs WHERE need_id = NEW.id); END;""",
        """CREATE TRIGGER directory_instrument_search AFTER UPDATE OF name ON directory_instrument BEGIN
            UPDATE directory_offer SET search_text = '' WHERE instrument_id = NEW.id; END;""",
        """CREATE TRIGGER directory_network_search AFTER UPDATE OF name ON directory_network BEGIN
            UPDATE directory_offer SET search_text = '' WHERE structure_id IN (SELECT id FROM directory_structure WHERE network_id = NEW.id); END;""",
        """UPDATE directory_offer SET search_text = ''""",
    ],
}

DROP = {
    "postgresql": [
        """DROP TRIGGER IF EXISTS directory_offer_search ON directory_offer""",
        """DROP TRIGGER IF EXISTS directory_structure_search ON directory_structure""",
        """DROP TRIGGER IF EXISTS directory_offer_stages_search_insert ON directory_offer_stages""",
        """DROP TRIGGER IF EXISTS directory_offer_stages_search_delete ON directory_offer_stages""",
        """DROP TRIGGER IF EXISTS directory_offer_needs_search_insert ON directory_offer_needs""",
        """DROP TRIGGER IF EXISTS directory_offer_needs_search_delete ON directory_offer_needs""",
        """DROP TRIGGER IF EXISTS directory_offer_coverage_search_insert ON directory_offer_coverage""",
        """DROP TRIGGER IF EXISTS directory_offer_coverage_search_delete ON directory_offer_coverage""",
        """DROP TRIGGER IF EXISTS support_chain_stage_search ON support_chain_stage""",
        """DROP TRIGGER IF EXISTS support_chain_need_search ON support_chain_need""",
        """DROP TRIGGER IF EXISTS directory_instrument_search ON directory_instrument""",
        """DROP TRIGGER IF EXISTS directory_network_search ON directory_network""",
        """DROP INDEX IF EXISTS directory_offer_search_vector_gin""",
        """DROP INDEX IF EXISTS directory_offer_public_order""",
    ],
    "sqlite": [
        """DROP TRIGGER IF EXISTS directory_offer_search_insert""",
        """DROP TRIGGER IF EXISTS directory_offer_search_update""",
        """DROP TRIGGER IF EXISTS directory_structure_search""",
        """DROP TRIGGER IF EXISTS directory_offer_stages_search_insert""",
        """DROP TRIGGER IF EXISTS directory_offer_stages_search_delete""",
        """DROP TRIGGER IF EXISTS directory_offer_needs_search_insert""",
        """DROP TRIGGER IF EXISTS directory_offer_needs_search_delete""",
        """DROP TRIGGER IF EXISTS directory_offer_coverage_search_insert""",
        """DROP TRIGGER IF EXISTS directory_offer_coverage_search_delete""",
        """DROP TRIGGER IF EXISTS support_chain_stage_search""",
        """DROP TRIGGER IF EXISTS support_chain_need_search""",
        """DROP TRIGGER IF EXISTS directory_instrument_search""",
        """DROP TRIGGER IF EXISTS directory_network_search""",
    ],
}

PREVIOUS = {
    "postgresql": [
        """
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
""",
        """CREATE TRIGGER directory_offer_stages_search_insert AFTER INSERT ON directory_offer_stages REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION directory_offer_relation_changed();
CREATE TRIGGER directory_offer_stages_search_delete AFTER DELETE ON directory_offer_stages REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION directory_offer_relation_changed();
CREATE TRIGGER directory_offer_needs_search_insert AFTER INSERT ON directory_offer_needs REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION directory_offer_relation_changed();
CREATE TRIGGER directory_offer_needs_search_delete AFTER DELETE ON directory_offer_needs REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION directory_offer_relation_changed();
CREATE OR REPLACE FUNCTION support_chain_stage_search_trigger() RETURNS trigger AS $$
            BEGIN
                UPDATE directory_offer SET search_vector = NULL WHERE id IN (SELECT offer_id FROM directory_offer_stages WHERE stage_id = NEW.id);
                RETURN NULL;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER support_chain_stage_search AFTER UPDATE ON support_chain_stage
                FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION support_chain_stage_search_trigger();
CREATE OR REPLACE FUNCTION support_chain_need_search_trigger() RETURNS trigger AS $$
            BEGIN
                UPDATE directory_offer SET search_vector = NULL WHERE id IN (SELECT offer_id FROM directory_offer_needs WHERE need_id = NEW.id);
                RETURN NULL;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER support_chain_need_search AFTER UPDATE ON support_chain_need
                FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION support_chain_need_search_trigger();
CREATE OR REPLACE FUNCTION directory_instrument_search_trigger() RETURNS trigger AS $$
            BEGIN
                UPDATE directory_offer SET search_vector = NULL WHERE instrument_id = NEW.id;
                RETURN NULL;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER directory_instrument_search AFTER UPDATE ON directory_instrument
                FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION directory_instrument_search_trigger();
CREATE OR REPLACE FUNCTION directory_network_search_trigger() RETURNS trigger AS $$
            BEGIN
                UPDATE directory_offer SET search_vector = NULL WHERE structure_id IN (SELECT id FROM directory_structure WHERE network_id = NEW.id);
                RETURN NULL;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER directory_network_search AFTER UPDATE ON directory_network
                FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION directory_network_search_trigger();""",
    ],
    "sqlite": [
        """CREATE TRIGGER directory_offer_search_insert AFTER INSERT ON directory_offer BEGIN
            UPDATE directory_offer SET search_text = guichet_search_text(
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
) WHERE id = NEW.id; END;""",
        """CREATE TRIGGER directory_offer_search_update AFTER UPDATE ON directory_offer BEGIN
            UPDATE directory_offer SET search_text = guichet_search_text(
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
) WHERE id = NEW.id; END;""",
        """CREATE TRIGGER directory_structure_search AFTER UPDATE OF name, network_id, commune_id
            ON directory_structure BEGIN
            UPDATE directory_offer SET search_text = '' WHERE structure_id = NEW.id; END;""",
        """CREATE TRIGGER directory_offer_stages_search_insert AFTER INSERT ON directory_offer_stages BEGIN
                UPDATE directory_offer SET search_text = '' WHERE id = NEW.offer_id; END;""",
        """CREATE TRIGGER directory_offer_stages_search_delete AFTER DELETE ON directory_offer_stages BEGIN
                UPDATE directory_offer SET search_text = '' WHERE id = OLD.offer_id; END;""",
        """CREATE TRIGGER directory_offer_needs_search_insert AFTER INSERT ON directory_offer_needs BEGIN
                UPDATE directory_offer SET search_text = '' WHERE id = NEW.offer_id; END;""",
        """CREATE TRIGGER directory_offer_needs_search_delete AFTER DELETE ON directory_offer_needs BEGIN
                UPDATE directory_offer SET search_text = '' WHERE id = OLD.offer_id; END;""",
        """CREATE TRIGGER support_chain_stage_search AFTER UPDATE OF name ON support_chain_stage BEGIN
            UPDATE directory_offer SET search_text = '' WHERE id IN (SELECT offer_id FROM directory_offer_stages WHERE stage_id = NEW.id); END;""",
        """CREATE TRIGGER support_chain_need_search AFTER UPDATE OF name ON support_chain_need BEGIN
            UPDATE directory_offer SET search_text = '' WHERE id IN (SELECT offer_id FROM directory_offer_needs WHERE need_id = NEW.id); END;""",
        """CREATE TRIGGER directory_instrument_search AFTER UPDATE OF name ON directory_instrument BEGIN
            UPDATE directory_offer SET search_text = '' WHERE instrument_id = NEW.id; END;""",
        """CREATE TRIGGER directory_network_search AFTER UPDATE OF name ON directory_network BEGIN
            UPDATE directory_offer SET search_text = '' WHERE structure_id IN (SELECT id FROM directory_structure WHERE network_id = NEW.id); END;""",
    ],
}


def run(statements):
    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        with schema_editor.connection.cursor() as cursor:
            for group in statements:
                for statement in group.get(vendor, []):
                    cursor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0005_geo_white_zones"),
    ]

    operations = [
        migrations.AddField(
            model_name="offer",
            name="narrowness",
            field=models.PositiveSmallIntegerField(editable=False, null=True, verbose_name="étendue de la couverture"),
        ),
        migrations.RunPython(run([DROP, FROZEN]), run([DROP, PREVIOUS]), elidable=False),
    ]
