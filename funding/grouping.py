"""Sort ranked matches into the rubrics a holder reads: who accompanies, who funds (by instrument), where to go."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from directory.models import OfferType
from funding.matching import Match

ACCOMPANY, FUND, PLACES = "accompagner", "financer", "lieux"
RUBRICS = {
    ACCOMPANY: _("Qui peut m'accompagner"),
    FUND: _("Qui peut me financer"),
    PLACES: _("Où travailler et rencontrer"),
}
RUBRIC_OF_TYPE = {OfferType.FUNDING: FUND, OfferType.PLACE: PLACES}


@dataclass
class Rubric:
    slug: str
    title: str
    matches: list[Match] = field(default_factory=list)
    # For funding: [(instrument name, [matches])] in the order of each instrument's best match.
    by_instrument: list[tuple[str, list[Match]]] = field(default_factory=list)
    total: int = 0
    more_url: str | None = None


def rubric_of(match: Match) -> str:
    return RUBRIC_OF_TYPE.get(match.offer.offer_type, ACCOMPANY)


def group_matches(matches: list[Match], *, limit: int | None = None) -> list[Rubric]:
    """The three rubrics, each keeping the engine's order; `limit` keeps the first matches of each."""
    rubrics = {slug: Rubric(slug=slug, title=title) for slug, title in RUBRICS.items()}
    for match in matches:
        rubrics[rubric_of(match)].matches.append(match)
    for rubric in rubrics.values():
        rubric.total = len(rubric.matches)
    funding = rubrics[FUND]
    instruments: dict[str, list[Match]] = {}
    for match in funding.matches[:limit]:
        instrument = match.offer.instrument
        name = instrument.name if instrument is not None else str(_("Autres financements"))
        instruments.setdefault(name, []).append(match)
    funding.by_instrument = list(instruments.items())
    return list(rubrics.values())
