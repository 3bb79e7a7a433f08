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

    @property
    def near(self) -> list[Match]:
        """The matches reachable in person (« près de chez vous »), in the engine's order."""
        return [match for match in self.matches if match.reachable]

    @property
    def remote(self) -> list[Match]:
        """The others (« à distance ou en ligne »), in the engine's order."""
        return [match for match in self.matches if not match.reachable]


def rubric_of(match: Match) -> str:
    return RUBRIC_OF_TYPE.get(match.offer.offer_type, ACCOMPANY)


def group_matches(matches: list[Match], *, limit: int | None = None) -> list[Rubric]:
    """The three rubrics, each keeping the engine's order; `limit` keeps the first matches of each."""
    by_rubric: dict[str, list[Match]] = {}
    for match in matches:
        by_rubric.setdefault(rubric_of(match), []).append(match)
    totals = {slug: len(found) for slug, found in by_rubric.items()}
    return rubrics_of({slug: found[:limit] for slug, found in by_rubric.items()}, totals)


def rubrics_of(matches_by_rubric: dict[str, list[Match]], totals: dict[str, int]) -> list[Rubric]:
    """The three rubrics from the first matches of each (as `selectors.match_preview` reads them) and totals."""
    rubrics = []
    for slug, title in RUBRICS.items():
        rubric = Rubric(slug=slug, title=title, matches=list(matches_by_rubric.get(slug, [])))
        rubric.total = totals.get(slug, 0)
        rubrics.append(rubric)
    funding = next(rubric for rubric in rubrics if rubric.slug == FUND)
    instruments: dict[str, list[Match]] = {}
    for match in funding.matches:
        instrument = match.offer.instrument
        name = instrument.name if instrument is not None else str(_("Autres financements"))
        instruments.setdefault(name, []).append(match)
    funding.by_instrument = list(instruments.items())
    return rubrics
