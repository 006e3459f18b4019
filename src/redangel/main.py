"""The application: /api/v1 (JSON), /office and /kiosk (HTML), wired at startup."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from redangel import __version__, logging_setup
from redangel.agency.api import router as agency_router
from redangel.audit import service as audit
from redangel.audit.api import router as audit_router
from redangel.auth.api import router as auth_router
from redangel.auth.principal import Principal
from redangel.auth.ratelimit import RateLimiter
from redangel.card.api import router as card_router
from redangel.config import Settings, get_settings
from redangel.crypto.repository import load_keyring
from redangel.db import make_engine, make_sessionmaker
from redangel.eligibility import load_catalog
from redangel.errors import (
    AppError,
    Forbidden,
    NotFound,
    Unauthenticated,
    install_api_handlers,
    problem_response,
)
from redangel.household.api import router as household_router
from redangel.lifeevent.api import router as lifeevent_router
from redangel.person.api import router as person_router
from redangel.program.api import router as program_router
from redangel.web.setup import mount_pages

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1_000_000
_DENIALS = (NotFound, Forbidden, Unauthenticated)
AUDITED_PREFIXES = ("/api/", "/office/", "/kiosk/")


def _audit_denial(request: Request, error: AppError) -> None:
    """Record a denied attempt in its own transaction (the request's was rolled back)."""
    if not isinstance(error, _DENIALS) or not request.url.path.startswith(AUDITED_PREFIXES):
        return
    principal: Principal | None = getattr(request.state, "principal", None)
    person_id = request.path_params.get("person_id") if request.path_params else None
    try:
        import uuid

        pid = uuid.UUID(str(person_id)) if person_id else None
    except ValueError:
        pid = None
    if principal is None and not isinstance(error, Unauthenticated):
        return
    actor = principal or Principal(kind="system", id="anonymous", role="anonymous")
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    for surface in ("/office", "/kiosk"):  # page routes are named relative to their surface
        if request.url.path.startswith(surface) and not path.startswith(surface):
            path = surface + path
    factory = request.app.state.sessionmaker
    with factory() as session:
        audit.configure(session, request.app.state.audit_config)
        audit.record(
            session, principal=actor, action=f"denied:{request.method} {path}"[:48],
            person_id=pid, purpose="access_attempt", outcome=error.code[:16],
        )
        session.commit()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for the given (or the environment's) settings."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logging_setup.install()
        # Request threads spend most of their time waiting on the database; a short GIL switch
        # interval lets a thread whose query returned resume at once instead of after 5 ms.
        sys.setswitchinterval(0.0005)
        sealer = None
        if engine.dialect.name == "postgresql":
            sealer = audit.Sealer(app.state.sessionmaker)
            sealer.start()
        yield
        if sealer is not None:
            sealer.stop()
        app.state.engine.dispose()

    app = FastAPI(
        title="redangel", version=__version__, lifespan=lifespan,
        description="Registro único de personas para todos los programas sociales de la ciudad.",
    )
    engine = make_engine(settings.effective_database_url)
    factory = make_sessionmaker(engine)
    app.state.settings = settings
    app.state.default_lang = settings.locale
    app.state.engine = engine
    app.state.sessionmaker = _configured(factory, settings)
    app.state.audit_config = audit.AuditConfig(secret_key=settings.secret_key,
                                               checkpoint_every=settings.audit_checkpoint_every)
    app.state.rate_limiter = RateLimiter()
    with factory() as session:
        app.state.keyring = load_keyring(
            session, kek=settings.kek_bytes, blind_index_key=settings.blind_index_bytes,
            engine=engine,
        )
        session.commit()
    app.state.on_app_error = _audit_denial
    app.state.catalog = load_catalog(settings.catalog_path)

    api = APIRouter(prefix="/api/v1")
    for router in (auth_router, person_router, household_router, audit_router, card_router,
                   program_router, lifeevent_router, agency_router):
        api.include_router(router)
    app.include_router(api)
    install_api_handlers(app)
    mount_pages(app)

    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


class BodyLimit:
    """Refuse request bodies that announce more than `max_bytes` (413, problem+json)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"content-length" and (
                    not value.isdigit() or int(value) > self.max_bytes
                ):
                    error = AppError("field_too_long", max=self.max_bytes)
                    error.status = 413
                    response = problem_response(error, Request(scope))
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _configured(factory: Callable[[], Session], settings: Settings) -> Callable[[], Session]:
    config = audit.AuditConfig(secret_key=settings.secret_key,
                               checkpoint_every=settings.audit_checkpoint_every)

    def make() -> Session:
        session = factory()
        audit.configure(session, config)
        return session

    return make
