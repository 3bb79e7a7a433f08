"""Signed, expiring links that act without an account (confirm an entry, answer a referral).

A token carries a purpose and an object id, signed with SECRET_KEY and a per-purpose salt, so a token made
for one purpose is refused for another; it expires after `max_age`. Tokens hold ids, never personal data.
"""

import datetime
from dataclasses import dataclass

from django.core import signing

DEFAULT_MAX_AGE = datetime.timedelta(days=30)


class InvalidLink(Exception):
    """The link was tampered with, made for another purpose, or has expired."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "expired", "invalid", or a caller's own (e.g. "used")


@dataclass(frozen=True)
class LinkPayload:
    object_id: int
    extra: dict


def make_token(purpose: str, object_id: int, **extra) -> str:
    return signing.dumps({"id": object_id, "x": extra}, salt=f"guichet.magic.{purpose}", compress=True)


def read_token(purpose: str, token: str, *, max_age: datetime.timedelta = DEFAULT_MAX_AGE) -> LinkPayload:
    try:
        data = signing.loads(token, salt=f"guichet.magic.{purpose}", max_age=max_age)
    except signing.SignatureExpired as error:
        raise InvalidLink("expired") from error
    except signing.BadSignature as error:
        raise InvalidLink("invalid") from error
    return LinkPayload(object_id=int(data["id"]), extra=data.get("x") or {})
