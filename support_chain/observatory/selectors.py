"""The observatory's figures for a territory (France, région, département, EPCI), read from stored aggregates only:
the offers' summaries (directory's OfferSummary, support_chain/observatory/summaries.py), the white zones'
(ReachSummary) and the needs watch's counts, a few rows per figure, and cached for an hour per territory and
quarter: the pages never read the offers nor walk raw rows.

Each figure is a `Table`: the rows an accessible table, a chart and a CSV download all show, so the three cannot
disagree.
"""

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from directory import needs_watch
from directory.models import OfferSummary, ReachStatus, ReachSummary, ReferralEvent, Territory, TerritoryKind
from support_chain.models import Need, Stage, SupportLevel

CACHE_SECONDS = 3600
OBSERVED_KINDS = (TerritoryKind.COUNTRY, TerritoryKind.REGION, TerritoryKind.DEPARTEMENT, TerritoryKind.EPCI)
CHILD_KIND = {
    TerritoryKind.COUNTRY: TerritoryKind.REGION,
    TerritoryKind.REGION: TerritoryKind.DEPARTEMENT,
    TerritoryKind.DEPARTEMENT: TerritoryKind.EPCI,
}


@dataclass
class Table:
    slug: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)  # first cell: the row's label; then numbers or shown texts
    chart: list[dict] = field(default_factory=list)  # {label, value, percent} of the charted column


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, day: datetime.date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str, default: "Quarter") -> "Quarter":
        try:
            year, number = text.split("-T")
            quarter = cls(int(year), int(number))
        except (ValueError, AttributeError):
            return default
        return quarter if 1 <= quarter.number <= 4 and 2000 <= quarter.year <= 2100 else default

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> datetime.date:
        return datetime.date(self.year + self.number // 4, (3 * self.number) % 12 + 1, 1)

    def __str__(self):
        return f"{self.year}-T{self.number}"

    @property
    def label(self) -> str:
        return _("%(n)se trimestre %(year)s") % {"n": self.number, "year": self.year}


def _chart(rows: list[list], column: int) -> list[dict]:
    values = [row[column] if isinstance(row[column], int) else 0 for row in rows]
    top = max(values, default=0) or 1
    return [
        {"label": row[0], "value": row[column], "percent": round(100 * value / top, 1)}
        for row, value in zip(rows, values, strict=True)
    ]


def offers_by_stage(territory: Territory) -> Table:
    """Published offers within the territory by stage and support level, from its stored summary."""
    levels = list(SupportLevel)
    counts = OfferSummary.objects.filter(territory=territory, stage__isnull=False).values_list(
        "stage_id", "support_level", "offers"
    )
    grid = {(stage_id, level): n for stage_id, level, n in counts}
    rows = []
    for stage in Stage.objects.order_by("position"):
        per_level = [grid.get((stage.pk, level.value), 0) for level in levels]
        rows.append([stage.name, *per_level, sum(per_level)])
    table = Table(
        "offres-par-etape",
        _("Offres publiées par étape et niveau d'accompagnement"),
        [_("Étape"), *[str(level.label) for level in levels], _("Total")],
        rows,
    )
    table.chart = _chart(rows, len(levels) + 1)
    return table


def needs(territory: Territory, quarter: Quarter) -> Table:
    names = dict(Need.objects.values_list("slug", "name"))
    totals = needs_watch.totals(
        territory=None if territory.kind == TerritoryKind.COUNTRY else territory,
        since=quarter.start,
        until=quarter.end,
        by=("need",),
    )
    totals.sort(key=lambda row: (-row["expressed"], row["need"]))
    rows = [
        [names.get(row["need"], row["need"]) or _("Besoin non précisé"), row["expressed_shown"], row["unmet_shown"]]
        for row in totals
    ]
    table = Table(
        "besoins",
        _("Besoins exprimés et non satisfaits (%(quarter)s)") % {"quarter": quarter.label},
        [_("Besoin"), _("Exprimés"), _("Non satisfaits")],
        rows,
    )
    # The chart shows only what may be published: a count under the threshold is drawn as nothing.
    table.chart = _chart([[r[0], int(r[1]) if r[1].isdigit() else 0] for r in rows], 1)
    for bar, row in zip(table.chart, rows, strict=True):
        bar["value"] = row[1]
    return table


def white_zones(territory: Territory) -> Table:
    """Inhabitants without in-person support per stage, from the stored white zones (ReachSummary: a few rows)."""
    stored = {
        (stage_id, status): (population, communes)
        for stage_id, status, population, communes in ReachSummary.objects.filter(territory=territory).values_list(
            "stage_id", "status", "population", "communes"
        )
    }
    rows = []
    if stored:
        for stage in Stage.objects.order_by("position"):
            remote = stored.get((stage.pk, ReachStatus.REMOTE_ONLY), (0, 0))
            none = stored.get((stage.pk, ReachStatus.NONE), (0, 0))
            in_person = stored.get((stage.pk, ReachStatus.IN_PERSON), (0, 0))
            without = remote[0] + none[0]
            everyone = without + in_person[0]
            share = f"{round(100 * without / everyone)} %" if everyone else "—"
            rows.append([stage.name, without, remote[0], none[0], remote[1] + none[1], share])
    table = Table(
        "zones-blanches",
        _("Population sans accompagnement en présentiel à proximité, par étape"),
        [
            _("Étape"),
            _("Habitants sans présentiel"),
            _("dont à distance seulement"),
            _("dont aucun accompagnement"),
            _("Communes sans présentiel"),
            _("Part des habitants"),
        ],
        rows,
    )
    table.chart = _chart(rows, 1)
    return table


def _hidden_small(count: int) -> str:
    return needs_watch.shown(count) if count else "0"


def referrals(territory: Territory, quarter: Quarter) -> Table:
    """Referral lines sent, answered, accepted, declined, expired, closed (by outcome) in the quarter, and the median
    time to first answer, from the anonymous referral figures (directory's ReferralWatchCount)."""
    from_outcome = {"supported": _("Accompagné"), "funded": _("Financé"), "no_aid": _("Pas d'aide disponible")}
    from_outcome.update(unreachable=_("Injoignable"), reoriented=_("Réorienté vers une autre offre"))
    figures = needs_watch.referral_totals(
        territory=None if territory.kind == TerritoryKind.COUNTRY else territory,
        since=quarter.start,
        until=quarter.end,
    )
    events, outcomes = figures["events"], figures["outcomes"]
    rows = []
    if events:
        rows = [[str(event.label), _hidden_small(events.get(event.value, 0))] for event in ReferralEvent]
        for value, label in from_outcome.items():
            rows.append([_("Clôturées : %(outcome)s") % {"outcome": label}, _hidden_small(outcomes.get(value, 0))])
        median = figures["median_hours"]
        days = f"{median / 24:.1f}".replace(".", ",") if median is not None else "—"
        rows.append([_("Délai médian de première réponse (jours)"), days])
    table = Table(
        "orientations",
        _("Orientations envoyées, réponses et issues (%(quarter)s)") % {"quarter": quarter.label},
        [_("Lignes d'orientation"), _("Nombre")],
        rows,
    )
    counted = rows[:-1]
    table.chart = _chart([[r[0], int(r[1]) if r[1].isdigit() else 0] for r in counted], 1)
    for bar, row in zip(table.chart, counted, strict=True):
        bar["value"] = row[1]
    return table


def freshness(territory: Territory) -> Table:
    """Published offers within the territory, and those verified within 12 months when the summary was written."""
    figures = OfferSummary.objects.filter(territory=territory, stage__isnull=True).aggregate(
        total=Coalesce(Sum("offers"), 0), fresh=Coalesce(Sum("fresh"), 0)
    )
    share = round(100 * figures["fresh"] / figures["total"]) if figures["total"] else 0
    rows = [[_("Offres publiées"), figures["total"]], [_("Vérifiées depuis moins de 12 mois"), figures["fresh"]]]
    table = Table("fraicheur", _("Fraîcheur de l'annuaire"), [_("Offres"), _("Nombre")], rows)
    table.chart = _chart(rows, 1)
    table.share = share
    return table


def figures(territory: Territory, quarter: Quarter) -> list[Table]:
    key = f"observatory:{territory.key}:{quarter}"
    tables = cache.get(key)
    if tables is None:
        tables = [
            offers_by_stage(territory),
            white_zones(territory),
            needs(territory, quarter),
            referrals(territory, quarter),
            freshness(territory),
        ]
        cache.set(key, tables, CACHE_SECONDS)
    return tables


def children(territory: Territory) -> list[Territory]:
    kind = CHILD_KIND.get(territory.kind)
    if kind is None:
        return []
    inside = Territory.objects.of_kind(kind).filter(is_active=True)
    if territory.kind != TerritoryKind.COUNTRY:
        inside = inside.filter(ancestor_links__ancestor=territory)
    return list(inside.order_by("name").only("key", "name", "kind", "code"))
