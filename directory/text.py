"""Text helpers shared by search and imports."""

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalize(text: str) -> str:
    """Lower-case, accent-free, punctuation folded to single spaces: « Saint-Étienne » -> « saint etienne »."""
    text = strip_accents(text or "").lower().replace("œ", "oe").replace("æ", "ae")
    return _NON_ALNUM.sub(" ", text).strip()
