"""One exception tree for the whole service, and its answer on each surface.

Every error a client can cause is an `AppError` carrying its HTTP status and a message code.
The API answers `application/problem+json` (RFC 9457) in Spanish or English, naming each field
and the reason; nothing else (no stack trace, no SQL) ever reaches a client.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from redangel.i18n import Lang, message, negotiate

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class FieldError:
    """One field and why it was refused, as a message code with parameters."""

    field: str
    code: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)


class AppError(Exception):
    """Base of every error a client can cause; carries status, message code and field errors."""

    status = 400
    code = "validation"

    def __init__(
        self,
        code: str | None = None,
        *,
        fields: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        self.code = code or type(self).code
        self.fields = fields or []
        self.extra = extra or {}
        self.params = params
        super().__init__(self.code)

    def headers(self) -> dict[str, str]:
        """Extra response headers this error needs."""
        return {}


class InvalidInput(AppError):
    """The payload or a parameter is not acceptable (422)."""

    status = 422
    code = "validation"


class NotFound(AppError):
    """The object does not exist, or is outside the principal's scope (404)."""

    status = 404
    code = "not_found"


class Conflict(AppError):
    """The request conflicts with the current state (409)."""

    status = 409
    code = "conflict"


class Gone(AppError):
    """What was asked for existed once and has left the database (410)."""

    status = 410
    code = "gone"


class PreconditionFailed(AppError):
    """If-Match names a stale version (412)."""

    status = 412
    code = "stale_version"


class PreconditionRequired(AppError):
    """An update came without If-Match (428)."""

    status = 428
    code = "if_match_required"


class Unauthenticated(AppError):
    """No valid credential (401)."""

    status = 401
    code = "unauthenticated"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="redangel"'}


class Forbidden(AppError):
    """Authenticated, but the role may not perform this kind of action at all (403)."""

    status = 403
    code = "forbidden"


class BodyTooLarge(AppError):
    """The request body passed the size limit, counted as its bytes arrived (413)."""

    status = 413
    code = "body_too_large"

    def headers(self) -> dict[str, str]:
        return {"Connection": "close"}  # the rest of the body is not read


class RateLimited(AppError):
    """Too many requests (429, with Retry-After)."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after=retry_after)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def request_lang(request: Request) -> Lang:
    """The language to answer this request in."""
    default: Lang = getattr(request.app.state, "default_lang", "es")
    return negotiate(request.headers.get("accept-language"), default)


def problem_body(error: AppError, lang: Lang, instance: str) -> dict[str, Any]:
    """The problem+json document for an error."""
    body: dict[str, Any] = {
        "type": f"https://redangel.example/problems/{error.code.replace('_', '-')}",
        "title": message(error.code, lang, **error.params),
        "status": error.status,
        "code": error.code,
        "instance": instance,
    }
    if error.fields:
        body["errors"] = [
            {
                "field": item.field,
                "code": item.code,
                "reason": message(item.code, lang, **item.params),
            }
            for item in error.fields
        ]
        body["detail"] = "; ".join(f"{e['field']}: {e['reason']}" for e in body["errors"])
    body.update(error.extra)
    return body


def problem_response(error: AppError, request: Request) -> Response:
    """Render an AppError as application/problem+json."""
    body = problem_body(error, request_lang(request), request.url.path)
    return JSONResponse(
        body,
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers={"Content-Language": request_lang(request), **error.headers()},
    )


_PYDANTIC_CODES = {
    "missing": "field_required",
    "extra_forbidden": "field_extra",
    "string_too_long": "field_too_long",
    "too_long": "field_too_long",
    "string_too_short": "field_too_short",
    "too_short": "field_too_short",
    "greater_than": "field_range",
    "greater_than_equal": "field_range",
    "less_than": "field_range",
    "less_than_equal": "field_range",
    "enum": "field_choice",
    "literal_error": "field_choice",
    "date_parsing": "field_date",
    "date_from_datetime_parsing": "field_date",
    "date_type": "field_date",
    "json_invalid": "field_json",
}


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_to_app_error(exc: RequestValidationError) -> InvalidInput:
    """Translate FastAPI/pydantic validation errors into named field errors."""
    fields: list[FieldError] = []
    for err in exc.errors()[:50]:
        kind = str(err.get("type", ""))
        ctx = err.get("ctx") or {}
        code = _PYDANTIC_CODES.get(kind)
        if kind == "value_error" and isinstance(ctx.get("error"), AppErrorValue):
            inner: AppErrorValue = ctx["error"]
            fields.append(FieldError(_field_path(err["loc"]), inner.code, inner.params))
            continue
        params: dict[str, Any] = {}
        if code == "field_too_long":
            params["max"] = ctx.get("max_length", "")
        elif code == "field_too_short":
            params["min"] = ctx.get("min_length", "")
        elif code == "field_choice":
            params["choices"] = str(ctx.get("expected", "")).replace("'", "")
        elif code is None:
            code = "field_type" if kind.endswith("_type") or "parsing" in kind else "field_invalid"
            params["detail"] = str(err.get("msg", ""))[:200]
        fields.append(FieldError(_field_path(err["loc"]), code, params))
    return InvalidInput(fields=fields)


def invalid_input(error: ValidationError) -> InvalidInput:
    """A refused payload validated outside a request (by a service), as named field errors."""
    return validation_to_app_error(RequestValidationError(error.errors()))


class AppErrorValue(ValueError):
    """Raised inside pydantic validators to carry a translatable field reason."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def answer(error: AppError, request: Request) -> Response:
    """The error's answer on its surface: an HTML page under a page prefix, else problem+json."""
    render = getattr(request.app.state, "page_error", None)
    prefixes: tuple[str, ...] = getattr(request.app.state, "page_prefixes", ())
    if render is not None and request.url.path.startswith(prefixes):
        page: Response = render(request, error)
        return page
    return problem_response(error, request)


def install_api_handlers(app: FastAPI) -> None:
    """Register the error handlers: AppError, validation, HTTP errors, anything else.

    API paths answer problem+json; page paths (registered by `redangel.web`) an HTML page.
    """

    async def on_app_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AppError)
        hook = getattr(request.app.state, "on_app_error", None)
        if hook is not None:  # a coroutine: it must not block the event loop (audit.denials)
            await hook(request, exc)
        return answer(exc, request)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return answer(validation_to_app_error(exc), request)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        mapping: dict[int, type[AppError]] = {404: NotFound, 401: Unauthenticated}
        if exc.status_code == 404:
            return answer(NotFound("route_not_found"), request)
        if exc.status_code == 405:
            error = AppError("method_not_allowed")
            error.status = 405
            return answer(error, request)
        cls = mapping.get(exc.status_code, AppError)
        error = cls()
        error.status = exc.status_code
        return answer(error, request)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        error = AppError("internal")
        error.status = 500
        return answer(error, request)

    app.add_exception_handler(AppError, on_app_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
