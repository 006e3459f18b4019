"""The vendored DCI schemas as JSON Schema validators (OpenAPI 3.0 components, draft 7 rules)."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

STANDARD = Path(__file__).resolve().parents[2] / "src" / "redangel" / "dci" / "standard"
FILES = {"registry": "registry_core_api_v1.0.0.yaml", "social": "social_api_v1.0.0.yaml"}


_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    """RFC 3339 `date-time`: a zone is required (the standard's `DateTime`)."""
    if not isinstance(value, str) or not _RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@cache
def _registry(api: str) -> Registry:
    document = yaml.safe_load((STANDARD / FILES[api]).read_text())
    return Registry().with_resource(f"urn:{api}", Resource.from_contents(document, DRAFT7))


def _pointer(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def validator(api: str, ref: str) -> Draft7Validator:
    """A validator for a fragment of the standard (`#/components/schemas/X` or a path's part)."""
    return Draft7Validator({"$ref": f"urn:{api}{ref}"}, registry=_registry(api),
                           format_checker=FORMATS)


def request_body(api: str, path: str) -> Draft7Validator:
    """The JSON request body of `POST path`."""
    return validator(api, f"#/paths/{_pointer(path)}/post/requestBody/content/"
                          f"application~1json/schema")


def errors(v: Draft7Validator, instance: Any) -> list[str]:
    """Every schema error of an instance, as `path: message`."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(instance)]
