"""Each request's id and latency: `X-Request-ID` taken (when well-formed) or made, echoed on the
answer and carried by every log line written while the request runs; the latency counted
under the route's template."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from redangel.logging_setup import REQUEST_ID
from redangel.ops.metrics import Metrics

_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{1,64}")
HEADER = b"x-request-id"


def request_id_from(value: str | None) -> str:
    """The caller's id when it is short and plain (it goes into logs), else a new one."""
    if value and _WELL_FORMED.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestContext:
    """ASGI middleware: request id in and out, latency by route template into the metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self._templates: dict[int, str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope["headers"]).get(HEADER)
        rid = request_id_from(sent.decode("latin-1") if sent else None)
        token = REQUEST_ID.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (HEADER, rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.metrics.observe(method=scope["method"], route=self._template(scope),
                                 status=status, seconds=time.perf_counter() - started)
            REQUEST_ID.reset(token)

    def _template(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is None:
            return "unmatched"
        if self._templates is None:
            app: Any = scope["app"]
            self._templates = {id(c.original_route): c.path or "unmatched"
                               for c in iter_route_contexts(app.routes)}
        return self._templates.get(id(route), getattr(route, "path", "unmatched"))
