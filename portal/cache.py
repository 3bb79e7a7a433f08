"""The shared cache (Redis) that degrades instead of failing.

When Redis is unreachable, every cache operation answers as a miss: reads return the default, writes do nothing,
`incr` reports a missing key. So the throttles fail open (a request is never refused nor broken because their
counter is unavailable), the cached_db sessions fall back to the database, and pages keep serving. One warning a
few seconds at most is logged per process, naming the operation and the key's scope (`throttle:login`), never the
key itself. After a failure the cache is skipped for `RETRY_AFTER` seconds, so a dead Redis costs no timeout per
request; the readiness endpoint (`ping`) still tells the load balancer.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger("portal.cache")

RETRY_AFTER = 5.0  # seconds the cache is skipped after a failure
LOG_EVERY = 10.0  # seconds between two warnings of one process


def _scope(key) -> str:
    """What a key is for, never the key itself: « throttle:login » for a throttle (its last part is a hash of an
    address), « sessions » for a session (its key would let one hijack it)."""
    text = str(key)
    if text.startswith("django.contrib.sessions"):
        return "sessions"
    parts = text.split(":")
    if len(parts) >= 3:
        return ":".join(parts[:-1])
    return parts[0] if len(parts) == 2 else "other"


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._down_until = 0.0
        self._last_log = 0.0
        self._failures = 0
        self._lock = threading.Lock()

    def _failed(self, operation: str, key, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self._down_until = now + RETRY_AFTER
            self._failures += 1
            if now - self._last_log < LOG_EVERY:
                return
            self._last_log, failures, self._failures = now, self._failures, 0
        logger.warning(
            "cache unavailable (%s) on %s %s: serving without it, throttles fail open (%d failure(s) since the "
            "last warning)",
            type(error).__name__,
            operation,
            _scope(key),
            failures,
        )

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _guard(self, operation: str, key, default, call):
        if not self._available():
            return default
        try:
            return call()
        except ValueError:  # incr of a missing key: the caller handles it
            raise
        except Exception as error:  # noqa: BLE001 - redis ConnectionError, TimeoutError, ResponseError…
            self._failed(operation, key, error)
            return default

    def ping(self) -> bool:
        """For the readiness probe: raises when Redis does not answer (ignores the skip window)."""
        return bool(self._cache.get_client(write=True).ping())

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            "add", key, False, lambda: super(ResilientRedisCache, self).add(key, value, timeout, version)
        )

    def get(self, key, default=None, version=None):
        return self._guard("get", key, default, lambda: super(ResilientRedisCache, self).get(key, default, version))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set", key, None, lambda: super(ResilientRedisCache, self).set(key, value, timeout, version))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", key, False, lambda: super(ResilientRedisCache, self).touch(key, timeout, version))

    def delete(self, key, version=None):
        return self._guard("delete", key, False, lambda: super(ResilientRedisCache, self).delete(key, version))

    def get_many(self, keys, version=None):
        keys = list(keys)
        first = keys[0] if keys else ""
        return self._guard("get_many", first, {}, lambda: super(ResilientRedisCache, self).get_many(keys, version))

    def has_key(self, key, version=None):
        return self._guard("has_key", key, False, lambda: super(ResilientRedisCache, self).has_key(key, version))

    def incr(self, key, delta=1, version=None):
        if not self._available():
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        try:
            return super().incr(key, delta, version)
        except ValueError:
            raise
        except Exception as error:  # noqa: BLE001
            self._failed("incr", key, error)
            raise ValueError(f"Key '{key}' not found (cache unavailable)") from None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        first = next(iter(data), "")
        call = lambda: super(ResilientRedisCache, self).set_many(data, timeout, version)  # noqa: E731
        return self._guard("set_many", first, list(data), call)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        first = keys[0] if keys else ""
        return self._guard(
            "delete_many", first, None, lambda: super(ResilientRedisCache, self).delete_many(keys, version)
        )

    def clear(self):
        return self._guard("clear", "", False, lambda: super(ResilientRedisCache, self).clear())
