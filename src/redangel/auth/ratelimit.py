"""Fixed-window rate limits per principal or client address, answered with 429 + Retry-After.

Kept in process memory: each worker limits on its own, which bounds abuse without a shared
store. A deployment behind several workers divides the configured rates accordingly.
"""

from __future__ import annotations

import math
import threading
import time

from redangel.errors import RateLimited


class RateLimiter:
    """Counts requests per (bucket, key) in one-minute windows."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}

    def hit(self, bucket: str, key: str, per_minute: int) -> None:
        """Count one request; raise RateLimited when the window is full."""
        now = time.time()
        window = int(now // 60)
        with self._lock:
            if len(self._windows) > 100_000:
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
            start, count = self._windows.get((bucket, key), (window, 0))
            if start != window:
                start, count = window, 0
            if count >= per_minute:
                raise RateLimited(retry_after=max(1, math.ceil((window + 1) * 60 - now)))
            self._windows[(bucket, key)] = (start, count + 1)
