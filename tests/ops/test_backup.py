"""`redangel backup` and `redangel restore`, run as an operator would: a populated registry,
backed up while its server runs, restored into a new database, verifies its audit chain and
still holds its persons; a restore refuses a database that already holds a registry."""

from __future__ import annotations

from pathlib import Path

from redangel.program.service import sync_catalog
from tests.audit.test_verify_command import run
from tests.builders import build_world, person_payload
from tests.conftest import fresh_database, login, make_settings, migrate, start_server, unique_suffix


def test_backup_restore_verify_and_find_the_persons(backend: str, fresh_url: str,
                                                    tmp_path: Path) -> None:
    source = make_settings(fresh_url, tmp_path / "source")
    migrate(source)
    server = start_server(source)
    try:
        with server.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
            sync_catalog(session, server.app.state.catalog)  # type: ignore[attr-defined]
            world = build_world(session)
            session.commit()
        clerk = login(server, world.clerk, world.password)
        created = []
        for _ in range(3):
            answer = clerk.post("/persons", json=person_payload(unique_suffix()))
            assert answer.status_code == 201, answer.text
            created.append(answer.json())
            assert clerk.get(f"/persons/{created[-1]['id']}").status_code == 200
        clerk.close()
        file = tmp_path / f"registry.{backend}.backup"
        done = run(source, "backup", str(file))  # online: the server is still running
        assert done.returncode == 0, done.stderr
        assert file.stat().st_size > 0
    finally:
        server.stop()

    with fresh_database(backend, tmp_path, "restored") as url:
        target = make_settings(url, tmp_path / "target")
        restored = run(target, "restore", str(file))
        assert restored.returncode == 0, restored.stderr
        verified = run(target, "audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "intact" in verified.stdout
        again = run(target, "restore", str(file))
        assert again.returncode == 1 and "new, empty" in again.stderr
        server = start_server(target)
        try:
            clerk = login(server, world.clerk, world.password)
            for person in created:
                found = clerk.get(f"/persons/{person['id']}")
                assert found.status_code == 200, found.text
                assert found.json()["given_names"] == person["given_names"]
            clerk.close()
        finally:
            server.stop()


def test_restore_refuses_a_registry_in_use(backend: str, fresh_url: str, tmp_path: Path) -> None:
    settings = make_settings(fresh_url, tmp_path)
    migrate(settings)
    file = tmp_path / "empty.backup"
    assert run(settings, "backup", str(file)).returncode == 0
    refused = run(settings, "restore", str(file))
    assert refused.returncode == 1
    assert "already holds tables" in refused.stderr
