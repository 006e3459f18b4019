"""Two ASGI middlewares every answer passes through: the body-size limit and no-store on the API.

Both are plain ASGI (no `BaseHTTPMiddleware`), so they see each `receive` and `send` message:
the limit counts a body's bytes as they arrive, whatever the request announced, and refuses the
request the moment it passes the limit, before the rest is read.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from redangel.errors import BodyTooLarge, problem_response


class BodyLimit:
    """Refuse request bodies over `max_bytes` with 413 problem+json, announced or chunked."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                await self._refuse(scope, receive, send)
                return
        received = 0
        tripped = False
        started = False

        async def counted() -> Message:
            nonlocal received, tripped
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    tripped = True
                    raise BodyTooLarge(max=self.max_bytes)
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if tripped and not started:
                return  # the app's answer to a cut-off body is replaced by the 413 below
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not tripped:
                raise
        if tripped and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(BodyTooLarge(max=self.max_bytes), Request(scope))
        await response(scope, receive, send)


class NoStore:
    """Answers under `prefix` may carry personal data: no browser or proxy may keep a copy."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return

        async def no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, no_store)


class PageHeaders:
    """Headers every answer under one of `prefixes` carries (the pages' caching and framing
    rules); other paths pass through untouched."""

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...], headers: dict[str, str]) -> None:
        self.app = app
        self.prefixes = prefixes
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
