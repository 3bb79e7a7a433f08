"""Small cache-based counters that slow down guessing and spam (no extra dependency).

Keys are hashed, so neither an e-mail address nor an IP address ends up in the cache's key space.

When the shared cache is down the counters fail open (portal/cache.py logs it): a request is never refused or
broken because its counter cannot be read.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str:
    """The client's address, for every throttle of the project (these and the API's, funding.api.MatchThrottle).

    settings.NUM_PROXIES is how many reverse proxies of ours stand in front of the web nodes (0: none, clients
    connect directly). Each appends the address it received from to X-Forwarded-For, so the client is the
    NUM_PROXIES-th address from the right; whatever a client wrote further left is ignored, so a forged header
    cannot change its identity. With 0, X-Forwarded-For is never read."""
    remote_addr = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = getattr(settings, "NUM_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not proxies or not forwarded:
        return remote_addr
    addresses = [address.strip() for address in forwarded.split(",")]
    return addresses[-min(proxies, len(addresses))] or remote_addr


def _key(scope: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"throttle:{scope}:{digest}"


class Throttle:
    """At most `limit` hits per `window` seconds for one key."""

    def __init__(self, scope: str, *, limit: int, window: int):
        self.scope, self.limit, self.window = scope, limit, window

    def is_blocked(self, *parts: str) -> bool:
        return cache.get(_key(self.scope, *parts), 0) >= self.limit

    def hit(self, *parts: str) -> int:
        key = _key(self.scope, *parts)
        cache.add(key, 0, self.window)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, self.window)
            return 1

    def allow(self, *parts: str) -> bool:
        """Count one more hit; False once past the limit."""
        return self.hit(*parts) <= self.limit

    def reset(self, *parts: str) -> None:
        cache.delete(_key(self.scope, *parts))


# Five wrong passwords for one address from one IP, then fifteen minutes' wait.
LOGIN_FAILURES = Throttle("login", limit=5, window=15 * 60)
# A public form: ten sendings an hour per IP.
PUBLIC_SUBMISSIONS = Throttle("submission", limit=10, window=60 * 60)
# Holder sign-up: each accepted form sends an e-mail; per client IP and per address, within an hour.
SIGNUP_CLIENTS = Throttle("signup-client", limit=5, window=60 * 60)
SIGNUP_ADDRESSES = Throttle("signup-address", limit=3, window=60 * 60)
# Password reset: each request may send an e-mail; per client and per address, within an hour.
PASSWORD_RESET_CLIENTS = Throttle("password-reset-client", limit=10, window=60 * 60)
PASSWORD_RESET_ADDRESSES = Throttle("password-reset-address", limit=3, window=60 * 60)
