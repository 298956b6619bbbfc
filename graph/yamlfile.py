"""Read YAML keeping the line of every mapping and key, so errors can name them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from graph.errors import BuildError, Problem


class Located(dict):
    """A YAML mapping that remembers the line of itself and of each of its keys (1-based)."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    result = Located()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path, display: str | None = None) -> Any:
    """Parse *path*; a syntax error becomes a :class:`BuildError` naming file and line."""
    name = display or str(path)
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise BuildError("reading data", [Problem(f"YAML error: {exc.problem or exc}", name, line)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError("reading data", [Problem(f"cannot read: {exc}", name)]) from None
