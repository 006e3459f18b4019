"""Storage benchmark for the capacity model in docs/scaling.md: bytes per person, per enrollment
and per audit row, measured with `pg_total_relation_size` on a database this run builds.

    .venv/bin/python bench/scale/run.py --persons 100000 --audit-rows 200000

A fresh PostgreSQL database (`REDANGEL_BENCH_DB`, default redangel_bench_scale) built by the
migrations; `--persons` people in households with their program history loaded through the bulk
path (the demo's generator, catalog included); `--audit-rows` read events recorded through the
audit service (one per person shown, as a search records them) and sealed. Prints each table's
size and rows, the bytes per row of each group, and the load rate beside the audit write rate of
the same run. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

import psycopg
from sqlalchemy import Engine
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from redangel.audit import service as audit  # noqa: E402
from redangel.auth.principal import Principal  # noqa: E402
from redangel.cli.context import context  # noqa: E402
from redangel.cli.database import upgrade  # noqa: E402
from redangel.config import Settings, get_settings  # noqa: E402
from redangel.demo import seed as demo  # noqa: E402
from redangel.eligibility import load_catalog  # noqa: E402

PG_ADMIN = os.environ.get("REDANGEL_TEST_POSTGRES_URL",
                          "postgresql://postgres:postgres@127.0.0.1:5432/postgres")
BENCH_DB = os.environ.get("REDANGEL_BENCH_DB", "redangel_bench_scale")
GROUPS = {
    "person": ("person", "person_name_term", "name_term", "name_term_variant", "household",
               "household_membership", "history_entry", "card"),
    "enrollment": ("enrollment", "application", "delivery", "change_entry"),
    "audit": ("audit_event", "audit_seal", "audit_checkpoint"),
}


def fresh_database() -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{BENCH_DB}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--audit-rows", type=int, default=200_000)
    parser.add_argument("--measure-only", action="store_true",
                        help="measure the database a previous run built, without loading")
    args = parser.parse_args()
    url = (PG_ADMIN.rsplit("/", 1)[0] + f"/{BENCH_DB}") if args.measure_only else fresh_database()
    os.environ.update(REDANGEL_DATABASE_URL=url, REDANGEL_PROJECT_DIR=str(ROOT),
                      REDANGEL_ENVIRONMENT=os.environ.get("REDANGEL_ENVIRONMENT", "development"))
    get_settings.cache_clear()
    settings: Settings = get_settings()
    if args.measure_only:
        ctx = context()
        with ctx.engine.connect() as conn:
            written = int(conn.exec_driver_sql("SELECT count(*) FROM person").scalar_one())
        measure(ctx.engine, written)
        return
    upgrade(settings)
    ctx = context()
    with ctx.sessions() as session:
        offices = demo.ensure_offices(session)
        demo.ensure_logins(session, offices)
        session.commit()
    keyring = ctx.keyring()
    started = time.perf_counter()
    written = demo.seed_population(ctx.engine, keyring=keyring, persons=args.persons, seed=2026,
                                   offices=offices, catalog=load_catalog(settings.catalog_path),
                                   batch=20_000)
    load_seconds = time.perf_counter() - started
    print(f"loaded {written:,} persons with their history in {load_seconds:.1f} s "
          f"({written / load_seconds:,.0f} persons/s)")

    clerk = Principal(kind="staff", id=str(uuid.uuid4()), role="clerk",
                      office_id=offices["iztapalapa"], office_borough="iztapalapa")
    with ctx.engine.connect() as conn:
        ids = [row[0] for row in conn.exec_driver_sql(
            f"SELECT id FROM person LIMIT {min(args.audit_rows, written)}")]
    started = time.perf_counter()
    recorded = 0
    while recorded < args.audit_rows:
        with ctx.sessions() as session:
            shown = [ids[(recorded + i) % len(ids)] for i in range(min(10_000, args.audit_rows - recorded))]
            # A name search shows up to 20 persons: record them as it does.
            for start in range(0, len(shown), 20):
                audit.record_shown(session, principal=clerk, action="person.search",
                                   person_ids=shown[start:start + 20], purpose="attention",
                                   detail={"kind": "name", "results": 20})
            session.commit()
            recorded += len(shown)
    audit_seconds = time.perf_counter() - started
    config = audit.AuditConfig.from_settings(settings)

    def configured() -> Session:
        session = ctx.sessions()
        audit.configure(session, config)
        return session

    sealed = audit.seal_all(configured)
    print(f"recorded {recorded:,} audit rows in {audit_seconds:.1f} s "
          f"({recorded / audit_seconds:,.0f} rows/s, batched); sealed {sealed:,}")

    measure(ctx.engine, written)


def measure(engine: Engine, written: int) -> None:
    """Print each table's size and rows, and the bytes per person, enrollment and audit row."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
        sizes = {name: (int(size), int(rows)) for name, size, rows in conn.exec_driver_sql(
            "SELECT c.relname, pg_total_relation_size(c.oid), "
            "(xpath('/row/n/text()', query_to_xml(format('select count(*) as n from %%I', "
            "c.relname), false, true, '')))[1]::text::bigint "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')")}
        database = int(conn.exec_driver_sql(
            "SELECT pg_database_size(current_database())").scalar_one())
    print(f"\n{'table':<28}{'rows':>12}{'bytes':>16}{'bytes/row':>12}")
    for name, (size, rows) in sorted(sizes.items(), key=lambda item: -item[1][0]):
        if size > 100_000:
            print(f"{name:<28}{rows:>12,}{size:>16,}{size / max(rows, 1):>12,.0f}")
    print()
    for group, tables in GROUPS.items():
        size = sum(sizes.get(t, (0, 0))[0] for t in tables)
        base = {"person": written, "enrollment": sizes.get("enrollment", (0, 1))[1],
                "audit": sizes.get("audit_event", (0, 1))[1]}[group]
        print(f"{group:<12} {size:>14,} bytes over {base:>10,} rows = {size / max(base, 1):>7,.0f} "
              f"bytes per {group} (tables: {', '.join(t for t in tables if t in sizes)})")
    print(f"database     {database:>14,} bytes in all")
    engine.dispose()


if __name__ == "__main__":
    main()
