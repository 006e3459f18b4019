"""`keys rotate` runs online: while it re-seals thousands of rows in batches, clerks keep
changing records through the API, and afterwards every row opens with the new key and holds
exactly its latest value — the rotation neither loses a concurrent change nor a row."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from redangel.cli.keys import RotationReport, rotate
from redangel.crypto.service import load_keyring
from redangel.demo import seed as demo
from redangel.person.models import Person
from tests.builders import build_world
from tests.conftest import login, make_settings, migrate, start_server

PERSONS = 2000


def _open_all(session: Any, keyring: Any) -> dict[uuid.UUID, tuple[Any, Any, Any]]:
    """Every person's sealed values, opened: (CURP, contact, sensitive)."""
    out = {}
    for p in session.scalars(select(Person)):
        curp = (keyring.open(p.curp_sealed, table="person", column="curp", row_id=p.id)
                if p.curp_sealed is not None else None)
        out[p.id] = (curp, *(
            keyring.open_json(getattr(p, f"{column}_sealed"), table="person", column=column,
                              row_id=p.id) for column in ("contact", "sensitive")))
    return out


def test_rotation_under_concurrent_updates_loses_nothing(backend: str, fresh_url: str,
                                                          tmp_path: Path) -> None:
    settings = make_settings(fresh_url, tmp_path, rate_limit_login_per_minute=1000)
    migrate(settings)
    server = start_server(settings)
    app: Any = server.app
    factory, keyring = app.state.sessionmaker, app.state.keyring
    try:
        with factory() as session:
            world = build_world(session)
            offices = demo.ensure_offices(session)
            session.commit()
        assert demo.seed_population(app.state.engine, keyring=keyring, persons=PERSONS, seed=11,
                                    offices=offices) == PERSONS
        with factory() as session:
            before = _open_all(session, keyring)
            old_version = session.scalar(select(func.max(Person.key_version)))
            targets = [str(i) for i in session.scalars(
                select(Person.id).where(Person.borough == "iztapalapa").order_by(Person.id))]
        assert len(targets) >= 20
        clerk = login(server, world.clerk, world.password)
        report: list[RotationReport] = []


        def paced() -> Any:
            """Batches with a breath between them, as an operator would run it beside traffic
            (SQLite has one writer: back-to-back batches would starve the requests)."""
            time.sleep(0.01)
            return factory()

        rotation = threading.Thread(target=lambda: report.append(
            rotate(paced, kek=settings.kek_bytes, keyring=keyring, batch=25)))  # type: ignore[arg-type]
        latest: dict[str, str] = {}
        rotation.start()
        rounds = overlapped = 0
        while rotation.is_alive() or rounds < 2:
            for person in targets[rounds % 3::3]:
                etag = clerk.get(f"/persons/{person}").headers["etag"]
                phone = f"55{uuid.uuid4().int % 10**8:08d}"
                answer = clerk.patch(f"/persons/{person}", json={"phone": phone},
                                     headers={"If-Match": etag})
                assert answer.status_code == 200, answer.text
                latest[person] = phone
                overlapped += rotation.is_alive()
            rounds += 1
        rotation.join()
        clerk.close()
        assert overlapped >= 10, "the updates did not overlap the rotation"
        [done] = report
        assert done.rows_remaining == 0 and done.new_version > (old_version or 0)
        assert done.rows_resealed + len(latest) >= PERSONS - len(targets)
        with factory() as session:
            assert set(session.scalars(select(Person.key_version).distinct())) == {done.new_version}
            fresh = load_keyring(session, kek=settings.kek_bytes,
                                 blind_index_key=settings.blind_index_bytes)
            after = _open_all(session, fresh)  # a restarted process opens every row
        assert set(after) == set(before)
        for person_id, values in after.items():
            key = str(person_id)
            if key in latest:
                assert values[1]["phone"] == latest[key], "a concurrent change was lost"
                assert (values[0], values[2]) == (before[person_id][0], before[person_id][2])
            else:
                assert values == before[person_id]
        assert httpx.get(server.url + "/healthz").status_code == 200
    finally:
        server.server.should_exit = True
        if backend == "postgresql":
            time.sleep(0.3)  # let it close its connections before the database is dropped
