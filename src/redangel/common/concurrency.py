"""Optimistic concurrency: ETags from a version column, If-Match required on updates."""

from __future__ import annotations

from fastapi import Request

from redangel.errors import PreconditionFailed, PreconditionRequired


def etag(entity: str, entity_id: object, version: int) -> str:
    """The strong ETag of one version of a record."""
    return f'"{entity}-{entity_id}-v{version}"'


def require_if_match(request: Request, entity: str, entity_id: object, version: int) -> None:
    """Refuse an update without If-Match (428) or naming another version (412)."""
    sent = request.headers.get("if-match")
    if not sent:
        raise PreconditionRequired()
    tags = [tag.strip().removeprefix("W/") for tag in sent.split(",")]
    if etag(entity, entity_id, version) not in tags and "*" not in tags:
        raise PreconditionFailed()
