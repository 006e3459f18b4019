"""A strict YAML reader for the catalog: duplicate keys refused, every mapping knows its lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from redangel.eligibility.errors import CatalogError


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


def read(path: Path, root: Path) -> Any:
    """Read one catalog file strictly."""
    name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CatalogError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=name,
                           line=mark.line + 1 if mark else 0) from exc
    if node is None:
        raise CatalogError("empty file", file=name, line=1)
    return _convert(node, name)
