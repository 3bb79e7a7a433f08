"""Sector keywords: what a holder's activity is about, and how to spot it in an offer's text.

No offer field says which sectors it serves, so a sector is never a filter nor a ranking criterion: an offer
whose text (its title, its description, its structure's name and presentation) mentions the holder's sector
gets one more reason, « Mentionne votre secteur : … », so the holder sees the specialised ones at a glance.

A keyword stands for a few word stems; the free-text sector adds the holder's own words. Both are matched at
the start of a word, without regard to case or accents (« epicerie » finds « Épiceries solidaires », « art »
does not find « partenaire »).

Pure: no query, no request.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Sector:
    slug: str
    label: str
    stems: tuple[str, ...]


# Stable slugs (they travel in the holder's URL); stems are folded (lower case, no accent).
SECTORS = (
    Sector(
        "alimentation",
        _("Alimentation et agriculture"),
        ("aliment", "agricol", "agricult", "maraich", "paysan", "ferme ", "fermes ", "epicerie", "circuit court"),
    ),
    Sector(
        "culture", _("Arts et culture"), ("cultur", "artist", "art ", "arts ", "spectacle", "musique", "patrimoine")
    ),
    Sector(
        "economie-circulaire",
        _("Économie circulaire et réemploi"),
        ("reemploi", "recycl", "ressourcerie", "circulaire", "reparation", "dechet"),
    ),
    Sector(
        "environnement",
        _("Environnement et énergie"),
        ("environnement", "energ", "ecolog", "climat", "biodiversite", "renouvelable"),
    ),
    Sector("habitat", _("Habitat et logement"), ("habitat", "logement", "immobili")),
    Sector("mobilite", _("Mobilité et transports"), ("mobilite", "transport", "velo", "covoiturage")),
    Sector("numerique", _("Numérique"), ("numerique", "informatique", "logiciel", "digital")),
    Sector(
        "sante-social",
        _("Santé et médico-social"),
        ("sante", "medico", "soin", "handicap", "dependance", "aide a domicile", "personnes agees"),
    ),
    Sector("insertion-emploi", _("Insertion et emploi"), ("insertion", "emploi", "chomeur", "chomage")),
    Sector(
        "education-jeunesse",
        _("Éducation et jeunesse"),
        ("educati", "jeunesse", "jeunes ", "enfance", "creche", "ecole", "periscolaire"),
    ),
    Sector("sport-loisirs", _("Sport et loisirs"), ("sport", "loisir")),
    Sector("tourisme", _("Tourisme"), ("touris", "hebergement", "gite")),
    Sector("commerce-artisanat", _("Commerce et artisanat"), ("commerce", "artisan", "cafe", "boutique")),
)
SECTOR_BY_SLUG = {sector.slug: sector for sector in SECTORS}
SECTOR_CHOICES = [(sector.slug, sector.label) for sector in SECTORS]

# Words of the free text too common to say anything about a sector.
STOPWORDS = frozenset(
    "les des une aux pour par sur dans avec sans chez entre vers est son ses leur leurs nos vos mon notre votre "
    "projet projets activite activites secteur domaine autre autres tout tous toute toutes".split()
)


def fold(text: str) -> str:
    """Lower case, accents removed, every run of non-letters one space, with a space at both ends."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " " + " ".join(re.findall(r"[a-z0-9]+", plain)) + " "


def free_text_words(text: str) -> list[str]:
    """The holder's own words worth looking for (three letters or more, not a stop word), as typed, in order."""
    words = []
    for word in re.findall(r"[^\W\d_]+", text):
        folded = fold(word).strip()
        if len(folded) >= 3 and folded not in STOPWORDS and word not in words:
            words.append(word)
    return words


def _stem(word: str) -> str:
    """A free-text word folded, a plural's last « s » or « x » dropped (« crèches » finds « crèche »)."""
    folded = fold(word).strip()
    if len(folded) > 4 and folded[-1] in "sx":
        folded = folded[:-1]
    return folded


@dataclass(frozen=True)
class SectorTerms:
    """What to look for: (label shown to the holder, folded stems) for each keyword and free-text word."""

    terms: tuple[tuple[str, tuple[str, ...]], ...]

    def __bool__(self) -> bool:
        return bool(self.terms)

    def mentioned_in(self, text: str) -> list[str]:
        """The labels whose stems start a word of `text`, in the holder's order."""
        if not self.terms or not text:
            return []
        folded = fold(text)
        return [label for label, stems in self.terms if any(" " + stem in folded for stem in stems)]


@lru_cache(maxsize=256)
def sector_terms(keywords: tuple[str, ...], free_text: str) -> SectorTerms:
    """The terms of a profile's keywords (known slugs) and free-text sector."""
    terms = [(str(SECTOR_BY_SLUG[slug].label).lower(), SECTOR_BY_SLUG[slug].stems) for slug in keywords]
    known = {stem.strip() for _label, stems in terms for stem in stems}
    for word in free_text_words(free_text):
        stem = _stem(word)
        if stem not in known:
            terms.append((word.lower(), (stem,)))
    return SectorTerms(tuple(terms))
