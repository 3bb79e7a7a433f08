"""The selection kept in the session: offer ids, in the order they were added, and the profile they were chosen for."""

from urllib.parse import parse_qsl, urlencode

from django.urls import reverse

from directory.models import Offer
from funding.forms import FIELD_NAMES
from funding.referrals.services import MAX_OFFERS

SESSION_KEY = "selection"


class Selection:
    """At most MAX_OFFERS offers (a dossier's maximum); only ids and profile slugs: no personal data."""

    def __init__(self, session):
        self.session = session

    @property
    def _data(self) -> dict:
        data = self.session.get(SESSION_KEY) or {}
        return {"offers": [int(pk) for pk in data.get("offers", [])], "profile": data.get("profile", "")}

    def _save(self, offers: list[int], profile: str) -> None:
        if offers:
            self.session[SESSION_KEY] = {"offers": offers, "profile": profile}
        else:
            self.session.pop(SESSION_KEY, None)

    @property
    def ids(self) -> list[int]:
        return self._data["offers"]

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def is_full(self) -> bool:
        return self.count >= MAX_OFFERS

    @property
    def profile(self) -> list[tuple[str, str]]:
        """The « mon parcours » answers the offers were chosen for (commune, stage, needs…), as query pairs."""
        return parse_qsl(self._data["profile"])

    @property
    def profile_query(self) -> str:
        return self._data["profile"]

    @property
    def parcours_url(self) -> str:
        """The « Mon parcours » page the offers were chosen from, or "" if none was."""
        query = self._data["profile"]
        return f"{reverse('funding:results')}?{query}" if query else ""

    def add(self, offer_id: int, profile=None) -> bool:
        """Add an offer (and remember the profile it was chosen for); False when the selection is full."""
        data = self._data
        if offer_id in data["offers"]:
            return True
        if len(data["offers"]) >= MAX_OFFERS:
            return False
        if profile:
            data["profile"] = _profile_query(profile)
        self._save([*data["offers"], offer_id], data["profile"])
        return True

    def remove(self, *offer_ids: int) -> None:
        data = self._data
        self._save([pk for pk in data["offers"] if pk not in offer_ids], data["profile"])

    def clear(self) -> None:
        self._save([], "")

    def offers(self) -> list[Offer]:
        """The selected offers still published, in the order they were added."""
        ids = self.ids
        found = Offer.objects.published().filter(pk__in=ids).select_related("structure__commune")
        by_id = {offer.pk: offer for offer in found}
        return [by_id[pk] for pk in ids if pk in by_id]


def _profile_query(profile) -> str:
    return urlencode([(name, value[:80]) for name, value in profile if name in FIELD_NAMES][:40])
