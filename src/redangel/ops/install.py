"""Wiring the operators' endpoints into the app: `/readyz`, `/metrics`, request ids.

`/metrics` is not public: with `REDANGEL_METRICS_TOKEN` set it answers only a scraper sending
`Authorization: Bearer <token>`; without one it answers only on loopback in development and
test. Anything else gets the 404 of a path that does not exist. A loopback check alone would not
do in production: a reverse proxy on the same machine makes every visitor look local.
"""

from __future__ import annotations

import hmac

from anyio import to_thread
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from redangel.config import LOCAL_ENVIRONMENTS, Settings, is_loopback
from redangel.ops.health import readiness
from redangel.ops.metrics import Metrics
from redangel.ops.requests import RequestContext


def metrics_allowed(settings: Settings, request: Request) -> bool:
    """Whether this request may read the metrics (see the module doc)."""
    if settings.metrics_token:
        sent = request.headers.get("authorization", "").encode()
        return hmac.compare_digest(sent, f"Bearer {settings.metrics_token}".encode())
    host = request.client.host if request.client else ""
    return settings.environment in LOCAL_ENVIRONMENTS and is_loopback(host)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the readiness and metrics endpoints and the request-id middleware."""
    metrics = Metrics(app.state)
    app.state.metrics = metrics
    app.add_middleware(RequestContext, metrics=metrics)

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        """Ready when the database answers and is migrated; names the check that failed."""
        checks = await to_thread.run_sync(readiness, app.state.engine)
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse({"status": "ready" if ready else "unavailable", "checks": checks},
                            status_code=200 if ready else 503,
                            headers={"Cache-Control": "no-store"})

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint(request: Request) -> Response:
        """Prometheus metrics, for the scraper only."""
        if not metrics_allowed(settings, request):
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        body = await to_thread.run_sync(metrics.render)
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
