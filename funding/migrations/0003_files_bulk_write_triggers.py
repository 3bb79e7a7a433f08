"""The matching's triggers wait during a bulk write (directory_bulkwrite) and refresh its offers once at its end.

The SQL is frozen here as funding/triggers.py wrote it when this migration was written (a migration never imports live
code); tests/test_migrations.py checks that the latest frozen copy equals what funding/triggers.py writes today.
`PREVIOUS` is 0002's copy, installed again when this migration is reversed.
"""

from django.db import migrations

FROZEN = {
    "postgresql": [
        """CREATE OR REPLACE FUNCTION funding_match_refresh(ids bigint[]) RETURNS void AS $$
        SELECT 1 FROM directory_offer WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = ANY(ids));
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || string_agg(need_id::text, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || string_agg(legalform_id::text, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            translate(s.name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), translate(o.title, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = ANY(ids));
        $$ LANGUAGE sql VOLATILE""",
        """CREATE OR REPLACE FUNCTION funding_match_inserted_offers() RETURNS trigger AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL) THEN RETURN NULL; END IF;
            PERFORM funding_match_refresh(ARRAY(SELECT id FROM changed_rows));
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER funding_match_offer_insert AFTER INSERT ON directory_offer
        REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION funding_match_inserted_offers()""",
        """CREATE OR REPLACE FUNCTION funding_match_updated_offer() RETURNS trigger AS $$
        BEGIN IF EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL) THEN RETURN NULL; END IF; PERFORM funding_match_refresh(ARRAY[NEW.id]); RETURN NULL; END
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER funding_match_offer_update AFTER UPDATE ON directory_offer
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.structure_id IS DISTINCT FROM NEW.structure_id OR OLD.offer_type IS DISTINCT FROM NEW.offer_type OR OLD.support_level IS DISTINCT FROM NEW.support_level OR OLD.last_verified_at IS DISTINCT FROM NEW.last_verified_at OR OLD.closes_on IS DISTINCT FROM NEW.closes_on OR OLD.amount_min IS DISTINCT FROM NEW.amount_min OR OLD.amount_max IS DISTINCT FROM NEW.amount_max OR OLD.min_structure_age IS DISTINCT FROM NEW.min_structure_age OR OLD.max_structure_age IS DISTINCT FROM NEW.max_structure_age OR OLD.esus_required IS DISTINCT FROM NEW.esus_required OR OLD.title IS DISTINCT FROM NEW.title OR OLD.ref IS DISTINCT FROM NEW.ref) EXECUTE FUNCTION funding_match_updated_offer()""",
        """CREATE OR REPLACE FUNCTION funding_match_deleted_offers() RETURNS trigger AS $$
        BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT id FROM changed_rows); RETURN NULL; END
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER funding_match_offer_delete AFTER DELETE ON directory_offer
        REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION funding_match_deleted_offers()""",
        """CREATE OR REPLACE FUNCTION funding_match_relation_changed() RETURNS trigger AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL) THEN RETURN NULL; END IF;
            PERFORM funding_match_refresh(ARRAY(SELECT DISTINCT offer_id FROM changed_rows));
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql""",
        """CREATE OR REPLACE FUNCTION funding_match_structure_changed() RETURNS trigger AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL) THEN RETURN NULL; END IF;
            PERFORM funding_match_refresh(ARRAY(SELECT id FROM directory_offer WHERE structure_id = NEW.id));
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER funding_match_structure_update AFTER UPDATE ON directory_structure
        FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION funding_match_structure_changed()""",
        """CREATE OR REPLACE FUNCTION funding_match_bulk_write_done() RETURNS trigger AS $$
        BEGIN
            PERFORM funding_match_refresh(ARRAY(SELECT offer_id FROM changed_rows WHERE offer_id IS NOT NULL));
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER funding_match_bulk_write_done AFTER DELETE ON directory_bulkwrite
        REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION funding_match_bulk_write_done()""",
        """CREATE TRIGGER directory_offer_coverage_match_insert AFTER INSERT ON directory_offer_coverage
                REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """CREATE TRIGGER directory_offer_coverage_match_delete AFTER DELETE ON directory_offer_coverage
                REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """CREATE TRIGGER directory_offer_stages_match_insert AFTER INSERT ON directory_offer_stages
                REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """CREATE TRIGGER directory_offer_stages_match_delete AFTER DELETE ON directory_offer_stages
                REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """CREATE TRIGGER directory_offer_needs_match_insert AFTER INSERT ON directory_offer_needs
                REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """CREATE TRIGGER directory_offer_needs_match_delete AFTER DELETE ON directory_offer_needs
                REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """CREATE TRIGGER directory_offer_eligible_legal_forms_match_insert AFTER INSERT ON directory_offer_eligible_legal_forms
                REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """CREATE TRIGGER directory_offer_eligible_legal_forms_match_delete AFTER DELETE ON directory_offer_eligible_legal_forms
                REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE 1 = 1)""",
        """INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || string_agg(need_id::text, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || string_agg(legalform_id::text, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            translate(s.name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), translate(o.title, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (1 = 1)""",
    ],
    "sqlite": [
        """CREATE TRIGGER funding_match_offer_insert AFTER INSERT ON directory_offer WHEN NOT EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL) BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = NEW.id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = NEW.id); END""",
        """CREATE TRIGGER funding_match_offer_update AFTER UPDATE OF status, structure_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, title, ref ON directory_offer WHEN NOT EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL) BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = NEW.id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = NEW.id); END""",
        """CREATE TRIGGER funding_match_offer_delete AFTER DELETE ON directory_offer BEGIN
        DELETE FROM funding_matchentry WHERE offer_id = OLD.id; END""",
        """CREATE TRIGGER funding_match_structure_update AFTER UPDATE OF name, status ON directory_structure WHEN NOT EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL) BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.structure_id = NEW.id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.structure_id = NEW.id); END""",
        """CREATE TRIGGER funding_match_bulk_write_done AFTER DELETE ON directory_bulkwrite WHEN OLD.offer_id IS NOT NULL BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = OLD.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = OLD.offer_id); END""",
        """CREATE TRIGGER directory_offer_coverage_match_insert AFTER INSERT ON directory_offer_coverage WHEN NOT EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL) BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = NEW.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = NEW.offer_id); END""",
        """CREATE TRIGGER directory_offer_coverage_match_delete AFTER DELETE ON directory_offer_coverage WHEN NOT EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL) BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = OLD.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = OLD.offer_id); END""",
        """CREATE TRIGGER directory_offer_stages_match_insert AFTER INSERT ON directory_offer_stages WHEN NOT EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL) BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = NEW.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = NEW.offer_id); END""",
        """CREATE TRIGGER directory_offer_stages_match_delete AFTER DELETE ON directory_offer_stages WHEN NOT EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL) BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = OLD.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = OLD.offer_id); END""",
        """CREATE TRIGGER directory_offer_needs_match_insert AFTER INSERT ON directory_offer_needs WHEN NOT EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL) BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = NEW.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = NEW.offer_id); END""",
        """CREATE TRIGGER directory_offer_needs_match_delete AFTER DELETE ON directory_offer_needs WHEN NOT EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL) BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = OLD.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = OLD.offer_id); END""",
        """CREATE TRIGGER directory_offer_eligible_legal_forms_match_insert AFTER INSERT ON directory_offer_eligible_legal_forms WHEN NOT EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL) BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = NEW.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = NEW.offer_id); END""",
        """CREATE TRIGGER directory_offer_eligible_legal_forms_match_delete AFTER DELETE ON directory_offer_eligible_legal_forms WHEN NOT EXISTS (SELECT 1 FROM directory_bulkwrite WHERE offer_id IS NULL) BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = OLD.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = OLD.offer_id); END""",
        """DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE 1 = 1)""",
        """INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (1 = 1)""",
    ],
}
DROP = {
    "postgresql": [
        """DROP TRIGGER IF EXISTS funding_match_offer_insert ON directory_offer""",
        """DROP TRIGGER IF EXISTS funding_match_offer_update ON directory_offer""",
        """DROP TRIGGER IF EXISTS funding_match_offer_delete ON directory_offer""",
        """DROP TRIGGER IF EXISTS funding_match_structure_update ON directory_structure""",
        """DROP TRIGGER IF EXISTS funding_match_bulk_write_done ON directory_bulkwrite""",
        """DROP TRIGGER IF EXISTS directory_offer_coverage_match_insert ON directory_offer_coverage""",
        """DROP TRIGGER IF EXISTS directory_offer_coverage_match_delete ON directory_offer_coverage""",
        """DROP TRIGGER IF EXISTS directory_offer_stages_match_insert ON directory_offer_stages""",
        """DROP TRIGGER IF EXISTS directory_offer_stages_match_delete ON directory_offer_stages""",
        """DROP TRIGGER IF EXISTS directory_offer_needs_match_insert ON directory_offer_needs""",
        """DROP TRIGGER IF EXISTS directory_offer_needs_match_delete ON directory_offer_needs""",
        """DROP TRIGGER IF EXISTS directory_offer_eligible_legal_forms_match_insert ON directory_offer_eligible_legal_forms""",
        """DROP TRIGGER IF EXISTS directory_offer_eligible_legal_forms_match_delete ON directory_offer_eligible_legal_forms""",
    ],
    "sqlite": [
        """DROP TRIGGER IF EXISTS funding_match_offer_insert""",
        """DROP TRIGGER IF EXISTS funding_match_offer_update""",
        """DROP TRIGGER IF EXISTS funding_match_offer_delete""",
        """DROP TRIGGER IF EXISTS funding_match_structure_update""",
        """DROP TRIGGER IF EXISTS funding_match_bulk_write_done""",
        """DROP TRIGGER IF EXISTS directory_offer_coverage_match_insert""",
        """DROP TRIGGER IF EXISTS directory_offer_coverage_match_delete""",
        """DROP TRIGGER IF EXISTS directory_offer_stages_match_insert""",
        """DROP TRIGGER IF EXISTS directory_offer_stages_match_delete""",
        """DROP TRIGGER IF EXISTS directory_offer_needs_match_insert""",
        """DROP TRIGGER IF EXISTS directory_offer_needs_match_delete""",
        """DROP TRIGGER IF EXISTS directory_offer_eligible_legal_forms_match_insert""",
        """DROP TRIGGER IF EXISTS directory_offer_eligible_legal_forms_match_delete""",
    ],
}
PREVIOUS = {
    "postgresql": [
        """CREATE OR REPLACE FUNCTION funding_match_refresh(ids bigint[]) RETURNS void AS $$
        SELECT 1 FROM directory_offer WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = ANY(ids));
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || string_agg(need_id::text, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || string_agg(legalform_id::text, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            translate(s.name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), translate(o.title, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = ANY(ids));
        $$ LANGUAGE sql VOLATILE""",
        """CREATE OR REPLACE FUNCTION funding_match_inserted_offers() RETURNS trigger AS $$
        BEGIN PERFORM funding_match_refresh(ARRAY(SELECT id FROM changed_rows)); RETURN NULL; END
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER funding_match_offer_insert AFTER INSERT ON directory_offer
        REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION funding_match_inserted_offers()""",
        """CREATE OR REPLACE FUNCTION funding_match_updated_offer() RETURNS trigger AS $$
        BEGIN PERFORM funding_match_refresh(ARRAY[NEW.id]); RETURN NULL; END
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER funding_match_offer_update AFTER UPDATE ON directory_offer
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.structure_id IS DISTINCT FROM NEW.structure_id OR OLD.offer_type IS DISTINCT FROM NEW.offer_type OR OLD.support_level IS DISTINCT FROM NEW.support_level OR OLD.last_verified_at IS DISTINCT FROM NEW.last_verified_at OR OLD.closes_on IS DISTINCT FROM NEW.closes_on OR OLD.amount_min IS DISTINCT FROM NEW.amount_min OR OLD.amount_max IS DISTINCT FROM NEW.amount_max OR OLD.min_structure_age IS DISTINCT FROM NEW.min_structure_age OR OLD.max_structure_age IS DISTINCT FROM NEW.max_structure_age OR OLD.esus_required IS DISTINCT FROM NEW.esus_required OR OLD.title IS DISTINCT FROM NEW.title OR OLD.ref IS DISTINCT FROM NEW.ref) EXECUTE FUNCTION funding_match_updated_offer()""",
        """CREATE OR REPLACE FUNCTION funding_match_deleted_offers() RETURNS trigger AS $$
        BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT id FROM changed_rows); RETURN NULL; END
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER funding_match_offer_delete AFTER DELETE ON directory_offer
        REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION funding_match_deleted_offers()""",
        """CREATE OR REPLACE FUNCTION funding_match_relation_changed() RETURNS trigger AS $$
        BEGIN PERFORM funding_match_refresh(ARRAY(SELECT DISTINCT offer_id FROM changed_rows)); RETURN NULL; END
        $$ LANGUAGE plpgsql""",
        """CREATE OR REPLACE FUNCTION funding_match_structure_changed() RETURNS trigger AS $$
        BEGIN
            PERFORM funding_match_refresh(ARRAY(SELECT id FROM directory_offer WHERE structure_id = NEW.id));
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER funding_match_structure_update AFTER UPDATE ON directory_structure
        FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION funding_match_structure_changed()""",
        """CREATE TRIGGER directory_offer_coverage_match_insert AFTER INSERT ON directory_offer_coverage
                REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """CREATE TRIGGER directory_offer_coverage_match_delete AFTER DELETE ON directory_offer_coverage
                REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """CREATE TRIGGER directory_offer_stages_match_insert AFTER INSERT ON directory_offer_stages
                REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """CREATE TRIGGER directory_offer_stages_match_delete AFTER DELETE ON directory_offer_stages
                REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """CREATE TRIGGER directory_offer_needs_match_insert AFTER INSERT ON directory_offer_needs
                REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """CREATE TRIGGER directory_offer_needs_match_delete AFTER DELETE ON directory_offer_needs
                REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """CREATE TRIGGER directory_offer_eligible_legal_forms_match_insert AFTER INSERT ON directory_offer_eligible_legal_forms
                REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """CREATE TRIGGER directory_offer_eligible_legal_forms_match_delete AFTER DELETE ON directory_offer_eligible_legal_forms
                REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
                EXECUTE FUNCTION funding_match_relation_changed()""",
        """DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE 1 = 1)""",
        """INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || string_agg(need_id::text, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || string_agg(legalform_id::text, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            translate(s.name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), translate(o.title, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (1 = 1)""",
    ],
    "sqlite": [
        """CREATE TRIGGER funding_match_offer_insert AFTER INSERT ON directory_offer BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = NEW.id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = NEW.id); END""",
        """CREATE TRIGGER funding_match_offer_update AFTER UPDATE OF status, structure_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, title, ref ON directory_offer BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = NEW.id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = NEW.id); END""",
        """CREATE TRIGGER funding_match_offer_delete AFTER DELETE ON directory_offer BEGIN
        DELETE FROM funding_matchentry WHERE offer_id = OLD.id; END""",
        """CREATE TRIGGER funding_match_structure_update AFTER UPDATE OF name, status ON directory_structure BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.structure_id = NEW.id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.structure_id = NEW.id); END""",
        """CREATE TRIGGER directory_offer_coverage_match_insert AFTER INSERT ON directory_offer_coverage BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = NEW.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = NEW.offer_id); END""",
        """CREATE TRIGGER directory_offer_coverage_match_delete AFTER DELETE ON directory_offer_coverage BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = OLD.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = OLD.offer_id); END""",
        """CREATE TRIGGER directory_offer_stages_match_insert AFTER INSERT ON directory_offer_stages BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = NEW.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = NEW.offer_id); END""",
        """CREATE TRIGGER directory_offer_stages_match_delete AFTER DELETE ON directory_offer_stages BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = OLD.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = OLD.offer_id); END""",
        """CREATE TRIGGER directory_offer_needs_match_insert AFTER INSERT ON directory_offer_needs BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = NEW.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = NEW.offer_id); END""",
        """CREATE TRIGGER directory_offer_needs_match_delete AFTER DELETE ON directory_offer_needs BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = OLD.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = OLD.offer_id); END""",
        """CREATE TRIGGER directory_offer_eligible_legal_forms_match_insert AFTER INSERT ON directory_offer_eligible_legal_forms BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = NEW.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = NEW.offer_id); END""",
        """CREATE TRIGGER directory_offer_eligible_legal_forms_match_delete AFTER DELETE ON directory_offer_eligible_legal_forms BEGIN DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE o.id = OLD.offer_id);
INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (o.id = OLD.offer_id); END""",
        """DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE 1 = 1)""",
        """INSERT INTO funding_matchentry (offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, title_key, ref)
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            COALESCE((SELECT ',' || group_concat(need_id, ',') || ',' FROM directory_offer_needs r WHERE r.offer_id = o.id), ''),
            COALESCE((SELECT ',' || group_concat(legalform_id, ',') || ',' FROM directory_offer_eligible_legal_forms r WHERE r.offer_id = o.id), ''),
            lower(s.name), lower(o.title), o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = 'published' AND s.status = 'published' AND (1 = 1)""",
    ],
}


def run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for statement in statements.get(schema_editor.connection.vendor, []):
            cursor.execute(statement)


def install(apps, schema_editor):
    run(schema_editor, DROP)
    run(schema_editor, FROZEN)


def uninstall(apps, schema_editor):
    run(schema_editor, DROP)
    run(schema_editor, PREVIOUS)


class Migration(migrations.Migration):
    dependencies = [("funding", "0002_match_entry_triggers"), ("directory", "0007_files_bulk_write")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
