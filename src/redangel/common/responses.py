"""Answers serialised once: a read model built and validated by its service is written to JSON
as it stands.

A route that returns the model instead has FastAPI validate it again against the route's
`response_model` (on a worker thread, for a plain `def` route) before writing the same bytes.
A route answering `json_answer(model)` keeps its `response_model` declared, so the OpenAPI
document and the contract it states stay as they were.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def json_answer(model: BaseModel) -> Response:
    """The model's JSON, written as FastAPI writes a `response_model` of the model's type."""
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")
