"""Reload the reference vocabularies of fixtures/vocabularies.json into their tables, by slug, after a test that
flushed them (a transactional test, a live server).

A database gets its terms from the migrations, which carry them frozen; tests/test_migrations.py holds the latest
frozen copy equal to the fixture.
"""

import json

from django.conf import settings

from directory.models import Instrument, LegalForm, Network
from support_chain.models import Need, Stage

VOCABULARY_FILE = settings.BASE_DIR / "fixtures" / "vocabularies.json"


def sync_vocabulary(model, section: str) -> None:
    """Create or update every term of the section; terms curators added are left alone."""
    terms = json.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))[section]
    for term in terms:
        values = {key: value for key, value in term.items() if key != "slug"}
        model.objects.update_or_create(slug=term["slug"], defaults=values)


def restore_reference_data() -> None:
    """Reload every vocabulary (after a test flushed the tables)."""
    for model, section in [
        (Stage, "stages"),
        (Need, "needs"),
        (LegalForm, "legal_forms"),
        (Instrument, "instruments"),
        (Network, "networks"),
    ]:
        sync_vocabulary(model, section)
