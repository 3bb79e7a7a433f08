"""Small cache-based counters that slow down guessing and spam (no extra dependency).

Keys are hashed, so neither an e-mail address nor an IP address ends up in the cache's key space.
"""

import hashlib

from django.core.cache import cache


def client_ip(request) -> str:
    # Behind the reverse proxy, REMOTE_ADDR is set by the proxy's real-IP module; never trust X-Forwarded-For here.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


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
