"""Signing in and out (staff), and OAuth2 client-credentials tokens (agencies)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response

from redangel.auth import service
from redangel.auth.dependencies import (
    SESSION_COOKIE,
    AppSettings,
    CurrentPrincipal,
    rate_limit,
)
from redangel.auth.ratelimit import address_key
from redangel.auth.schemas import LoginRequest, LoginResponse, Me, TokenResponse
from redangel.common.openapi import ERRORS
from redangel.db import DbSession, read_only
from redangel.errors import FieldError, InvalidInput

router = APIRouter(prefix="/auth", tags=["auth"])
LOGIN_LIMIT = Depends(rate_limit("login", "rate_limit_login_per_minute"))


@router.post("/login", response_model=LoginResponse, responses=ERRORS, dependencies=[LOGIN_LIMIT])
def login(data: LoginRequest, request: Request, response: Response, session: DbSession,
          settings: AppSettings) -> LoginResponse:
    """Sign a staff member in: sets an HttpOnly session cookie and returns the CSRF token."""
    result = service.login(session, settings=settings, throttle=request.app.state.login_throttle,
                           address=address_key(request.client.host if request.client else None),
                           username=data.username, password=data.password)
    response.set_cookie(
        SESSION_COOKIE, result.token, httponly=True, secure=settings.cookie_secure,
        samesite="strict", max_age=settings.session_absolute_hours * 3600, path="/",
    )
    return LoginResponse(
        user_id=result.user.id, display_name=result.user.display_name, role=result.user.role,
        csrf_token=result.csrf_token, session_token=result.token,
    )


@router.post("/logout", status_code=204, responses=ERRORS)
def logout(response: Response, session: DbSession, principal: CurrentPrincipal) -> Response:
    """End the current staff session."""
    service.logout(session, principal)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=Me, responses=ERRORS)
@read_only
def me(principal: CurrentPrincipal) -> Me:
    """Who the caller is authenticated as."""
    return Me(kind=principal.kind, id=principal.id, role=principal.role,
              office_id=principal.office_id, agency_code=principal.agency_code)


@router.post("/token", response_model=TokenResponse, responses=ERRORS, dependencies=[LOGIN_LIMIT])
def token(
    request: Request, session: DbSession, settings: AppSettings,
    grant_type: Annotated[str, Form(max_length=40)],
    client_id: Annotated[str, Form(min_length=1, max_length=64)],
    client_secret: Annotated[str, Form(min_length=1, max_length=256)],
) -> TokenResponse:
    """OAuth2 client credentials: an agency system exchanges its id and secret for a JWT."""
    if grant_type != "client_credentials":
        raise InvalidInput(fields=[FieldError("grant_type", "field_choice",
                                              {"choices": "client_credentials"})])
    access, lifetime = service.issue_agency_token(
        session, settings=settings, throttle=request.app.state.login_throttle,
        address=address_key(request.client.host if request.client else None),
        client_id=client_id, client_secret=client_secret,
    )
    return TokenResponse(access_token=access, expires_in=lifetime)
