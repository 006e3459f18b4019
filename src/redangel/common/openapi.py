"""Shared OpenAPI response declarations: every error is application/problem+json."""

from __future__ import annotations

from typing import Any

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    status: PROBLEM for status in (400, 401, 403, 404, 422, 429)
}


def with_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The common errors plus the given statuses."""
    return {**ERRORS, **{status: PROBLEM for status in statuses}}
