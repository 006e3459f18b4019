"""The application: /api/v1 (JSON), /office and /kiosk (HTML), wired at startup."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlalchemy.orm import Session

from redangel import __version__, logging_setup
from redangel.agency.api import router as agency_router
from redangel.audit import service as audit
from redangel.audit.denials import DenialAudit, DenialTally
from redangel.auth.api import router as auth_router
from redangel.auth.ratelimit import limiters
from redangel.card.api import router as card_router
from redangel.common.middleware import BodyLimit, NoStore
from redangel.config import Settings, get_settings
from redangel.crvs.api import router as crvs_router
from redangel.crypto.service import load_keyring
from redangel.db import make_engine, make_sessionmaker, open_async_pool
from redangel.eligibility import load_catalog
from redangel.errors import install_api_handlers
from redangel.household.api import router as household_router
from redangel.lifeevent.api import router as lifeevent_router
from redangel.linkage.api import router as linkage_router
from redangel.ops import install as operations
from redangel.person import policy as person_policy
from redangel.person.api import router as person_router
from redangel.program import change_archive, escalation_rules
from redangel.program import policy as program_policy
from redangel.program.api import router as program_router
from redangel.program.followup_api import router as followup_router
from redangel.replicas import ReadYourWrites, ReplicaRouter
from redangel.rolls.api import router as rolls_router
from redangel.side_writes import GroupWriter
from redangel.web.setup import mount_pages

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1_000_000


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for the given (or the environment's) settings."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logging_setup.install(settings.log_format)
        await _start_background(app, settings)
        yield
        await _stop_background(app)

    app = FastAPI(
        title="redangel", version=__version__, lifespan=lifespan,
        description="Registro único de personas para todos los programas sociales de la ciudad.",
    )
    engine = make_engine(settings.effective_database_url, busy_seconds=settings.sqlite_busy_seconds)
    factory = make_sessionmaker(engine)
    app.state.settings = settings
    app.state.default_lang = settings.locale
    app.state.engine = engine
    app.state.sessionmaker = _configured(factory, settings)
    # SQLite: reads run on a snapshot and hand their audit rows to one group-committing writer.
    app.state.side_writer = (GroupWriter(app.state.sessionmaker)
                             if engine.dialect.name == "sqlite" else None)
    app.state.read_router = (
        ReplicaRouter(settings.replica_urls, primary_sessions=app.state.sessionmaker,
                      configure=lambda made: _configured(made, settings),
                      max_lag=settings.replica_max_lag_seconds,
                      check_seconds=settings.replica_check_seconds,
                      window=settings.read_your_writes_seconds)
        if settings.replica_urls else None)
    app.state.rate_limiter, app.state.login_throttle = limiters(
        settings.rate_limit_storage, free=settings.login_free_attempts)
    with factory() as session:
        app.state.keyring = load_keyring(
            session, kek=settings.kek_bytes, blind_index_key=settings.blind_index_bytes,
            engine=engine,
        )
        session.commit()
    app.state.denial_tally = DenialTally(app.state.sessionmaker)
    app.state.on_app_error = DenialAudit(app.state.sessionmaker, app.state.denial_tally)
    app.state.catalog = load_catalog(settings.catalog_path)
    # A chain of command that cannot load stops the start, naming its file and line.
    app.state.escalation_chain = escalation_rules.load(
        settings.catalog_path, programs=set(app.state.catalog.programs))
    # An agency sees the persons its programs reach: the program domain's rule, wired in here.
    person_policy.reach_agencies_by(program_policy.agency_person_condition)

    api = APIRouter(prefix="/api/v1")
    # A request is matched against the routes in this order, one by one: the ones read at every
    # front-desk visit, kiosk tap and agency sync come first. No two routers share a path.
    for router in (person_router, program_router, agency_router, auth_router, household_router,
                   card_router, lifeevent_router, followup_router, crvs_router, linkage_router,
                   rolls_router):
        api.include_router(router)
    app.include_router(api)
    install_api_handlers(app)
    mount_pages(app)

    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(NoStore, prefix="/api/")
    if app.state.read_router is not None:
        app.add_middleware(ReadYourWrites, window=settings.read_your_writes_seconds,
                           secure=settings.cookie_secure)
    operations.install(app, settings)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Liveness, answered on the event loop itself: slow only when the loop is blocked."""
        return {"status": "ok"}

    return app


async def _start_background(app: FastAPI, settings: Settings) -> None:
    """The sealer, the principals' connections and the denial tally of a serving process."""
    engine = app.state.engine
    app.state.sealer = None
    app.state.loop_pool = None
    if engine.dialect.name == "postgresql":
        app.state.sealer = audit.Sealer(app.state.sessionmaker,
                                        more_partitions=(change_archive.ensure_partitions,))
        app.state.sealer.start()
        if settings.loop_pool_size:
            app.state.loop_pool = await open_async_pool(
                engine, size=settings.loop_pool_size, name="event-loop")
    app.state.denial_tally.start()


async def _stop_background(app: FastAPI) -> None:
    if app.state.loop_pool is not None:
        await app.state.loop_pool.close()
    app.state.denial_tally.stop()
    if app.state.side_writer is not None:
        app.state.side_writer.stop()
    if app.state.sealer is not None:
        app.state.sealer.stop()
    if app.state.read_router is not None:
        app.state.read_router.dispose()
    app.state.engine.dispose()


def _configured(factory: Callable[[], Session], settings: Settings) -> Callable[[], Session]:
    config = audit.AuditConfig.from_settings(settings)

    def make() -> Session:
        session = factory()
        audit.configure(session, config)
        return session

    return make
