"""The city's day: the same whatever time zone the machine keeps (`redangel.common.clock`)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from redangel.common.clock import CITY_TZ, city_day, city_today
from redangel.program.models import Program
from tests.program.helpers import folio_of, new_person


class TestCityDay:
    def test_late_evening_in_the_city_is_still_that_day_although_utc_has_turned(self) -> None:
        # 23:30 on 1 December in Mexico City is 05:30 on 2 December in UTC.
        assert city_day(datetime(2026, 12, 2, 5, 30, tzinfo=UTC)) == date(2026, 12, 1)
        assert city_today(datetime(2026, 12, 2, 5, 30, tzinfo=UTC)) == date(2026, 12, 1)

    def test_the_city_turns_the_day_at_its_own_midnight(self) -> None:
        assert city_day(datetime(2026, 12, 2, 5, 59, tzinfo=UTC)) == date(2026, 12, 1)
        assert city_day(datetime(2026, 12, 2, 6, 0, tzinfo=UTC)) == date(2026, 12, 2)

    def test_a_moment_without_a_zone_is_read_as_utc_as_the_database_stores_it(self) -> None:
        assert city_day(datetime(2026, 12, 2, 5, 30)) == date(2026, 12, 1)  # noqa: DTZ001

    def test_a_moment_in_another_zone_is_converted(self) -> None:
        assert city_day(datetime(2026, 12, 1, 23, 30, tzinfo=CITY_TZ)) == date(2026, 12, 1)

    def test_without_a_moment_it_is_the_city_s_date_now(self) -> None:
        assert city_today() == datetime.now(CITY_TZ).date()


@pytest.fixture
def machine_clock_elsewhere() -> Iterator[None]:
    """The process's local zone moved to one whose date differs from the city's right now
    (the server runs in this process): a service reading the machine's date answers wrongly."""
    city_hour = datetime.now(CITY_TZ).hour
    zone = "Etc/GMT-14" if city_hour >= 4 else "Etc/GMT+12"  # UTC+14 (a day ahead) or UTC-12
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    assert date.today() != city_today(), "the machine's date must differ for this test"  # noqa: DTZ011
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_the_service_counts_days_on_the_city_s_calendar_whatever_the_machine_s_zone(
        clerk: httpx.Client, sessions, machine_clock_elsewhere: None) -> None:  # type: ignore[no-untyped-def]
    person = new_person(clerk)["id"]
    folio = folio_of(clerk, person, "becas_cultura")
    with sessions() as session:
        days = session.scalar(select(Program.expected_days).where(Program.code == "becas_cultura"))
    overview = clerk.get(f"/persons/{person}/overview", params={"purpose": "attention"})
    assert overview.status_code == 200, overview.text
    body = overview.json()
    assert body["as_of"] == city_today().isoformat()
    app = next(a for a in body["open_applications"] if a["folio"] == folio)
    assert app["expected_decision_on"] == (city_today() + timedelta(days=days)).isoformat()
