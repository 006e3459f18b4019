"""The change feed over the years: a closed month older than the retention leaves the database
for a file, in order; an agency whose cursor points into what left is told so (410) with the
number to continue from, and the roll export says where the feed stood when it began."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from redangel.common.months import ArchiveRefused
from redangel.config import Settings
from redangel.program import change_archive, changes
from redangel.program.models import ChangeArchive, ChangeEntry
from redangel.program.service import sync_catalog
from tests.audit.test_verify_command import run
from tests.conftest import LiveServer, fresh_database, make_settings, migrate, start_server
from tests.program.helpers import agency_client

NOW = datetime.now(UTC)


def months_ago(count: int) -> datetime:
    """The 15th of the month `count` months before this one."""
    index = NOW.year * 12 + NOW.month - 1 - count
    return datetime(index // 12, index % 12 + 1, 15, 12, tzinfo=UTC)


OLDEST, NEXT, RECENT = months_ago(27), months_ago(26), months_ago(3)


@pytest.fixture
def world(backend: str, tmp_path: Path) -> Iterator[tuple[Settings, LiveServer]]:
    """A server on a fresh database whose feed holds changes of four months: styfe has numbers
    1-3 in the oldest month, 4-5 in the next, 6 three months ago and 7 now; salud one change in
    the oldest month and one now."""
    with fresh_database(backend, tmp_path, "feedarchive") as url:
        settings = make_settings(url, tmp_path, changes_retention_months=24)
        migrate(settings)
        live = start_server(settings)
        try:
            sessions = live.app.state.sessionmaker  # type: ignore[attr-defined]
            with sessions() as session:
                sync_catalog(session, live.app.state.catalog)  # type: ignore[attr-defined]
                session.commit()
                if backend == "postgresql":  # the oldest month gets its own partition
                    session.execute(text("SELECT change_entry_ensure_partitions(:d, :d)"),
                                    {"d": OLDEST.date()})
                    session.commit()
            for agency, when in (("styfe", OLDEST), ("styfe", OLDEST), ("styfe", OLDEST),
                                 ("salud", OLDEST), ("styfe", NEXT), ("styfe", NEXT),
                                 ("styfe", RECENT), ("styfe", NOW), ("salud", NOW)):
                enrollment, person = uuid.uuid4(), uuid.uuid4()
                with sessions() as session:
                    changes.record(session, agency_code=agency, entity="enrollment",
                                   entity_id=enrollment, person_id=person,
                                   program_code="seguro_desempleo", action="active",
                                   data={"id": str(enrollment), "person_id": str(person),
                                         "program": "seguro_desempleo", "status": "active",
                                         "started_on": f"{when:%Y-%m-%d}", "ended_on": None,
                                         "exit_reason": None, "version": 1})
                    session.info[changes._PENDING][-1]["at"] = when
                    session.commit()
            yield settings, live
        finally:
            live.stop()


def feed(client: httpx.Client, cursor: str, lang: str = "en") -> httpx.Response:
    return client.get("/agency/changes", params={"cursor": cursor},
                      headers={"Accept-Language": lang})


def test_a_closed_month_leaves_for_a_file_and_a_cursor_into_it_is_told_where_to_go_on(
        world: tuple[Settings, LiveServer], backend: str, tmp_path: Path) -> None:
    settings, live = world
    sessions: Any = live.app.state.sessionmaker  # type: ignore[attr-defined]
    out = tmp_path / "oldest.ndjson"
    answer = run(settings, "changes", "archive", "--month", f"{OLDEST:%Y-%m}", "--out", str(out))
    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert "4 changes archived" in answer.stdout

    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0]["kind"] == change_archive.KIND
    assert lines[0]["agencies"] == {"salud": [1, 1], "styfe": [1, 3]}
    assert [(item["agency"], item["seq"]) for item in lines[1:]] == [
        ("salud", 1), ("styfe", 1), ("styfe", 2), ("styfe", 3)]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ChangeEntry)) == 5
        assert session.scalar(select(ChangeArchive.entries)) == 4
        if backend == "postgresql":
            gone = f"change_entry_y{OLDEST:%Y}m{OLDEST:%m}"
            assert session.execute(text("SELECT to_regclass(:n)"), {"n": gone}).scalar() is None

    styfe = agency_client(live, sessions, "styfe")
    salud = agency_client(live, sessions, "salud")
    try:
        behind = feed(styfe, "0")
        assert behind.status_code == 410
        assert behind.headers["content-type"].startswith("application/problem+json")
        body = behind.json()
        assert body["archived_through"] == 3 and body["errors"][0]["field"] == "cursor"
        assert "download the whole roll again" in body["errors"][0]["reason"]
        spanish = feed(styfe, "2", lang="es").json()["errors"][0]["reason"]
        assert spanish.startswith("los cambios hasta el número 3 se archivaron")
        assert feed(salud, "0").json()["archived_through"] == 1

        going_on = feed(styfe, "3")
        assert going_on.status_code == 200
        assert [c["seq"] for c in going_on.json()["changes"]] == [4, 5, 6, 7]
        assert [c["seq"] for c in feed(salud, "1").json()["changes"]] == [2]
        assert feed(styfe, "7").json()["changes"] == []  # caught up: nothing, and no 410

        with styfe.stream("GET", "/agency/roll.ndjson") as roll:
            assert roll.status_code == 200
            assert roll.headers["x-changes-cursor"] == "7"
    finally:
        styfe.close()
        salud.close()


def test_a_change_numbered_late_in_an_archived_month_is_not_lost_silently(
        world: tuple[Settings, LiveServer], tmp_path: Path) -> None:
    """A change recorded at a month's end can be numbered after the next month's first ones:
    once its month is archived, a cursor before it is told so, although the page after that
    cursor starts without a gap."""
    settings, live = world
    sessions: Any = live.app.state.sessionmaker  # type: ignore[attr-defined]
    enrollment, person = uuid.uuid4(), uuid.uuid4()
    with sessions() as session:
        changes.record(session, agency_code="styfe", entity="enrollment", entity_id=enrollment,
                       person_id=person, program_code="seguro_desempleo", action="exited",
                       data={"id": str(enrollment), "person_id": str(person),
                             "program": "seguro_desempleo", "status": "exited",
                             "started_on": f"{OLDEST:%Y-%m-%d}", "ended_on": f"{OLDEST:%Y-%m-%d}",
                             "exit_reason": "moved_away", "version": 2})
        session.info[changes._PENDING][-1]["at"] = OLDEST
        session.commit()
    out = tmp_path / "oldest.ndjson"
    answer = run(settings, "changes", "archive", "--month", f"{OLDEST:%Y-%m}", "--out", str(out))
    assert answer.returncode == 0, answer.stdout + answer.stderr
    styfe = agency_client(live, sessions, "styfe")
    try:
        behind = feed(styfe, "3")  # 4 to 7 are still here; 8 left with its month
        assert behind.status_code == 410, behind.text
        assert behind.json()["archived_through"] == 8
        assert [c["seq"] for c in feed(styfe, "8").json()["changes"]] == []
    finally:
        styfe.close()


def test_months_leave_only_closed_old_and_in_order(world: tuple[Settings, LiveServer]) -> None:
    _, live = world
    sessions: Any = live.app.state.sessionmaker  # type: ignore[attr-defined]
    with sessions() as session:
        for month, said in ((f"{NOW:%Y-%m}", "is not over yet"),
                            (f"{RECENT:%Y-%m}", "within the 24 months"),
                            (f"{NEXT:%Y-%m}", f"archive {OLDEST:%Y-%m} first"),
                            ("2020-13", "not a month written as YYYY-MM")):
            with pytest.raises(ArchiveRefused, match=said):
                change_archive.prepare(session, month=month, retention_months=24)
        assert session.scalar(select(func.count()).select_from(ChangeEntry)) == 9


def test_the_cli_refuses_in_words_and_keeps_every_change(
        world: tuple[Settings, LiveServer], tmp_path: Path) -> None:
    settings, _ = world
    out = tmp_path / "next.ndjson"
    answer = run(settings, "changes", "archive", "--month", f"{NEXT:%Y-%m}", "--out", str(out))
    assert answer.returncode == 1
    assert f"not archived: archive {OLDEST:%Y-%m} first" in answer.stderr
    assert not out.exists()
