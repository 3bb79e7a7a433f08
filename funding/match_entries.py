"""The matching's read model: one row per published offer × territory it covers × stage it serves.

A holder's profile may match a couple of thousand offers (everything covering their région or France). Reading
them through the offer, its structure and four many-to-many tables costs tens of milliseconds; `MatchEntry`
holds, in one narrow row, everything the hard filters and the ranking read, indexed by (territory, stage), so a
match reads only the entries of the holder's few territories at their stage.

The rows are written by database triggers only (funding/triggers.py), on SQLite and PostgreSQL alike: any
write to an offer, to its coverage, stages, needs or legal-form restrictions, or to its structure's name or
status (admin, forms, importer, merge, bulk inserts, raw SQL) rewrites that offer's entries in the same
transaction. No writer has to remember anything; `manage.py rebuild_match_entries` rewrites them all (after
restoring a dump taken without triggers, say). `refresh()` below is the SQL the triggers run: a change to it is a
change to funding/triggers.py's statements, which needs a migration that installs them again
(tests/test_migrations.py fails until there is one).
"""

from django.db import connection, models, transaction

from directory.models import PublicationStatus
from funding.matching import TIE_FOLD


class MatchEntry(models.Model):
    """What the matching reads of one offer, for one territory it covers and one stage it serves.

    Maintained by the triggers of funding/triggers.py on directory's offers and structures: never written by code.
    """

    offer_id = models.BigIntegerField(db_index=True)
    territory_id = models.BigIntegerField()
    stage_id = models.BigIntegerField()
    offer_type = models.CharField(max_length=20)
    support_level = models.PositiveSmallIntegerField()
    last_verified_at = models.DateTimeField(null=True)
    closes_on = models.DateField(null=True)
    amount_min = models.PositiveIntegerField(null=True)
    amount_max = models.PositiveIntegerField(null=True)
    min_structure_age = models.PositiveSmallIntegerField(null=True)
    max_structure_age = models.PositiveSmallIntegerField(null=True)
    esus_required = models.BooleanField()
    # Ids between commas (",12,15,"), matched with LIKE; no legal form means open to every form.
    need_ids = models.TextField()
    legal_form_ids = models.TextField()
    # The tie-break texts as funding.matching.tie_text folds them (ASCII letters without case), computed once
    # per write rather than for every entry of every match; they sort in code-point order.
    structure_key = models.CharField(max_length=200)
    title_key = models.CharField(max_length=200)
    ref = models.CharField(max_length=80)

    class Meta:
        indexes = [models.Index(fields=["territory_id", "stage_id"], name="funding_match_territory_stage")]

    def __str__(self):
        return f"{self.offer_id} @ {self.territory_id} / {self.stage_id}"


COLUMNS = (
    "offer_id, territory_id, stage_id, offer_type, support_level, last_verified_at, closes_on, amount_min, "
    "amount_max, min_structure_age, max_structure_age, esus_required, need_ids, legal_form_ids, structure_key, "
    "title_key, ref"
)
# The columns of an offer that entries copy: an update of any other column (the search document) changes nothing.
OFFER_COLUMNS = [
    "status",
    "structure_id",
    "offer_type",
    "support_level",
    "last_verified_at",
    "closes_on",
    "amount_min",
    "amount_max",
    "min_structure_age",
    "max_structure_age",
    "esus_required",
    "title",
    "ref",
]
RELATIONS = {
    "directory_offer_coverage": "territory_id",
    "directory_offer_stages": "stage_id",
    "directory_offer_needs": "need_id",
    "directory_offer_eligible_legal_forms": "legalform_id",
}


def ids_between_commas(table, column, vendor):
    """ ",12,15," for the offer's rows of a relation, "" when it has none."""
    text = f"{column}::text" if vendor == "postgresql" else column
    aggregate = f"string_agg({text}, ',')" if vendor == "postgresql" else f"group_concat({text}, ',')"
    return f"COALESCE((SELECT ',' || {aggregate} || ',' FROM {table} r WHERE r.offer_id = o.id), '')"


def tie_text(column, vendor):
    """funding.matching.tie_text in SQL, folding the same letters (TIE_FOLD).

    SQLite's lower() folds exactly those (ASCII letters only); PostgreSQL's would fold É too, so it translates them.
    """
    if vendor == "postgresql":
        upper, lower = TIE_FOLD
        return f"translate({column}, '{upper}', '{lower}')"
    return f"lower({column})"


def refresh(where, vendor):
    """Statements rewriting the entries of the offers `o` the condition selects: public ones only, the rule of
    directory.models.published_offer_q written for the triggers."""
    published = PublicationStatus.PUBLISHED.value
    return [
        f"DELETE FROM funding_matchentry WHERE offer_id IN (SELECT o.id FROM directory_offer o WHERE {where})",
        f"""INSERT INTO funding_matchentry ({COLUMNS})
        SELECT o.id, c.territory_id, st.stage_id, o.offer_type, o.support_level, o.last_verified_at, o.closes_on,
            o.amount_min, o.amount_max, o.min_structure_age, o.max_structure_age, o.esus_required,
            {ids_between_commas("directory_offer_needs", "need_id", vendor)},
            {ids_between_commas("directory_offer_eligible_legal_forms", "legalform_id", vendor)},
            {tie_text("s.name", vendor)}, {tie_text("o.title", vendor)}, o.ref
        FROM directory_offer o
        JOIN directory_structure s ON s.id = o.structure_id
        JOIN directory_offer_coverage c ON c.offer_id = o.id
        JOIN directory_offer_stages st ON st.offer_id = o.id
        WHERE o.status = '{published}' AND s.status = '{published}' AND ({where})""",
    ]


def rebuild() -> int:
    """Rewrite every entry from the directory, in one transaction; returns the number of entries."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM funding_matchentry")
        for statement in refresh("1 = 1", connection.vendor):
            cursor.execute(statement)
    return MatchEntry.objects.count()
