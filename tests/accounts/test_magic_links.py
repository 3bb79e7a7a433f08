import datetime

import pytest
import time_machine

from accounts.magic_links import InvalidLink, make_token, read_token


def test_round_trip_carries_id_and_extra():
    payload = read_token("campaign", make_token("campaign", 42, action="confirm"))
    assert payload.object_id == 42 and payload.extra == {"action": "confirm"}


def test_tampered_token_is_refused():
    token = make_token("campaign", 42)
    with pytest.raises(InvalidLink) as error:
        read_token("campaign", token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert error.value.reason == "invalid"


def test_token_for_another_purpose_is_refused():
    with pytest.raises(InvalidLink):
        read_token("referral", make_token("campaign", 42))


def test_expired_token_is_refused():
    with time_machine.travel(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), tick=False):
        token = make_token("campaign", 42)
    with time_machine.travel(datetime.datetime(2026, 1, 9, tzinfo=datetime.UTC), tick=False):
        assert read_token("campaign", token, max_age=datetime.timedelta(days=10)).object_id == 42
        with pytest.raises(InvalidLink) as error:
            read_token("campaign", token, max_age=datetime.timedelta(days=7))
    assert error.value.reason == "expired"
