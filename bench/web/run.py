"""Page benchmark: what each main page costs (SQL statements, bytes) and how fast it answers.

    .venv/bin/python bench/web/run.py [--persons 20000] [--backend sqlite|postgresql] [--requests 200]

A fresh database built by the migrations, `--persons` demo people, a real server (`uvicorn`,
one worker). For each page: the number of SQL statements one request runs (counted in process
on the same database, for a quiet and a busy record — the count must not grow with the record),
the HTML size, and the latency of `--requests` sequential requests (p50/p95) and of the same
number spread over 8 concurrent clients (p50/p95 and requests per second) over real HTTP.
Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import event, select

ROOT = Path(__file__).resolve().parents[2]
# REDANGEL_BENCH_SERVER_SRC: measure another checkout's pages (the "before" column).
sys.path.insert(0, str(Path(os.environ.get("REDANGEL_BENCH_SERVER_SRC") or ROOT) / "src"))
sys.path.insert(0, str(ROOT))

from bench.registry.run import fresh_database  # noqa: E402
from bench.support import serve  # noqa: E402
from redangel.audit import service as audit  # noqa: E402
from redangel.auth import service as auth  # noqa: E402
from redangel.auth.principal import SYSTEM  # noqa: E402
from redangel.config import Settings  # noqa: E402
from redangel.db import make_engine, make_sessionmaker  # noqa: E402
from redangel.eligibility import load_catalog  # noqa: E402
from redangel.main import create_app  # noqa: E402
from redangel.person.models import Person  # noqa: E402
from redangel.program import repository as program_rows  # noqa: E402
from redangel.program import service as programs  # noqa: E402
from redangel.program.service import sync_catalog  # noqa: E402

PASSWORD = "demo-redangel-2026"
Request = Callable[[httpx.Client], httpx.Response]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def prepare(url: str, data_dir: Path, persons: int) -> str:
    """Migrate, load the catalog and the demo population; returns the kiosk device token."""
    env = dict(os.environ, REDANGEL_DATABASE_URL=url, REDANGEL_DATA_DIR=str(data_dir),
               REDANGEL_PROJECT_DIR=str(ROOT), REDANGEL_ENVIRONMENT="development")
    cli = [sys.executable, "-m", "redangel.cli"]
    for args in (["db", "upgrade"], ["catalog", "load"],
                 ["demo", "seed", "--persons", str(persons), "--seed", "2026"]):
        done = subprocess.run([*cli, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                              check=True)
    found = re.search(r"kiosk device token: (\S+)", done.stdout)
    assert found, done.stdout
    return found.group(1)


def world(settings: Settings, device_token: str
          ) -> tuple[list[uuid.UUID], uuid.UUID, str, str, str]:
    """Persons the demo clerk may open (Iztapalapa), a busy one, a PIN-verified card session, and
    one of the busy person's open applications.

    The demo's own history already gives most persons applications, enrollments, deliveries and
    cards; the busy one gets a few more open applications on top."""
    engine = make_engine(settings.effective_database_url)
    with make_sessionmaker(engine)() as session:
        audit.configure(session, audit.AuditConfig.from_settings(settings))
        ids = list(session.scalars(select(Person.id).where(Person.borough == "iztapalapa")
                                  .order_by(Person.id).limit(60)))

        sync_catalog(session, load_catalog(settings.catalog_path))
        busy = ids[0]
        folios = []
        for code in ("comedores_comunitarios", "servicios_medicos_gratuitos", "becas_cultura",
                     "apoyo_jovenes_riesgo", "apoyo_discapacidad"):
            if code in program_rows.live_program_codes(session, busy):
                continue  # the demo's history already has it open or enrolled
            folios.append(programs.submit(session, principal=SYSTEM, person_id=busy,
                                          program_code=code, channel="office").folio)
        assert folios, "the busy person already holds every program the benchmark applies for"
        device = auth.kiosk_device(session, device_token)
        card_session, kiosk = auth.open_kiosk_session(session, device=device, person_id=busy,
                                                      card_serial=None)
        kiosk.pin_verified = True
        born = session.scalar(select(Person.birth_date).where(Person.id == busy))
        assert born is not None
        session.commit()
    engine.dispose()
    # What the kiosk agent hands its own screen for this card session (see web/kiosk/pages.py).
    return (ids, busy, auth.kiosk_screen_token(settings=settings, session_token=card_session),
            folios[-1], born.isoformat())


def signed_in(base: str, username: str = "clerk") -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    form = re.search(r'name="login_token" value="([^"]+)"', client.get("/office/login").text)
    assert form, "the sign-in form has no login_token"
    answer = client.post("/office/login", data={"username": username, "password": PASSWORD,
                                                "login_token": form.group(1)})
    assert answer.status_code == 303, answer.text
    home = client.get("/office")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    assert csrf, home.text[:500]
    return client, csrf.group(1)


def pages(ids: list[uuid.UUID], busy: uuid.UUID, csrf: str,
          folio: str, born: str) -> dict[str, tuple[str, Request]]:
    """Name → (who asks, request) for each main page."""
    turn = iter(range(10**9))

    def person(client: httpx.Client) -> httpx.Response:
        return client.get(f"/office/persons/{ids[next(turn) % len(ids)]}", params={"purpose": "attention"})

    return {
        "office home": ("clerk", lambda c: c.get("/office")),
        "office search by name": ("clerk", lambda c: c.post("/office/search", data={
            "csrf_token": csrf, "q": "María Hernández", "birth_date": "", "borough": ""})),
        "office person 360": ("clerk", person),
        "office person 360 (busy)": ("clerk", lambda c: c.get(f"/office/persons/{busy}",
                                                               params={"purpose": "attention"})),
        "office life-event questions": ("clerk", lambda c: c.get(
            f"/office/persons/{busy}/events/birth_of_child")),
        "office outreach (supervisor)": ("supervisor", lambda c: c.get("/office/outreach")),
        "kiosk my applications": ("kiosk", lambda c: c.get("/kiosk/me/applications")),
        "kiosk state poll": ("kiosk", lambda c: c.get("/kiosk/state")),
        "public screening form": ("public", lambda c: c.get("/screening")),
        "public screening answer": ("public", lambda c: c.post("/screening", data={
            "age": "70", "lives_in_city": "yes", "borough": "iztapalapa", "since": "1990",
            "income": "3000", "children": "", "event": "turning_68", "kiosk": ""})),
        "public folio form": ("public", lambda c: c.get("/folio")),
        "public folio status": ("public", lambda c: c.post("/folio", data={
            "folio": folio, "birth_date": born})),
        # after the kiosk's pages: its card session idles out while others are timed
        "office correct data (busy)": ("clerk", lambda c: c.get(f"/office/persons/{busy}/edit")),
        "office household changes": ("clerk", lambda c: c.get(
            f"/office/persons/{ids[next(turn) % len(ids)]}/household")),
        "office application": ("supervisor", lambda c: c.get(f"/office/applications/{folio}")),
        "supervisor queue": ("supervisor", lambda c: c.get("/office/queue")),
    }


def statements(settings: Settings, clients: dict[str, httpx.Client],
               plan: dict[str, tuple[str, Request]]) -> dict[str, tuple[int, int]]:
    """SQL statements and HTML bytes of one request of each page, counted in process."""
    app = create_app(settings)
    counted: list[str] = []
    event.listen(app.state.engine, "before_cursor_execute",
                 lambda *args: counted.append(str(args[2])[:40]))
    out: dict[str, tuple[int, int]] = {}
    with TestClient(app, base_url="http://testserver") as local:
        for name, (who, make) in plan.items():
            local.cookies.clear()
            for key, value in clients[who].cookies.items():
                local.cookies.set(key, value)
            make(local)  # warm caches (catalog, templates)
            counted.clear()
            answer = make(local)
            out[name] = (len(counted), len(answer.content))
    return out


def timings(base: str, clients: dict[str, httpx.Client], plan: dict[str, tuple[str, Request]],
            requests: int) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    for name, (who, make) in plan.items():
        client = clients[who]
        make(client)
        sequential = []
        for _ in range(requests):
            start = time.perf_counter()
            answer = make(client)
            sequential.append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 200, (name, answer.status_code, answer.text[:300])

        def one(_: int, client: httpx.Client = client, make: Request = make) -> float:
            start = time.perf_counter()
            make(client)
            return (time.perf_counter() - start) * 1000

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            parallel = list(pool.map(one, range(requests)))
        elapsed = time.perf_counter() - started
        figures[name] = {"p50": statistics.median(sequential), "p95": pct(sequential, 0.95),
                         "c_p50": statistics.median(parallel), "c_p95": pct(parallel, 0.95),
                         "rps": requests / elapsed}
    return figures


def main() -> None:

    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--port", type=int, default=8931)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="redangel-web-bench-"))
    url = fresh_database(args.backend, workdir)
    settings = Settings(database_url=url, data_dir=workdir, environment="development")
    print(f"== pages on {args.backend}, {args.persons:,} persons")
    token = prepare(url, workdir, args.persons)
    ids, busy, screen, folio, born = world(settings, token)
    server = serve(url, port=args.port, workers=1, data_dir=workdir)
    base = f"http://127.0.0.1:{args.port}"
    try:
        clerk, csrf = signed_in(base)
        supervisor, _ = signed_in(base, "supervisor")
        kiosk = httpx.Client(base_url=base, timeout=30, cookies={"redangel_kiosk": token,
                                                                  "redangel_kiosk_screen": screen})
        public = httpx.Client(base_url=base, timeout=30)
        clients = {"clerk": clerk, "supervisor": supervisor, "kiosk": kiosk, "public": public}
        plan = pages(ids, busy, csrf, folio, born)
        # The kiosk's card session ends after a minute without a touch: time its pages first.
        plan = dict(sorted(plan.items(), key=lambda item: item[1][0] != "kiosk"))
        counts = statements(settings, clients, plan)
        figures = timings(base, clients, plan, args.requests)
        print(f"{'page':32} {'SQL':>4} {'KiB':>6} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'8 clients p50':>13} {'p95':>7} {'req/s':>6}")
        for name in plan:
            n, size = counts[name]
            f = figures[name]
            print(f"{name:32} {n:>4} {size / 1024:>6.1f} {f['p50']:>7.1f} {f['p95']:>7.1f} "
                  f"{f['c_p50']:>13.1f} {f['c_p95']:>7.1f} {f['rps']:>6.0f}")
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
