"""A fixed-window counter in the cache, for public forms that send e-mail."""

import hashlib

from django.core.cache import cache


def allow(scope: str, who: str, *, limit: int, window: int) -> bool:
    """Count one more attempt for `who` (hashed: no address or IP is stored in clear); False past the limit."""
    key = f"throttle:{scope}:{hashlib.sha256(who.encode()).hexdigest()[:32]}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit
