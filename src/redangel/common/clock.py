"""The city's clock: what day it is in Mexico City, whatever time zone the server runs in.

A deadline, an age, a "valid until" or a "not in the future" are days as people in the city
count them. The server (and a kiosk's or desk's machine) may keep UTC, where the date turns six
hours early; so no code asks the machine for its date (ruff's DTZ rules refuse a date or time
without a zone) and every domain, page and card agent asks here. Pure standard library: `card_reader/`
imports it too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CITY_TZ = ZoneInfo("America/Mexico_City")


def city_day(moment: datetime) -> date:
    """The city's date at a moment; a moment without a zone is taken as UTC, as stored."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(CITY_TZ).date()


def city_today(now: datetime | None = None) -> date:
    """Today's date in the city (at `now`, when given, instead of the current moment)."""
    return city_day(now if now is not None else datetime.now(UTC))
