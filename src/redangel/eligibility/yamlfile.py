"""A strict YAML reader for the catalog: duplicate keys refused, every mapping knows its lines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from redangel.eligibility.errors import CatalogError

CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


class Mapping(dict[str, Any]):
    """A YAML mapping that remembers its file and the line of each key."""

    file: str = ""
    line: int = 0
    lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line where a key is written (or the mapping's own line)."""
        return self.lines.get(key, self.line)

    def fail(self, message: str, key: str | None = None) -> CatalogError:
        """An error at this mapping (or one of its keys)."""
        return CatalogError(message, file=self.file, line=self.line_of(key) if key else self.line)

    def text(self, key: str, *, default: str | None = None) -> str:
        """A required (or defaulted) non-empty text value."""
        value = self.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"`{key}` must be non-empty text", key)
        return value

    def code(self, key: str) -> str:
        """An identifier: lower-case letters, digits and underscores."""
        value = self.get(key)
        if not isinstance(value, str) or not CODE.fullmatch(value):
            raise self.fail(f"`{key}` must be a code like `pension_adultos_mayores`", key)
        return value

    def integer(self, key: str, *, minimum: int = 0) -> int:
        """A whole number no smaller than `minimum`."""
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(f"`{key}` must be a whole number of at least {minimum}", key)
        return value

    def boolean(self, key: str, *, default: bool) -> bool:
        """true or false (text such as "no" is refused, not read as true)."""
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"`{key}` must be true or false", key)
        return value

    def mapping(self, key: str) -> Mapping:
        """A nested mapping."""
        value = self.get(key)
        if not isinstance(value, Mapping):
            raise self.fail(f"`{key}` must be a mapping", key)
        return value

    def mappings(self, key: str, *, required: bool = True) -> list[Mapping]:
        """A list of mappings (empty when optional and absent)."""
        value = self.get(key, None if required else [])
        if not isinstance(value, list) or (required and not value):
            raise self.fail(f"`{key}` must be a non-empty list" if required else
                            f"`{key}` must be a list", key)
        for item in value:
            if not isinstance(item, Mapping):
                raise self.fail(f"each item of `{key}` must be a mapping", key)
        return value

    def codes(self, key: str, *, required: bool = False) -> list[str]:
        """A list of codes, without repeats."""
        value = self.get(key, None if required else [])
        if not isinstance(value, list) or (required and not value):
            raise self.fail(f"`{key}` must be a list of codes", key)
        for item in value:
            if not isinstance(item, str) or not CODE.fullmatch(item):
                raise self.fail(f"`{key}` must be a list of codes, `{item}` is not one", key)
        if len(set(value)) != len(value):
            raise self.fail(f"`{key}` lists a code twice", key)
        return [str(v) for v in value]

    def check_keys(self, required: set[str], optional: set[str]) -> None:
        """Refuse unknown keys and insist on the required ones."""
        for key in self:
            if key not in required | optional:
                raise self.fail(f"unknown key `{key}`", key)
        for key in sorted(required - set(self)):
            raise self.fail(f"missing key `{key}`")


def _convert(node: yaml.Node, file: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = Mapping()
        out.file, out.line, out.lines = file, node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = _convert(key_node, file)
            if not isinstance(key, str):
                raise CatalogError("keys must be text", file=file, line=key_node.start_mark.line + 1)
            if key in out:
                raise CatalogError(f"duplicate key `{key}`", file=file,
                                   line=key_node.start_mark.line + 1)
            out[key] = _convert(value_node, file)
            out.lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, file) for item in node.value]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def read_mapping(path: Path, root: Path) -> Mapping:
    """Read one catalog file whose top level must be a mapping."""
    data = read(path, root)
    if not isinstance(data, Mapping):
        name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        raise CatalogError("the file must be a mapping of keys to values", file=name, line=1)
    return data


def read(path: Path, root: Path) -> Any:
    """Read one catalog file strictly."""
    name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    return read_text(path.read_text(encoding="utf-8"), name)


def read_text(text: str, name: str) -> Any:
    """Read YAML text strictly, naming `name` and the line in any error."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CatalogError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=name,
                           line=mark.line + 1 if mark else 0) from exc
    if node is None:
        raise CatalogError("empty file", file=name, line=1)
    return _convert(node, name)
