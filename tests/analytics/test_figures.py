"""The console's figures equal a direct computation on the same data (persons, enrollments,
decisions, deliveries made here through the real service), on SQLite and PostgreSQL.

The direct computations read the tables with their own queries and, for coverage, evaluate each
person with the scalar engine (the one clerks see), not the vectorised one the refresh uses.
With k = 1 nothing is hidden, so every figure can be compared.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select, update

from redangel.analytics import repository, service
from redangel.analytics.compute import bucket, month_of
from redangel.analytics.schemas import Figures, Filters, Table
from redangel.auth.principal import Principal
from redangel.common.clock import city_day, city_today
from redangel.eligibility import evaluate
from redangel.lifeevent.facts import household_of
from redangel.person.models import Person
from redangel.program.models import LIVE_ENROLLMENT, Application, Delivery, Enrollment
from tests.conftest import login, unique_suffix
from tests.program.helpers import approve, folio_of, move, new_person

ANALYST = Principal(kind="staff", id="analyst-test", role="analyst")
PROGRAM = "pension_adultos_mayores"


@pytest.fixture(scope="module")
def history(world, sessions, keyring, live) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Older people, some enrolled in the pension and in the dining rooms, one rejected, some
    without a CURP, deliveries this month and last; then a full refresh (once per database)."""
    clerk, supervisor = login(live, world.clerk, world.password), login(live, world.supervisor,
                                                                        world.password)
    try:
        _make_history(clerk, supervisor, sessions, keyring, live)
    finally:
        clerk.close()
        supervisor.close()
    yield


def _make_history(clerk: httpx.Client, supervisor: httpx.Client, sessions, keyring, live) -> None:  # type: ignore[no-untyped-def]
    enrolled = []
    for n in range(7):
        person = new_person(clerk, birth_date=f"19{40 + n}-03-0{n + 1}",
                            attributes={"monthly_income": "1000.00", "resident_since": "1990-01-01",
                                        "low_development_area": True},
                            **({"curp": None} if n == 0 else {}))
        if n < 4:
            enrolled.append(approve(supervisor, folio_of(clerk, person["id"], PROGRAM)))
        if n < 2:
            approve(supervisor, folio_of(clerk, person["id"], "comedores_comunitarios"))
        if n == 6:
            folio = folio_of(clerk, person["id"], "comedores_comunitarios")
            assert move(supervisor, folio, "in_review").status_code == 200
            answer = move(supervisor, folio, "rejected", f"No vive en la zona {unique_suffix()}")
            assert answer.status_code == 200
    today = city_today()
    with sessions() as session:
        for i, enrollment in enumerate(enrolled):
            row = session.get(Enrollment, uuid.UUID(enrollment))
            for day in (today, today.replace(day=1) - timedelta(days=1)):
                session.add(Delivery(enrollment_id=row.id, person_id=row.person_id,
                                     program_code=row.program_code, delivered_on=day, kind="cash",
                                     amount=Decimal("1500.00") + i, actor_kind="staff", actor_id="t"))
        session.commit()
    with sessions() as session:
        service.refresh(session, catalog=live.app.state.catalog, keyring=keyring, full=True)
        session.commit()


def _view(sessions, live, view: str, **filters) -> Figures:  # type: ignore[no-untyped-def]
    with sessions() as session:
        found = service.figures(session, catalog=live.app.state.catalog, principal=ANALYST,
                                view=view, filters=Filters(**filters), k=1)
        session.rollback()
    return found


def _table(found: Figures, table_id: str) -> dict[str, dict[str, float | None]]:
    table: Table = next(t for t in found.tables if t.id == table_id)
    rows = {r.key: dict(zip([c.key for c in table.columns], r.values, strict=True)) for r in table.rows}
    if table.total is not None:
        rows["__all__"] = dict(zip([c.key for c in table.columns], table.total.values, strict=True))
    return rows


class TestFiguresEqualADirectComputation:
    def test_coverage_of_a_program_is_the_engine_person_by_person(  # type: ignore[no-untyped-def]
            self, history, sessions, keyring, live) -> None:
        catalog = live.app.state.catalog
        today = city_today()
        with sessions() as session:
            living = session.scalars(select(Person.id).where(Person.deceased_on.is_(None))).all()
            live_in = set(session.scalars(select(Enrollment.person_id).where(
                Enrollment.program_code == PROGRAM, Enrollment.status.in_(LIVE_ENROLLMENT))))
            covered = excluded = inclusion = 0
            for pid in living:
                person, household = household_of(session, keyring=keyring, person_id=pid)
                verdict = evaluate(catalog, event_code=None, person=person, household=household,
                                   answers={}, as_of=today, programs=[PROGRAM]).results[0].verdict
                covered += verdict == "eligible" and pid in live_in
                excluded += verdict == "eligible" and pid not in live_in
                inclusion += verdict == "not_eligible" and pid in live_in
            session.rollback()
        row = _table(_view(sessions, live, "coverage"), "coverage_by_program")[PROGRAM]
        assert covered >= 4
        assert (row["covered"], row["excluded"], row["eligible"]) == (covered, excluded, covered + excluded)
        assert row["ratio"] == pytest.approx(covered / (covered + excluded))
        by_program = _view(sessions, live, "coverage", program=PROGRAM)
        assert _table(by_program, "inclusion_by_borough")["__all__"]["inclusion"] == inclusion

    def test_programs_per_person_count_live_enrollments(self, history, sessions, live) -> None:  # type: ignore[no-untyped-def]
        with sessions() as session:
            per_person = Counter(session.scalars(
                select(Enrollment.person_id).join(Person, Person.id == Enrollment.person_id)
                .where(Enrollment.status.in_(LIVE_ENROLLMENT), Person.deceased_on.is_(None))))
            session.rollback()
        expected = Counter(bucket(n) for n in per_person.values())
        shown = _table(_view(sessions, live, "centre"), "programs_per_person")
        assert {k: v["persons"] for k, v in shown.items() if k != "__all__"} == dict(expected)
        assert shown["__all__"]["persons"] == len(per_person)

    def test_decisions_by_program_count_approvals_and_rejections(self, history, sessions, live) -> None:  # type: ignore[no-untyped-def]
        with sessions() as session:
            rows = session.execute(select(Application.program_code, Application.status,
                                          Application.decided_at)
                                   .where(Application.status.in_(("approved", "rejected")))).all()
            session.rollback()
        since = city_today().replace(day=1)
        expected = Counter((p, s) for p, s, at in rows if city_day(at) >= since)
        shown = _table(_view(sessions, live, "decisions", since=since), "decisions_by_program")
        for program in {p for p, _ in expected}:
            assert shown[program]["approved"] == expected[(program, "approved")]
            assert shown[program]["rejected"] == expected[(program, "rejected")]
        assert shown["__all__"]["total"] == sum(expected.values())
        reasons = _table(_view(sessions, live, "decisions", since=since), "reasons")
        assert reasons["__all__"]["rejected"] == expected_rejected(expected)

    def test_persons_served_per_month_are_distinct_persons(self, history, sessions, live) -> None:  # type: ignore[no-untyped-def]
        since = (city_today().replace(day=1) - timedelta(days=1)).replace(day=1)
        with sessions() as session:
            rows = session.execute(select(Delivery.delivered_on, Delivery.person_id)
                                   .where(Delivery.delivered_on >= since)).all()
            session.rollback()
        expected: dict[str, set[uuid.UUID]] = {}
        for day, pid in rows:
            expected.setdefault(month_of(day), set()).add(pid)
        shown = _table(_view(sessions, live, "deliveries", since=since), "deliveries_by_month")
        assert {m: v["persons"] for m, v in shown.items()} == {m: len(p) for m, p in expected.items()}

    def test_share_with_a_curp_counts_the_blind_index(self, history, sessions, live) -> None:  # type: ignore[no-untyped-def]
        with sessions() as session:
            persons, with_curp = session.execute(select(func.count(), func.count(Person.curp_index))
                                                 .where(Person.deceased_on.is_(None))).one()
            session.rollback()
        total = _table(_view(sessions, live, "quality"), "curp")["__all__"]
        assert (total["with_curp"], total["without_curp"]) == (with_curp, persons - with_curp)
        assert with_curp < persons  # the person registered without a CURP

    def test_an_incremental_refresh_gives_the_same_monthly_figures(  # type: ignore[no-untyped-def]
            self, history, sessions, keyring, live) -> None:
        since = (city_today().replace(day=1) - timedelta(days=1)).replace(day=1)
        before = _table(_view(sessions, live, "deliveries", since=since), "deliveries_by_month")
        with sessions() as session:
            run = service.refresh(session, catalog=live.app.state.catalog, keyring=keyring)
            session.commit()
        assert run.kind == "incremental" and run.since_month
        assert _table(_view(sessions, live, "deliveries", since=since), "deliveries_by_month") == before


def expected_rejected(expected: Counter[tuple[str, str]]) -> int:
    """Rejections counted in the period."""
    return sum(v for (_, status), v in expected.items() if status == "rejected")


class TestTheDatabaseCountsAsThePythonDoes:
    def test_decisions_counted_by_the_database_fall_on_the_citys_calendar(  # type: ignore[no-untyped-def]
            self, history, sessions) -> None:
        """Decisions just before and after the city's midnight (and across the 2022 daylight
        saving change) are counted on the city's days, exactly as `city_day` counts them."""
        instants = [datetime(2026, 3, 1, 5, 30, tzinfo=UTC), datetime(2026, 3, 1, 6, 30, tzinfo=UTC),
                    datetime(2022, 7, 1, 4, 59, tzinfo=UTC), datetime(2022, 7, 1, 5, 1, tzinfo=UTC),
                    datetime(2026, 1, 31, 23, 0, tzinfo=UTC)]
        with sessions() as session:
            ids = session.scalars(select(Application.id).where(
                Application.status.in_(("approved", "rejected"))).order_by(Application.id)).all()
            assert len(ids) >= len(instants)
            for n, app_id in enumerate(ids):
                decided = instants[n % len(instants)]
                session.execute(update(Application).where(Application.id == app_id).values(
                    decided_at=decided, submitted_at=decided - timedelta(days=n % 4, hours=3 * n),
                    expected_decision_on=city_day(decided) - timedelta(days=n % 2)))
            in_database = Counter()
            for *groups, n in repository.decided_applications(session, None):
                in_database[tuple(groups)] += n
            here = Counter()
            for *groups, n in repository._counted_here(session, [
                    Application.decided_at.is_not(None), Application.status.in_(("approved", "rejected"))]):
                here[tuple(groups)] += n
            session.rollback()
        assert in_database == here
        assert {g[4] for g in here} >= {"2026-02", "2026-03", "2022-06", "2022-07", "2026-01"}
