"""The analysts' console in chromium: every view readable and accessible, filters and downloads,
small counts hidden in what is shown and exported, roles (clerks refused, a supervisor held to
the office's borough, an analyst never shown a person), each read audited without a person."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from redangel.analytics import service
from redangel.analytics.schemas import Filters
from redangel.audit.models import AuditEvent
from redangel.auth.principal import Principal
from tests.analytics.recover import by_any_combination, by_subtraction, extended, lines
from tests.conftest import LiveServer, login, unique_suffix
from tests.program.helpers import approve, folio_of, new_person
from tests.web.a11y import violations
from tests.web.conftest import sign_in

pytestmark = pytest.mark.browser
K = 5
VIEWS = ("coverage", "centre", "decisions", "deliveries", "feedback", "quality")
PENSION = "pension_adultos_mayores"


@pytest.fixture(scope="module")
def refreshed(world, sessions, keyring, live) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Three older people of Iztapalapa on the pension (a count under k), then a refresh."""
    clerk = login(live, world.clerk, world.password)
    supervisor = login(live, world.supervisor, world.password)
    surname = unique_suffix()
    try:
        for n in range(3):
            person = new_person(clerk, birth_date=f"194{n}-05-0{n + 1}",
                                first_surname=f"{surname}{'abc'[n]}zamora",
                                attributes={"resident_since": "1990-01-01"})
            approve(supervisor, folio_of(clerk, person["id"], PENSION))
    finally:
        clerk.close()
        supervisor.close()
    with sessions() as session:
        service.refresh(session, catalog=live.app.state.catalog, keyring=keyring, full=True)
        session.commit()
    return {"surname": surname}


def _analyst_in(page: Any, world: Any) -> None:
    page.goto("/office/login")
    page.get_by_label("Usuario").fill(world.analyst)
    page.get_by_label("Contraseña").fill(world.password)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url("**/office/analytics/coverage")


@pytest.fixture
def analyst_http(live: LiveServer, world) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    """The analyst's session cookie on a plain HTTP client (for the downloads)."""
    api = login(live, world.analyst, world.password)
    token = api.headers["Authorization"].split()[1]
    api.close()
    with httpx.Client(base_url=live.url, cookies={"redangel_session": token}, timeout=30) as client:
        yield client


def _csv(body: bytes) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a downloaded table (up to the blank line before the notes)."""
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    table = rows[: rows.index([])]
    return table[0], table[1:]


def _number(text: str) -> float | None:
    return None if text == "" else float(text)


class TestTheAnalystsWalk:
    def test_every_view_opens_and_axe_finds_nothing(self, page, world, refreshed, screenshot) -> None:  # type: ignore[no-untyped-def]
        _analyst_in(page, world)
        for view in VIEWS:
            answer = page.goto(f"/office/analytics/{view}")
            assert answer is not None and answer.status == 200
            assert page.get_by_role("heading", name="Análisis de programas").is_visible()
            assert violations(page) == [], view
            screenshot(page, f"analytics-{view}")
            html = page.content()
            assert refreshed["surname"].lower() not in html.lower()  # never a person
        page.goto("/office/analytics/feedback")
        assert page.get_by_text("Aún no hay opiniones de la ciudadanía").is_visible()

    def test_filters_by_borough_and_program_then_downloads_the_csv(self, page, world, refreshed) -> None:  # type: ignore[no-untyped-def]
        _analyst_in(page, world)
        page.get_by_label("Alcaldía", exact=True).select_option("iztapalapa")
        page.get_by_label("Programa", exact=True).select_option(PENSION)
        page.get_by_label("Agrupado por", exact=True).select_option("sex")
        page.get_by_role("button", name="Mostrar").click()
        page.wait_for_url("**borough=iztapalapa**")
        assert page.get_by_role("heading", name="Cobertura por sexo").is_visible()
        with page.expect_download() as download:
            page.get_by_role("link", name="Descargar la tabla (CSV): Cobertura por sexo").click()
        header, rows = _csv(download.value.path().read_bytes())
        assert header[:4] == ["Sexo", "Cubiertas", "Excluidas", "Cumplen los requisitos"]
        counts = [[_number(v) for v in row[1:4]] for row in rows]
        assert all(v is None or v == 0 or v >= K for row in counts for v in row)
        grid = extended([r[:2] for r in counts[:-1]], [r[2] for r in counts[:-1]],
                        counts[-1][:2], counts[-1][2])
        sums = lines(len(counts) - 1, 2, True, True)
        assert by_subtraction(grid, sums) == set()
        assert by_any_combination(grid, sums) == set()


class TestWhatIsExported:
    def test_no_exported_count_is_under_k_and_parquet_says_the_same(  # type: ignore[no-untyped-def]
            self, analyst_http, refreshed, live) -> None:
        catalog = live.app.state.catalog
        checked = 0
        for view in VIEWS:
            for filters in ({}, {"borough": "iztapalapa", "program": PENSION}):
                ids = _table_ids(live, view, filters)
                for table_id in ids:
                    answer = analyst_http.get(f"/office/analytics/{view}/{table_id}.csv", params=filters)
                    assert answer.status_code == 200, (view, table_id)
                    _, rows = _csv(answer.content)
                    kinds = _kinds(live, view, table_id, filters)
                    for row in rows:
                        for kind, text in zip(kinds, row[1:], strict=False):
                            if kind == "count" and text:
                                assert float(text) == 0 or float(text) >= K, (view, table_id, row)
                    parquet = pq.read_table(io.BytesIO(analyst_http.get(
                        f"/office/analytics/{view}/{table_id}.parquet", params=filters).content))
                    assert parquet.num_rows == len(rows)
                    for n, kind in enumerate(kinds):
                        if kind == "count":
                            values = parquet.column(n + 1).to_pylist()
                            assert [v if v is not None else "" for v in values] == \
                                [int(float(r[n + 1])) if r[n + 1] else "" for r in rows]
                    checked += 1
        assert checked >= 20
        assert catalog is not None

    def test_a_hidden_small_count_is_really_there(self, analyst_http, refreshed) -> None:  # type: ignore[no-untyped-def]
        answer = analyst_http.get("/office/analytics/coverage/coverage_by_age_band.csv",
                                  params={"borough": "iztapalapa", "program": PENSION, "by": "age_band"})
        _, rows = _csv(answer.content)
        assert any("" in row[1:4] for row in rows)  # the three people of the fixture are hidden


def _figures(live: LiveServer, view: str, filters: dict[str, str]) -> Any:
    sessions = live.app.state.sessionmaker  # type: ignore[attr-defined]
    with sessions() as session:
        found = service.figures(session, catalog=live.app.state.catalog,  # type: ignore[attr-defined]
                                principal=_ANALYST, view=view,  # type: ignore[arg-type]
                                filters=Filters(**filters), k=K)  # type: ignore[arg-type]
        session.rollback()
    return found


def _table_ids(live: LiveServer, view: str, filters: dict[str, str]) -> list[str]:
    return [t.id for t in _figures(live, view, filters).tables]


def _kinds(live: LiveServer, view: str, table_id: str, filters: dict[str, str]) -> list[str]:
    table = next(t for t in _figures(live, view, filters).tables if t.id == table_id)
    return [c.kind for c in table.columns]


_ANALYST = Principal(kind="staff", id="analytics-export-check", role="analyst")


class TestWhoSeesWhat:
    def test_a_clerk_is_refused(self, page, world, refreshed) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        assert page.get_by_role("link", name="Análisis de programas").count() == 0
        answer = page.goto("/office/analytics/coverage")
        assert answer is not None and answer.status == 403
        answer = page.goto("/office/analytics/coverage/coverage_by_borough.csv")
        assert answer is not None and answer.status == 403

    def test_a_supervisor_sees_only_the_office_borough(self, page, world, refreshed) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.supervisor, world.password)
        page.get_by_role("link", name="Análisis de programas").click()
        assert page.get_by_text("Cifras de la alcaldía de su módulo, Iztapalapa").is_visible()
        assert page.get_by_label("Alcaldía", exact=True).count() == 0
        page.goto("/office/analytics/coverage?borough=coyoacan")
        groups = page.locator("#t-coverage_by_borough tbody th").all_inner_texts()
        assert groups == ["Iztapalapa"]
        assert violations(page) == []
        body = page.request.get("/office/analytics/quality/curp.csv?borough=coyoacan").body()
        _, rows = _csv(body)
        assert [r[0] for r in rows] == ["Iztapalapa", "Total"]

    def test_every_read_is_audited_as_an_aggregate_access(  # type: ignore[no-untyped-def]
            self, analyst_http, sessions, world, refreshed) -> None:
        tag = unique_suffix()
        answer = analyst_http.get("/office/analytics/centre", params={"until": "2099-01-01", "target": ""})
        assert answer.status_code == 200
        assert analyst_http.get("/office/analytics/quality/curp.csv").status_code == 200
        with sessions() as session:
            events = [(e.detail, e.person_id, e.purpose, e.actor_role) for e in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "analytics.read")
                .order_by(AuditEvent.id.desc()).limit(2))]
            session.rollback()
        assert [detail.get("view") for detail, *_ in events] == ["quality", "centre"]
        assert events[0][0].get("export") == "csv"
        assert events[1][0].get("until") == "2099-01-01"
        assert all(tuple(rest) == (None, "analytics", "analyst") for _, *rest in events)
        assert tag  # distinct run

    def test_unknown_filters_are_refused_in_words(self, analyst_http, refreshed) -> None:  # type: ignore[no-untyped-def]
        answer = analyst_http.get("/office/analytics/coverage", params={"program": "no_such"})
        assert answer.status_code == 422
        assert "program" in answer.text
        assert analyst_http.get("/office/analytics/nowhere").status_code == 404
        assert analyst_http.get("/office/analytics/coverage/nothing.csv").status_code == 404
