"""Deadlines in business days (a data-rights request's legal deadline, a complaint's answer).

Business days are Monday to Friday. Official holidays are not counted yet: they would enter as
a dated list in the catalog (`life_events/`, like the programs' parameters) that `add_business_days`
skips beside the weekend; see docs/decisions/2026-12-07-data-rights.md.
"""

from __future__ import annotations

from datetime import date, timedelta


def add_business_days(start: date, days: int) -> date:
    """The day `days` business days (Monday to Friday) after `start`."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day
