"""Every answer under /api/v1 is typed: a meta-test that walks `app.routes` and the OpenAPI.

A route answers through a declared `response_model` (so the OpenAPI shows the contract partners
integrate with, and FastAPI checks every answer against it), or says explicitly that it has no
JSON body: a 204, or a `response_class` named in NOT_JSON with the reason. Inside the models,
no slot may be left untyped (`Any`, `dict[str, Any]`, a bare object) unless UNTYPED_SLOTS names
it with the reason. A new route or field that answers an untyped dict fails here, by name.
"""

from __future__ import annotations

from typing import Any, get_args, get_origin

from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from tests.conftest import LiveServer
from tests.security.test_matrix import _flat_routes

API = "/api/v1"

NOT_JSON: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/agency/roll.ndjson"): "the roll streamed as NDJSON, one enrollment a line",
    ("GET", "/api/v1/cards/revocations"): "the signed revocation list, binary (card-format.md)",
}
"""Routes whose answer is not a JSON document, with what they send instead."""

UNTYPED_SLOTS: dict[str, str] = {
    "PersonRead.attributes": "the catalog's facts about a person, whose names the catalog owns",
    "PersonRead.sensitive": "sealed facts keyed by the catalog, shown only to the front desk",
    "EvaluationOut.results": "the eligibility engine's explanation, shaped by the catalog",
    "AppliedOut.applications": "each application made from a bundle, as the engine saw it",
    "OutreachOut.persons": "the persons newly eligible, with the facts that made them so",
    "EventOut.outcome": "what a civil registry's event changed, shaped by its kind (docs/crvs.md)",
}
"""Fields deliberately left free-form, each with the reason it is."""


def _untyped_annotation(annotation: Any) -> bool:
    """`Any`, a dict or mapping of anything, or a list of those."""
    if annotation is Any or annotation is dict:
        return True
    origin = get_origin(annotation)
    if origin is dict:
        return get_args(annotation)[1:] in ((), (Any,), (object,))
    if origin is list:
        return any(_untyped_annotation(a) for a in get_args(annotation))
    return False


def _answers(live: LiveServer) -> list[tuple[str, str, APIRoute]]:
    routes = []
    for route in _flat_routes(live.app.routes):  # type: ignore[attr-defined]
        path = getattr(route, "path", None) or ""
        if isinstance(route.original_route, APIRoute) and path.startswith(API):
            for method in sorted(set(route.methods or ()) - {"HEAD", "OPTIONS"}):
                routes.append((method, path, route.original_route))
    return routes


def untyped_routes(live: LiveServer) -> list[str]:
    """The API routes whose answer is not declared, or declared as untyped."""
    problems = []
    for method, path, route in _answers(live):
        declared = getattr(route.response_class, "value", route.response_class)
        if (method, path) in NOT_JSON:
            if route.response_model is not None or issubclass(declared, JSONResponse):
                problems.append(f"{method} {path}: listed in NOT_JSON but answers JSON")
        elif route.response_model is None:
            if route.status_code != 204:
                problems.append(f"{method} {path}: no response_model")
        elif _untyped_annotation(route.response_model):
            problems.append(f"{method} {path}: response_model {route.response_model}")
    return problems


def _walk(schema: Any, defs: dict[str, Any], where: str, seen: set[str],
          found: set[str]) -> None:
    """Collect the `Model.field` slots of a JSON schema that accept any JSON value."""
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            _walk(defs[name], defs, name, seen, found)
        return
    kinds = {k for k in schema if k not in ("title", "description", "default", "examples")}
    if not kinds or schema.get("additionalProperties") is True or (
        schema.get("type") == "object" and not schema.get("properties")
        and not isinstance(schema.get("additionalProperties"), dict)
    ) or schema.get("additionalProperties") == {}:
        found.add(where)
    for key in ("items", "additionalProperties"):
        _walk(schema.get(key), defs, where, seen, found)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for sub in schema.get(key, []):
            _walk(sub, defs, where, seen, found)
    for field, sub in schema.get("properties", {}).items():
        _walk(sub, defs, f"{schema.get('title', where)}.{field}", seen, found)


def untyped_slots(live: LiveServer) -> dict[str, list[str]]:
    """Untyped slots inside the declared answers of the API, by `Model.field`, with their routes."""
    spec = live.app.openapi()  # type: ignore[attr-defined]
    defs = spec.get("components", {}).get("schemas", {})
    slots: dict[str, list[str]] = {}
    for path, operations in spec["paths"].items():
        if not path.startswith(API):
            continue
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                if schema is None:
                    continue
                found: set[str] = set()
                _walk(schema, defs, f"{method.upper()} {path}", set(), found)
                for slot in found:
                    slots.setdefault(slot, []).append(f"{method.upper()} {path}")
    return slots


def test_every_api_route_declares_a_typed_answer(live: LiveServer) -> None:
    """Each /api/v1 route has a response_model that is not a bare dict, or is a named exception."""
    problems = untyped_routes(live)
    assert not problems, (
        "API routes whose answer is untyped (declare a response_model from the domain's "
        f"schemas.py, or name the route in NOT_JSON with what it sends): {problems}")
    routes = {(m, p) for m, p, _ in _answers(live)}
    stale = sorted(f"{m} {p}" for m, p in set(NOT_JSON) - routes)
    assert not stale, f"NOT_JSON names routes that do not exist: {stale}"


def test_no_answer_hides_an_untyped_field(live: LiveServer) -> None:
    """Inside the answers, every field has a type the OpenAPI can show, or a named reason."""
    slots = untyped_slots(live)
    unnamed = {slot: routes for slot, routes in slots.items() if slot not in UNTYPED_SLOTS}
    assert not unnamed, (
        "fields of API answers that accept any JSON value (type them in the domain's "
        f"schemas.py, or name them in UNTYPED_SLOTS with the reason): {unnamed}")
    stale = sorted(set(UNTYPED_SLOTS) - set(slots))
    assert not stale, f"UNTYPED_SLOTS names fields that are typed now or gone: {stale}"
