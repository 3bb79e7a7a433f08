"""The JSON shape of a match, shared by `manage.py match --json` and the API."""

import datetime

from funding.matching import Match, Profile


def profile_payload(profile: Profile, *, today: datetime.date) -> dict:
    return {
        "commune": profile.commune.code,
        "commune_key": profile.commune.key,
        "commune_name": profile.commune.name,
        "stage": profile.stage.slug,
        "needs": profile.need_slugs,
        "legal_form": profile.legal_form,
        "collective": profile.collective,
        "sector": profile.sector,
        "keywords": list(profile.keywords),
        "amount": profile.amount,
        "structure_age": profile.structure_age,
        "esus": profile.esus,
        "on": today.isoformat(),
    }


def match_payload(match: Match) -> dict:
    offer = match.offer
    return {
        "structure": offer.structure.name,
        "structure_siret": offer.structure.siret,
        "offer_ref": offer.ref,
        "offer_title": offer.title,
        "rank": match.rank,
        "reasons": list(match.reasons),
        "offer_id": offer.pk,
        "offer_type": offer.offer_type,
        "offer_url": offer.get_absolute_url(),
        "territory": match.territory.key,
        "needs_met": [need.slug for need in match.needs_met],
        "support_level": offer.support_level,
        "instrument": offer.instrument.slug if offer.instrument_id else None,
        "amount_min": offer.amount_min,
        "amount_max": offer.amount_max,
        "opens_on": offer.opens_on.isoformat() if offer.opens_on else None,
        "closes_on": offer.closes_on.isoformat() if offer.closes_on else None,
        "upcoming": match.upcoming,
        # « Près de chez vous »: how far the nearest place is, and what it is (None when not reachable in person).
        "in_person_km": round(match.distance_km, 1) if match.reachable else None,
        "in_person_place": match.place.name if match.reachable else None,
    }


def results_payload(profile: Profile, matches: list[Match], *, today: datetime.date) -> dict:
    return {"profile": profile_payload(profile, today=today), "results": [match_payload(m) for m in matches]}
