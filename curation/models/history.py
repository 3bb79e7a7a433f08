"""The history of structures and offers (`Structure.history`, `Offer.history`), kept by django-simple-history.

Registered here, in curation, which reads and reverts it, so that the directory's models need not know about it;
the historical models and their tables belong to this app.
"""

from simple_history import register

from directory.models import Offer, Structure

register(Structure, app="curation", excluded_fields=["updated_at"])
# The search columns are derived by database triggers (directory/triggers.py): not history.
register(Offer, app="curation", excluded_fields=["updated_at", "search_vector", "search_text", "narrowness"])
