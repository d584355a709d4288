"""Failure counters in the cache, for rate limits on public forms (case lookup, the attendance pad).

A counter lives ``seconds`` after its first failure (``sliding``: after its latest). The cache is
shared by every process when REDIS_URL is set (settings), per process otherwise. Keys hold no
personal data: callers pass digests.
"""

from django.core.cache import cache


def failures(key: str) -> int:
    return int(cache.get(key) or 0)


def failure_add(key: str, seconds: int, *, sliding: bool = False) -> int:
    """Count one failure under ``key``; returns the count."""
    if cache.add(key, 1, timeout=seconds):
        return 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1
    if sliding:
        cache.touch(key, timeout=seconds)
    return count


def failures_clear(key: str) -> None:
    cache.delete(key)
