"""The ranges every date and integer key the service accepts must fall in: one place.

Why: a date filter or answer far outside any person's life (`9999-12-31`, `0001-01-01`) is a
mistake or a probe, and at the edges of Python's calendar it overflows (`until + 1 day`). The
request schemas (`common.types.Day`) and the eligibility engine's answers both refuse it.
Plain standard library: the pure eligibility engine imports it too.
"""

from __future__ import annotations

from datetime import date

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2200, 12, 31)
SERIAL_MAX = 2**31 - 1  # the largest integer key (an SQL INTEGER) a path may name


def day_in_range(value: date) -> bool:
    """Whether a date lies in the range the service accepts (1900-01-01 to 2200-12-31)."""
    return FIRST_DAY <= value <= LAST_DAY
